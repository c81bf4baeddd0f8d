import type { ExecutionSignal } from "@tradeplan/core";
import type { NoneReason } from "@tradeplan/core/internal";
import type { CompiledFunction, CompiledPlan } from "@tradeplan/dsl";

/**
 * What one evaluation says about its rule's condition:
 * - `fired`: the rule returned an action (its condition held);
 * - `held`: the condition held but the rule stayed NONE (outside its
 *   `between` window, or below its confidence floor);
 * - `false`: the condition did not hold;
 * - `idle`: nothing to decide: inputs not warm yet, no position for a
 *   trailing stop to trail, or a fault.
 *
 * The built-in functions say why they returned NONE in `metadata.reason`
 * (the runtime's `NoneReason` codes). A function that gives no code (a
 * plugin) is classified by the built-ins' reasoning phrases, the old way.
 */
export type EvaluationClass = "fired" | "held" | "false" | "idle";

const BY_REASON: Readonly<Record<NoneReason, EvaluationClass>> = {
  not_warm: "idle",
  no_position: "idle",
  condition_false: "false",
  filter_false: "false",
  outside_window: "held",
  below_confidence_floor: "held",
};

const IDLE = [/^not warm: /, /^inputs of .* are not warm yet$/, /^no open position to trail$/];
const HELD = [/^condition holds but the bar closed outside the window /, /^confidence .* is below the floor /];

export function classifyEvaluation(signal: ExecutionSignal): EvaluationClass {
  if (signal.action !== "NONE") return "fired";
  if (typeof signal.metadata.error === "string") return "idle";
  const reason = signal.metadata.reason;
  if (typeof reason === "string" && Object.hasOwn(BY_REASON, reason)) return BY_REASON[reason as NoneReason];
  const r = signal.reasoning;
  if (IDLE.some((p) => p.test(r))) return "idle";
  if (HELD.some((p) => p.test(r))) return "held";
  return "false";
}

/** Per rule: how often it fired, and whether its condition was seen true and false. */
export interface RuleCoverage {
  readonly rule: CompiledFunction;
  fired: number;
  conditionTrue: boolean;
  conditionFalse: boolean;
}

/** Coverage of one plan, summed over every case that ran it. */
export interface PlanCoverage {
  readonly plan: CompiledPlan;
  readonly planFile: string;
  readonly rules: RuleCoverage[];
}

export function emptyCoverage(plan: CompiledPlan, planFile: string): PlanCoverage {
  return {
    plan,
    planFile,
    rules: plan.functions.map((rule) => ({ rule, fired: 0, conditionTrue: false, conditionFalse: false })),
  };
}

/** Records one evaluation of the rule with id `ruleId`. */
export function recordEvaluation(cov: PlanCoverage, ruleId: string, cls: EvaluationClass): void {
  const r = cov.rules.find((x) => x.rule.id === ruleId);
  if (!r) return;
  if (cls === "fired") {
    r.fired++;
    r.conditionTrue = true;
  } else if (cls === "held") r.conditionTrue = true;
  else if (cls === "false") r.conditionFalse = true;
}

export interface CoverageTotals {
  readonly rules: number;
  readonly rulesFired: number;
  /** Two outcomes per rule: its condition true, and false. */
  readonly conditions: number;
  readonly conditionsCovered: number;
}

export function coverageTotals(plans: readonly PlanCoverage[]): CoverageTotals {
  let rules = 0;
  let rulesFired = 0;
  let conditionsCovered = 0;
  for (const p of plans)
    for (const r of p.rules) {
      rules++;
      if (r.fired > 0) rulesFired++;
      if (r.conditionTrue) conditionsCovered++;
      if (r.conditionFalse) conditionsCovered++;
    }
  return { rules, rulesFired, conditions: rules * 2, conditionsCovered };
}

/** A ratio in percent; 100 when there is nothing to cover. */
export const percent = (n: number, of: number): number => (of === 0 ? 100 : (n / of) * 100);
