import type { CompiledPlan } from "@tradeplan/dsl";
import { PaperBroker, type PaperBrokerOptions } from "../brokers/paper.js";
import { CalendarError } from "../calendar/errors.js";
import { calendarForPlan } from "../calendar/factory.js";
import type { MarketCalendar, Session } from "../calendar/types.js";
import { planQuietCloses, type QuietPlan, type QuietStream } from "../columnar/quiet.js";
import type { CsvCalendar, DailyBounds, RejectedRow } from "../data/csv.js";
import { bindRules, Engine, type RuleBinding } from "../engine/engine.js";
import { combineSinks, type EngineEventSink } from "../engine/events.js";
import type { BudgetTimer } from "../engine/timer.js";
import type { BarData } from "../models.js";
import type { Instruments } from "../portfolio/instruments.js";
import type { Portfolio } from "../portfolio/portfolio.js";
import { createDefaultRegistry } from "../registry/defaults.js";
import { instantiatePlan } from "../registry/plan.js";
import type { ExecutionFunctionRegistry } from "../registry/registry.js";
import { LocalTime } from "../report/local-time.js";
import { mergeRiskConfig } from "../risk/config.js";
import { RiskValidator } from "../risk/validator.js";
import { CandleCollector, type CandleSeries } from "./candles.js";
import { buildResult, RunCollector } from "./collector.js";
import { Decimator } from "./decimator.js";
import { type ClosedBars, ReplayAggregator } from "./replay-aggregator.js";
import type { BacktestResult } from "./result.js";
import { EquityTracker } from "./stats.js";

export interface BacktestOptions {
  readonly plan: CompiledPlan;
  /** Function registry (default: the built-in functions). */
  readonly registry?: ExecutionFunctionRegistry;
  /** Rules bound by hand (tests); default: instantiated from the plan through the registry. */
  readonly rules?: readonly RuleBinding[];
  readonly broker?: PaperBrokerOptions;
  /** What each symbol is (multiplier, tick size, currency); default: US-dollar stocks. */
  readonly instruments?: Instruments;
  /** Risk limits from the config file; the plan's `risk` section is merged over them. */
  readonly risk?: unknown;
  /** Market calendar (default: `calendarForPlan(plan)`: the session statement's exchange calendar (NYSE when it names none), fixed hours, or midnight-aligned days for `always`). */
  readonly calendar?: MarketCalendar;
  /**
   * Per-function time budget in ms. Default: off (Infinity). A replay runs
   * each function to completion anyway, and discarding results that came
   * back late would make a backtest depend on the machine's load; pass a
   * number to apply the live rule (late result -> NONE + error) all the same.
   */
  readonly budgetMs?: number;
  readonly timer?: BudgetTimer;
  /** Receives every engine event (the audit log). */
  readonly sink?: EngineEventSink;
  /** Points kept per chart series (default 2000). */
  readonly chartPoints?: number;
  /** Whether to sample prices, candles and equity for the charts (default true; a sweep reads none). */
  readonly charts?: boolean;
  readonly defaultShares?: number;
  /**
   * `"auto"` (default): bars fed with {@link Backtest.feed} or
   * {@link Backtest.feedRow} take the columnar fast path when the plan
   * allows it ({@link Backtest.path});
   * `"event"`: every bar goes through the engine as an object.
   */
  readonly path?: "auto" | "event";
}

/**
 * Which path {@link Backtest.feed} and {@link Backtest.feedRow} take: `columnar` (closes go to the
 * engine only where a rule may fire or a position is open) or `event`
 * (every close through the engine), with the reason the plan or the
 * options need it.
 */
export type BacktestPath = { readonly kind: "columnar" } | { readonly kind: "event"; readonly reason: string };

/**
 * Rows of one symbol's base bars as columns (a `BarColumns` is one): what
 * {@link Backtest.feedRow} reads a bar from without building an object.
 */
export interface BarRows {
  readonly symbol: string;
  readonly time: ArrayLike<number>;
  readonly closeTime: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly volume: ArrayLike<number>;
  /** Row `i` as a new bar object (the event path's input). */
  bar(i: number): BarData;
}

/** A symbol's samples for the charts: its close prices and its candles. */
interface SymbolChart {
  readonly prices: Decimator;
  readonly candles: CandleCollector;
}

