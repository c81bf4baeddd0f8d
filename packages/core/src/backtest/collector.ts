import type { CompiledPlan } from "@tradeplan/dsl";
import type { PaperBroker } from "../brokers/paper.js";
import type { EngineEvent, EngineEventSink } from "../engine/events.js";
import type { ConditionTrace } from "../ir/trace.js";
import type { RiskDecision } from "../risk/validator.js";
import type { BacktestResult, SignalRecord, SuppressedRecord } from "./result.js";
import { monthlyReturns, SUPPRESSED_LISTED_PER_REASON, tradeRecord } from "./result.js";
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
  /** Suppressed entries and exits listed (at most SUPPRESSED_LISTED_PER_REASON per reason). */
  readonly suppressedList: SuppressedRecord[] = [];
  private readonly suppressedPerReason = new Map<string, number>();
  /** The last rejecting risk decision: the engine reports it just before the RISK_REJECTED suppression it causes. */
  private lastRiskRejection: RiskDecision | undefined;

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
        // Set by expression rules when they fire (functions/expression-rule.ts); other functions have none.
        ...(Array.isArray(e.signal.metadata.why) ? { why: e.signal.metadata.why as readonly ConditionTrace[] } : {}),
      });
    } else if (e.type === "error") this.ruleErrors++;
    else if (e.type === "risk") this.lastRiskRejection = e.decision.approved ? undefined : e.decision;
    else if (e.type === "suppressed") {
      this.suppressed++;
      const risk = e.code === "RISK_REJECTED" ? this.lastRiskRejection : undefined;
      if (e.code === "RISK_REJECTED") this.riskRejections++;
      this.lastRiskRejection = undefined;
      const key = risk?.code ?? e.code;
      const n = (this.suppressedPerReason.get(key) ?? 0) + 1;
      this.suppressedPerReason.set(key, n);
      // NONE is never suppressed: only entries and exits reach the checks that suppress.
      if (n <= SUPPRESSED_LISTED_PER_REASON && e.action !== "NONE") {
        this.suppressedList.push({
          time: new Date(e.time).toISOString(),
          symbol: e.symbol,
          timeframe: e.timeframe,
          rule: e.line,
          action: e.action,
          code: e.code,
          ...(risk ? { riskCode: risk.code, reason: risk.message } : { reason: e.reason }),
        });
      }
    }
  }

  /** Suppressed entries and exits per reason (risk code or suppression code), sorted by reason. */
  suppressedByReason(): Record<string, number> {
    return Object.fromEntries([...this.suppressedPerReason].sort(([a], [b]) => (a < b ? -1 : 1)));
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
  const ruleOf = new Map(plan.functions.map((f) => [f.id, { line: f.line, name: f.name }]));
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
    suppressedSignals: collector.suppressedList,
    suppressedByReason: collector.suppressedByReason(),
    suppressedOmitted: collector.suppressed - collector.suppressedList.length,
    trades: trades.map((t) =>
      tradeRecord(
        t,
        (id) => ruleOf.get(id),
        (s) => broker.instruments.pointValue(s),
      ),
    ),
    // Valued by the book's rule, so endEquity = startEquity + the trades' pnl + the open positions' unrealizedPnl.
    openPositions: broker.portfolio.openPositions().map((p) => ({
      symbol: p.symbol,
      side: p.quantity < 0 ? "short" : "long",
      quantity: Math.abs(p.quantity),
      avgPrice: p.avgPrice,
      lastPrice: p.mark,
      unrealizedPnl: p.unrealizedPnl,
    })),
    monthlyReturns: monthlyReturns(start, tracker.monthEnds()),
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
