import { z } from "zod";
import { COMPILED_PLAN_VERSION } from "./compiled-version.js";

/**
 * The compiled plan: the JSON contract between the compiler and the runtime.
 * The runtime validates every plan it loads with `CompiledPlanSchema`, so a
 * hand-edited or corrupted file is rejected with a path to the bad field.
 *
 * Versioning: `version` ({@link COMPILED_PLAN_VERSION}) is bumped on any
 * incompatible change; the runtime refuses versions it does not know.
 */
export { COMPILED_PLAN_VERSION };

/**
 * Expression IR. Every value is a series on the rule's stream unless wrapped
 * in `of`, which reads the last *closed* bar of another timeframe.
 *
 * - `num`: a constant. Percent-kind values are in percent units (2 for `2%`,
 *   and `change(close, 5)` yields 2.5 for +2.5%); where a percent scales a
 *   non-percent value (`close * 2%`) the compiler has already divided it by 100.
 * - `field`: a bar field of the current bar.
 * - `ind`: a streaming indicator over `src` (absent for `atr` and `vwap`,
 *   which read the bar itself) with a `period` (absent for `vwap`).
 * - `back`: the value of `e` `n` bars ago.
 * - `of`: `e` evaluated on timeframe `tf` of the same symbol.
 */
export type ExprIR =
  | { k: "num"; v: number }
  | { k: "bool"; v: boolean }
  | { k: "field"; f: z.infer<typeof BarFieldSchema> }
  | { k: "ind"; fn: z.infer<typeof IndicatorNameSchema>; src?: ExprIR; period?: number }
  | { k: "back"; n: number; e: ExprIR }
  | { k: "of"; tf: string; e: ExprIR }
  | { k: "neg"; e: ExprIR }
  | { k: "not"; e: ExprIR }
  | { k: "arith"; op: "+" | "-" | "*" | "/"; l: ExprIR; r: ExprIR }
  | { k: "cmp"; op: ">" | ">=" | "<" | "<=" | "==" | "!="; l: ExprIR; r: ExprIR }
  | { k: "cross"; dir: "above" | "below"; l: ExprIR; r: ExprIR }
  | { k: "and" | "or"; l: ExprIR; r: ExprIR };

/**
 * Builds the schemas of the compiled plan. They are built on first use (each
 * exported schema below is a `z.lazy` of one of these), not when the dsl is
 * imported: checking a plan never validates one, and building them was 5 ms
 * of every `tradeplan check`'s start (docs/architecture.md, Start-up).
 */
