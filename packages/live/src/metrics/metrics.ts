import type { BarCloseEvent, BrokerEvent, EngineEvent, EngineEventSink, FeedEvent } from "@tradeplan/core";
import type { SessionTradingState } from "@tradeplan/store";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

const TRADING_STATES: readonly SessionTradingState[] = ["INITIALIZING", "ACTIVE", "REDUCING", "HALTED"];

/** Fine around 100 ms, the goal for a thousand symbols closing at once, so a p99 read off the buckets is close. */
const DECISION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.125, 0.15, 0.2, 0.25, 0.5, 1, 2.5,
  5, 10,
];

/**
 * The Prometheus metrics of a live session, on a registry of their own (no
 * global state, so tests and several sessions do not collide). Feed it
 * through {@link sink} (engine events), {@link brokerEvent} (the broker's
 * events) and the session observer methods.
 */
export class SessionMetrics {
  readonly registry = new Registry();
  private readonly detection: Histogram;
  private readonly decision: Histogram;
  private readonly commit: Histogram;
  private readonly evaluation: Histogram;
  private readonly signals: Counter;
  private readonly orders: Counter;
  private readonly rejections: Counter;
  private readonly closes: Counter;
  private readonly trading: Gauge;
  private readonly breaker: Gauge;
  private readonly feedUp: Gauge;
  private readonly lostOrders: Counter;

  constructor() {
    const registers = [this.registry];
    this.detection = new Histogram({
      name: "tradeplan_detection_latency_seconds",
      help: "Time from a bar's scheduled close to its detection (market clock)",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    });
    this.decision = new Histogram({
      name: "tradeplan_decision_latency_seconds",
      help: "Wall-clock time from a bar's close to its decision (every rule of the close evaluated, its orders sent), by timeframe; on a replay or simulation, from the moment its clock reached the close",
      labelNames: ["timeframe"],
      buckets: DECISION_BUCKETS,
      registers,
    });
    this.commit = new Histogram({
      name: "tradeplan_batch_commit_seconds",
      help: "Time one batch's commit took (its audit records and the state after it, one transaction)",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.evaluation = new Histogram({
      name: "tradeplan_evaluation_seconds",
      help: "Time one execution function took on one close",
      buckets: [0.00001, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
      registers,
    });
    this.signals = new Counter({
      name: "tradeplan_signals_total",
      help: "Signals acted on, by action",
      labelNames: ["action"],
      registers,
    });
    this.orders = new Counter({
      name: "tradeplan_orders_total",
      help: "Orders sent to the broker, by acknowledgement",
      labelNames: ["status"],
      registers,
    });
    this.rejections = new Counter({
      name: "tradeplan_rejections_total",
      help: "Rejections, by kind (bar, risk, suppressed, error) and code",
      labelNames: ["kind", "code"],
      registers,
    });
    this.closes = new Counter({
      name: "tradeplan_bar_closes_total",
      help: "Bar closes evaluated, by trigger",
      labelNames: ["trigger"],
      registers,
    });
    this.trading = new Gauge({
      name: "tradeplan_trading_state",
      help: "1 for the session's current trading state, 0 for the others",
      labelNames: ["state"],
      registers,
    });
    this.breaker = new Gauge({
      name: "tradeplan_breaker_tripped",
      help: "1 while the circuit breaker holds the session in REDUCING or HALTED",
      registers,
    });
    this.feedUp = new Gauge({ name: "tradeplan_feed_up", help: "1 while the feed is connected", registers });
    this.lostOrders = new Counter({
      name: "tradeplan_lost_orders_total",
      help: "Orders the broker had accepted that never reached the exchange side (found after a reconnect; not re-sent)",
      registers,
    });
    this.stateChanged("INITIALIZING");
    this.breaker.set(0);
  }

  /** An engine sink counting signals, orders, rejections and timing each evaluation. */
  readonly sink: EngineEventSink = {
    evaluations: true,
    emit: (e: EngineEvent) => this.onEngineEvent(e),
  };

  closeDetected(e: BarCloseEvent, latencyMs: number): void {
    this.detection.observe(Math.max(0, latencyMs) / 1000);
    this.closes.inc({ trigger: e.trigger });
  }

  /** Every rule of a close was evaluated `latencyMs` of wall-clock time after the bar closed (see the session observer). */
  closeDecided(e: BarCloseEvent, latencyMs: number): void {
    this.decision.observe({ timeframe: e.timeframe }, Math.max(0, latencyMs) / 1000);
  }

  /** A batch commit took `durationMs`. */
  batchCommitted(durationMs: number): void {
    this.commit.observe(durationMs / 1000);
  }

  barRejected(_symbol: string, reason: string): void {
    this.rejections.inc({ kind: "bar", code: reason });
  }

  stateChanged(state: SessionTradingState): void {
    for (const s of TRADING_STATES) this.trading.set({ state: s }, s === state ? 1 : 0);
    // A trip is a REDUCING/HALTED the breaker or the risk validator asked for; INITIALIZING is not one.
    this.breaker.set(state === "REDUCING" || state === "HALTED" ? 1 : 0);
  }

  feedEvent(e: FeedEvent): void {
    if (e.type === "connection") this.feedUp.set(e.state === "up" ? 1 : 0);
  }

  /** A broker event (subscribe with `broker.onEvent`): counts the orders found lost. */
  brokerEvent(e: BrokerEvent): void {
    if (e.type === "status" && e.lost === true) this.lostOrders.inc();
  }

  /** The exposition text (what a scrape returns). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private onEngineEvent(e: EngineEvent): void {
    switch (e.type) {
      case "evaluation":
        this.evaluation.observe(e.elapsedMs / 1000);
        return;
      case "signal":
        this.signals.inc({ action: e.signal.action });
        return;
      case "order":
        this.orders.inc({ status: e.ack.status });
        return;
      case "risk":
        if (!e.decision.approved) this.rejections.inc({ kind: "risk", code: e.decision.code });
        return;
      case "suppressed":
        this.rejections.inc({ kind: "suppressed", code: e.code });
        return;
      case "error":
        this.rejections.inc({ kind: "error", code: e.code });
        return;
      case "bar_rejected":
        return;
    }
  }
}