/** One symbol's replay: its timeframes' aggregator and its sampled prices. */
interface SymbolReplay {
  readonly symbol: string;
  readonly aggregator: ReplayAggregator;
  /** Undefined without charts (a sweep): the candles' local-time offset was a part of each variant's set-up. */
  readonly chart: SymbolChart | undefined;
  /** With the fast path: the stream of each of the aggregator's timeframes (its `target` order). */
  readonly quiet: readonly QuietStream[] | undefined;
}

/** Sampled series for the HTML report. */
export interface BacktestCharts {
  readonly prices: Record<string, { t: number; v: number }[]>;
  readonly equity: { t: number; v: number }[];
  /** Candles of each symbol's traded timeframe (coarser above MAX_CANDLES), for the report's price chart. */
  readonly candles?: Record<string, CandleSeries>;
}

export interface BacktestOutcome {
  readonly result: BacktestResult;
  readonly charts: BacktestCharts;
}

/** Daily CSV rows mapped onto the sessions: a daily bar spans its session. */
export function sessionDailyBounds(calendar: MarketCalendar): DailyBounds {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (y, m, d) => {
    const s = calendar.sessionOn(`${y}-${pad(m)}-${pad(d)}`);
    return s ? { time: s.open, closeTime: s.close } : undefined;
  };
}

/**
 * What the CSV reader asks `calendar`: daily rows' session bounds, and
 * whether a bar lies in the years the calendar covers (a row outside them is
 * a rejected row, `CSV_OUT_OF_CALENDAR`, instead of ending the run).
 */
export function sessionCalendar(calendar: MarketCalendar): CsvCalendar {
  return {
    dailyBounds: sessionDailyBounds(calendar),
    outOfRange: (time) => {
      try {
        calendar.sessionBounds(time);
        return undefined;
      } catch (e) {
        if (e instanceof CalendarError && e.code === "CALENDAR_OUT_OF_RANGE")
          return e.message.replace(/^CALENDAR_OUT_OF_RANGE: /, "");
        throw e;
      }
    },
  };
}

/**
 * One backtest: feed base bars (every symbol's, in time order per symbol)
 * with `feed`, rejected input rows with `reject`, then `finish`.
 *
 * Per base bar b, in this order: closes scheduled at or before b's open are
 * reported (bars whose last base bar was missing); the paper broker fills
 * working orders at b's open, checks protective exits against b's range and
 * marks at b's close; the aggregator adds b and reports the bars it
 * completes; the engine processes each close (sync fast path); equity is
 * sampled. Base bars outside the plan's session are skipped entirely. On
 * the columnar fast path ({@link path}) the same happens in the same order,
 * except that the engine and the broker are left out where they would
 * change nothing (see `feedQuiet`).
 */
export class Backtest {
  readonly engine: Engine;
  readonly broker: PaperBroker;
  /** The broker's book, which equity and exposure are read from per bar. */
  private readonly book: Portfolio;
  readonly calendar: MarketCalendar;
  private readonly symbols = new Map<string, SymbolReplay>();
  private readonly collector = new RunCollector();
  private readonly tracker: EquityTracker;
  private readonly equity: Decimator;
  private readonly streamTfs = new Map<string, string[]>();
  private barsIn = 0;
  private outside = 0;
  private lastSession: Session | null = null;
  private lastSymbol: SymbolReplay | undefined;
  /** Close time of the instant whose equity is still to be sampled; -1 before the first bar. */
  private sampleTime = -1;
  private sampleDay = "";
  private readonly charts: boolean;
  /** Which path {@link feed} and {@link feedRow} take, and why not the columnar one. */
  readonly path: BacktestPath;
  private readonly quiet: QuietPlan | undefined;
  /**
   * Whether a bar's broker step was put off ({@link settleBroker}): with no
   * position and no working order that step only marks the close and starts
   * the day, so the last such bar's step leaves the broker as every one of
   * them would have. The bar is `deferredBar`, or row `deferredRow` of
   * `deferredRows`.
   */
  private deferred = false;
  private deferredBar: BarData | undefined;
  private deferredRows: BarRows | undefined;
  private deferredRow = -1;

