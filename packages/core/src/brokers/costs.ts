import { z } from "zod";

/**
 * Trading costs of the simulated exchange: commission and slippage models,
 * one definition for `tradeplan backtest` (its `--commission` and
 * `--slippage` flags) and the paper broker of `tradeplan run`
 * (`broker.paper.commission` and `broker.paper.slippage` in tradeplan.yaml,
 * which take the flags' text as well). docs/backtest.md, "Costs".
 */

/** A cap on one fill's commission: an amount, or a percent of the fill's value. */
export type CommissionCap =
  | { readonly kind: "amount"; readonly amount: number }
  | { readonly kind: "percent"; readonly percent: number };

/**
 * What one fill costs. Amounts are in the instrument's currency; `value` is
 * quantity x price x multiplier.
 * - `per_share`: quantity x rate (per share or per contract), at least `minimum`, at most `maximum`;
 * - `per_order`: a fixed amount per fill;
 * - `percent`: percent of the value, at least `minimum`, at most `maximum`.
 */
export type CommissionModel =
  | {
      readonly kind: "per_share";
      readonly rate: number;
      readonly minimum: number;
      readonly maximum: CommissionCap | undefined;
    }
  | { readonly kind: "per_order"; readonly amount: number }
  | {
      readonly kind: "percent";
      readonly percent: number;
      readonly minimum: number;
      readonly maximum: CommissionCap | undefined;
    };

/** Adverse slippage of market and stop fills: basis points of the price, or whole ticks of the instrument. */
export type SlippageModel =
  | { readonly kind: "bps"; readonly bps: number }
  | { readonly kind: "ticks"; readonly ticks: number };

/** The defaults: a US retail broker charging per share (0.005 a share, at least 1), and 1 basis point. */
export const DEFAULT_COMMISSION: CommissionModel = { kind: "per_share", rate: 0.005, minimum: 1, maximum: undefined };
export const DEFAULT_SLIPPAGE: SlippageModel = { kind: "bps", bps: 1 };

