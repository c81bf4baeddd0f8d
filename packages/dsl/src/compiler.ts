import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import type * as A from "./ast.js";
import { bindParams, type ParamSpec, paramNumbers, periodParam } from "./checker/params.js";
import { forEachStatementExpr, visitExprsOfType } from "./checker/walk.js";
import type { CompiledFunction, CompiledPlan, CompiledStream, RuleCommon } from "./compiled.js";
import { COMPILED_PLAN_VERSION } from "./compiled-version.js";
import type { DiagnosticCollector } from "./diagnostics.js";
import { Lowerer } from "./lower.js";
import type { SemanticModel } from "./semantic.js";

/** Confidence floors for `confidence low|medium|high`: the bottom of each bucket (see runtime ConfidenceLevel). */
export const CONFIDENCE_FLOORS = { low: 0, medium: 0.4, high: 0.7 } as const;

/** What to compile a plan with besides its source. */
export interface CompileOptions {
  /**
   * Values for the plan's params by name (`--set NAME=VALUE`); the others
   * keep their defaults. Checked against the declared ranges: a value the
   * plan does not accept throws a `ParamValueError`.
   */
  readonly params?: Readonly<Record<string, number>>;
}

/**
 * Compiles a checked plan (no errors) to the compiled-plan JSON. Each rule
 * becomes one function entry; the simplest shapes get the dedicated
 * `close_above`/`close_below`/`cross_*` functions (cheaper at run time and
 * easier to read in an audit), everything else the general `condition`.
 *
 * The few constraints that only the compiler can see (a stop that is not a
 * constant) are reported into `diagnostics`; the result is undefined then.
 *
 * Params are bound here, at compile time: the IR holds each param's value
 * as a constant, so the runtime never sees a param. A variant of a plan
 * (an optimizer's, or `--set`) is `compile(ast, model, source, diagnostics,
 * { params })` on the AST and model checked once: no parse, no check, and
 * every lookback is the same for all variants (a param period counts at its
 * range's maximum).
 *
 * @throws ParamValueError when `options.params` names an unknown param or a
 * value outside its range, off its step, or fractional for a period.
 */
export function compile(
  ast: A.PlanFile,
  model: SemanticModel,
  source: string,
  diagnostics: DiagnosticCollector,
  options: CompileOptions = {},
): CompiledPlan | undefined {
  const specs = paramSpecs(ast, model);
  const bound = bindParams(
    specs.map((p) => p.spec),
    options.params ?? {},
  );
  const values = new Map(specs.map((p) => [p.decl, bound.get(p.spec.name) as number]));
  const lower = new Lowerer(model, values);
  const functions: CompiledFunction[] = [];
  const streamLookback = new Map<string, number>();
  const need = (tf: string, bars: number): void => {
    streamLookback.set(tf, Math.max(streamLookback.get(tf) ?? 1, bars));
  };
  let failed = false;

  for (const st of ast.statements) {
    if (st.type !== "ConditionRule" && st.type !== "TrailingStopRule") continue;
    const info = model.ruleInfo(st);
    const lookback = Math.max(1, info?.lookback ?? 1);
    need(st.timeframe.raw, lookback);
    for (const [tf, bars] of info?.otherTimeframes ?? []) need(tf, bars);
    const base = {
      id: `r${st.span.start.line}`,
      line: st.span.start.line,
      timeframe: st.timeframe.raw,
      lookback,
      span: st.span,
      source: source.slice(st.span.start.offset, st.span.end.offset),
    };
    if (st.type === "TrailingStopRule") {
      // A percent literal, or a percent param's bound value (the checker accepts nothing else).
      const trailPercent = lower.percent(st.trail) ?? Number.NaN;
      let activationPrice: number | undefined;
      if (st.activation) {
        activationPrice = lower.constant(st.activation);
        if (activationPrice === undefined) {
          diagnostics.error("E0405", st.activation.span, "`activate at` needs a constant price", {
            label: "not a constant",
            hint: "write a price such as `155.00`, or a `let` that names one",
          });
          failed = true;
          continue;
        }
      }
      functions.push({
        ...base,
        name: "trailing_stop",
        params: { trailPercent, ...(activationPrice !== undefined ? { activationPrice } : {}) },
      });
      continue;
    }
    const common = ruleCommon(st, lower, diagnostics);
    if (!common) {
      failed = true;
      continue;
    }
    functions.push(conditionFunction(st, base, common, lower));
  }
  if (failed) return undefined;

  const { settings } = model;
  const streams: CompiledStream[] = [];
  for (const symbol of settings.symbols) {
    for (const [tf, lookback] of streamLookback) {
      streams.push({
        symbol,
        timeframe: tf,
        seconds: timeframeSeconds(tf),
        lookback: Math.min(lookback, MAX_STREAM_LOOKBACK),
      });
    }
  }
  return {
    format: "tradeplan/compiled-plan",
    version: COMPILED_PLAN_VERSION,
    name: settings.name,
    sourceHash: bytesToHex(sha256(utf8ToBytes(source))),
    timezone: settings.timezone,
    session: settings.session,
    ...(settings.calendar !== undefined ? { calendar: settings.calendar } : {}),
    ...(settings.hours !== undefined ? { hours: { ...settings.hours } } : {}),
    symbols: [...settings.symbols],
    risk: { ...settings.risk },
    ...(specs.length > 0
      ? { params: specs.map(({ spec }) => ({ ...spec, value: bound.get(spec.name) as number })) }
      : {}),
    streams,
    functions,
  };
}

