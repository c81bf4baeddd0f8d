import {
  type ConditionParams,
  ConditionParamsSchema,
  type CrossParams,
  CrossParamsSchema,
  type ExprIR,
  type RuleCommon,
} from "@tradeplan/dsl";
import type { z } from "zod";
import type { ExecutionContext } from "../context.js";
import type { CompiledExpr, SymbolEvaluator } from "../ir/evaluator.js";
import { formatIR } from "../ir/format.js";
import { isBooleanIR, lookbackOf } from "../ir/lookback.js";
import { type ConditionTrace, type ConditionTracer, prepareTrace } from "../ir/trace.js";
import type { ExecutionSignal } from "../models.js";
import type { CloseGate, FunctionState, FunctionStateEnv } from "./base.js";
import { describeConfidence } from "./close-threshold.js";
import { volumeMomentumConfidence } from "./confidence.js";
import { formatNumber } from "./format.js";
import { type Firing, RuleFunction } from "./rule.js";
import { actionDirection, noneBecause } from "./signals.js";

/** Adds an issue when `ir` is present and its boolean-ness is not `wantBool`. */
function expectKind(ctx: z.RefinementCtx, ir: ExprIR | undefined, path: string, wantBool: boolean): void {
  if (ir && isBooleanIR(ir) !== wantBool) {
    ctx.addIssue({
      code: "custom",
      path: [path],
      message: wantBool
        ? "must be a boolean expression (a condition)"
        : "must be a numeric expression, not a condition",
    });
  }
}

/** {@link CrossParamsSchema} plus kind checks: `left`/`right` numeric, `filter` boolean. */
export const CrossFunctionParamsSchema = CrossParamsSchema.superRefine((p, ctx) => {
  expectKind(ctx, p.left, "left", false);
  expectKind(ctx, p.right, "right", false);
  expectKind(ctx, p.filter, "filter", true);
});

/** {@link ConditionParamsSchema} plus kind checks: `condition` and `filter` boolean. */
export const ConditionFunctionParamsSchema = ConditionParamsSchema.superRefine((p, ctx) => {
  expectKind(ctx, p.condition, "condition", true);
  expectKind(ctx, p.filter, "filter", true);
});

/** State of an expression rule: its expressions compiled on the (symbol, timeframe) stream. */
export interface ExpressionState extends FunctionState {
  readonly main: CompiledExpr;
  readonly filter: CompiledExpr | undefined;
  /** Extra numeric expressions whose values go into the reasoning (a cross's two sides). */
  readonly operands: readonly CompiledExpr[];
  /** The symbol's evaluator, which the firing trace reads the compiled nodes from. */
  readonly evaluator: SymbolEvaluator;
  /** Whether a firing carries `metadata.why` ({@link FunctionStateEnv.traceFirings}). */
  readonly traceFirings: boolean;
}

/**
 * A rule whose condition is an expression, evaluated by the IR compiler: the
 * condition must be true, and so must the optional `filter` (`with ...`).
 * A condition or filter that is not warm (NaN) yields NONE.
 *
 * Confidence: {@link volumeMomentumConfidence}, as for `close_above`.
 */
