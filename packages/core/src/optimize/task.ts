import {
  type AnalyzeResult,
  analyze,
  type CompiledPlan,
  compile,
  DiagnosticCollector,
  errorCount,
} from "@tradeplan/dsl";
import { Backtest, type BarRows } from "../backtest/runner.js";
import type { PaperBrokerOptions } from "../brokers/paper.js";
import { calendarForPlan } from "../calendar/factory.js";
import type { MarketCalendar, Session } from "../calendar/types.js";
import { bindRules } from "../engine/engine.js";
import { type InstrumentSpec, Instruments } from "../portfolio/instruments.js";
import { createDefaultRegistry } from "../registry/defaults.js";
import { instantiateCompiledPlan } from "../registry/plan.js";
import type { ParamValues } from "./grid.js";
import { type ReturnMoments, returnMoments } from "./returns.js";

/**
 * One backtest of a sweep: the plan with `params` bound, over the context's
 * bars [from, to). Plain data, so a pool can post it to a worker.
 */
export interface VariantTask {
  /** Position in the sweep: results are reduced in this order, whatever order they complete in. */
  readonly index: number;
  /** Every param of the plan's value (a param left out keeps its default). */
  readonly params: ParamValues;
  /** First bar (index into the context's columns). */
  readonly from: number;
  /** One past the last bar. */
  readonly to: number;
  /** Keep the closing equity of every session day (the out-of-sample runs of a walk-forward, for the stitched curve). */
  readonly equity?: boolean;
}

/** A point of an equity curve: a session day's last bar's close time (UTC ms) and the equity then. */
export interface EquityPoint {
  readonly t: number;
  readonly v: number;
}

/**
 * What a sweep keeps of one backtest: the summary statistics (the
 * backtest's own, see backtest/result.ts `BacktestStats`) and the moments
 * of its daily returns. Plain data (a worker posts it back).
 */
export interface VariantStats {
  /** Base bars in the task's range that lay inside the plan's session. */
  readonly bars: number;
  readonly trades: number;
  readonly wins: number;
  readonly startEquity: number;
  readonly endEquity: number;
  readonly netPnl: number;
  readonly returnPercent: number;
  readonly grossProfit: number;
  readonly grossLoss: number;
  readonly profitFactor: number | null;
  readonly maxDrawdown: number;
  readonly maxDrawdownPercent: number;
  /** Annualised, as the backtest reports it (sqrt(252) x daily mean / stdev); null with under two days or no variance. */
  readonly sharpe: number | null;
  readonly winRate: number;
  readonly exposure: number;
  readonly commissions: number;
  readonly ruleErrors: number;
  readonly returns: ReturnMoments;
}

/** A variant's outcome: its statistics, or the error its backtest threw (the sweep goes on without it). */
export type VariantResult =
  | {
      readonly index: number;
      readonly ok: true;
      readonly stats: VariantStats;
      /** With `task.equity`: the closing equity of each session day in the range. */
      readonly equity?: readonly EquityPoint[];
    }
  | { readonly index: number; readonly ok: false; readonly error: string };

/** Whether a run should stop: an `AbortSignal` is one (this module names only what it reads, to stay platform-free). */
export interface StopSignal {
  readonly aborted: boolean;
}

/**
 * Runs a sweep's tasks: in this process ({@link InProcessRunner}) or on a
 * pool of workers. `onResult` is called once per task, in any order; `run`
 * settles when every task has reported, or soon after `signal` is aborted
 * (the tasks not yet reported are then simply missing). A task whose
 * backtest throws reports `ok: false`; `run` itself rejects only when the
 * runner cannot run at all.
 */
export interface VariantRunner {
  run(tasks: readonly VariantTask[], onResult: (result: VariantResult) => void, signal?: StopSignal): Promise<void>;
}

/**
 * The bars a sweep runs over, in time order, as columns: `BarColumns`
 * (data/columns.ts, shared between workers) is one; a test may pass any
 * object of this shape. `bar(i)` must return a fresh object (the engine may
 * keep a bar).
 */
export interface VariantBars extends BarRows {
  readonly length: number;
  /** The first bar opening at or after `time`; `length` when none does. */
  indexAt(time: number): number;
}

/**
 * What every task of a sweep shares, as plain data: the plan's text (each
 * worker analyzes it once), the data's symbol and the backtest settings.
 * Structured-cloneable, so a pool can post it to its workers with the
 * bars' columns (`BarColumns.transfer()`).
 */
