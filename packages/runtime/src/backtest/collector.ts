import type { CompiledPlan } from "@tradeplan/dsl";
import type { PaperBroker } from "../brokers/paper.js";
import type { EngineEvent, EngineEventSink } from "../engine/events.js";
import type { BacktestResult, SignalRecord } from "./result.js";
import { tradeRecord } from "./result.js";
import { type EquityTracker, tradeStats } from "./stats.js";
import { symbolStats } from "./symbol-stats.js";

/**
 * What a run's result document counts from the engine's events and the
 * input: the signals acted on, rule errors, suppressed decisions (and of
 * them, risk rejections), and rejected input rows per reason. One
 * definition for `tradeplan backtest` and a `tradeplan run` that writes the
 * same document (`--result`).
 */
export class RunCollector implements EngineEventSink {
  readonly signals: SignalRecord[] = [];
  ruleErrors = 0;
  suppressed = 0;
  riskRejections = 0;
  rejectedRows = 0;
  private readonly rejectedByReason = new Map<string, number>();

  emit(e: EngineEvent): void {
    if (e.type === "signal" && e.signal.action !== "NONE") {
      this.signals.push({
        time: new Date(e.time).toISOString(),
        symbol: e.symbol,
        timeframe: e.timeframe,
        rule: e.line,
        action: e.signal.action,
        confidence: e.signal.confidence,
        price: e.price,
        reasoning: e.signal.reasoning,
      });
    } else if (e.type === "error") this.ruleErrors++;
    else if (e.type === "suppressed") {
      this.suppressed++;
      if (e.code === "RISK_REJECTED") this.riskRejections++;
    }
  }

  /** Counts one rejected input row (or bar) under its reason code. */
  rejected(code: string): void {
    this.rejectedRows++;
    this.rejectedByReason.set(code, (this.rejectedByReason.get(code) ?? 0) + 1);
  }

  /** The rejected rows per reason code, sorted by code. */
  byReason(): Record<string, number> {
    return Object.fromEntries([...this.rejectedByReason].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** What {@link buildResult} assembles the document from. */
export interface ResultInput {
  readonly plan: CompiledPlan;
  readonly broker: PaperBroker;
  readonly collector: RunCollector;
  /** Fed the equity at every base bar close inside the session. */
  readonly tracker: EquityTracker;
  /** Base bars used (inside the session). */
  readonly bars: number;
  /** Base bars skipped outside the session. */
  readonly outside: number;
}

/** The result document (docs/backtest.md, "Result JSON") of a run on the paper broker, as things stand now. */
export function buildResult(input: ResultInput): BacktestResult {
  const { plan, broker, collector, tracker } = input;
  const lineOf = new Map(plan.functions.map((f) => [f.id, f.line]));
  const trades = broker.trades();
  const ts = tradeStats(trades);
  const account = broker.account();
  const start = tracker.startEquity;
  const end = account.equity;
  return {
    format: "tradeplan/backtest-result",
    version: 1,
    plan: { name: plan.name, sourceHash: plan.sourceHash, symbols: plan.symbols, timezone: plan.timezone },
    bars: input.bars,
    rejected: collector.rejectedRows,
    rejectedByReason: collector.byReason(),
    signals: collector.signals,
    trades: trades.map((t) => tradeRecord(t, (id) => lineOf.get(id))),
    // Valued by the book's rule, so endEquity = startEquity + the trades' pnl + the open positions' unrealizedPnl.
    openPositions: broker.portfolio.openPositions().map((p) => ({
      symbol: p.symbol,
      side: p.quantity < 0 ? "short" : "long",
      quantity: Math.abs(p.quantity),
      avgPrice: p.avgPrice,
      lastPrice: p.mark,
      unrealizedPnl: p.unrealizedPnl,
    })),
    currency: broker.instruments.currency,
    perSymbol: symbolStats(plan.symbols, trades, broker.portfolio.openPositions()),
    stats: {
      startEquity: start,
      endEquity: end,
      netPnl: end - start,
      returnPercent: ((end - start) / start) * 100,
      ...ts,
      maxDrawdown: tracker.maxDrawdown,
      maxDrawdownPercent: tracker.maxDrawdownPercent,
      sharpe: tracker.sharpe(),
      exposure: tracker.exposure,
      barsOutsideSession: input.outside,
      ruleErrors: collector.ruleErrors,
      suppressed: collector.suppressed,
      riskRejections: collector.riskRejections,
    },
  };
}
