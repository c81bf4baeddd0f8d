/**
 * @packageDocumentation
 * The execution function framework: the base class, per-stream state, the
 * built-in rule functions and their signal helpers.
 */
export {
  type CloseGate,
  ExecutionFunctionBase,
  type ExecutionFunctionClass,
  type FunctionState,
  type FunctionStateEnv,
  parseParams,
} from "./base.js";
export { CloseAboveFunction, CloseBelowFunction, describeConfidence } from "./close-threshold.js";
export { type ConfidenceBreakdown, VOLUME_AVERAGE_BARS, volumeMomentumConfidence } from "./confidence.js";
export { FunctionError, type FunctionErrorCode } from "./errors.js";
export {
  ConditionFunction,
  ConditionFunctionParamsSchema,
  CrossAboveFunction,
  CrossBelowFunction,
  CrossFunctionParamsSchema,
  type ExpressionState,
} from "./expression-rule.js";
export { formatNumber, formatPrice, formatVolume } from "./format.js";
export { type Firing, RuleFunction } from "./rule.js";
export {
  actionDirection,
  clamp01,
  type MappedAction,
  mapAction,
  type NoneReason,
  noneBecause,
  noneSignal,
  type PlanAction,
} from "./signals.js";
export { TrailingStopFunction, type TrailingStopState, timeframeMs } from "./trailing-stop.js";
export { type DayWindow, inWindow, parseWindow } from "./window.js";
