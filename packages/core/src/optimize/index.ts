/**
 * Parameter sweeps and walk-forward over a plan's params (`tradeplan
 * optimize`, docs/optimize.md). Browser-safe: no Node APIs; the CLI reads
 * the file and supplies a {@link VariantRunner} (this thread, or a pool of
 * workers).
 */
export {
  type DeflatedSharpeInput,
  deflatedSharpe,
  expectedMaxSharpe,
  normalCdf,
  normalQuantile,
  sampleVariance,
} from "./deflated-sharpe.js";
export { type OptimizeInputCode, OptimizeInputError } from "./errors.js";
export { checkCap, DEFAULT_MAX_VARIANTS, gridSize, gridVariant, gridVariants, type ParamValues } from "./grid.js";
export {
  DEFAULT_OBJECTIVE,
  minimises,
  OBJECTIVES,
  type ObjectiveName,
  objectiveScore,
  objectiveValue,
} from "./objective.js";
export { DEFAULT_SEED, randomVariants } from "./random.js";
export { periodSharpe, type ReturnMoments, returnMoments } from "./returns.js";
export {
  type OptimizeOutcome,
  type OptimizeRequest,
  optimize,
  taskCount,
  type WalkForwardSummary,
  type WindowOutcome,
} from "./run.js";
export {
  axisSize,
  axisValue,
  buildSpace,
  type ParamAxis,
  type ParamOption,
  type ParamSpace,
  parseParamOption,
  showParams,
  varyingAxes,
} from "./space.js";
// Everything sweep.ts exports is public: the reduction, the task runner and their types.
export * from "./sweep.js";
export {
  type EquityPoint,
  InProcessRunner,
  type InProcessRunnerOptions,
  runVariantTask,
  type StopSignal,
  type VariantBars,
  VariantContext,
  type VariantResult,
  type VariantRunner,
  type VariantSetup,
  type VariantStats,
  type VariantTask,
} from "./task.js";
export {
  type BarTimes,
  parseDuration,
  parseWalkForward,
  showLength,
  type WalkForwardSpec,
  type WalkWindow,
  type WindowPeriod,
  walkForwardEfficiency,
  walkForwardWindows,
} from "./walk-forward.js";
