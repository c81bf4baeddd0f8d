import {
  Backtest,
  type BacktestResult,
  type BarData,
  CsvFormatError,
  type EngineEvent,
  type EngineEventSink,
  type ExecutionSignal,
  type RejectedRow,
} from "@tradeplan/core";
import { sessionCalendar } from "@tradeplan/core/internal";
import type { CompiledPlan } from "@tradeplan/dsl";
import { readCsvFile } from "@tradeplan/live";
import { classifyEvaluation, type PlanCoverage, recordEvaluation } from "./coverage.js";
import type { PreparedCase } from "./load.js";
import type { OutcomeValue, PlanActionValue } from "./schema.js";

/** A closed bar of the rule's own timeframe, as the rule saw it. */
export type BarSnapshot = Omit<BarData, "symbol">;

/** A rule returning an action on one close, and what the engine did with it. */
export interface Firing {
  readonly rule: string;
  readonly line: number;
  readonly time: number;
  readonly action: PlanActionValue;
  readonly signal: ExecutionSignal;
  outcome: Exclude<OutcomeValue, "suppressed">;
  readonly bar: BarSnapshot | undefined;
}

/** One evaluation kept for a report: the signal and its bar. */
export interface Observation {
  readonly signal: ExecutionSignal;
  readonly bar: BarSnapshot | undefined;
}

export interface CaseRun {
  readonly firings: readonly Firing[];
  /** Evaluations at the (rule, time) pairs the expectations name, keyed by `watchKey`. */
  readonly watched: ReadonlyMap<string, Observation>;
  readonly result: BacktestResult;
  /** Input rows the CSV reader rejected. */
  readonly rejected: readonly RejectedRow[];
}

export const watchKey = (rule: string, time: number): string => `${rule}@${time}`;

/** The plan's action name of a signal: EXIT with `exitSide: long` is `exit_long`. */
export function actionOf(signal: ExecutionSignal): PlanActionValue {
  if (signal.action === "ENTER_LONG") return "enter_long";
  if (signal.action === "ENTER_SHORT") return "enter_short";
  return signal.exitSide === "long" ? "exit_long" : signal.exitSide === "short" ? "exit_short" : "exit";
}

/** A run the engine refused (calendar, timeframes) or data that could not be read. */
export class CaseRunError extends Error {
  constructor(
    readonly kind: "csv" | "engine",
    message: string,
  ) {
    super(message);
    this.name = "CaseRunError";
  }
}

/**
 * Runs one case through the same `Backtest` as `tradeplan backtest`
 * (replay aggregator, engine, risk, paper broker) on the bars' own time:
 * nothing waits on a wall clock. An event sink with evaluations on sees
 * every function call; it records coverage, firings and their outcomes,
 * and the bar each watched evaluation saw.
 */
export async function runCase(plan: CompiledPlan, c: PreparedCase, coverage: PlanCoverage): Promise<CaseRun> {
  const firings: Firing[] = [];
  const pending = new Map<string, Firing>();
  const watched = new Map<string, Observation>();
  const watch = new Set(c.expect.fires.map((f) => watchKey(f.rule.id, f.at)));
  let bt: Backtest | undefined;
  const snapshot = (e: { symbol: string; timeframe: string; time: number }): BarSnapshot | undefined => {
    const h = bt?.engine.series(e.symbol, e.timeframe)?.history;
    if (!h || h.length === 0) return undefined;
    return {
      timeframe: e.timeframe,
      time: h.time(0),
      closeTime: e.time,
      open: h.open(0),
      high: h.high(0),
      low: h.low(0),
      close: h.close(0),
      volume: h.volume(0),
    };
  };
  const sink: EngineEventSink = {
    evaluations: true,
    emit(e: EngineEvent) {
      if (e.type === "evaluation") {
        if (e.symbol !== c.symbol) return;
        const cls = classifyEvaluation(e.signal);
        recordEvaluation(coverage, e.rule, cls);
        const key = watchKey(e.rule, e.time);
        if (watch.has(key)) watched.set(key, { signal: e.signal, bar: snapshot(e) });
        if (cls === "fired") {
          const f: Firing = {
            rule: e.rule,
            line: e.line,
            time: e.time,
            action: actionOf(e.signal),
            signal: e.signal,
            outcome: "acted",
            bar: snapshot(e),
          };
          firings.push(f);
          pending.set(key, f);
        }
      } else if (e.type === "signal") {
        const f = pending.get(watchKey(e.rule, e.time));
        if (f) f.outcome = "acted";
      } else if (e.type === "suppressed") {
        const f = pending.get(watchKey(e.rule, e.time));
        if (f) f.outcome = e.code;
      }
    },
  };
  try {
    bt = new Backtest({ plan, sink });
  } catch (e) {
    throw new CaseRunError("engine", e instanceof Error ? e.message : String(e));
  }
  const backtest = bt;
  let started = false;
  const feed = (bar: BarData) => {
    if (!started) {
      started = true;
      if (c.start) {
        // Placed before the first bar: the paper broker fills it at that bar's open, before any rule runs.
        backtest.broker.placeOrder({
          clientOrderId: "tradeplan-test:start",
          symbol: c.symbol,
          side: c.start.side === "long" ? "BUY" : "SELL",
          quantity: c.start.quantity,
          type: "MKT",
          ruleId: "start",
          reason: "the case's starting position",
          decidedAt: bar.time,
          refPrice: bar.open,
        });
      }
    }
    backtest.feed(bar);
  };
  const rejected: RejectedRow[] = [];
  try {
    if (c.bars.kind === "inline") for (const b of c.bars.bars) feed(b);
    else {
      const { from, to } = c.bars;
      await readCsvFile(
        c.bars.path,
        { symbol: c.symbol, timezone: plan.timezone, timestamps: c.timestamps, file: c.bars.display },
        (b) => {
          if ((from === undefined || b.time >= from) && (to === undefined || b.time < to)) feed(b);
        },
        (r) => rejected.push(r),
        sessionCalendar(backtest.calendar),
      );
    }
  } catch (e) {
    if (e instanceof CsvFormatError) throw new CaseRunError("csv", e.message);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(CALENDAR|BT|TIMEFRAME|RISK)_/.test(code))
      throw new CaseRunError("engine", e instanceof Error ? e.message : String(e));
    throw e;
  }
  return { firings, watched, result: backtest.finish().result, rejected };
}
