import type { CompiledPlan } from "@tradeplan/dsl";
import { parseTimeframe } from "../aggregator/timeframe.js";
import type { Broker, BrokerEvent } from "../brokers/broker.js";
import { PaperBroker } from "../brokers/paper.js";
import { calendarFor } from "../calendar/factory.js";
import type { MarketCalendar } from "../calendar/types.js";
import type { Clock } from "../clock/clock.js";
import type { DetectorConfigInput } from "../detector/config.js";
import { BarCloseDetector } from "../detector/detector.js";
import { bindRules, Engine } from "../engine/engine.js";
import { combineSinks, type EngineEvent, type EngineEventSink } from "../engine/events.js";
import type { FeedBar, FeedEvent, MarketDataFeed } from "../feeds/feed.js";
import type { BarCloseEvent, BarData } from "../models.js";
import type { SessionTradingState } from "../persistence/schema.js";
import type { OrderOrigin, SessionState, StateStore, StreamProgress } from "../persistence/store.js";
import { createDefaultRegistry } from "../registry/defaults.js";
import { instantiatePlan } from "../registry/plan.js";
import type { ExecutionFunctionRegistry } from "../registry/registry.js";
import { mergeRiskConfig, type RiskConfig } from "../risk/config.js";
import { RiskValidator } from "../risk/validator.js";
import { BarValidator, type BarValidatorConfig } from "../validation/validator.js";
import { LiveError } from "./errors.js";
import { fetchWarmUpHistory, type StreamNeed, type WarmUpHistory } from "./history.js";

/** Log levels the session reports at. */
export type SessionLogLevel = "info" | "warn" | "error";

