export {
  type BreakerChange,
  type BreakerListener,
  type BreakerReason,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerDeps,
} from "./circuit-breaker.js";
export { GapFiller, type GapFillerOptions } from "./gap-filler.js";
export { type CircuitBreakerInput, type CircuitBreakerOptions, CircuitBreakerOptionsSchema } from "./options.js";