export interface VariantSetup {
  /** The plan's source text. */
  readonly source: string;
  /** How the plan file is named in messages. */
  readonly fileName: string;
  /** The symbol the data is for, when the plan trades several. */
  readonly symbol?: string;
  /** Paper broker settings (cash, fills, commission, slippage). */
  readonly broker?: PaperBrokerOptions;
  /** Risk limits from a config file (the plan's own are merged over them). */
  readonly risk?: unknown;
  readonly defaultShares?: number;
  /** The account's currency and the declared instruments (`Instruments.declared()`); default: US-dollar stocks. */
  readonly instruments?: { readonly currency: string; readonly specs: readonly InstrumentSpec[] };
  /** `"event"`: every variant's bars through the engine as objects (default `"auto"`: the columnar fast path where the plan allows it; see `Backtest.path`). */
  readonly path?: "auto" | "event";
}

/**
 * A sweep's shared state, built once per process or worker: the plan
 * analyzed once, the calendar, and which bars end a session day. A
 * variant then only lowers the rules again with its params (compiled
 * plans are kept per params, so a walk-forward compiles each variant once)
 * and replays its bars.
 */
export class VariantContext {
  private readonly compiled = new Map<string, CompiledPlan>();
  /** 1 where a bar is inside the plan's session. */
  private readonly inSession: Uint8Array;
  /** 1 where a bar is the last in-session bar of its session day. */
  private readonly dayEnd: Uint8Array;
  readonly calendar: MarketCalendar;
  private readonly instruments: Instruments;
  /** One registry for every variant (its instances are pooled by name and parameters). */
  private readonly registry = createDefaultRegistry();

  private constructor(
    readonly setup: VariantSetup,
    private readonly analysis: AnalyzeResult & { readonly compiled: CompiledPlan },
    readonly bars: VariantBars,
  ) {
    this.calendar = calendarForPlan(analysis.compiled);
    const spec = setup.instruments;
    this.instruments = spec ? new Instruments(spec.currency, spec.specs) : Instruments.stocks();
    const n = bars.length;
    this.inSession = new Uint8Array(n);
    this.dayEnd = new Uint8Array(n);
    let session: Session | null = null;
    let last = -1;
    let lastDate = "";
    for (let i = 0; i < n; i++) {
      const t = bars.time[i] as number;
      if (!session || t < session.open || t >= session.close) session = this.calendar.sessionBounds(t);
      if (!session) continue;
      this.inSession[i] = 1;
      if (last >= 0 && lastDate !== session.date) this.dayEnd[last] = 1;
      last = i;
      lastDate = session.date;
    }
    if (last >= 0) this.dayEnd[last] = 1;
  }

  /**
   * The context of a sweep over `bars`. `analysis` is the plan already
   * analyzed from `setup.source` (the CLI has it); without it the source is
   * analyzed here, as a worker does.
   *
   * @throws Error when the plan has errors.
   */
  static create(setup: VariantSetup, bars: VariantBars, analysis?: AnalyzeResult): VariantContext {
    const a =
      analysis ??
      analyze(setup.source, {
        fileName: setup.fileName,
        ...(setup.symbol !== undefined ? { symbol: setup.symbol } : {}),
      });
    if (!a.compiled || errorCount(a.diagnostics) > 0)
      throw new Error(`\`${setup.fileName}\` has errors; nothing was run`);
    return new VariantContext(setup, { ...a, compiled: a.compiled }, bars);
  }

  /** The plan as written (every param at its default). */
  get plan(): CompiledPlan {
    return this.analysis.compiled;
  }

  /** The plan with `params` bound: the rules lowered again, nothing parsed or checked. */
  planWith(params: ParamValues): CompiledPlan {
    const key = JSON.stringify(params);
    let plan = this.compiled.get(key);
    if (plan === undefined) {
      const { ast, semantic } = this.analysis;
      plan = compile(ast, semantic, this.setup.source, new DiagnosticCollector(), { params });
      // The plan compiled with its defaults and a param only replaces a constant, so this does not happen.
      if (plan === undefined) throw new Error(`the plan does not compile with ${key}`);
      // Bounded: a walk-forward asks for each variant once per window; a plain sweep once.
      if (this.compiled.size >= 4096) this.compiled.clear();
      this.compiled.set(key, plan);
    }
    return plan;
  }

  /** Whether bar `i` is the last in-session bar of its session day. */
  endsDay(i: number): boolean {
    return this.dayEnd[i] === 1;
  }

  /** Whether bar `i` lies inside the plan's session. */
  inside(i: number): boolean {
    return this.inSession[i] === 1;
  }