abstract class ExpressionRuleFunction<P extends RuleCommon & { filter?: ExprIR }>
  extends RuleFunction<P, ExpressionState>
  implements CloseGate<ExpressionState>
{
  protected readonly mainIR: ExprIR;
  protected readonly text: string;
  private readonly lookback: number;
  private readonly noneCondition: ExecutionSignal;
  private readonly noneFilter: ExecutionSignal;
  private readonly noneInputs: ExecutionSignal;
  /** Tracers per state, prepared on the first trace (instances are pooled across streams, so not a field of one). */
  private readonly tracers = new WeakMap<ExpressionState, readonly ConditionTracer[]>();

  protected constructor(schema: z.ZodType<P>, params: unknown, main: (p: P) => ExprIR) {
    super(schema, params);
    // Frozen (its parts are the frozen params'), so each stream and backtest compiling it does not validate it again.
    this.mainIR = Object.freeze(main(this.params));
    this.text = formatIR(this.mainIR);
    const f = this.params.filter;
    this.lookback = Math.max(1, lookbackOf(this.mainIR), f ? lookbackOf(f) : 0);
    this.noneCondition = noneBecause("condition_false", `${this.text} is false`);
    this.noneFilter = noneBecause("filter_false", `${this.text} but the filter ${f ? formatIR(f) : ""} is false`);
    this.noneInputs = noneBecause("not_warm", `inputs of ${this.text} are not warm yet`);
  }

  get requiredLookback(): number {
    return this.lookback;
  }

  /** Expressions whose values are reported in the reasoning. */
  protected operandIRs(): readonly ExprIR[] {
    return [];
  }

  createState(env: FunctionStateEnv): ExpressionState {
    const ev = env.evaluator;
    const filter = this.params.filter;
    return Object.freeze({
      owner: this,
      symbol: env.symbol,
      timeframe: env.timeframe,
      main: ev.compile(this.mainIR, env.timeframe),
      filter: filter ? ev.compile(filter, env.timeframe) : undefined,
      operands: Object.freeze(this.operandIRs().map((ir) => ev.compile(ir, env.timeframe))),
      evaluator: ev,
      traceFirings: env.traceFirings === true,
    });
  }

  /**
   * The NONE the condition and filter give at the current close (after
   * bringing their stream up to date), or undefined when both hold: the
   * one place this rule decides, for `check` and for the fast path's gate.
   */
  private refusal(state: ExpressionState): ExecutionSignal | undefined {
    state.main.program.sync();
    const v = state.main.node.value;
    if (Number.isNaN(v)) return this.noneInputs;
    if (v === 0) return this.noneCondition;
    if (state.filter) {
      const f = state.filter.node.value;
      if (Number.isNaN(f)) return this.noneInputs;
      if (f === 0) return this.noneFilter;
    }
    return undefined;
  }

  /** {@link CloseGate}: whether the condition and filter hold at the current close. */
  mayFire(state: ExpressionState): boolean {
    return this.refusal(state) === undefined;
  }

  protected check(ctx: ExecutionContext, state: ExpressionState): ExecutionSignal | Firing {
    const none = this.refusal(state);
    if (none !== undefined) return none;
    const c = volumeMomentumConfidence(ctx.history, actionDirection(this.params.action, ctx.position.side));
    const values: Record<string, unknown> = { close: ctx.bar.close };
    const sentence = this.describe(state, values);
    // Added in place rather than spread into a new object: see copyRecord in rule.ts.
    values.relativeVolume = c.relativeVolume;
    values.momentumPercent = c.momentumPercent;
    // Traced only when the rule fires (the per-bar path stays as it is): the values that decided it.
    if (state.traceFirings) values.why = this.trace(state);
    const filter = state.filter;
    return this.firing(
      c.confidence,
      () =>
        `${sentence()}${filter ? `, with ${formatIR(filter.ir)}` : ""}; ${describeConfidence(c.confidence, c.relativeVolume, c.momentumPercent)}`,
      values,
    );
  }

  /**
   * The condition's trace (then the filter's, when there is one) at the
   * current close, read from the nodes the engine evaluated: `metadata.why`
   * of a firing, and what `tradeplan backtest --explain` prints.
   */
  trace(state: ExpressionState): readonly ConditionTrace[] {
    state.main.program.sync();
    let tracers = this.tracers.get(state);
    if (!tracers) {
      const f = this.params.filter;
      const main = prepareTrace(state.evaluator, this.mainIR, state.timeframe);
      tracers = f ? [main, prepareTrace(state.evaluator, f, state.timeframe)] : [main];
      this.tracers.set(state, tracers);
    }
    return tracers.map((t) => t());
  }

  /** Adds the firing's values to the metadata; returns its sentence, built when called. */
  protected abstract describe(state: ExpressionState, values: Record<string, unknown>): () => string;
}

/**
 * `cross_above` / `cross_below`: `left crosses above right` means
 * `left > right` on this bar and `left <= right` on the previous one
 * (mirrored for below). Needs `max(lb(left), lb(right)) + 1` bars.
 * Reasoning: `close 151.20 crossed above sma(close, 50) 150.80`.
 */
abstract class CrossFunction extends ExpressionRuleFunction<CrossParams> {
  protected constructor(
    private readonly dir: "above" | "below",
    params: unknown,
  ) {
    super(CrossFunctionParamsSchema, params, (p) => ({ k: "cross", dir, l: p.left, r: p.right }));
  }

  protected override operandIRs(): readonly ExprIR[] {
    return [this.params.left, this.params.right];
  }

  protected describe(state: ExpressionState, values: Record<string, unknown>): () => string {
    const l = state.operands[0]!.node.value;
    const r = state.operands[1]!.node.value;
    values.left = l;
    values.right = r;
    return () =>
      `${formatIR(this.params.left)} ${formatNumber(l)} crossed ${this.dir} ${formatIR(this.params.right)} ${formatNumber(r)}`;
  }
}

export class CrossAboveFunction extends CrossFunction {
  static readonly paramsSchema = CrossFunctionParamsSchema;
  static readonly description =
    "Fires when `left` crosses above `right` (left > right now, left <= right on the previous bar).";
  readonly name = "cross_above";
  constructor(params: unknown) {
    super("above", params);
  }
}

export class CrossBelowFunction extends CrossFunction {
  static readonly paramsSchema = CrossFunctionParamsSchema;
  static readonly description =
    "Fires when `left` crosses below `right` (left < right now, left >= right on the previous bar).";
  readonly name = "cross_below";
  constructor(params: unknown) {
    super("below", params);
  }
}

/**
 * `condition`: any boolean expression (comparisons, `and`/`or`/`not`,
 * indicators, `of` other timeframes). Reasoning: `close > sma(close, 20) is true`.
 */
export class ConditionFunction extends ExpressionRuleFunction<ConditionParams> {
  static readonly paramsSchema = ConditionFunctionParamsSchema;
  static readonly description = "Fires when a general boolean expression is true.";
  readonly name = "condition";
  constructor(params: unknown) {
    super(ConditionFunctionParamsSchema, params, (p) => p.condition);
  }

  protected describe(): () => string {
    return this.sentence;
  }

  private readonly sentence = (): string => `${this.text} is true`;
}
