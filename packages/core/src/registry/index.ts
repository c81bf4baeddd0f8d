/**
 * @packageDocumentation
 * The execution function registry, its YAML configuration, and plan instantiation.
 */
export {
  FUNCTION_NAME_RE,
  type FunctionConfig,
  FunctionConfigSchema,
  parseRegistryConfig,
  parseRegistryConfigYaml,
  type RegistryConfig,
  RegistryConfigSchema,
} from "./config.js";
export { BUILTIN_FUNCTIONS, createDefaultRegistry, type DefaultRegistryOptions } from "./defaults.js";
export { issueLines, RegistryError, type RegistryErrorCode } from "./errors.js";
export { type InstantiatedPlan, instantiateCompiledPlan, instantiatePlan, type PlanFunction } from "./plan.js";
export {
  ExecutionFunctionRegistry,
  type FunctionInfo,
  type RegistrationToken,
  type RegistryLogger,
  type RegistryOptions,
} from "./registry.js";
