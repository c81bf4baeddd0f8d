/**
 * @packageDocumentation
 * ExprIR compiler and evaluator: per-stream node programs, O(1) per closed bar.
 */
export { canonicalJson } from "./canonical.js";
export { IrError, type IrErrorCode } from "./errors.js";
export {
  type CompiledExpr,
  readExpr,
  type SeriesLookup,
  SymbolEvaluator,
  type SymbolEvaluatorOptions,
} from "./evaluator.js";
export { formatIR } from "./format.js";
export { isBooleanIR, lookbackOf, otherTimeframeLookbacks } from "./lookback.js";
export { type BarCursor, EvalNode } from "./nodes.js";
export { type SessionKeyFn, StreamProgram, utcSessionKey } from "./program.js";
export {
  type ConditionTrace,
  type ConditionTracer,
  prepareTrace,
  type TracedComparison,
  type TracedIndicator,
  type TracedOf,
  traceCondition,
} from "./trace.js";
export { type IssueLike, issueLines } from "./zod-issues.js";