const NUMBER = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/** A non-negative decimal as written in a flag; undefined when it is none. */
function decimal(s: string): number | undefined {
  const t = s.trim();
  if (!NUMBER.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** `N` or `N%`. */
function cap(s: string): CommissionCap | undefined {
  const t = s.trim();
  if (t.endsWith("%")) {
    const p = decimal(t.slice(0, -1));
    return p === undefined ? undefined : { kind: "percent", percent: p };
  }
  const a = decimal(t);
  return a === undefined ? undefined : { kind: "amount", amount: a };
}

/** The commission syntax, for error messages and `--help`. */
export const COMMISSION_SYNTAX =
  "RATE/share (or /contract) or AMOUNT/order or PERCENT%, then optional ,min=AMOUNT and ,max=AMOUNT or ,max=PERCENT%; or 0 (e.g. 0.005/share,min=1,max=1%)";
export const SLIPPAGE_SYNTAX = "N bp (basis points of the price, e.g. 2bp) or N ticks (e.g. 1tick), or 0";

/**
 * Parses the commission text of `--commission` and of `broker.paper.commission`:
 * `0.005/share,min=1,max=1%`, `2.25/contract`, `1.5/order`, `0.1%,min=1`, `0`.
 * Returns the model, or a message saying what is wrong.
 */
export function parseCommission(text: string): CommissionModel | string {
  const [head = "", ...opts] = text.split(",").map((p) => p.trim());
  const bad = (why: string) => `"${text}": ${why}; expected ${COMMISSION_SYNTAX}`;
  let minimum: number | undefined;
  let maximum: CommissionCap | undefined;
  for (const o of opts) {
    const m = /^(min|max)\s*=\s*(.+)$/.exec(o);
    if (!m) return bad(`"${o}" is not min=... or max=...`);
    if (m[1] === "min") {
      if (minimum !== undefined) return bad("min is given twice");
      minimum = decimal(m[2] ?? "");
      if (minimum === undefined) return bad(`min "${m[2]}" is not an amount >= 0`);
    } else {
      if (maximum !== undefined) return bad("max is given twice");
      maximum = cap(m[2] ?? "");
      if (maximum === undefined) return bad(`max "${m[2]}" is not an amount or percent >= 0`);
    }
  }
  if (head === "0" || head === "none") {
    if (opts.length > 0) return bad("no commission takes no min or max");
    return { kind: "per_order", amount: 0 };
  }
  const per = /^(.+?)\s*\/\s*(share|contract|order)$/.exec(head);
  if (per) {
    const amount = decimal(per[1] ?? "");
    if (amount === undefined) return bad(`"${per[1]}" is not an amount >= 0`);
    if (per[2] === "order") {
      if (opts.length > 0) return bad("a commission per order takes no min or max");
      return { kind: "per_order", amount };
    }
    return { kind: "per_share", rate: amount, minimum: minimum ?? 0, maximum };
  }
  if (head.endsWith("%")) {
    const percent = decimal(head.slice(0, -1));
    if (percent === undefined) return bad(`"${head}" is not a percent >= 0`);
    return { kind: "percent", percent, minimum: minimum ?? 0, maximum };
  }
  return bad(`"${head}" names no model`);
}

/** Parses `--slippage` / `broker.paper.slippage`: `2bp`, `2 bps`, `1tick`, `3 ticks`, `0`. */
export function parseSlippage(text: string): SlippageModel | string {
  const t = text.trim();
  if (t === "0" || t === "none") return { kind: "bps", bps: 0 };
  const m = /^(.+?)\s*(bp|bps|tick|ticks)$/.exec(t);
  const n = m ? decimal(m[1] ?? "") : undefined;
  if (!m || n === undefined) return `"${text}": expected ${SLIPPAGE_SYNTAX}`;
  if (m[2]?.startsWith("tick")) {
    if (!Number.isInteger(n)) return `"${text}": slippage in ticks is a whole number of ticks`;
    return { kind: "ticks", ticks: n };
  }
  return { kind: "bps", bps: n };
}

const NonNegative = z.number().refine((v) => Number.isFinite(v) && v >= 0, "must be a finite number >= 0");

/** The map form of a commission: `{ per_share: 0.005, minimum: 1, maximum: "1%" }`. */
const CommissionMapSchema = z
  .object({
    per_share: NonNegative.optional(),
    per_order: NonNegative.optional(),
    percent: NonNegative.optional(),
    minimum: NonNegative.optional(),
    /** An amount, or a percent of the fill's value such as "1%". */
    maximum: z.union([NonNegative, z.string()]).optional(),
  })
  .strict();

/**
 * `broker.paper.commission`: the flag's text (`0.005/share,min=1,max=1%`), or the same as a map
 * (`{ per_share: 0.005, minimum: 1, maximum: "1%" }`). Validated here, turned into a model by {@link commissionModel}.
 */
export const CommissionSchema = z.union([
  z.string().superRefine((s, ctx) => {
    const m = parseCommission(s);
    if (typeof m === "string") ctx.addIssue({ code: "custom", message: m });
  }),
  CommissionMapSchema.superRefine((o, ctx) => {
    const m = commissionFromMap(o);
    if (typeof m === "string") ctx.addIssue({ code: "custom", message: m });
  }),
]);

/** `broker.paper.slippage`: the flag's text (`2bp`, `1tick`), or a map `{ bps: 2 }` / `{ ticks: 1 }`. */
export const SlippageSchema = z.union([
  z.string().superRefine((s, ctx) => {
    const m = parseSlippage(s);
    if (typeof m === "string") ctx.addIssue({ code: "custom", message: m });
  }),
  z.object({ bps: NonNegative }).strict(),
  z.object({ ticks: z.number().int().min(0) }).strict(),
]);

export type CommissionInput = z.output<typeof CommissionSchema>;
export type SlippageInput = z.output<typeof SlippageSchema>;

function commissionFromMap(o: z.output<typeof CommissionMapSchema>): CommissionModel | string {
  const given = (["per_share", "per_order", "percent"] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1) return "give exactly one of per_share, per_order, percent";
  const maximum =
    o.maximum === undefined
      ? undefined
      : typeof o.maximum === "number"
        ? { kind: "amount" as const, amount: o.maximum }
        : cap(o.maximum);
  if (o.maximum !== undefined && maximum === undefined)
    return `maximum "${o.maximum}" is not an amount or a percent such as 1%`;
  if (o.per_order !== undefined) {
    if (o.minimum !== undefined || maximum !== undefined) return "a commission per order takes no minimum or maximum";
    return { kind: "per_order", amount: o.per_order };
  }
  if (o.per_share !== undefined) return { kind: "per_share", rate: o.per_share, minimum: o.minimum ?? 0, maximum };
  return { kind: "percent", percent: o.percent ?? 0, minimum: o.minimum ?? 0, maximum };
}

/** The model of a validated `commission` value (text or map). Throws a RangeError on one that was not validated. */
export function commissionModel(input: CommissionInput): CommissionModel {
  const m = typeof input === "string" ? parseCommission(input) : commissionFromMap(input);
  if (typeof m === "string") throw new RangeError(`commission ${m}`);
  return m;
}

/** The model of a validated `slippage` value (text or map). */
export function slippageModel(input: SlippageInput): SlippageModel {
  if (typeof input !== "string")
    return "bps" in input ? { kind: "bps", bps: input.bps } : { kind: "ticks", ticks: input.ticks };
  const m = parseSlippage(input);
  if (typeof m === "string") throw new RangeError(`slippage ${m}`);
  return m;
}

/**
 * The commission of one fill, in the instrument's currency: `quantity`
 * shares or contracts at `price`, each worth `multiplier` x price.
 */
export function commissionOf(model: CommissionModel, quantity: number, price: number, multiplier: number): number {
  if (model.kind === "per_order") return model.amount;
  const value = quantity * price * multiplier;
  const raw = model.kind === "per_share" ? quantity * model.rate : (value * model.percent) / 100;
  const floored = Math.max(model.minimum, raw);
  const max = model.maximum;
  if (max === undefined) return floored;
  return Math.min(floored, max.kind === "amount" ? max.amount : (value * max.percent) / 100);
}

/** The model as the flag syntax writes it (for the run's description and errors). */
export function describeCommission(m: CommissionModel): string {
  const capText = (c: CommissionCap | undefined) =>
    c === undefined ? "" : `,max=${c.kind === "amount" ? c.amount : `${c.percent}%`}`;
  if (m.kind === "per_order") return m.amount === 0 ? "0" : `${m.amount}/order`;
  const min = m.minimum > 0 ? `,min=${m.minimum}` : "";
  return m.kind === "per_share"
    ? `${m.rate}/share${min}${capText(m.maximum)}`
    : `${m.percent}%${min}${capText(m.maximum)}`;
}

export function describeSlippage(m: SlippageModel): string {
  return m.kind === "bps" ? `${m.bps}bp` : `${m.ticks} ${m.ticks === 1 ? "tick" : "ticks"}`;
}
