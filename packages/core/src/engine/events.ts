import type { BrokerOrder, OrderAck } from "../brokers/broker.js";
import type { ExecutionSignal } from "../models.js";
import type { RiskDecision } from "../risk/validator.js";

/** Where a decision came from: the rule and the bar close it was made on. */
export interface DecisionOrigin {
  /** Bar close time (epoch ms). */
  readonly time: number;
  readonly symbol: string;
  readonly timeframe: string;
  /** Rule id (`r12`). */
  readonly rule: string;
  /** 1-based source line of the rule. */
  readonly line: number;
}

/** Stable codes of evaluation failures. */
export type EngineErrorCode = "FN_THROW" | "FN_TIMEOUT" | "FN_BAD_SIGNAL";

/** Stable codes of entries and exits the engine did not act on. */
export type SuppressionCode =
  | "POSITION_OPEN"
  | "NO_POSITION"
  | "SIDE_MISMATCH"
  | "SIZE_ZERO"
  | "RISK_REJECTED"
  | "BROKER_REJECTED";

/**
 * Everything the engine does, for the audit log. Sinks receive events
 * synchronously and in order; a sink must not throw (an exception from a
 * sink is swallowed and counted, so auditing never stops trading).
 */
export type EngineEvent =
  | ({ readonly type: "evaluation"; readonly signal: ExecutionSignal; readonly elapsedMs: number } & DecisionOrigin)
  | ({ readonly type: "signal"; readonly signal: ExecutionSignal; readonly price: number } & DecisionOrigin)
  | ({
      readonly type: "suppressed";
      readonly action: ExecutionSignal["action"];
      readonly code: SuppressionCode;
      readonly reason: string;
    } & DecisionOrigin)
  | ({ readonly type: "risk"; readonly clientOrderId: string; readonly decision: RiskDecision } & DecisionOrigin)
  | ({ readonly type: "order"; readonly order: BrokerOrder; readonly ack: OrderAck } & DecisionOrigin)
  | ({ readonly type: "error"; readonly code: EngineErrorCode; readonly message: string } & DecisionOrigin)
  | {
      readonly type: "bar_rejected";
      readonly file: string;
      readonly line: number;
      readonly code: string;
      readonly reason: string;
    };

export interface EngineEventSink {
  /** Whether to build an `evaluation` event for every function call (costly in replays; default false). */
  readonly evaluations?: boolean;
  emit(event: EngineEvent): void;
}

/** Fans events out to several sinks. */
export function combineSinks(...sinks: EngineEventSink[]): EngineEventSink {
  return {
    evaluations: sinks.some((s) => s.evaluations === true),
    emit(e) {
      for (const s of sinks) if (e.type !== "evaluation" || s.evaluations) s.emit(e);
    },
  };
}