function buildSchemas() {
  const Finite = z.number().refine(Number.isFinite, "must be a finite number");
  const TimeframeStr = z.string().regex(/^[1-9][0-9]*[smhd]$/, "a timeframe such as 5m");
  const HHMM = z.string().regex(/^([01][0-9]|2[0-4]):[0-5][0-9]$/, "a time HH:MM");

  const SpanSchema = z.object({
    start: z.object({
      offset: z.number().int().min(0),
      line: z.number().int().min(1),
      column: z.number().int().min(1),
    }),
    end: z.object({ offset: z.number().int().min(0), line: z.number().int().min(1), column: z.number().int().min(1) }),
  });

  const BarFieldSchema = z.enum(["open", "high", "low", "close", "volume"]);
  const IndicatorNameSchema = z.enum(["sma", "ema", "rsi", "atr", "highest", "lowest", "vwap", "change"]);

  const ExprIRSchema: z.ZodType<ExprIR> = z.lazy(() =>
    z.union([
      z.object({ k: z.literal("num"), v: Finite }).strict(),
      z.object({ k: z.literal("bool"), v: z.boolean() }).strict(),
      z.object({ k: z.literal("field"), f: BarFieldSchema }).strict(),
      z
        .object({
          k: z.literal("ind"),
          fn: IndicatorNameSchema,
          src: ExprIRSchema.optional(),
          period: z.number().int().positive().optional(),
        })
        .strict(),
      z.object({ k: z.literal("back"), n: z.number().int().min(0), e: ExprIRSchema }).strict(),
      z.object({ k: z.literal("of"), tf: TimeframeStr, e: ExprIRSchema }).strict(),
      z.object({ k: z.literal("neg"), e: ExprIRSchema }).strict(),
      z.object({ k: z.literal("not"), e: ExprIRSchema }).strict(),
      z.object({ k: z.literal("arith"), op: z.enum(["+", "-", "*", "/"]), l: ExprIRSchema, r: ExprIRSchema }).strict(),
      z
        .object({
          k: z.literal("cmp"),
          op: z.enum([">", ">=", "<", "<=", "==", "!="]),
          l: ExprIRSchema,
          r: ExprIRSchema,
        })
        .strict(),
      z.object({ k: z.literal("cross"), dir: z.enum(["above", "below"]), l: ExprIRSchema, r: ExprIRSchema }).strict(),
      z.object({ k: z.enum(["and", "or"]), l: ExprIRSchema, r: ExprIRSchema }).strict(),
    ]),
  );

  const ActionSchema = z.enum(["enter_long", "enter_short", "exit", "exit_long", "exit_short"]);

  const SizeSchema = z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("shares"), shares: z.number().int().positive() }).strict(),
    z.object({ kind: z.literal("money"), amount: Finite.refine((v) => v > 0, "must be positive") }).strict(),
    z
      .object({ kind: z.literal("equity_percent"), percent: Finite.refine((v) => v > 0 && v <= 100, "in (0, 100]") })
      .strict(),
  ]);

  /** A stop or target: an absolute price, or a percent away from the entry price. */
  const PriceOffsetSchema = z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("price"), price: Finite }).strict(),
    z.object({ kind: z.literal("percent"), percent: Finite.refine((v) => v > 0, "must be positive") }).strict(),
  ]);

  /** Parameters every rule function shares: what to do when the condition holds. */
  const RuleCommonSchema = z
    .object({
      action: ActionSchema,
      /** The rule fires only on bars whose close time of day, in the plan's time zone, is within `[from, to]` (both ends included). */
      window: z.object({ from: HHMM, to: HHMM }).strict().optional(),
      size: SizeSchema.optional(),
      /** Signals with a lower confidence become NONE. */
      minConfidence: z.number().min(0).max(1).optional(),
      stop: PriceOffsetSchema.optional(),
      target: PriceOffsetSchema.optional(),
    })
    .strict();

  /** `close_above` / `close_below`: the simple threshold rule, optionally with a minimum volume. */
  const ThresholdParamsSchema = RuleCommonSchema.extend({
    threshold: Finite,
    minVolume: Finite.optional(),
  }).strict();

  /** `trailing_stop`: exits when a close falls `trailPercent` below the best close (mirrored for shorts). */
  const TrailingStopParamsSchema = z
    .object({
      trailPercent: Finite.refine((v) => v > 0 && v < 100, "in (0, 100)"),
      activationPrice: Finite.optional(),
    })
    .strict();

  /** `cross_above` / `cross_below`: `left` crosses `right`, with an optional filter condition. */
  const CrossParamsSchema = RuleCommonSchema.extend({
    left: ExprIRSchema,
    right: ExprIRSchema,
    filter: ExprIRSchema.optional(),
  }).strict();

  /** `condition`: any boolean expression, with an optional filter condition. */
  const ConditionParamsSchema = RuleCommonSchema.extend({
    condition: ExprIRSchema,
    filter: ExprIRSchema.optional(),
  }).strict();

  const FunctionBase = {
    /** Stable id: `r<line>` of the rule, unique in the plan. */
    id: z.string().min(1),
    /** 1-based line of the rule in the source. */
    line: z.number().int().min(1),
    timeframe: TimeframeStr,
    /** Bars of history the rule needs on its own stream before it may fire. */
    lookback: z.number().int().min(1),
    span: SpanSchema,
    /** The rule's source text, for reasoning and audit. */
    source: z.string(),
  };

  const CompiledFunctionSchema = z.discriminatedUnion("name", [
    z.object({ ...FunctionBase, name: z.literal("close_above"), params: ThresholdParamsSchema }).strict(),
    z.object({ ...FunctionBase, name: z.literal("close_below"), params: ThresholdParamsSchema }).strict(),
    z.object({ ...FunctionBase, name: z.literal("trailing_stop"), params: TrailingStopParamsSchema }).strict(),
    z.object({ ...FunctionBase, name: z.literal("cross_above"), params: CrossParamsSchema }).strict(),
    z.object({ ...FunctionBase, name: z.literal("cross_below"), params: CrossParamsSchema }).strict(),
    z.object({ ...FunctionBase, name: z.literal("condition"), params: ConditionParamsSchema }).strict(),
  ]);

  const StreamSchema = z
    .object({
      symbol: z.string().min(1),
      timeframe: TimeframeStr,
      seconds: z.number().int().positive(),
      /** Bars the stream's cache must hold: the largest lookback of anything reading it. */
      lookback: z.number().int().min(1).max(1000),
    })
    .strict();

  const RiskSchema = z
    .object({
      maxPositionShares: z.number().int().positive().optional(),
      maxOrderValue: Finite.optional(),
      maxDailyLoss: Finite.optional(),
      maxDailyLossPercent: Finite.optional(),
      maxOrdersPerMinute: z.number().int().positive().optional(),
    })
    .strict();

  /**
   * A param the plan declares (`param NAME = DEFAULT in MIN..MAX [step STEP]`)
   * and the value this compilation bound to it. Values are in the IR's units:
   * percents in percent units (2 for `2%`), money as a price.
   */
  const CompiledParamSchema = z
    .object({
      name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a param name"),
      /** How the plan writes its values: a plain number, a percent (`2%`) or money (`$150`). */
      kind: z.enum(["number", "percent", "money"]),
      default: Finite,
      min: Finite,
      max: Finite,
      /** Absent when any value in `[min, max]` is allowed. */
      step: Finite.refine((v) => v > 0, "must be positive").optional(),
      /** Used as an indicator period: only whole numbers are allowed. */
      integer: z.boolean(),
      /** The value compiled into the functions (the default unless one was set). */
      value: Finite,
    })
    .strict()
    .refine((p) => p.min <= p.max, "min must not exceed max")
    .refine((p) => p.value >= p.min && p.value <= p.max, "value must be within [min, max]");

  const CompiledPlanSchema = z
    .object({
      format: z.literal("tradeplan/compiled-plan"),
      version: z.literal(COMPILED_PLAN_VERSION),
      name: z.string(),
      /** SHA-256 (hex) of the source text, so a journal can name the exact plan it ran. */
      sourceHash: z.string().regex(/^[0-9a-f]{64}$/),
      timezone: z.string().min(1),
      session: z.enum(["regular", "extended", "always"]),
      /** The exchange calendar `session` names (`XEUR`); absent for NYSE, the default. */
      calendar: z
        .string()
        .regex(/^[A-Z]{4}$/)
        .optional(),
      /** Fixed hours from `session 09:00-17:30` (weekdays in `timezone`, no holidays); absent otherwise. */
      hours: z
        .object({ open: z.string().regex(/^\d{2}:\d{2}$/), close: z.string().regex(/^\d{2}:\d{2}$/) })
        .strict()
        .optional(),
      symbols: z.array(z.string().min(1)).min(1),
      risk: RiskSchema,
      /** The plan's params in source order; absent when it declares none. */
      params: z.array(CompiledParamSchema).optional(),
      streams: z.array(StreamSchema),
      /** One entry per rule, in source order; each applies to every symbol. */
      functions: z.array(CompiledFunctionSchema),
    })
    .strict();

  return {
    SpanSchema,
    BarFieldSchema,
    IndicatorNameSchema,
    ExprIRSchema,
    ActionSchema,
    SizeSchema,
    PriceOffsetSchema,
    RuleCommonSchema,
    ThresholdParamsSchema,
    TrailingStopParamsSchema,
    CrossParamsSchema,
    ConditionParamsSchema,
    CompiledFunctionSchema,
    StreamSchema,
    RiskSchema,
    CompiledParamSchema,
    CompiledPlanSchema,
  };
}