  constructor(private readonly options: BacktestOptions) {
    const { plan } = options;
    this.calendar = options.calendar ?? calendarForPlan(plan);
    this.broker = new PaperBroker(options.broker ?? {}, (t) => this.dayOf(t), options.instruments);
    const instruments = this.broker.instruments;
    this.book = this.broker.portfolio;
    const risk = new RiskValidator(mergeRiskConfig(options.risk ?? {}, plan.risk));
    const rules = options.rules ?? bindRules(instantiatePlan(plan, options.registry ?? createDefaultRegistry()));
    const collector = this.collector;
    this.engine = new Engine({
      plan,
      rules,
      broker: this.broker,
      risk,
      sink: options.sink ? combineSinks(collector, options.sink) : collector,
      dayKey: (t) => this.dayOf(t - 1),
      sessionKey: (t) => this.calendar.sessionBounds(t)?.open ?? Math.floor(t / 86_400_000),
      traceFirings: true,
      budgetMs: options.budgetMs ?? Number.POSITIVE_INFINITY,
      ...(options.timer ? { timer: options.timer } : {}),
      ...(options.defaultShares !== undefined ? { defaultShares: options.defaultShares } : {}),
      pointValue: (symbol) => instruments.pointValue(symbol),
    });
    for (const s of this.engine.streams()) {
      const list = this.streamTfs.get(s.symbol) ?? [];
      list.push(s.timeframe);
      this.streamTfs.set(s.symbol, list);
    }
    const quiet = planQuietCloses(this.engine, plan, {
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
      evaluations: options.sink?.evaluations === true,
    });
    this.quiet = typeof quiet === "string" ? undefined : quiet;
    this.path = typeof quiet === "string" ? { kind: "event", reason: quiet } : { kind: "columnar" };
    this.tracker = new EquityTracker(this.broker.config.initialCash);
    this.equity = new Decimator(options.chartPoints ?? 2000);
    this.charts = options.charts !== false;
  }

  /** The session day of an instant (its UTC date outside sessions). */
  private dayOf(t: number): string {
    const last = this.lastSession;
    if (last && t >= last.open && t < last.close) return last.date;
    const s = this.calendar.sessionBounds(t);
    return s ? s.date : new Date(t).toISOString().slice(0, 10);
  }

  /** Records a rejected input row (and forwards it to the audit sink). */
  reject(row: RejectedRow): void {
    this.collector.rejected(row.code);
    this.options.sink?.emit({
      type: "bar_rejected",
      file: row.file,
      line: row.line,
      code: row.code,
      reason: row.reason,
    });
  }

  /**
   * Feeds one base bar. Bars of a symbol must come in time order (the CSV
   * reader guarantees it). Takes the columnar fast path when {@link path}
   * allows it (see {@link feedRow}), else the event path.
   */
  feed(bar: BarData): void {
    if (this.quiet === undefined) this.feedEvent(bar);
    else
      this.feedQuiet(
        bar.symbol,
        bar.time,
        bar.closeTime,
        bar.open,
        bar.high,
        bar.low,
        bar.close,
        bar.volume,
        bar,
        undefined,
        -1,
      );
  }

  /**
   * Feeds row `i` of `rows` (one symbol's bars, in time order, like
   * {@link feed}) without building a bar object for it unless the broker
   * or the engine needs one: the columnar fast path when {@link path}
   * allows it, else the row goes through the event path as a bar object.
   */
  feedRow(rows: BarRows, i: number): void {
    if (this.quiet === undefined) this.feedEvent(rows.bar(i));
    else
      this.feedQuiet(
        rows.symbol,
        rows.time[i] as number,
        rows.closeTime[i] as number,
        rows.open[i] as number,
        rows.high[i] as number,
        rows.low[i] as number,
        rows.close[i] as number,
        rows.volume[i] as number,
        undefined,
        rows,
        i,
      );
  }