/** Where the session reports what it does (the CLI prints it; tests collect it). */
export type SessionLog = (level: SessionLogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * A sink written in the session's batch transaction: the audit journal's
 * sink fits. Events of a batch are held back and handed over inside the
 * transaction that also saves the state, then `flush` writes them there.
 */
export interface BatchSink extends EngineEventSink {
  onBrokerEvent(event: BrokerEvent): void;
  flush(): void;
  /** Where the orders not done yet came from; saved with the state so records after a restart name their rule. */
  orderOrigins?(): OrderOrigin[];
  restoreOrderOrigins?(origins: readonly OrderOrigin[]): void;
}

/** What the session reports besides engine events (metrics subscribe to it). */
export interface SessionObserver {
  /** A close reached the engine `latencyMs` after its scheduled close time (market clock). */
  closeDetected?(event: BarCloseEvent, latencyMs: number): void;
  barRejected?(symbol: string, reason: string): void;
  /** An accepted base bar inside the session was processed (its closes evaluated); its batch commits next. */
  barProcessed?(bar: BarData): void;
  /** An accepted base bar outside the plans' sessions was skipped (nothing fills or closes on it). */
  barOutsideSession?(bar: BarData): void;
  stateChanged?(state: SessionTradingState, reason: string): void;
  feedEvent?(event: FeedEvent): void;
}

/** The session as a circuit breaker sees it. */
export interface SessionControl {
  readonly state: SessionTradingState;
  /** Moves to REDUCING or HALTED with a reason, or back to ACTIVE. */
  setState(state: Exclude<SessionTradingState, "INITIALIZING">, reason: string): void;
}

/** A circuit breaker: told about the feed and rejected bars, it moves the session's trading state. */
export interface SessionGuard {
  start(control: SessionControl): void;
  /** The startup refill fetched history for `[from, to)` and got these bars (before `start`). */
  onHistory?(from: number, to: number, bars: readonly FeedBar[]): void;
  onFeedEvent(event: FeedEvent): void;
  onRejectedBar(symbol: string, reason: string): void;
  stop(): void;
  /** A word for the operator's status line (`closed`, `open`, `half-open`). */
  status?(): string;
}

/**
 * A feed as the session uses it. `releaseDue`, when present, streams at once
 * every bar whose close time the clock has reached (feeds that know their
 * bars in advance: {@link ScheduledFeed}).
 */
export type SessionFeed = MarketDataFeed & { releaseDue?(): void };

/** Construction options of a {@link LiveSession}. */
export interface LiveSessionOptions {
  readonly plans: readonly CompiledPlan[];
  readonly feed: SessionFeed;
  /** Market time: a RealClock live, a ScaledClock for replays and simulations. */
  readonly clock: Clock;
  readonly broker: Broker;
  /** Saves the state after every batch and restores it at start; without one nothing survives a restart. */
  readonly store?: StateStore;
  /** Written in each batch's transaction (the audit journal). */
  readonly batchSink?: BatchSink;
  /** Receives engine events as they happen (logs, metrics). */
  readonly sink?: EngineEventSink;
  readonly observer?: SessionObserver;
  readonly guard?: SessionGuard;
  readonly log?: SessionLog;
  /** Records a session event (startup, reconciliation, state changes) in the audit journal. */
  readonly record?: (what: string, payload: Record<string, unknown>) => void;
  readonly registry?: ExecutionFunctionRegistry;
  /** Risk limits of the config file; each plan's `risk` can only tighten them. */
  readonly risk?: unknown;
  readonly detector?: DetectorConfigInput;
  readonly validation?: BarValidatorConfig;
  readonly budgetMs?: number;
  readonly defaultShares?: number;
  /**
   * Market time the session goes live from: closes up to it are history,
   * bars after it are streamed (a replay's start). Default: the clock's time at `start`.
   */
  readonly startAt?: number;
  /** Default: the plans' session calendar. */
  readonly calendar?: MarketCalendar;
}

/** Counters of a session. */
export interface SessionStats {
  barsIn: number;
  barsRejected: number;
  /** Bars already processed before a restart and streamed again: skipped. */
  barsReplayed: number;
  /** Accepted bars outside the plans' sessions (counted in `barsIn`): nothing fills or closes on them. */
  barsOutsideSession: number;
  closes: number;
  /** Closes rebuilt from history at start (no rule evaluated on them). */
  warmUpCloses: number;
  batches: number;
}

interface StreamInfo {
  readonly symbol: string;
  readonly timeframe: string;
  readonly ms: number;
  /** Bars its cache holds (the refill size). */
  readonly capacity: number;
  /** Bars its rules need before they are warm. */
  readonly lookback: number;
}

const key = (symbol: string, timeframe: string) => `${symbol}\u0000${timeframe}`;

/**
 * One live trading session: feed → bar validation → bar-close detection on
 * the clock → the plans' engines → the broker, with every batch's audit
 * records and resulting state committed in one SQLite transaction.
 *
 * Startup (`start`): restore the saved state (broker, risk counters,
 * function states, per-stream progress); refill the bar caches from
 * `feed.history` — from the lookback each stream needs up to the last
 * processed bar, or to now on a first start — through the validator and the
 * detector, evaluating nothing; reconcile positions and orders with the
 * broker; only then go ACTIVE and stream. A base bar the session already
 * processed before a restart is skipped, and a close is never evaluated
 * twice, so a restart cannot send a decision twice (and the broker would
 * answer DUPLICATE to the same client order id if it did).
 *
 * Batches: each streamed base bar (or each close detected by the clock) is
 * one batch: validate, let the paper broker fill working orders at its
 * open, update the detector, evaluate every close it produced, then commit.
 * A batch runs synchronously, start to end, inside the feed's or the
 * clock's callback (rules are evaluated on the engine's synchronous path,
 * each timed against the budget). That keeps the order of bars and
 * clock-detected closes exactly the order of market time even when the
 * process falls behind (a fast replay): no close can be detected while an
 * earlier bar still waits in a queue. Functions with an asynchronous
 * `evaluate` of their own are therefore not supported live.
 */
export class LiveSession implements SessionControl {
  readonly engines: readonly { readonly plan: CompiledPlan; readonly engine: Engine }[];
  readonly risk: RiskValidator;
  readonly detector: BarCloseDetector;
  readonly validator: BarValidator;
  readonly calendar: MarketCalendar;
  readonly stats: SessionStats = {
    barsIn: 0,
    barsRejected: 0,
    barsReplayed: 0,
    barsOutsideSession: 0,
    closes: 0,
    warmUpCloses: 0,
    batches: 0,
  };
  private readonly options: LiveSessionOptions;
  private readonly log: SessionLog;
  private readonly streams = new Map<string, StreamInfo>();
  private readonly symbols: string[];
  private readonly lastClose = new Map<string, number>();
  private readonly watermarks = new Map<string, number>();
  private readonly pendingCloses: BarCloseEvent[] = [];
  private readonly held: ({ kind: "engine"; event: EngineEvent } | { kind: "broker"; event: BrokerEvent })[] = [];
  private readonly early: FeedBar[] = [];
  private tradingState: SessionTradingState = "INITIALIZING";
  private tradingReason = "starting";
  private warming = false;
  private streaming = false;
  /** A batch is running: closes the detector reports now belong to it. */
  private inBar = false;
  private stopping = false;
  /** Closes at or before this market time are history, never evaluated (the start time). */
  private liveFrom = Number.POSITIVE_INFINITY;
  private unsubscribe: (() => void) | undefined;
  private offBroker: (() => void) | undefined;
  private failure: unknown;

  constructor(options: LiveSessionOptions) {
    const { plans } = options;
    if (plans.length === 0) throw new LiveError("LIVE_NO_PLAN", "a session needs at least one plan");
    const first = plans[0]!;
    for (const p of plans) {
      if (p.session !== first.session || p.timezone !== first.timezone) {
        throw new LiveError(
          "LIVE_MIXED_SESSIONS",
          `plan "${p.name}" trades the ${p.session} session in ${p.timezone}, plan "${first.name}" the ${first.session} session in ${first.timezone}; run them in separate sessions`,
        );
      }
    }
    const hashes = new Set<string>();
    for (const p of plans) {
      if (hashes.has(p.sourceHash)) throw new LiveError("LIVE_DUPLICATE_PLAN", `plan "${p.name}" is given twice`);
      hashes.add(p.sourceHash);
    }
    this.options = options;
    this.log = options.log ?? (() => undefined);
    this.calendar = options.calendar ?? calendarFor(first.session, first.timezone);
    let risk: RiskConfig = mergeRiskConfig(options.risk ?? {}, {});
    for (const p of plans) risk = mergeRiskConfig(risk, p.risk);
    this.risk = new RiskValidator(risk);
    const registry = options.registry ?? createDefaultRegistry();
    const calendar = this.calendar;
    let lastSession: { open: number; close: number; date: string } | null = null;
    const dayOf = (t: number): string => {
      if (lastSession && t >= lastSession.open && t < lastSession.close) return lastSession.date;
      const s = calendar.sessionBounds(t);
      if (s) lastSession = s;
      return s ? s.date : new Date(t).toISOString().slice(0, 10);
    };
    const held: EngineEventSink | undefined = options.batchSink
      ? {
          evaluations: options.batchSink.evaluations === true,
          emit: (event) => this.held.push({ kind: "engine", event }),
        }
      : undefined;
    const sinks = [held, options.sink].filter((s): s is EngineEventSink => s !== undefined);
    const sink = sinks.length > 0 ? combineSinks(...sinks) : undefined;
    this.engines = plans.map((plan) => ({
      plan,
      engine: new Engine({
        plan,
        rules: bindRules(instantiatePlan(plan, registry)),
        broker: options.broker,
        risk: this.risk,
        ...(sink ? { sink } : {}),
        dayKey: (t) => dayOf(t - 1),
        sessionKey: (t) => calendar.sessionBounds(t)?.open ?? Math.floor(t / 86_400_000),
        ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
        ...(options.defaultShares !== undefined ? { defaultShares: options.defaultShares } : {}),
      }),
    }));
    this.validator = new BarValidator(options.clock, options.validation ?? {});
    this.detector = new BarCloseDetector({
      clock: dataFirst(options.clock, options.feed),
      ...(options.detector !== undefined ? { config: options.detector } : {}),
      calendar,
      onClose: (e) => this.onClose(e),
      onHandlerError: (error) => this.log("error", `bar-close handler failed: ${describe(error)}`),
    });
    for (const { plan, engine } of this.engines) {
      for (const s of engine.streams()) {
        const k = key(s.symbol, s.timeframe);
        const series = engine.series(s.symbol, s.timeframe);
        const lookback = Math.max(
          0,
          ...plan.streams.filter((p) => p.symbol === s.symbol && p.timeframe === s.timeframe).map((p) => p.lookback),
          ...plan.functions.filter((f) => f.timeframe === s.timeframe).map((f) => f.lookback),
        );
        const prev = this.streams.get(k);
        const capacity = Math.max(prev?.capacity ?? 0, series?.buffer.capacity ?? 0);
        this.streams.set(k, {
          symbol: s.symbol,
          timeframe: s.timeframe,
          ms: parseTimeframe(s.timeframe).ms,
          capacity,
          lookback: Math.max(prev?.lookback ?? 0, lookback),
        });
        if (!prev) this.detector.addStream(s.symbol, s.timeframe);
      }
    }
    this.symbols = [...new Set([...this.streams.values()].map((s) => s.symbol))].sort();
  }

  /** The trading state: INITIALIZING until `start` is done, then ACTIVE, REDUCING or HALTED. */
  get state(): SessionTradingState {
    return this.tradingState;
  }

  /** Why the session is in its state. */
  get reason(): string {
    return this.tradingReason;
  }

  /** The symbols the session trades. */
  get tradedSymbols(): readonly string[] {
    return this.symbols;
  }

  /**
   * Moves the trading state (a breaker or an operator). REDUCING and HALTED
   * reach the risk validator, so orders are refused there. Before the start
   * sequence is done the request is refused: nothing trades while INITIALIZING.
   */
  setState(state: Exclude<SessionTradingState, "INITIALIZING">, reason: string): void {
    if (this.tradingState === "INITIALIZING") {
      this.log("warn", `trading state ${state} requested while initializing; ignored`, { reason });
      return;
    }
    this.risk.setState(state);
    this.moveTo(state, reason);
  }

  /** The startup sequence; resolves once the session is streaming (ACTIVE unless the restored state says otherwise). */
  async start(): Promise<void> {
    const { feed, clock, broker, store } = this.options;
    this.record("session_start", { plans: this.engines.map((e) => e.plan.name), symbols: this.symbols });
    const saved = store?.load();
    if (saved) this.restore(saved);
    else this.log("info", "no saved state: a fresh start");
    if (this.options.batchSink) {
      this.offBroker = broker.onEvent((event) => {
        if (!this.warming) this.held.push({ kind: "broker", event });
      });
    }
    await feed.start();
    // Subscribe before the history request so that no bar falls between the two; bars are held until ready.
    this.unsubscribe = feed.subscribe(this.symbols, (e) => this.onFeedEvent(e));
    const now = this.options.startAt ?? clock.now();
    this.liveFrom = now;
    await this.refill(now);
    this.reconcile(saved);
    const riskState = this.risk.state;
    if (riskState === "ACTIVE") this.moveTo("ACTIVE", saved ? "state restored; streaming" : "streaming");
    else this.moveTo(riskState, `restored: the risk validator is ${riskState}`);
    this.guarded(() => this.commitNow());
    // From here on every batch runs synchronously in the feed's or the clock's callback (see the class comment).
    this.streaming = true;
    this.options.guard?.start(this);
    for (const bar of this.early.splice(0)) this.guarded(() => this.onBar(bar));
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Graceful shutdown: stops streaming, lets the batch in progress finish,
   * commits the state and the journal, and stops the feed. Open bars are
   * dropped (the restart rebuilds them from history). Idempotent.
   */
  async stop(reason = "stopped"): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unsubscribe?.();
    this.options.guard?.stop();
    this.detector.dispose();
    if (this.streaming && this.failure === undefined) {
      this.record("session_stop", { reason, stats: { ...this.stats } });
      try {
        this.commitNow();
      } catch (e) {
        this.failure = e;
        this.log("error", `the final commit failed: ${describe(e)}`);
      }
    }
    this.streaming = false;
    this.offBroker?.();
    await this.options.feed.stop();
    this.log("info", `session stopped: ${reason}`, { ...this.stats });
  }

  /** Per stream: the last close processed and the bars its cache needs. */
  progress(): StreamProgress[] {
    return [...this.streams.values()]
      .map((s) => ({
        symbol: s.symbol,
        timeframe: s.timeframe,
        lastClose: this.lastClose.get(key(s.symbol, s.timeframe)) ?? null,
        lookback: s.lookback,
      }))
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.timeframe < b.timeframe ? -1 : 1));
  }

  /** The state as it would be saved now. */
  snapshot(): SessionState {
    const broker = this.options.broker;
    return {
      savedAt: this.options.clock.now(),
      watermarks: [...this.watermarks].map(([symbol, closeTime]) => ({ symbol, closeTime })),
      streams: this.progress(),
      broker:
        broker instanceof PaperBroker
          ? { kind: "paper", state: broker.exportState() }
          : { kind: "external", positions: broker.positions(), openOrders: [...broker.openOrders()] },
      risk: this.risk.exportState(),
      engines: this.engines.map(({ plan, engine }) => ({
        plan: plan.sourceHash,
        functions: engine.exportState().functions,
      })),
      trading: { state: this.tradingState, reason: this.tradingReason },
      orderOrigins: this.options.batchSink?.orderOrigins?.() ?? [],
    };
  }

  private restore(saved: SessionState): void {
    const broker = this.options.broker;
    if (saved.broker.kind === "paper") {
      if (broker instanceof PaperBroker) broker.importState(saved.broker.state);
      else
        this.log("warn", "the saved state is of a paper broker; the broker now is another one: positions come from it");
    }
    this.risk.importState(saved.risk);
    this.options.batchSink?.restoreOrderOrigins?.(saved.orderOrigins);
    for (const { plan, engine } of this.engines) {
      const mine = saved.engines.find((e) => e.plan === plan.sourceHash);
      if (!mine) {
        if (saved.engines.length > 0)
          this.log("warn", `plan "${plan.name}" changed since the state was saved: its rules start fresh`);
        continue;
      }
      const skipped = engine.importState({ functions: mine.functions });
      if (skipped.length > 0) this.log("warn", `function state not restored for ${skipped.join(", ")}`);
    }
    for (const s of saved.streams) {
      if (s.lastClose !== null && this.streams.has(key(s.symbol, s.timeframe)))
        this.lastClose.set(key(s.symbol, s.timeframe), s.lastClose);
    }
    for (const w of saved.watermarks) if (this.symbols.includes(w.symbol)) this.watermarks.set(w.symbol, w.closeTime);
    this.log("info", "state restored", {
      savedAt: new Date(saved.savedAt).toISOString(),
      positions: broker.positions().length,
      openOrders: broker.openOrders().length,
      tradingState: saved.trading.state,
    });
  }

  /**
   * Rebuilds the bar caches and the detector's open bars from the feed's
   * history, evaluating nothing: per symbol, enough base bars before the
   * last processed bar (or `now`) for every stream's cache to hold its
   * bars, counted rather than estimated ({@link fetchWarmUpHistory}), up to
   * the last processed bar.
   */
  private async refill(now: number): Promise<void> {
    const { feed } = this.options;
    const bars: FeedBar[] = [];
    for (const symbol of this.symbols) {
      const to = this.watermarks.get(symbol) ?? now;
      const needs: StreamNeed[] = [];
      for (const s of this.streams.values()) {
        if (s.symbol !== symbol) continue;
        // One bar more than the cache holds: the oldest may start mid-interval, and it is pushed out by the others.
        needs.push({
          timeframe: s.timeframe,
          end: Math.min(to, this.lastClose.get(key(symbol, s.timeframe)) ?? to),
          bars: s.capacity + 1,
        });
      }
      let got: WarmUpHistory;
      try {
        got = await fetchWarmUpHistory(
          (from, until) => feed.history(symbol, from, until),
          this.detector.calendar,
          to,
          needs,
        );
      } catch (e) {
        throw new LiveError("LIVE_HISTORY", `history of ${symbol} could not be fetched: ${describe(e)}`);
      }
      this.options.guard?.onHistory?.(got.from, to, got.bars);
      bars.push(...got.bars);
    }
    bars.sort((a, b) => a.closeTime - b.closeTime || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    this.warming = true;
    try {
      for (const bar of bars) {
        const v = this.validator.validate({ ...bar, timeframe: this.options.feed.baseTimeframe });
        if (!v.ok) {
          this.stats.barsRejected++;
          continue;
        }
        this.detector.updateBar(bar.symbol, bar);
        this.watermarks.set(bar.symbol, Math.max(this.watermarks.get(bar.symbol) ?? bar.closeTime, bar.closeTime));
      }
    } finally {
      this.warming = false;
    }
    const progress = this.progress().map((p) => ({ ...p, have: this.seriesLength(p.symbol, p.timeframe) }));
    this.log("info", `bar caches refilled from ${bars.length} history bars`, {
      closes: this.stats.warmUpCloses,
      streams: progress.map((p) => `${p.symbol} ${p.timeframe}: ${p.have}/${p.lookback}`),
    });
    for (const p of progress) {
      // After a restart a short cache is a rule left cold that was warm; at the start of the data it is expected.
      if (p.have < p.lookback)
        this.log(
          p.lastClose !== null ? "warn" : "info",
          `${p.symbol} ${p.timeframe}: the feed's history held ${p.have} of the ${p.lookback} closed bars its rules need; they stay cold until ${p.lookback - p.have} more bars close`,
        );
    }
  }

  private seriesLength(symbol: string, timeframe: string): number {
    let n = 0;
    for (const { engine } of this.engines) n = Math.max(n, engine.series(symbol, timeframe)?.length ?? 0);
    return n;
  }

  /** Compares the saved positions and orders with the broker's; the broker is the truth, differences are reported. */
  private reconcile(saved: SessionState | undefined): void {
    const broker = this.options.broker;
    const differences: string[] = [];
    if (saved) {
      const savedPositions =
        saved.broker.kind === "paper"
          ? saved.broker.state.lots.map((l) => ({ symbol: l.symbol, quantity: l.qty }))
          : saved.broker.positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity }));
      const savedOrders = saved.broker.kind === "paper" ? saved.broker.state.working : saved.broker.openOrders;
      const symbols = new Set([...savedPositions.map((p) => p.symbol), ...broker.positions().map((p) => p.symbol)]);
      for (const symbol of symbols) {
        const was = savedPositions.find((p) => p.symbol === symbol)?.quantity ?? 0;
        const is = broker.position(symbol).quantity;
        if (was !== is) differences.push(`${symbol}: saved position ${was}, broker reports ${is}`);
      }
      const open = new Set(broker.openOrders().map((o) => o.clientOrderId));
      for (const o of savedOrders)
        if (!open.has(o.clientOrderId)) differences.push(`order ${o.clientOrderId} is no longer working at the broker`);
      const known = new Set(savedOrders.map((o) => o.clientOrderId));
      for (const id of open)
        if (!known.has(id)) differences.push(`order ${id} is working at the broker but was not saved`);
    }
    for (const d of differences) this.log("warn", `reconcile: ${d}`);
    this.record("reconcile", {
      positions: broker.positions().map((p) => ({ symbol: p.symbol, quantity: p.quantity, avgPrice: p.avgPrice })),
      openOrders: broker.openOrders().map((o) => o.clientOrderId),
      differences,
    });
    this.log(
      "info",
      `reconciled with the broker: ${differences.length === 0 ? "no differences" : `${differences.length} differences`}`,
      {
        positions: broker.positions().length,
        openOrders: broker.openOrders().length,
      },
    );
  }

  private onFeedEvent(e: FeedEvent): void {
    if (this.stopping) return;
    this.options.observer?.feedEvent?.(e);
    // Bars reach the guard once validated (see onBar); a rejected bar is reported as one.
    if (e.type !== "bar") this.options.guard?.onFeedEvent(e);
    if (e.type === "bar") {
      if (!this.streaming) this.early.push(e.bar);
      else this.guarded(() => this.onBar(e.bar));
    } else if (e.type === "connection") this.log(e.state === "up" ? "info" : "warn", `feed ${e.state}: ${e.reason}`);
    else this.log("warn", `feed error ${e.code}: ${e.message}`);
  }

  /** One streamed base bar: one batch. */
  private onBar(bar: FeedBar): void {
    if (bar.closeTime <= (this.watermarks.get(bar.symbol) ?? Number.NEGATIVE_INFINITY)) {
      this.stats.barsReplayed++;
      return;
    }
    const input: BarData = { ...bar, timeframe: this.options.feed.baseTimeframe };
    const v = this.validator.validate(input);
    if (!v.ok) {
      this.stats.barsRejected++;
      this.options.observer?.barRejected?.(bar.symbol, v.reason);
      this.options.guard?.onRejectedBar(bar.symbol, v.reason);
      const event: EngineEvent = {
        type: "bar_rejected",
        file: `feed:${bar.symbol}`,
        line: 0,
        code: v.reason,
        reason: v.message,
      };
      this.options.sink?.emit(event);
      if (this.options.batchSink) this.held.push({ kind: "engine", event });
      this.commitNow();
      return;
    }
    this.stats.barsIn++;
    this.options.guard?.onFeedEvent({ type: "bar", bar });
    this.watermarks.set(bar.symbol, bar.closeTime);
    if (!this.detector.calendar.isOpen(bar.time)) {
      // As in a backtest: a bar outside the session neither fills orders nor belongs to any stream bar.
      this.stats.barsOutsideSession++;
      this.options.observer?.barOutsideSession?.(input);
      this.commitNow();
      return;
    }
    const broker = this.options.broker;
    // The paper broker fills working orders at this bar's open before any close of it is evaluated (as in a backtest).
    if (broker instanceof PaperBroker) broker.onBar(input);
    this.detector.updateBar(bar.symbol, bar);
    this.processCloses();
    this.options.observer?.barProcessed?.(input);
    this.commitNow();
  }

  private onClose(e: BarCloseEvent): void {
    if (this.warming) {
      // History: the close was processed before a restart, or happened while the session was down.
      for (const { engine } of this.engines) engine.warmUp(e);
      this.stats.warmUpCloses++;
      const k = key(e.symbol, e.timeframe);
      this.lastClose.set(k, Math.max(this.lastClose.get(k) ?? e.closeTime, e.closeTime));
      return;
    }
    this.pendingCloses.push(e);
    // A close detected by the clock (no bar in progress) is a batch of its own.
    if (!this.inBar && this.streaming) {
      this.guarded(() => {
        this.processCloses();
        this.commitNow();
      });
    }
  }

  private processCloses(): void {
    // As in a backtest: by close time, and at equal times the longer timeframe first.
    if (this.pendingCloses.length > 1)
      this.pendingCloses.sort((a, b) => a.closeTime - b.closeTime || this.msOf(b) - this.msOf(a));
    while (this.pendingCloses.length > 0) {
      const e = this.pendingCloses.shift()!;
      const k = key(e.symbol, e.timeframe);
      if (e.closeTime <= (this.lastClose.get(k) ?? Number.NEGATIVE_INFINITY)) continue;
      if (e.closeTime <= this.liveFrom) {
        // Detected by the clock after the start, but the bar ended while the session was down: too late to act on.
        for (const { engine } of this.engines) engine.warmUp(e);
        this.stats.warmUpCloses++;
        this.lastClose.set(k, e.closeTime);
        continue;
      }
      this.options.observer?.closeDetected?.(e, e.detectedAt - e.closeTime);
      for (const { engine } of this.engines) engine.processCloseSync(e);
      this.lastClose.set(k, e.closeTime);
      this.stats.closes++;
    }
    const risk = this.risk.state;
    if (risk !== this.tradingState && this.tradingState !== "INITIALIZING") {
      this.moveTo(risk, risk === "HALTED" ? "the daily loss limit was reached" : "the risk validator changed state");
    }
  }

  private msOf(e: BarCloseEvent): number {
    return this.streams.get(key(e.symbol, e.timeframe))?.ms ?? 0;
  }

  /** Commits the held audit records and the state in one transaction. */
  private commitNow(): void {
    const { store, batchSink } = this.options;
    const held = this.held.splice(0);
    const write = () => {
      if (batchSink) {
        for (const h of held) {
          if (h.kind === "engine") batchSink.emit(h.event);
          else batchSink.onBrokerEvent(h.event);
        }
        batchSink.flush();
      }
      store?.save(this.snapshot());
    };
    if (store) store.transaction(write);
    else write();
    this.stats.batches++;
  }

  private moveTo(state: SessionTradingState, reason: string): void {
    if (state === this.tradingState && reason === this.tradingReason) return;
    const from = this.tradingState;
    this.tradingState = state;
    this.tradingReason = reason;
    this.log(state === "ACTIVE" ? "info" : "warn", `trading state ${from} -> ${state}: ${reason}`);
    this.record("trading_state", { from, to: state, reason });
    this.options.observer?.stateChanged?.(state, reason);
  }

  private record(what: string, payload: Record<string, unknown>): void {
    try {
      this.options.record?.(what, payload);
    } catch (e) {
      this.log("error", `could not record ${what}: ${describe(e)}`);
    }
  }

  /**
   * Runs one batch. A batch that fails (the database refused the commit) is
   * not followed by others: trading halts and the failure is kept for `error`.
   */
  private guarded(batch: () => void): void {
    if (this.failure !== undefined || this.stopping) return;
    this.inBar = true;
    try {
      batch();
    } catch (e) {
      this.failure = e;
      this.pendingCloses.length = 0;
      this.risk.setState("HALTED");
      this.moveTo("HALTED", `a batch failed: ${describe(e)}`);
      this.log("error", `batch failed; trading HALTED: ${describe(e)}`);
    } finally {
      this.inBar = false;
    }
  }

  /** The failure that halted the session, if any. */
  get error(): unknown {
    return this.failure;
  }
}

/**
 * The detector's clock: before a detector timer acts, a feed that knows its
 * bars in advance (a replay, a simulation) streams the bars due by then, so
 * a bar that ends exactly at a boundary is in its stream bar whatever
 * `grace_ms` is, as in a backtest. Other feeds get the clock unchanged.
 */
function dataFirst(clock: Clock, feed: SessionFeed): Clock {
  const release = feed.releaseDue?.bind(feed);
  if (release === undefined) return clock;
  return {
    now: () => clock.now(),
    setTimer: (at, cb) =>
      clock.setTimer(at, () => {
        release();
        cb();
      }),
    clearTimer: (handle) => clock.clearTimer(handle),
  };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
