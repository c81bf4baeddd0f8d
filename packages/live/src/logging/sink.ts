import type { EngineEvent, EngineEventSink } from "@tradeplan/core";
import type { Logger } from "pino";
import type { ExecutionLoggingConfig } from "./config.js";

type Level = "trace" | "debug" | "info" | "warn" | "error";

/** The decision's origin as log fields: symbol, timeframe, rule, line, bar time. */
function origin(e: Exclude<EngineEvent, { type: "bar_rejected" }>): Record<string, unknown> {
  return {
    symbol: e.symbol,
    timeframe: e.timeframe,
    rule: e.rule,
    line: e.line,
    barTime: new Date(e.time).toISOString(),
  };
}

/**
 * An engine event sink writing one log line per event, with where the
 * decision was made (symbol, timeframe, rule, line, bar time):
 * signals, suppressions, orders (info; rejected orders and risk rejections
 * at warn), approved risk checks (debug), rule errors (error), rejected bars
 * (warn). Evaluations are logged only when the config asks for them:
 * `performance_metrics` adds each call's duration, `include_context` its
 * reasoning, confidence and metadata. The engine builds evaluation events
 * only for sinks that want them, so without either flag they cost nothing.
 */
export function loggingSink(
  logger: Logger,
  config: Pick<ExecutionLoggingConfig, "performance_metrics" | "include_context">,
): EngineEventSink {
  const perf = config.performance_metrics;
  const ctx = config.include_context;
  const log = (level: Level, fields: Record<string, unknown>, msg: string): void => {
    logger[level](fields, msg);
  };
  return {
    evaluations: perf || ctx,
    emit(e) {
      if (e.type === "bar_rejected") {
        log(
          "warn",
          { event: e.type, file: e.file, line: e.line, code: e.code, reason: e.reason },
          `bar rejected: ${e.reason}`,
        );
        return;
      }
      const at = `${e.symbol} ${e.timeframe} ${e.rule}`;
      switch (e.type) {
        case "evaluation": {
          const fields: Record<string, unknown> = { event: e.type, ...origin(e), action: e.signal.action };
          if (perf) fields.elapsedMs = e.elapsedMs;
          if (ctx) {
            fields.confidence = e.signal.confidence;
            fields.reasoning = e.signal.reasoning;
            fields.metadata = e.signal.metadata;
          }
          log("info", fields, `${at}: evaluated ${e.signal.action}`);
          return;
        }
        case "signal":
          log(
            "info",
            {
              event: e.type,
              ...origin(e),
              action: e.signal.action,
              confidence: e.signal.confidence,
              price: e.price,
              reasoning: e.signal.reasoning,
            },
            `${at}: signal ${e.signal.action} at ${e.price}`,
          );
          return;
        case "suppressed":
          log(
            e.code === "RISK_REJECTED" || e.code === "BROKER_REJECTED" ? "warn" : "info",
            { event: e.type, ...origin(e), action: e.action, code: e.code, reason: e.reason },
            `${at}: ${e.action} suppressed (${e.code})`,
          );
          return;
        case "risk":
          log(
            e.decision.approved ? "debug" : "warn",
            {
              event: e.type,
              ...origin(e),
              clientOrderId: e.clientOrderId,
              approved: e.decision.approved,
              code: e.decision.code,
              reason: e.decision.message,
            },
            `${at}: risk ${e.decision.approved ? "approved" : "rejected"} ${e.clientOrderId}`,
          );
          return;
        case "order":
          log(
            e.ack.status === "REJECTED" ? "warn" : "info",
            {
              event: e.type,
              ...origin(e),
              clientOrderId: e.order.clientOrderId,
              side: e.order.side,
              quantity: e.order.quantity,
              orderType: e.order.type,
              status: e.ack.status,
              ...(e.ack.reason !== undefined ? { reason: e.ack.reason } : {}),
            },
            `${at}: order ${e.order.side} ${e.order.quantity} ${e.ack.status}`,
          );
          return;
        case "error":
          log(
            "error",
            { event: e.type, ...origin(e), code: e.code, reason: e.message },
            `${at}: ${e.code}: ${e.message}`,
          );
          return;
      }
    },
  };
}
