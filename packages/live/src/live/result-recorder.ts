import type { BacktestResult, BarData, EngineEventSink, MarketCalendar, PaperBroker } from "@tradeplan/core";
import { buildResult, EquityTracker, RunCollector } from "@tradeplan/core/internal";
import type { CompiledPlan } from "@tradeplan/dsl";
import type { SessionObserver } from "./session.js";

/**
 * Records a live session on the paper broker as a backtest does, so that
 * `tradeplan run --result FILE` writes the document `tradeplan backtest
 * --format json` prints (docs/backtest.md, "Result JSON"), built by the same
 * code ({@link buildResult}). Connect {@link sink} to the session's engine
 * events and {@link observer} to its observer; input rows the feed refused
 * before the session saw them go to {@link rejectedRows}.
 *
 * It covers what this process streamed: after a restart, the bars, signals
 * and equity curve before it are not in it (trades and positions are, since
 * the broker's state is restored).
 */
export class SessionResultRecorder {
  private readonly collector = new RunCollector();
  private readonly tracker: EquityTracker;
  private bars = 0;
  private outside = 0;

  constructor(
    private readonly plan: CompiledPlan,
    private readonly broker: PaperBroker,
    private readonly calendar: MarketCalendar,
  ) {
    this.tracker = new EquityTracker(broker.config.initialCash);
  }

  /** Engine events: signals, rule errors, suppressed decisions. */
  get sink(): EngineEventSink {
    return this.collector;
  }

  /** Per base bar: equity after its closes (inside the session), bars skipped outside it, rejected bars. */
  get observer(): SessionObserver {
    return {
      barProcessed: (bar) => this.barProcessed(bar),
      barOutsideSession: () => {
        this.outside++;
      },
      barRejected: (_symbol, reason) => this.collector.rejected(reason),
    };
  }

  /** Rows of the input the feed could not use (a replay file's `CSV_*` rejections). */
  rejectedRows(rows: readonly { readonly code: string }[]): void {
    for (const r of rows) this.collector.rejected(r.code);
  }

  /** The document as things stand now. */
  result(): BacktestResult {
    return buildResult({
      plan: this.plan,
      broker: this.broker,
      collector: this.collector,
      tracker: this.tracker,
      bars: this.bars,
      outside: this.outside,
    });
  }

  private barProcessed(bar: BarData): void {
    this.bars++;
    const day = this.calendar.sessionBounds(bar.time)?.date ?? new Date(bar.time).toISOString().slice(0, 10);
    this.tracker.observe(day, this.broker.account().equity, this.broker.hasPositions());
  }
}

/** Several observers as one: each callback goes to every observer that has it, in order. */
export function combineObservers(...observers: readonly (SessionObserver | undefined)[]): SessionObserver {
  const list = observers.filter((o): o is SessionObserver => o !== undefined);
  return {
    closeDetected: (e, ms) => {
      for (const o of list) o.closeDetected?.(e, ms);
    },
    closeDecided: (e, ms) => {
      for (const o of list) o.closeDecided?.(e, ms);
    },
    batchCommitted: (ms) => {
      for (const o of list) o.batchCommitted?.(ms);
    },
    barRejected: (symbol, reason) => {
      for (const o of list) o.barRejected?.(symbol, reason);
    },
    barProcessed: (bar) => {
      for (const o of list) o.barProcessed?.(bar);
    },
    barOutsideSession: (bar) => {
      for (const o of list) o.barOutsideSession?.(bar);
    },
    stateChanged: (state, reason) => {
      for (const o of list) o.stateChanged?.(state, reason);
    },
    feedEvent: (event) => {
      for (const o of list) o.feedEvent?.(event);
    },
  };
}
