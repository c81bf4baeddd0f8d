export {
  bindRules,
  type CloseInput,
  Engine,
  type EngineCounters,
  type EngineOptions,
  type EngineState,
  type PersistentFunction,
  type RuleBinding,
} from "./engine.js";
export {
  combineSinks,
  type DecisionOrigin,
  type EngineErrorCode,
  type EngineEvent,
  type EngineEventSink,
  type SuppressionCode,
} from "./events.js";
export { ExecutionSignalSchema, SignalValidator } from "./signal.js";
export { type BudgetTimer, realBudgetTimer, withBudget } from "./timer.js";