  /** A fresh backtest of `plan` with the sweep's settings and its one calendar. */
  backtest(plan: CompiledPlan): Backtest {
    const s = this.setup;
    return new Backtest({
      plan,
      // The plan is compile()'s own output (planWith): its functions are bound without parsing it again.
      rules: bindRules(instantiateCompiledPlan(plan, this.registry)),
      calendar: this.calendar,
      instruments: this.instruments,
      // The sweep reads no charts.
      charts: false,
      ...(s.broker !== undefined ? { broker: s.broker } : {}),
      ...(s.risk !== undefined ? { risk: s.risk } : {}),
      ...(s.defaultShares !== undefined ? { defaultShares: s.defaultShares } : {}),
      ...(s.path !== undefined ? { path: s.path } : {}),
    });
  }
}

/**
 * Runs one variant: the plan compiled with `task.params`, backtested over
 * the context's bars [from, to) from a flat account (indicators warm up
 * inside the range). Pure in effect: the same context and task give the
 * same result in any process, in any order. A backtest that throws gives
 * `ok: false` with the error's message.
 */
export function runVariantTask(context: VariantContext, task: VariantTask): VariantResult {
  try {
    const bt = context.backtest(context.planWith(task.params));
    const bars = context.bars;
    const book = bt.broker.portfolio;
    const start = bt.broker.config.initialCash;
    const closes: number[] = [start];
    const curve: EquityPoint[] = [];
    let lastInside = -1;
    let lastRecorded = -1;
    const to = Math.min(task.to, bars.length);
    for (let i = Math.max(0, task.from); i < to; i++) {
      bt.feedRow(bars, i);
      if (!context.inside(i)) continue;
      lastInside = i;
      // A day's closing equity: what the backtest's Sharpe ratio samples, read once a day.
      if (context.endsDay(i)) {
        const equity = book.equity();
        closes.push(equity);
        if (task.equity) curve.push({ t: bars.closeTime[i] as number, v: equity });
        lastRecorded = i;
      }
    }
    const { result } = bt.finish();
    const s = result.stats;
    // A range that ends inside a day: its last bar closes that (partial) day.
    if (lastInside >= 0 && lastRecorded !== lastInside) {
      closes.push(s.endEquity);
      if (task.equity) curve.push({ t: bars.closeTime[lastInside] as number, v: s.endEquity });
    }
    const stats: VariantStats = {
      bars: result.bars,
      trades: s.trades,
      wins: s.wins,
      startEquity: s.startEquity,
      endEquity: s.endEquity,
      netPnl: s.netPnl,
      returnPercent: s.returnPercent,
      grossProfit: s.grossProfit,
      grossLoss: s.grossLoss,
      profitFactor: s.profitFactor,
      maxDrawdown: s.maxDrawdown,
      maxDrawdownPercent: s.maxDrawdownPercent,
      sharpe: s.sharpe,
      winRate: s.winRate,
      exposure: s.exposure,
      commissions: s.commissions,
      ruleErrors: s.ruleErrors,
      returns: returnMoments(closes),
    };
    return task.equity ? { index: task.index, ok: true, stats, equity: curve } : { index: task.index, ok: true, stats };
  } catch (e) {
    return { index: task.index, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Options of an {@link InProcessRunner}. */
export interface InProcessRunnerOptions {
  /**
   * Lets the host's event loop run (a Ctrl-C handler, a progress redraw):
   * awaited between tasks at most every `yieldEveryMs`. Node passes
   * `() => new Promise((r) => setImmediate(r))`; the default only yields to
   * queued promise callbacks.
   */
  readonly yieldNow?: () => Promise<void>;
  readonly yieldEveryMs?: number;
}

/** `--jobs 1`: every task in this thread, in task order. */
export class InProcessRunner implements VariantRunner {
  constructor(
    private readonly context: VariantContext,
    private readonly options: InProcessRunnerOptions = {},
  ) {}

  async run(
    tasks: readonly VariantTask[],
    onResult: (result: VariantResult) => void,
    signal?: StopSignal,
  ): Promise<void> {
    const yieldNow = this.options.yieldNow ?? (() => Promise.resolve());
    const every = this.options.yieldEveryMs ?? 50;
    let yielded = Date.now();
    for (const task of tasks) {
      if (signal?.aborted) return;
      onResult(runVariantTask(this.context, task));
      if (Date.now() - yielded >= every) {
        await yieldNow();
        yielded = Date.now();
      }
    }
  }
}