  /** The event path: every close of the bar through the engine, the broker stepped on every bar. */
  private feedEvent(bar: BarData): void {
    let s = this.lastSession;
    if (!s || bar.time < s.open || bar.time >= s.close) {
      s = this.calendar.sessionBounds(bar.time);
      this.lastSession = s;
    }
    if (!s) {
      this.outside++;
      return;
    }
    // Most runs have one symbol: the previous bar's is reused without a map look-up.
    let r = this.lastSymbol;
    if (r === undefined || r.symbol !== bar.symbol) {
      r = this.symbols.get(bar.symbol) ?? this.startSymbol(bar);
      if (!r) return;
      this.lastSymbol = r;
    }
    this.barsIn++;
    // Equity is sampled once per instant, after every symbol's bar closing then (a portfolio's symbols
    // close together; sampling between them would mix marks of two instants).
    if (bar.closeTime !== this.sampleTime && this.sampleTime >= 0) this.sample();
    const due = r.aggregator.advance(bar.time);
    if (due.count > 0) this.run(due);
    this.broker.onBar(bar);
    const done = r.aggregator.push(bar);
    if (done.count > 0) this.run(done);
    this.sampleTime = bar.closeTime;
    this.sampleDay = s.date;
    const chart = r.chart;
    if (chart) {
      chart.prices.push(bar.closeTime, bar.close);
      chart.candles.push(bar.time, bar.open, bar.high, bar.low, bar.close);
    }
  }

  /**
   * The columnar fast path, in the event path's order (see the class
   * comment). Each close is appended to its series as numbers and every
   * rule's gate (`CloseGate`, answered from the rule's own compiled
   * IR nodes and state) is asked whether it may fire; the engine (a bar
   * object, a frozen context, a signal with its reasoning) is entered only
   * at a close where one may. With no position and no working order the
   * broker's step (which then only marks the close and starts the day) is
   * put off until the broker is needed. The result is the event path's to
   * the last bit: packages/core/test/columnar/differential.property.test.ts
   * holds it so over random plans and random and real bars.
   *
   * The bar is `bar` when the caller has it as an object, else row `i` of
   * `rows`, built only when the broker or the engine needs it.
   */
  private feedQuiet(
    symbol: string,
    time: number,
    closeTime: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
    bar: BarData | undefined,
    rows: BarRows | undefined,
    i: number,
  ): void {
    let s = this.lastSession;
    if (!s || time < s.open || time >= s.close) {
      s = this.calendar.sessionBounds(time);
      this.lastSession = s;
    }
    if (!s) {
      this.outside++;
      return;
    }
    let r = this.lastSymbol;
    if (r === undefined || r.symbol !== symbol) {
      r = this.symbols.get(symbol) ?? this.startSymbol(bar ?? (rows as BarRows).bar(i));
      if (!r) return;
      this.lastSymbol = r;
    }
    this.barsIn++;
    if (closeTime !== this.sampleTime && this.sampleTime >= 0) this.sample();
    const due = r.aggregator.advance(time);
    if (due.count > 0) this.runQuiet(r, due);
    // With a position or a working order (perhaps placed at a due close just now) the broker steps now.
    if (this.busy()) {
      this.settleBroker();
      this.broker.step(symbol, time, open, high, low, close);
    } else {
      this.deferredBar = bar;
      this.deferredRows = rows;
      this.deferredRow = i;
      this.deferred = true;
    }
    const done = r.aggregator.pushValues(time, closeTime, open, high, low, close, volume, bar);
    if (done.count > 0) this.runQuiet(r, done);
    this.sampleTime = closeTime;
    this.sampleDay = s.date;
    const chart = r.chart;
    if (chart) {
      chart.prices.push(closeTime, close);
      chart.candles.push(time, open, high, low, close);
    }
  }

  /** Whether the broker holds a position or a working order (the engine must then see every close). */
  private busy(): boolean {
    return this.book.hasPositions() || this.broker.hasWorkingOrders();
  }

  /** Gives the broker the bar whose step was put off (see {@link deferred}). */
  private settleBroker(): void {
    if (!this.deferred) return;
    this.deferred = false;
    const bar = this.deferredBar ?? (this.deferredRows as BarRows).bar(this.deferredRow);
    this.deferredBar = undefined;
    this.deferredRows = undefined;
    this.broker.onBar(bar);
  }

