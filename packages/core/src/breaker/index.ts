export {
  type BreakerChange,
  type BreakerListener,
  type BreakerReason,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerDeps,
} from "./circuit-breaker.js";
export {
  ALWAYS_DUE,
  calendarExpectation,
  type DataExpectation,
  defaultNoDataTimeoutMs,
  LearnedHours,
  MAX_DERIVED_TIMEOUT_MS,
  type ObservedBar,
  scheduleExpectation,
  sessionTime,
} from "./expectation.js";
export { GapFiller, type GapFillerOptions } from "./gap-filler.js";
export { type CircuitBreakerInput, type CircuitBreakerOptions, CircuitBreakerOptionsSchema } from "./options.js";
