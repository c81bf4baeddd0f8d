import type { ExecutionFunctionClass } from "../functions/base.js";
import { CloseAboveFunction, CloseBelowFunction } from "../functions/close-threshold.js";
import { ConditionFunction, CrossAboveFunction, CrossBelowFunction } from "../functions/expression-rule.js";
import { TrailingStopFunction } from "../functions/trailing-stop.js";
import type { RegistryConfig } from "./config.js";
import { ExecutionFunctionRegistry, type RegistrationToken, type RegistryLogger } from "./registry.js";

/** The built-in functions by registry name. */
export const BUILTIN_FUNCTIONS: Readonly<Record<string, ExecutionFunctionClass>> = Object.freeze({
  close_above: CloseAboveFunction as ExecutionFunctionClass,
  close_below: CloseBelowFunction as ExecutionFunctionClass,
  trailing_stop: TrailingStopFunction as ExecutionFunctionClass,
  cross_above: CrossAboveFunction as ExecutionFunctionClass,
  cross_below: CrossBelowFunction as ExecutionFunctionClass,
  condition: ConditionFunction as ExecutionFunctionClass,
});

/** Options of {@link createDefaultRegistry}. */
export interface DefaultRegistryOptions {
  /** Pass your own token to register more functions later; without one the registry comes back sealed. */
  readonly token?: RegistrationToken;
  readonly logger?: RegistryLogger;
  /** Configuration as YAML text or an object. */
  readonly config?: string | RegistryConfig;
}

/** A registry with the built-ins registered (and configured, when `config` is given). */
export function createDefaultRegistry(options: DefaultRegistryOptions = {}): ExecutionFunctionRegistry {
  const token = options.token ?? Symbol("tradeplan.default-registry");
  const registry = new ExecutionFunctionRegistry({ token, ...(options.logger ? { logger: options.logger } : {}) });
  for (const [name, cls] of Object.entries(BUILTIN_FUNCTIONS)) registry.register(name, cls, token);
  if (options.config !== undefined) registry.configure(options.config, token);
  if (options.token === undefined) registry.seal();
  return registry;
}
