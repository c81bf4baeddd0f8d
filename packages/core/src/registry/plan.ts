import { type CompiledFunction, type CompiledPlan, CompiledPlanSchema } from "@tradeplan/dsl";
import type { ExecutionFunctionBase } from "../functions/base.js";
import { issueLines, RegistryError } from "./errors.js";
import type { ExecutionFunctionRegistry } from "./registry.js";

/** One rule of a plan, bound to its (possibly shared) function instance. */
export interface PlanFunction {
  /** Rule id (`r<line>`). */
  readonly id: string;
  readonly name: CompiledFunction["name"];
  readonly line: number;
  readonly timeframe: string;
  /** Bars the rule needs: the larger of the compiled lookback and the function's own. */
  readonly lookback: number;
  readonly source: string;
  readonly fn: ExecutionFunctionBase<unknown>;
}

/** A validated plan and its rules' function instances in source order. */
export interface InstantiatedPlan {
  readonly plan: CompiledPlan;
  readonly functions: readonly PlanFunction[];
}

/**
 * Validates a compiled plan with `CompiledPlanSchema` and creates each rule's
 * function through the registry, in source order. A bad plan throws
 * `REG_INVALID_PLAN` listing every zod issue path; a rule the registry
 * refuses throws the registry's error code with the rule named.
 */
export function instantiatePlan(plan: unknown, registry: ExecutionFunctionRegistry): InstantiatedPlan {
  const r = CompiledPlanSchema.safeParse(plan);
  if (!r.success) {
    const issues = issueLines(r.error.issues);
    throw new RegistryError("REG_INVALID_PLAN", `invalid compiled plan: ${issues.join("; ")}`, issues);
  }
  return bindFunctions(r.data, registry, false);
}

/**
 * {@link instantiatePlan} for a plan this process compiled itself (a sweep's
 * variant, `compile()`'s output): not validated again, since a plan a
 * sweep makes for each of its variants would otherwise be parsed by the
 * schema once per variant. Each function's parameters are validated by the
 * registry, except those of a function it already holds an instance for
 * (`getFunction`'s `compiled`): most of a sweep's variants share most rules.
 * A plan read from a file goes through {@link instantiatePlan}.
 */
export function instantiateCompiledPlan(plan: CompiledPlan, registry: ExecutionFunctionRegistry): InstantiatedPlan {
  return bindFunctions(plan, registry, true);
}

/** Each rule's function from the registry, in source order; `compiled`: the plan is compile()'s own output. */
function bindFunctions(plan: CompiledPlan, registry: ExecutionFunctionRegistry, compiled: boolean): InstantiatedPlan {
  const functions = plan.functions.map((f, i): PlanFunction => {
    let fn: ExecutionFunctionBase<unknown>;
    try {
      fn = registry.getFunction(f.name, f.params, compiled);
    } catch (err) {
      if (err instanceof RegistryError) {
        throw new RegistryError(
          err.code,
          `functions.${i} (rule ${f.id}, line ${f.line}): ${err.message}`,
          err.issues.map((s) => `functions.${i}.params.${s}`),
        );
      }
      throw err;
    }
    return Object.freeze({
      id: f.id,
      name: f.name,
      line: f.line,
      timeframe: f.timeframe,
      lookback: Math.max(f.lookback, fn.requiredLookback),
      source: f.source,
      fn,
    });
  });
  return Object.freeze({ plan, functions: Object.freeze(functions) });
}