/** The plan's params (first definitions, in source order) with what a value set for each must satisfy. */
export function paramSpecs(ast: A.PlanFile, model: SemanticModel): { decl: A.LetDecl; spec: ParamSpec }[] {
  const periods = new Set<A.LetDecl>();
  for (const st of ast.statements)
    forEachStatementExpr(st, (root) =>
      visitExprsOfType(root, "Call", (c) => {
        for (const a of c.args) {
          const d = periodParam(a, (n) => model.resolve(n));
          if (d) periods.add(d);
        }
      }),
    );
  const out: { decl: A.LetDecl; spec: ParamSpec }[] = [];
  for (const decl of model.lets.values()) {
    const n = decl.param ? paramNumbers(decl) : undefined;
    if (!n) continue;
    const spec: ParamSpec = {
      name: decl.name.name,
      kind: n.literal,
      default: n.default,
      min: n.min,
      max: n.max,
      ...(n.step !== undefined ? { step: n.step } : {}),
      integer: periods.has(decl),
    };
    out.push({ decl, spec });
  }
  return out;
}

/** Longest stream lookback a compiled plan asks for (the runtime caches at most this many bars). */
export const MAX_STREAM_LOOKBACK = 1000;

/** Seconds of a timeframe as written (`5m` -> 300); the plan checked clean, so it is well-formed. */
export function timeframeSeconds(tf: string): number {
  const n = Number(tf.slice(0, -1));
  const u = tf.slice(-1);
  return n * (u === "s" ? 1 : u === "m" ? 60 : u === "h" ? 3600 : 86400);
}

function hhmm(t: A.TimeOfDay): string {
  return `${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;
}

function ruleCommon(rule: A.ConditionRule, lower: Lowerer, diagnostics: DiagnosticCollector): RuleCommon | undefined {
  const common: {
    action: RuleCommon["action"];
    window?: RuleCommon["window"];
    size?: RuleCommon["size"];
    minConfidence?: number;
    stop?: RuleCommon["stop"];
    target?: RuleCommon["target"];
  } = { action: rule.action.action };
  if (rule.window) common.window = { from: hhmm(rule.window.from), to: hhmm(rule.window.to) };
  let ok = true;
  for (const m of rule.modifiers) {
    switch (m.type) {
      case "Size": {
        const s = m.size;
        common.size =
          s.type === "SizeShares"
            ? { kind: "shares", shares: s.shares.value }
            : s.type === "SizeMoney"
              ? { kind: "money", amount: s.amount.value }
              : { kind: "equity_percent", percent: s.percent.value };
        break;
      }
      case "Confidence":
        common.minConfidence = typeof m.level === "string" ? CONFIDENCE_FLOORS[m.level] : m.level.value;
        break;
      case "Stop":
      case "Target": {
        const v = m.value;
        let offset: RuleCommon["stop"];
        const percent = lower.percent(v);
        if (percent !== undefined) offset = { kind: "percent", percent };
        else {
          const price = lower.constant(v);
          if (price !== undefined) offset = { kind: "price", price };
        }
        if (!offset) {
          diagnostics.error("E0404", v.span, `\`${m.type.toLowerCase()}\` needs a constant price or a percent`, {
            label: "not a constant",
            hint: "write a price such as `145.00` or a distance such as `2%`",
          });
          ok = false;
        } else if (m.type === "Stop") common.stop = offset;
        else common.target = offset;
        break;
      }
    }
  }
  return ok ? common : undefined;
}

type Base = Omit<CompiledFunction, "name" | "params">;

function unwrap(e: A.Expr): A.Expr {
  return e.type === "Paren" ? unwrap(e.inner) : e;
}

/** `volume > N` / `volume >= N` with a constant N: the threshold functions' minimum volume. */
function minVolume(filter: A.Expr | undefined, lower: Lowerer): number | undefined | null {
  if (!filter) return undefined;
  const f = unwrap(filter);
  if (f.type !== "Compare" || (f.op !== ">" && f.op !== ">=")) return null;
  const l = unwrap(f.left);
  if (l.type !== "Field" || l.field !== "volume") return null;
  const v = lower.constant(f.right);
  return v === undefined ? null : v;
}

function conditionFunction(rule: A.ConditionRule, base: Base, common: RuleCommon, lower: Lowerer): CompiledFunction {
  const cond = unwrap(rule.condition);
  if (cond.type === "Compare" && (cond.op === ">" || cond.op === "<")) {
    const l = unwrap(cond.left);
    const threshold = lower.constant(cond.right);
    const vol = minVolume(rule.filter, lower);
    if (l.type === "Field" && l.field === "close" && threshold !== undefined && vol !== null) {
      return {
        ...base,
        name: cond.op === ">" ? "close_above" : "close_below",
        params: { ...common, threshold, ...(vol !== undefined ? { minVolume: vol } : {}) },
      };
    }
  }
  const filter = rule.filter ? { filter: lower.lower(rule.filter) } : {};
  if (cond.type === "Cross") {
    return {
      ...base,
      name: cond.direction === "above" ? "cross_above" : "cross_below",
      params: { ...common, left: lower.lower(cond.left), right: lower.lower(cond.right), ...filter },
    };
  }
  return { ...base, name: "condition", params: { ...common, condition: lower.lower(rule.condition), ...filter } };
}