  /**
   * The fast path's closes: each appended to its series as numbers; the
   * engine is entered (with the bar as an object) only where a rule's gate
   * says it may fire. A close no rule can fire at while a position or an
   * order is open still lets the risk validator observe the equity, as an
   * evaluation would; flat, the equity is the cash, which the next
   * evaluation observes alike.
   */
  private runQuiet(r: SymbolReplay, closed: ClosedBars): void {
    const streams = r.quiet as readonly QuietStream[];
    for (let k = 0; k < closed.count; k++) {
      const c = closed.close(k);
      const stream = streams[c.target] as QuietStream;
      stream.series.pushValues(c.time, c.open, c.high, c.low, c.close, c.volume);
      const rules = stream.rules;
      if (rules.length === 0) continue;
      const flat = !this.busy();
      const position = this.broker.position(r.symbol);
      const history = stream.series.history;
      let enter = false;
      // Every gate is asked (a gate may bring its state up to this close, as its evaluation would).
      for (let j = 0; j < rules.length; j++) {
        const rule = rules[j] as (typeof rules)[number];
        if (rule.gate.mayFire(rule.state, c.close, c.volume, position, history)) enter = true;
      }
      if (enter) {
        this.settleBroker();
        this.engine.evaluatePushedBarSync(closed.at(k));
      } else if (!flat) this.engine.skipPushedClose(c.closeTime, this.book.equity());
    }
  }

  /** The replay state of a symbol's first bar; undefined for a symbol the plan does not trade. */
  private startSymbol(bar: BarData): SymbolReplay | undefined {
    const tfs = this.streamTfs.get(bar.symbol);
    if (!tfs) return undefined;
    const aggregator = new ReplayAggregator(bar.symbol, bar.timeframe, tfs, this.calendar);
    const streams = this.quiet?.symbol === bar.symbol ? this.quiet.streams : undefined;
    const r: SymbolReplay = {
      symbol: bar.symbol,
      aggregator,
      chart: this.charts ? this.symbolChart(bar) : undefined,
      quiet: streams && aggregator.timeframes.map((tf) => streams.get(tf) as QuietStream),
    };
    this.symbols.set(bar.symbol, r);
    return r;
  }

  /** The chart samples of the symbol whose first bar is `bar`. */
  private symbolChart(bar: BarData): SymbolChart {
    const { plan } = this.options;
    // The traded timeframe: the symbol's shortest stream (a day at most, so a 1w stream still shows days).
    const traded = Math.min(...plan.streams.filter((s) => s.symbol === bar.symbol).map((s) => s.seconds), 86_400);
    return {
      prices: new Decimator(this.options.chartPoints ?? 2000),
      candles: new CandleCollector(traded, new LocalTime(plan.timezone).offsetMs(bar.time)),
    };
  }

  /** Samples the equity of the instant that just ended, for the statistics and the chart. */
  private sample(): void {
    const equity = this.book.equity();
    this.tracker.observe(this.sampleDay, equity, this.book.hasPositions());
    if (this.charts) this.equity.push(this.sampleTime, equity);
  }

  /** Processes completed bars in order: each is its own close event. */
  private run(closed: ClosedBars): void {
    for (let i = 0; i < closed.count; i++) this.engine.processBarSync(closed.at(i));
  }

  /** Ends the run: cancels orders no bar will fill, and builds the result. */
  finish(): BacktestOutcome {
    this.settleBroker();
    if (this.sampleTime >= 0) this.sample();
    this.sampleTime = -1;
    this.broker.cancelAll("end of data");
    const result = buildResult({
      plan: this.options.plan,
      broker: this.broker,
      collector: this.collector,
      tracker: this.tracker,
      bars: this.barsIn,
      outside: this.outside,
    });
    const prices: Record<string, { t: number; v: number }[]> = {};
    const candles: Record<string, CandleSeries> = {};
    if (!this.charts) return { result, charts: { prices, equity: [] } };
    for (const [sym, r] of this.symbols) {
      if (r.chart === undefined) continue;
      prices[sym] = r.chart.prices.points();
      candles[sym] = r.chart.candles.series();
    }
    return { result, charts: { prices, equity: this.equity.points(), candles } };
  }
}

/** Runs a backtest over bars held in memory or generated on the fly. */
export function runBacktest(options: BacktestOptions, bars: Iterable<BarData>): BacktestOutcome {
  const bt = new Backtest(options);
  for (const b of bars) bt.feed(b);
  return bt.finish();
}
