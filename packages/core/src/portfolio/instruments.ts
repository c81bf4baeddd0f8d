import { z } from "zod";

/**
 * What is traded under a symbol. A CSV file names no instrument, so
 * anything but a US-dollar stock is declared in tradeplan.yaml's
 * `instruments:` section, keyed by symbol (docs/backtest.md, "Instruments").
 */
export interface InstrumentSpec {
  readonly symbol: string;
  readonly type: "stock" | "future";
  /** Currency per point per share or contract: 1 for a stock, e.g. 10 for the Euro Stoxx 50 future. */
  readonly multiplier: number;
  /** Smallest price step; fills are rounded to it. Undefined: prices are used as they come. */
  readonly tickSize: number | undefined;
  /** ISO 4217 code of the prices and of the P&L before conversion. */
  readonly currency: string;
  /** Account currency per unit of `currency` (1 when they are the same). */
  readonly fxRate: number;
}

const Positive = z.number().refine((v) => Number.isFinite(v) && v > 0, "must be a finite number > 0");
const Currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD or EUR");

/** One entry of `instruments:`. */
export const InstrumentSchema = z
  .object({
    type: z.enum(["stock", "future"]).default("stock"),
    /** Currency per point per contract (futures); a stock's is 1. */
    multiplier: Positive.optional(),
    /** Smallest price step; fills are rounded to it. */
    tick_size: Positive.optional(),
    currency: Currency.default("USD"),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.type === "future" && v.multiplier === undefined)
      ctx.addIssue({
        code: "custom",
        message: "a future needs its multiplier (currency per point, e.g. 10 for the Euro Stoxx 50 future)",
        path: ["multiplier"],
      });
    if (v.type === "stock" && v.multiplier !== undefined && v.multiplier !== 1)
      ctx.addIssue({
        code: "custom",
        message: "a stock's multiplier is 1; declare `type: future`",
        path: ["multiplier"],
      });
  });

/** `instruments:`: per symbol. */
export const InstrumentsSchema = z.record(z.string().min(1), InstrumentSchema);

/** `fx:`: the account currency and fixed rates for a portfolio whose instruments are priced in several currencies. */
export const FxSchema = z
  .object({
    /** The account's currency. */
    base: Currency,
    /** Units of `base` per unit of each other currency (`EUR: 1.10` when a euro is 1.10 dollars). */
    rates: z.record(Currency, Positive).default({}),
  })
  .strict();

export type InstrumentConfig = z.output<typeof InstrumentSchema>;
export type FxConfig = z.output<typeof FxSchema>;

/** A problem of the instruments or fx sections, at a key path of the config file. */
export interface InstrumentIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * The instruments of one run, resolved for the symbols a plan trades: every
 * symbol has a spec (a US-dollar stock when it has no entry) and the
 * account has one currency. {@link resolveInstruments} builds it.
 */
export class Instruments {
  private readonly specs = new Map<string, InstrumentSpec>();

  constructor(
    /** The account's currency. */
    readonly currency: string,
    specs: readonly InstrumentSpec[],
  ) {
    for (const s of specs) this.specs.set(s.symbol, s);
  }

  /** Every symbol a US-dollar stock, the account in dollars: what a run without `instruments:` uses. */
  static stocks(): Instruments {
    return new Instruments("USD", []);
  }

  spec(symbol: string): InstrumentSpec {
    return (
      this.specs.get(symbol) ?? {
        symbol,
        type: "stock",
        multiplier: 1,
        tickSize: undefined,
        currency: this.currency,
        fxRate: 1,
      }
    );
  }

  /** Account currency per point per share or contract: multiplier x exchange rate. */
  pointValue(symbol: string): number {
    const s = this.spec(symbol);
    return s.multiplier * s.fxRate;
  }

  /** The symbols with an entry, in the order they were declared. */
  declared(): InstrumentSpec[] {
    return [...this.specs.values()];
  }
}

/**
 * Resolves `instruments:` and `fx:` for the symbols `traded`. Returns the
 * instruments, or every problem at its key path: an entry for a symbol the
 * plan does not trade, several currencies without `fx`, a currency `fx` has
 * no rate for.
 */
export function resolveInstruments(
  instruments: Readonly<Record<string, InstrumentConfig>>,
  fx: FxConfig | undefined,
  traded: readonly string[],
): Instruments | InstrumentIssue[] {
  const issues: InstrumentIssue[] = [];
  for (const symbol of Object.keys(instruments)) {
    if (!traded.includes(symbol))
      issues.push({
        path: ["instruments", symbol],
        message: `the plan does not trade ${symbol} (it trades ${traded.join(", ")})`,
      });
  }
  const currencyOf = (s: string) => instruments[s]?.currency ?? "USD";
  const currencies = [...new Set(traded.map(currencyOf))];
  let base: string;
  if (fx) base = fx.base;
  else if (currencies.length <= 1) base = currencies[0] ?? "USD";
  else {
    const list = traded.map((s) => `${s} ${currencyOf(s)}`).join(", ");
    issues.push({
      path: ["instruments"],
      message: `the plan's instruments are priced in ${currencies.join(" and ")} (${list}); one account needs one currency: add an fx section with base and rates (e.g. fx: { base: USD, rates: { EUR: 1.10 } })`,
    });
    base = "USD";
  }
  const rateOf = (c: string): number | undefined => (c === base ? 1 : fx?.rates[c]);
  // Without fx the mixed currencies are the one problem; with it, every other currency needs a rate.
  if (fx)
    for (const c of currencies) {
      if (rateOf(c) === undefined)
        issues.push({
          path: ["fx", "rates"],
          message: `no rate for ${c} (${base} per ${c}); the plan trades ${traded.filter((s) => currencyOf(s) === c).join(", ")} in ${c}`,
        });
    }
  if (issues.length > 0) return issues;
  const specs: InstrumentSpec[] = [];
  for (const [symbol, c] of Object.entries(instruments)) {
    specs.push({
      symbol,
      type: c.type,
      multiplier: c.multiplier ?? 1,
      tickSize: c.tick_size,
      currency: c.currency,
      fxRate: rateOf(c.currency) ?? 1,
    });
  }
  return new Instruments(base, specs);
}

/**
 * `price` rounded to a multiple of `tick`, against the trader: up for a
 * buy, down for a sell (a price already on the tick, to 1e-9 of a tick,
 * stays). The result carries no more decimals than the tick.
 */
export function roundToTick(price: number, tick: number, side: "BUY" | "SELL"): number {
  const n = price / tick;
  const near = Math.round(n);
  const steps = Math.abs(n - near) < 1e-9 ? near : side === "BUY" ? Math.ceil(n) : Math.floor(n);
  return Number((steps * tick).toFixed(tickDecimals(tick)));
}

/** Decimals of a tick size as written (0.25 -> 2, 1 -> 0, 1e-7 -> 7). */
function tickDecimals(tick: number): number {
  for (let d = 0; d <= 12; d++) if (Math.abs(Math.round(tick * 10 ** d) - tick * 10 ** d) < 1e-9) return d;
  return 12;
}

/** Whether `price` is a whole number of ticks (to 1e-6 of a tick: prices in files are rounded decimals). */
export function onTick(price: number, tick: number): boolean {
  const n = price / tick;
  return Math.abs(n - Math.round(n)) < 1e-6;
}
