import type { RuleCommon } from "@tradeplan/dsl";
import type { ExecutionSignal, PositionSide, SignalAction } from "../models.js";

/** A plan action (`enter_long`, `exit_long`, ...). */
export type PlanAction = RuleCommon["action"];

/** What a plan action becomes in a signal. */
export interface MappedAction {
  readonly action: SignalAction;
  readonly exitSide?: "long" | "short";
}

const ACTIONS: Readonly<Record<PlanAction, MappedAction>> = Object.freeze({
  enter_long: Object.freeze({ action: "ENTER_LONG" }),
  enter_short: Object.freeze({ action: "ENTER_SHORT" }),
  exit: Object.freeze({ action: "EXIT" }),
  exit_long: Object.freeze({ action: "EXIT", exitSide: "long" }),
  exit_short: Object.freeze({ action: "EXIT", exitSide: "short" }),
});

/** `enter_long` → ENTER_LONG, `enter_short` → ENTER_SHORT, `exit` → EXIT, `exit_long` → EXIT with exitSide long, `exit_short` → EXIT with exitSide short. */
export function mapAction(action: PlanAction): MappedAction {
  return ACTIONS[action];
}

/**
 * The price direction an action bets on: +1 up (enter long, exit short), -1
 * down (enter short, exit long). A plain `exit` bets against the open
 * position; with no position it has no direction (0).
 */
export function actionDirection(action: PlanAction, side: PositionSide): 1 | -1 | 0 {
  switch (action) {
    case "enter_long":
    case "exit_short":
      return 1;
    case "enter_short":
    case "exit_long":
      return -1;
    case "exit":
      return side === "long" ? -1 : side === "short" ? 1 : 0;
  }
}

const EMPTY = Object.freeze({});

/**
 * A frozen NONE signal. Functions build the ones they need once (at
 * construction), so the common "nothing to do" path allocates nothing.
 */
export function noneSignal(reasoning: string, metadata: Readonly<Record<string, unknown>> = EMPTY): ExecutionSignal {
  return Object.freeze({ action: "NONE", confidence: 0, reasoning, metadata: Object.freeze(metadata) });
}

/**
 * Why a built-in function returned NONE, as `metadata.reason`: a stable code
 * for tools (plan-test coverage, audit queries) that must not parse the
 * reasoning text, which is written for people and may be reworded.
 */
export type NoneReason =
  | "not_warm"
  | "no_position"
  | "condition_false"
  | "filter_false"
  | "outside_window"
  | "below_confidence_floor";

/** A NONE signal carrying its {@link NoneReason} (plus any other metadata). */
export function noneBecause(
  reason: NoneReason,
  reasoning: string,
  metadata: Readonly<Record<string, unknown>> = EMPTY,
): ExecutionSignal {
  return noneSignal(reasoning, { ...metadata, reason });
}

/** Clamps to [0, 1]; NaN becomes 0. */
export function clamp01(v: number): number {
  return v > 1 ? 1 : Math.max(v, 0);
}