let built: ReturnType<typeof buildSchemas> | undefined;
const schemas = (): ReturnType<typeof buildSchemas> => (built ??= buildSchemas());

export const SpanSchema = z.lazy(() => schemas().SpanSchema);
export const BarFieldSchema = z.lazy(() => schemas().BarFieldSchema);
export const IndicatorNameSchema = z.lazy(() => schemas().IndicatorNameSchema);
export const ExprIRSchema: z.ZodType<ExprIR> = z.lazy(() => schemas().ExprIRSchema);
export const ActionSchema = z.lazy(() => schemas().ActionSchema);
export const SizeSchema = z.lazy(() => schemas().SizeSchema);
export const PriceOffsetSchema = z.lazy(() => schemas().PriceOffsetSchema);
export const RuleCommonSchema = z.lazy(() => schemas().RuleCommonSchema);
export const ThresholdParamsSchema = z.lazy(() => schemas().ThresholdParamsSchema);
export const TrailingStopParamsSchema = z.lazy(() => schemas().TrailingStopParamsSchema);
export const CrossParamsSchema = z.lazy(() => schemas().CrossParamsSchema);
export const ConditionParamsSchema = z.lazy(() => schemas().ConditionParamsSchema);
export const CompiledFunctionSchema = z.lazy(() => schemas().CompiledFunctionSchema);
export const StreamSchema = z.lazy(() => schemas().StreamSchema);
export const RiskSchema = z.lazy(() => schemas().RiskSchema);
export const CompiledParamSchema = z.lazy(() => schemas().CompiledParamSchema);
export const CompiledPlanSchema = z.lazy(() => schemas().CompiledPlanSchema);

export type CompiledPlan = z.infer<typeof CompiledPlanSchema>;
export type CompiledFunction = z.infer<typeof CompiledFunctionSchema>;
export type CompiledStream = z.infer<typeof StreamSchema>;
export type CompiledParam = z.infer<typeof CompiledParamSchema>;
export type RuleCommon = z.infer<typeof RuleCommonSchema>;
export type ThresholdParams = z.infer<typeof ThresholdParamsSchema>;
export type TrailingStopParams = z.infer<typeof TrailingStopParamsSchema>;
export type CrossParams = z.infer<typeof CrossParamsSchema>;
export type ConditionParams = z.infer<typeof ConditionParamsSchema>;
