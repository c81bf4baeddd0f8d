import type {
  BarCloseEvent,
  BarData,
  Broker,
  BrokerEvent,
  Clock,
  ExecutionFunctionRegistry,
  FeedBar,
  FeedEvent,
  MarketCalendar,
  MarketDataFeed,
} from "@tradeplan/core";
import {
  BarCloseDetector,
  calendarForPlan,
  combineSinks,
  createDefaultRegistry,
  Engine,
  type EngineEvent,
  type EngineEventSink,
  PaperBroker,
  parseTimeframe,
  RealClock,
  type RiskConfig,
  RiskValidator,
  type Timeframe,
} from "@tradeplan/core";
import type { DetectorConfigInput } from "@tradeplan/core/internal";
import {
  BarValidator,
  type BarValidatorConfig,
  Bucketer,
  bindRules,
  instantiatePlan,
  mergeRiskConfig,
} from "@tradeplan/core/internal";
import type { CompiledPlan } from "@tradeplan/dsl";
import type { OrderOrigin, SessionState, SessionStore, SessionTradingState, StreamProgress } from "@tradeplan/store";
import { canHold, type HoldableClock } from "./clock-hold.js";
import { LiveError } from "./errors.js";
import { fetchStreamHistory, fetchWarmUpHistory, historyStart, type StreamNeed } from "./history.js";
import { ScaledClock } from "./scaled-clock.js";
import type { TimeframeWant } from "./sim-market.js";
import { TimeSlicer } from "./time-slice.js";

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
  /**
   * Drops what is held for the next flush (the records of a batch whose
   * transaction failed at shutdown) and returns how many records that was.
   */
  discard?(): number;
  /** Where the orders not done yet came from; saved with the state so records after a restart name their rule. */
  orderOrigins?(): OrderOrigin[];
  restoreOrderOrigins?(origins: readonly OrderOrigin[]): void;
}

/** What the session reports besides engine events (metrics subscribe to it). */
export interface SessionObserver {
  /** A close reached the engine `latencyMs` after its scheduled close time (market clock). */
  closeDetected?(event: BarCloseEvent, latencyMs: number): void;
  /**
   * Every rule of a close was evaluated and its orders sent, `latencyMs` of
   * wall-clock time after the bar closed (on a replay or simulation, after
   * the clock reached the close time). Not reported at speed max, where
   * market time follows no wall clock.
   */
  closeDecided?(event: BarCloseEvent, latencyMs: number): void;
  /** A batch was committed (its audit records and the state after it), taking `durationMs`. */
  batchCommitted?(durationMs: number): void;
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
 * bars in advance: {@link ScheduledFeed}). `historyAt`, when present,
 * answers history at a stream's own timeframe (the bars the bar-close
 * detector would close on `calendar`): the start-up then asks it for the
 * streams longer than the base bars rather than rebuilding a thousand
 * 5-minute bars or twenty days from 1-minute bars ({@link SimFeed}).
 * `prepare`, when present, is called once the history is in, before
 * streaming.
 */
export type SessionFeed = MarketDataFeed & {
  releaseDue?(): void;
  /** Close time of the next bar to stream; Infinity once every bar was streamed (feeds that know their bars). */
  nextDue?(): number;
  historyAt?(
    symbol: string,
    calendar: MarketCalendar,
    to: number,
    wants: readonly TimeframeWant[],
  ): Promise<Map<string, BarData[]>>;
  prepare?(shouldStop: () => boolean): Promise<void>;
};

/** Construction options of a {@link LiveSession}. */
export interface LiveSessionOptions {
  readonly plans: readonly CompiledPlan[];
  readonly feed: SessionFeed;
  /** Market time: a RealClock live, a ScaledClock for replays and simulations. */
  readonly clock: Clock;
  readonly broker: Broker;
  /** Saves the state after every batch and restores it at start; without one nothing survives a restart. */
  readonly store?: SessionStore;
  /** Written in each batch's transaction (the audit journal). */
  readonly batchSink?: BatchSink;
  /** Receives engine events as they happen (logs, metrics). */
  readonly sink?: EngineEventSink;
  /** Firings carry `metadata.why` (the engine option): for a result document equal to the backtest's. */
  readonly traceFirings?: boolean;
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
  /**
   * On a clock that can be held ({@link HoldableClock}: a simulation, a
   * replay), wall-clock milliseconds of one market instant's work after
   * which the rest of it waits for the next turn of the event loop, the
   * clock held meanwhile. Default {@link SLICE_MS}.
   */
  readonly sliceMs?: number;
  /**
   * An instant worked through in slices whose batch holds this many audit
   * records or more is committed at the end of each slice, so that no commit
   * blocks the event loop for long (ten thousand symbols closing at once).
   * Default {@link SLICE_COMMIT_RECORDS}.
   */
  readonly sliceCommitRecords?: number;
}

/** Counters of a session. */
export interface SessionStats {
  barsIn: number;
  barsRejected: number;
  /** Bars already processed before a restart and streamed again: skipped. */
  barsReplayed: number;
  /** Accepted bars outside the plans' sessions (counted in `barsIn`): nothing fills or closes on them. */
  barsOutsideSession: number;
  /**
   * Base bars of an instant that a stop cut short (a signal while it went on in slices), not processed: a
   * restart streams them again (see {@link LiveSession.stop}).
   */
  barsDropped: number;
  closes: number;
  /** Closes rebuilt from history at start (no rule evaluated on them). */
  warmUpCloses: number;
  batches: number;
}

interface StreamInfo {
  readonly symbol: string;
  readonly timeframe: string;
  readonly tf: Timeframe;
  readonly ms: number;
  /** Bars its cache holds (the refill size). */
  capacity: number;
  /** Bars its rules need before they are warm. */
  lookback: number;
  /** Close time of the last bar processed (evaluated, or rebuilt from history); null before the first. */
  lastClose: number | null;
  /** Its progress as saved; a new object when it changes, so the store skips an unchanged one at a glance. */
  row: StreamProgress;
  /** Close time of the last bar the start-up got from the feed at this timeframe (later ones come from base bars). */
  filledTo: number;
  /** It had processed closes before a restart (a short cache after the refill is then a warm rule left cold). */
  restored: boolean;
}

const key = (symbol: string, timeframe: string) => `${symbol}\u0000${timeframe}`;

/**
 * A batch of market instants worked through back to back in one turn of the
 * event loop spans at most this many of them: a commit per instant made a
 * one-symbol replay at speed max spend most of its time committing; one per
 * 16 bars takes most of that away, and a crash still loses at most a few
 * milliseconds of work, never half of it.
 */
const MAX_BATCH_INSTANTS = 16;
/** ... and at most this much work (ms), so that a slow run of instants is not held back long. */
const MAX_BATCH_MS = 100;
/**
 * Work (ms) after which the rest of a market instant waits for the next turn of the event loop (ten thousand
 * symbols closing at once took seconds in one turn: no scrape, no signal was served meanwhile).
 */
const SLICE_MS = 20;
/**
 * Audit records (about 50 µs of commit each) past which an instant worked through in slices is committed slice by
 * slice rather than once whole: a thousand symbols closing on the hour (some four thousand records) commit once,
 * ten thousand (fifty thousand records, seconds of commit) a slice at a time.
 */
const SLICE_COMMIT_RECORDS = 8_000;

/** Work of a market instant waiting for its turn: a streamed base bar, a detector's timer, a close it detected. */
type Deferred = { readonly bar: FeedBar } | { readonly timer: () => void } | { readonly close: BarCloseEvent };

/**
 * One live trading session: feed → bar validation → bar-close detection on
 * the clock → the plans' engines → the broker, with every batch's audit
 * records and resulting state committed in one SQLite transaction.
 *
 * Startup (`start`): restore the saved state (broker, risk counters,
 * function states, per-stream progress); refill the bar caches from
 * `feed.history` — from the lookback each stream needs up to the last
 * processed bar, or to now on a first start — through the validator and the
 * detector, evaluating nothing (streams longer than the base bars straight
 * from `feed.historyAt` when the feed has it); reconcile positions and
 * orders with the broker; only then go ACTIVE and stream. A base bar the
 * session already processed before a restart is skipped, and a close is
 * never evaluated twice, so a restart cannot send a decision twice (and the
 * broker would answer DUPLICATE to the same client order id if it did). The
 * start-up yields to the event loop as it goes and gives up with
 * `LIVE_STOPPED` when `stop` is called meanwhile.
 *
 * Batches: a batch is everything that happens at one market instant: the
 * base bars closing then, of every symbol (each validated, handed to the
 * paper broker to fill working orders at its open, given to the detector,
 * and every close it completed evaluated, bar by bar as they come), or the
 * closes the clock detected then, and the instants after it that the same
 * turn of the event loop works through back to back (a replay at speed max,
 * a simulation catching up; at most 16 of them, 100 ms of work). It is
 * committed in one transaction (its audit records and the state after it,
 * only the rows that changed) at the end of that turn (a microtask), or
 * before work that would make it longer. A thousand symbols closing a bar
 * at once are one commit, not a thousand. All of a batch is
 * run synchronously inside the feed's or the clock's callback (rules on the
 * engine's synchronous path, each timed against the budget). That keeps the
 * order of bars and clock-detected closes exactly the order of market time
 * even when the process falls behind (a fast replay): no close can be
 * detected while an earlier bar still waits in a queue. Functions with an
 * asynchronous `evaluate` of their own are therefore not supported live.
 *
 * Slices: on a clock that can be held (a simulation or a replay, see
 * {@link HoldableClock}), an instant whose work passes `sliceMs` (thousands
 * of symbols closing at once) holds the clock and goes on in the next turns
 * of the event loop, `sliceMs` at a time, its remaining bars and the
 * detector's timers queued in market order; scrapes, signals and I/O get in
 * between. The batch is committed once the instant's work is done: a
 * transaction holds part of an instant only when a stop (a signal) cuts it
 * short, as a crash would (see {@link stop}).
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
    barsDropped: 0,
    closes: 0,
    warmUpCloses: 0,
    batches: 0,
  };
  private readonly options: LiveSessionOptions;
  private readonly log: SessionLog;
  private readonly streams = new Map<string, StreamInfo>();
  /** The streams in saving order (symbol, then timeframe). */
  private readonly ordered: StreamInfo[];
  private readonly bySymbol = new Map<string, StreamInfo[]>();
  private readonly symbols: string[];
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
  /** Market time of the batch being gathered, its latest instant (NaN: none is open). */
  private batchAt = Number.NaN;
  /** Market instants in the open batch, and when (performance.now) it was opened. */
  private batchInstants = 0;
  private batchOpenedAt = 0;
  /** A microtask will commit the open batch at the end of this turn of the event loop. */
  private endOfTurn = false;
  /** The clock, when it can be held (work of an instant then goes on in slices). */
  private readonly holdable: HoldableClock | undefined;
  private readonly sliceMs: number;
  private readonly sliceCommitRecords: number;
  /**
   * Orders accepted by a broker outside this process (IBKR) in the open batch: such a broker writes them on the
   * next turn of the event loop, so the batch is committed before the session yields (see {@link yieldSlice}),
   * and on a failed commit they are cancelled before they are written.
   */
  private unsent: string[] = [];
  /** When (performance.now) the current slice of work began (NaN: none is running). */
  private sliceFrom = Number.NaN;
  /** Lets the clock go; set while an instant is worked through in slices. */
  private letGo: (() => void) | undefined;
  /** The instant's work left for the next slices, in market order, and the next to run. */
  private deferred: Deferred[] = [];
  private deferredAt = 0;
  /** Wall-clock time of a market instant (undefined at speed max: no wall clock). */
  private readonly wallTimeOf: ((market: number) => number) | undefined;
  private unsubscribe: (() => void) | undefined;
  private offBroker: (() => void) | undefined;
  private failure: unknown;
  /** The failure was a batch's commit: the batch is whole in memory, and is committed at shutdown if it can be. */
  private uncommitted = false;
  /** Set when the final commit failed: what was not written, for the run's last line. */
  private unwritten: string | undefined;
  /** The risk state before the failure halted trading (the halt is this process's, not saved with the batch). */
  private riskBeforeFailure: ReturnType<RiskValidator["exportState"]> | undefined;

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
    this.calendar = options.calendar ?? calendarForPlan(first);
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
    // Orders that leave the process: a paper broker's fill waits for the next bar, after the commit, in memory.
    const external: EngineEventSink | undefined =
      options.broker instanceof PaperBroker
        ? undefined
        : {
            emit: (event) => {
              if (event.type === "order" && event.ack.status === "ACCEPTED")
                this.unsent.push(event.order.clientOrderId);
            },
          };
    const sinks = [held, external, options.sink].filter((s): s is EngineEventSink => s !== undefined);
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
        ...(options.traceFirings === true ? { traceFirings: true } : {}),
      }),
    }));
    this.validator = new BarValidator(options.clock, options.validation ?? {});
    this.detector = new BarCloseDetector({
      clock: dataFirst(options.clock, options.feed, (timer) => this.onTimer(timer)),
      ...(options.detector !== undefined ? { config: options.detector } : {}),
      calendar,
      onClose: (e) => this.onClose(e),
      onHandlerError: (error) => this.log("error", `bar-close handler failed: ${describe(error)}`),
    });
    const timeframes = new Map<string, Timeframe>();
    for (const { plan, engine } of this.engines) {
      // Looked up once per plan: a plan of ten thousand symbols has fifty thousand streams.
      const streamLookback = new Map<string, number>();
      for (const p of plan.streams) {
        const k = key(p.symbol, p.timeframe);
        streamLookback.set(k, Math.max(streamLookback.get(k) ?? 0, p.lookback));
      }
      const ruleLookback = new Map<string, number>();
      for (const f of plan.functions)
        ruleLookback.set(f.timeframe, Math.max(ruleLookback.get(f.timeframe) ?? 0, f.lookback));
      for (const s of engine.streams()) {
        const k = key(s.symbol, s.timeframe);
        const series = engine.series(s.symbol, s.timeframe);
        const lookback = Math.max(0, streamLookback.get(k) ?? 0, ruleLookback.get(s.timeframe) ?? 0);
        const prev = this.streams.get(k);
        const capacity = Math.max(prev?.capacity ?? 0, series?.buffer.capacity ?? 0);
        if (prev) {
          prev.capacity = capacity;
          prev.lookback = Math.max(prev.lookback, lookback);
          prev.row = rowOf(prev);
          continue;
        }
        let tf = timeframes.get(s.timeframe);
        if (!tf) {
          tf = parseTimeframe(s.timeframe);
          timeframes.set(s.timeframe, tf);
        }
        const info: StreamInfo = {
          symbol: s.symbol,
          timeframe: s.timeframe,
          tf,
          ms: tf.ms,
          capacity,
          lookback,
          lastClose: null,
          row: { symbol: s.symbol, timeframe: s.timeframe, lastClose: null, lookback },
          filledTo: Number.NEGATIVE_INFINITY,
          restored: false,
        };
        this.streams.set(k, info);
        const list = this.bySymbol.get(s.symbol);
        if (list) list.push(info);
        else this.bySymbol.set(s.symbol, [info]);
        this.detector.addStream(s.symbol, s.timeframe);
      }
    }
    this.ordered = [...this.streams.values()].sort((a, b) =>
      a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.timeframe < b.timeframe ? -1 : 1,
    );
    this.symbols = [...this.bySymbol.keys()].sort();
    this.wallTimeOf = wallClockOf(options.clock);
    this.holdable = canHold(options.clock) ? options.clock : undefined;
    this.sliceMs = options.sliceMs ?? SLICE_MS;
    this.sliceCommitRecords = options.sliceCommitRecords ?? SLICE_COMMIT_RECORDS;
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
        if (this.warming) return;
        this.held.push({ kind: "broker", event });
        // An event between batches (an IBKR fill, an order found lost after a reconnect) is committed at the end
        // of this turn, not with the next bar's batch: a crash before that bar would lose its record for good.
        if (this.streaming && !this.inBar && Number.isNaN(this.batchAt))
          this.guarded(() => this.joinBatch(this.options.clock.now()));
      });
    }
    // A stop can come before the start, or while the feed starts (a signal during the CLI's set-up): the
    // stopped feed's refusal to start is that stop, not a failed start.
    this.checkStopping();
    try {
      await feed.start();
    } catch (e) {
      this.checkStopping();
      throw e;
    }
    this.checkStopping();
    // Subscribe before the history request so that no bar falls between the two; bars are held until ready.
    this.unsubscribe = feed.subscribe(this.symbols, (e) => this.onFeedEvent(e));
    const now = this.options.startAt ?? clock.now();
    this.liveFrom = now;
    await this.refill(now);
    await feed.prepare?.(() => this.stopping);
    this.checkStopping();
    // Orders the last run saved as working that the broker does not hold now get their record before the
    // reconcile: an IBKR order accepted but still waiting for the wire when the process died never reached TWS.
    if (saved?.broker.kind === "external" && broker.settleSaved) {
      await broker.settleSaved(saved.broker.openOrders);
      this.checkStopping();
    }
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
   * dropped (the restart rebuilds them from history), and so is the rest of
   * an instant worked through in slices unless the feed has streamed its
   * last bar. Idempotent.
   */
  async stop(reason = "stopped"): Promise<void> {
    if (this.stopping) return;
    // An instant worked through in slices: at the end of a replay or a simulation (the feed has streamed its
    // last bar) it is finished now and committed whole below. Stopped otherwise (a signal), its rest is dropped
    // as a crash would leave it, so that the stop is answered within a slice: the symbols it had not reached
    // keep their watermarks, and a restart streams their bars of that instant again (the commit below holds
    // the part that was done, each symbol's bar with its closes, decisions and orders).
    if (this.options.feed.nextDue?.() === Number.POSITIVE_INFINITY) this.finishInstant();
    else this.dropInstant();
    this.stopping = true;
    this.unsubscribe?.();
    this.options.guard?.stop();
    this.detector.dispose();
    if (this.streaming && (this.failure === undefined || this.uncommitted)) {
      try {
        if (this.uncommitted) this.commitFailedBatch();
        this.record("session_stop", { reason, stats: { ...this.stats } });
        // The open batch, if any, and the stop record.
        this.batchAt = Number.NaN;
        this.commitNow();
      } catch (e) {
        this.failure ??= e;
        // The records of the batch stay out with its state: written alone at the journal's close, they would
        // stand next to an older state, and the restart would decide that batch again beside them.
        const dropped = this.options.batchSink?.discard?.() ?? 0;
        this.unwritten = `the last batch (${dropped} records) was not committed: ${describe(e)}; a restart on this database decides it again`;
        this.log("error", `the final commit failed: ${describe(e)}`);
      }
    }
    this.streaming = false;
    this.offBroker?.();
    await this.options.feed.stop();
    this.log("info", `session stopped: ${reason}`, { ...this.stats });
  }

  /** Per stream: the last close processed and the bars its cache needs (by symbol, then timeframe). */
  progress(): StreamProgress[] {
    return this.ordered.map((s) => s.row);
  }

  /** Throws `LIVE_STOPPED` when `stop` was called while starting. */
  private checkStopping(): void {
    if (this.stopping) throw new LiveError("LIVE_STOPPED", "the session was stopped before its start-up was done");
  }

  /** Records that `s` processed (or rebuilt) its close at `t`. */
  private closed(s: StreamInfo, t: number): void {
    if (s.lastClose !== null && s.lastClose >= t) return;
    s.lastClose = t;
    s.row = rowOf(s);
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
      const info = this.streams.get(key(s.symbol, s.timeframe));
      if (s.lastClose !== null && info) {
        this.closed(info, s.lastClose);
        info.restored = true;
      }
    }
    for (const w of saved.watermarks) if (this.bySymbol.has(w.symbol)) this.watermarks.set(w.symbol, w.closeTime);
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
   * the last processed bar. A feed with `historyAt` is asked for the streams
   * longer than its base bars at their own timeframe ({@link refillSymbol});
   * base bars then only rebuild the open bars and the base-timeframe
   * streams. Yields to the event loop as it goes.
   */
  private async refill(now: number): Promise<void> {
    const slicer = new TimeSlicer();
    const bars: FeedBar[] = [];
    const baseMs = parseTimeframe(this.options.feed.baseTimeframe).ms;
    let direct = 0;
    for (const symbol of this.symbols) {
      await slicer.pause();
      this.checkStopping();
      const got = await this.refillSymbol(symbol, this.watermarks.get(symbol) ?? now, baseMs);
      direct += got.direct;
      for (const b of got.bars) bars.push(b);
    }
    bars.sort((a, b) => a.closeTime - b.closeTime || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    this.warming = true;
    try {
      for (let i = 0; i < bars.length; i++) {
        if ((i & 1023) === 0 && slicer.due) {
          await slicer.pause();
          this.checkStopping();
        }
        const bar = bars[i]!;
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
    this.reportRefill(bars.length, direct);
  }

  /**
   * The history of one symbol: the streams longer than the base bars from
   * `feed.historyAt` (pushed into the caches here), and the base bars that
   * rebuild the open bars and fill the base-timeframe streams (returned, for
   * the detector, in time order across symbols).
   */
  private async refillSymbol(
    symbol: string,
    to: number,
    baseMs: number,
  ): Promise<{ bars: readonly FeedBar[]; direct: number }> {
    const { feed } = this.options;
    const calendar = this.detector.calendar;
    const streams = this.bySymbol.get(symbol) ?? [];
    const end = (s: StreamInfo) => Math.min(to, s.lastClose ?? to);
    // One bar more than the cache holds: the oldest may start mid-interval, and it is pushed out by the others.
    const need = (s: StreamInfo): StreamNeed => ({ timeframe: s.timeframe, end: end(s), bars: s.capacity + 1 });
    const historyAt = feed.historyAt?.bind(feed);
    const own = historyAt ? streams.filter((s) => s.tf.daily || s.ms !== baseMs) : [];
    const fromBase = streams.filter((s) => !own.includes(s));
    try {
      if (!historyAt || own.length === 0) {
        const got = await fetchWarmUpHistory(
          (from, until) => feed.history(symbol, from, until),
          calendar,
          to,
          fromBase.map(need),
        );
        this.options.guard?.onHistory?.(got.from, to, got.bars);
        return { bars: got.bars, direct: 0 };
      }
      // One request for all of them: the base bars from the start of the longest open interval.
      let baseFrom = to;
      for (const s of own) {
        const b = new Bucketer(calendar, s.tf);
        if (b.locate(to - 1)) baseFrom = Math.min(baseFrom, b.start);
      }
      const wants: TimeframeWant[] = own.map((s) => ({
        timeframe: s.timeframe,
        from: historyStart(calendar, end(s), s.capacity + 1, s.ms),
      }));
      const answer = await historyAt(symbol, calendar, to, [
        { timeframe: feed.baseTimeframe, from: baseFrom },
        ...wants,
      ]);
      let direct = 0;
      for (let i = 0; i < own.length; i++) {
        const s = own[i]!;
        const got = await fetchStreamHistory(
          async (from, until) =>
            (await historyAt(symbol, calendar, until, [{ timeframe: s.timeframe, from }])).get(s.timeframe) ?? [],
          calendar,
          end(s),
          { bars: s.capacity + 1, ms: s.ms },
          { from: wants[i]!.from, bars: answer.get(s.timeframe) ?? [] },
        );
        direct += this.warmUpStream(s, got);
      }
      let base: readonly FeedBar[] = answer.get(feed.baseTimeframe) ?? [];
      if (fromBase.length > 0) {
        // The base-timeframe streams count their bars as on any feed; the longer list holds the shorter.
        const more = await fetchWarmUpHistory(
          (from, until) => feed.history(symbol, from, until),
          calendar,
          to,
          fromBase.map(need),
        );
        if ((more.bars[0]?.time ?? to) < (base[0]?.time ?? to)) base = more.bars;
      }
      this.options.guard?.onHistory?.(Math.min(baseFrom, base[0]?.time ?? baseFrom), to, base);
      return { bars: base, direct };
    } catch (e) {
      if (e instanceof LiveError) throw e;
      throw new LiveError("LIVE_HISTORY", `history of ${symbol} could not be fetched: ${describe(e)}`);
    }
  }

  /** Puts the closed bars of one stream, got at its own timeframe, into its caches; returns how many. */
  private warmUpStream(s: StreamInfo, bars: readonly BarData[]): number {
    let n = 0;
    for (const bar of bars) {
      const v = this.validator.validate(bar);
      if (!v.ok) {
        this.stats.barsRejected++;
        continue;
      }
      const close = { symbol: s.symbol, timeframe: s.timeframe, bar, closeTime: bar.closeTime };
      for (const { engine } of this.engines) engine.warmUp(close);
      this.stats.warmUpCloses++;
      this.closed(s, bar.closeTime);
      s.filledTo = bar.closeTime;
      n++;
    }
    return n;
  }

  /**
   * Logs what the refill left in the caches: per timeframe, how many bars
   * the streams hold of what their rules need; and each stream left short
   * (a warning after a restart: a rule that was warm is cold), the first
   * few of them one by one.
   */
  private reportRefill(baseBars: number, direct: number): void {
    const byTimeframe = new Map<string, { streams: number; least: number; most: number; lookback: number }>();
    const short: { s: StreamInfo; have: number }[] = [];
    for (const s of this.ordered) {
      const have = this.seriesLength(s.symbol, s.timeframe);
      const t = byTimeframe.get(s.timeframe) ?? { streams: 0, least: have, most: have, lookback: s.lookback };
      t.streams++;
      t.least = Math.min(t.least, have);
      t.most = Math.max(t.most, have);
      t.lookback = Math.max(t.lookback, s.lookback);
      byTimeframe.set(s.timeframe, t);
      if (have < s.lookback) short.push({ s, have });
    }
    const fields: Record<string, unknown> = { closes: this.stats.warmUpCloses };
    if (this.ordered.length <= 20)
      fields.streams = this.ordered.map(
        (s) => `${s.symbol} ${s.timeframe}: ${this.seriesLength(s.symbol, s.timeframe)}/${s.lookback}`,
      );
    else
      fields.timeframes = [...byTimeframe].map(
        ([tf, t]) =>
          `${tf}: ${t.streams} streams hold ${t.least === t.most ? t.least : `${t.least}-${t.most}`}/${t.lookback}`,
      );
    this.log(
      "info",
      `bar caches refilled from ${baseBars} history bars${direct > 0 ? ` and ${direct} bars at the streams' own timeframes` : ""}`,
      fields,
    );
    const SHOWN = 20;
    for (const { s, have } of short.slice(0, SHOWN)) {
      // After a restart a short cache is a rule left cold that was warm; at the start of the data it is expected.
      this.log(
        s.restored ? "warn" : "info",
        `${s.symbol} ${s.timeframe}: the feed's history held ${have} of the ${s.lookback} closed bars its rules need; they stay cold until ${s.lookback - have} more bars close`,
      );
    }
    if (short.length > SHOWN) {
      const warm = short.slice(SHOWN).some(({ s }) => s.restored);
      this.log(
        warm ? "warn" : "info",
        `${short.length - SHOWN} more streams are short of the closed bars their rules need; they stay cold until enough bars close`,
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
      else this.admit({ bar: e.bar });
    } else if (e.type === "connection") this.log(e.state === "up" ? "info" : "warn", `feed ${e.state}: ${e.reason}`);
    else this.log("warn", `feed error ${e.code}: ${e.message}`);
  }

  /** A detector's timer: at once, or after the work of the instant being worked through in slices. */
  private onTimer(timer: () => void): void {
    this.admit({ timer });
  }

  /**
   * Runs one piece of an instant's work, or queues it behind the rest of an
   * instant worked through in slices. Once this turn's work passes
   * `sliceMs` on a clock that can be held, holds it and goes on in the next
   * turn ({@link drain}).
   */
  private admit(work: Deferred): void {
    if (this.letGo !== undefined) {
      this.deferred.push(work);
      return;
    }
    if (Number.isNaN(this.sliceFrom)) {
      this.sliceFrom = performance.now();
      queueMicrotask(() => {
        this.sliceFrom = Number.NaN;
      });
    }
    this.run(work);
    if (
      // A detector's timer admits the closes it detects while it runs: one of them may have held the clock.
      this.letGo === undefined &&
      this.holdable !== undefined &&
      this.streaming &&
      !this.stopping &&
      this.failure === undefined &&
      performance.now() - this.sliceFrom >= this.sliceMs
    ) {
      this.letGo = this.holdable.hold();
      this.yieldSlice();
    }
  }

  private run(work: Deferred): void {
    if ("bar" in work) {
      const bar = work.bar;
      this.guarded(() => this.onBar(bar));
    } else if ("close" in work) {
      this.pendingCloses.push(work.close);
      this.guarded(() => {
        this.joinBatch(this.options.clock.now());
        this.processCloses();
      });
    } else work.timer();
  }

  /**
   * The next slice of the instant held back: its queued work, in order,
   * for `sliceMs`; then the next turn, or, once it is all done, the commit
   * at the end of this turn and the clock let go.
   */
  private drain(): void {
    // Finished already (by a stop).
    if (this.letGo === undefined) return;
    this.sliceFrom = performance.now();
    while (this.deferredAt < this.deferred.length && !this.stopping && this.failure === undefined) {
      // At least one piece a slice, however short the slice.
      this.run(this.deferred[this.deferredAt++]!);
      if (this.deferredAt < this.deferred.length && performance.now() - this.sliceFrom >= this.sliceMs) {
        this.yieldSlice();
        return;
      }
    }
    this.sliceFrom = Number.NaN;
    this.deferred = [];
    this.deferredAt = 0;
    if (!Number.isNaN(this.batchAt)) this.commitAtEndOfTurn();
    this.letClockGo();
  }

  /**
   * Ends a slice in the middle of an instant: the next one runs on the next
   * turn of the event loop. What the instant decided so far is committed
   * first when an order of it would otherwise reach a broker outside the
   * process before its decision is on disk, or when the batch has grown past
   * `sliceCommitRecords` (its commit would block the event loop for long).
   * A transaction then holds part of an instant, as after a stop: the
   * symbols not reached yet keep their watermarks (see {@link stop}).
   */
  private yieldSlice(): void {
    if (!Number.isNaN(this.batchAt) && (this.unsent.length > 0 || this.held.length >= this.sliceCommitRecords))
      this.guarded(() => this.commitBatch());
    setImmediate(() => this.drain());
  }

  private dropInstant(): void {
    for (let i = this.deferredAt; i < this.deferred.length; i++)
      if ("bar" in this.deferred[i]!) this.stats.barsDropped++;
    this.deferred = [];
    this.deferredAt = 0;
    this.letClockGo();
  }

  /** Runs what is left of an instant worked through in slices, at once. */
  private finishInstant(): void {
    while (this.deferredAt < this.deferred.length && this.failure === undefined)
      this.run(this.deferred[this.deferredAt++]!);
    this.deferred = [];
    this.deferredAt = 0;
    this.letClockGo();
  }

  private letClockGo(): void {
    const letGo = this.letGo;
    this.letGo = undefined;
    letGo?.();
  }

  /** One streamed base bar, in the batch of its close time. */
  private onBar(bar: FeedBar): void {
    if (bar.closeTime <= (this.watermarks.get(bar.symbol) ?? Number.NEGATIVE_INFINITY)) {
      this.stats.barsReplayed++;
      return;
    }
    this.joinBatch(bar.closeTime);
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
      return;
    }
    this.stats.barsIn++;
    this.options.guard?.onFeedEvent({ type: "bar", bar });
    this.watermarks.set(bar.symbol, bar.closeTime);
    if (!this.detector.calendar.isOpen(bar.time)) {
      // As in a backtest: a bar outside the session neither fills orders nor belongs to any stream bar.
      this.stats.barsOutsideSession++;
      this.options.observer?.barOutsideSession?.(input);
      return;
    }
    const broker = this.options.broker;
    // The paper broker fills working orders at this bar's open before any close of it is evaluated (as in a backtest).
    if (broker instanceof PaperBroker) broker.onBar(input);
    this.detector.updateBar(bar.symbol, bar);
    this.processCloses();
    this.options.observer?.barProcessed?.(input);
  }

  private onClose(e: BarCloseEvent): void {
    if (this.warming) {
      // History: the close was processed before a restart, or happened while the session was down.
      const s = this.streams.get(key(e.symbol, e.timeframe));
      // Already in the cache from the feed's history at the stream's own timeframe.
      if (s && e.closeTime <= s.filledTo) return;
      for (const { engine } of this.engines) engine.warmUp(e);
      this.stats.warmUpCloses++;
      if (s) this.closed(s, e.closeTime);
      return;
    }
    // A close detected by the clock (no bar in progress) is a batch of its own instant; a detector's timer
    // closes a bar of every symbol at once, so each close is a piece of that instant's work of its own.
    if (!this.inBar && this.streaming) this.admit({ close: e });
    else this.pendingCloses.push(e);
  }

  private processCloses(): void {
    const pending = this.pendingCloses;
    // As in a backtest: by close time, and at equal times the longer timeframe first.
    if (pending.length > 1) pending.sort((a, b) => a.closeTime - b.closeTime || this.msOf(b) - this.msOf(a));
    const observer = this.options.observer;
    const wallTimeOf = observer?.closeDecided ? this.wallTimeOf : undefined;
    // Indexed, not shifted: a close evaluated below may not add to the list (closes come from bars, not rules).
    for (let i = 0; i < pending.length; i++) {
      const e = pending[i]!;
      const s = this.streams.get(key(e.symbol, e.timeframe));
      if (s && s.lastClose !== null && e.closeTime <= s.lastClose) continue;
      if (e.closeTime <= this.liveFrom) {
        // Detected by the clock after the start, but the bar ended while the session was down: too late to act on.
        for (const { engine } of this.engines) engine.warmUp(e);
        this.stats.warmUpCloses++;
        if (s) this.closed(s, e.closeTime);
        continue;
      }
      observer?.closeDetected?.(e, e.detectedAt - e.closeTime);
      for (const { engine } of this.engines) engine.processCloseSync(e);
      if (s) this.closed(s, e.closeTime);
      this.stats.closes++;
      if (wallTimeOf) observer!.closeDecided!(e, wallNow() - wallTimeOf(e.closeTime));
    }
    pending.length = 0;
    const risk = this.risk.state;
    if (risk !== this.tradingState && this.tradingState !== "INITIALIZING") {
      this.moveTo(risk, risk === "HALTED" ? "the daily loss limit was reached" : "the risk validator changed state");
    }
  }

  private msOf(e: BarCloseEvent): number {
    return this.streams.get(key(e.symbol, e.timeframe))?.ms ?? 0;
  }

  /**
   * Puts what follows into the open batch, or a new one. Work of the open
   * batch's market instant joins it. Work of a later instant, in the same
   * turn of the event loop (a replay at speed max, a simulation catching up),
   * joins it too while it spans fewer than {@link MAX_BATCH_INSTANTS}
   * instants and {@link MAX_BATCH_MS} of work; otherwise the open batch is
   * committed first. An open batch is committed at the end of the turn.
   */
  private joinBatch(t: number): void {
    if (!Number.isNaN(this.batchAt)) {
      if (this.batchAt === t) return;
      if (++this.batchInstants < MAX_BATCH_INSTANTS && performance.now() - this.batchOpenedAt < MAX_BATCH_MS) {
        this.batchAt = t;
        return;
      }
      this.commitBatch();
    }
    this.batchAt = t;
    this.batchInstants = 1;
    this.batchOpenedAt = performance.now();
    this.commitAtEndOfTurn();
  }

  /** Commits the open batch at the end of this turn of the event loop, unless its instant goes on in slices. */
  private commitAtEndOfTurn(): void {
    if (this.endOfTurn) return;
    this.endOfTurn = true;
    queueMicrotask(() => {
      this.endOfTurn = false;
      // Part of an instant is never committed: the last slice commits it whole (see drain).
      if (this.letGo !== undefined) return;
      if (!Number.isNaN(this.batchAt)) this.guarded(() => this.commitBatch());
    });
  }

  private commitBatch(): void {
    this.batchAt = Number.NaN;
    this.commitNow();
  }

  /** Commits the held audit records and the state in one transaction. */
  private commitNow(): void {
    const { store, batchSink, observer } = this.options;
    const t0 = observer?.batchCommitted ? performance.now() : 0;
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
    try {
      if (store) store.transaction(write);
      else write();
    } catch (e) {
      this.uncommitted = true;
      this.cancelUnsent(e);
      throw e;
    }
    this.unsent.length = 0;
    this.stats.batches++;
    observer?.batchCommitted?.(performance.now() - t0);
  }

  /**
   * The batch's commit failed: its orders to a broker outside the process,
   * not written yet (it writes them on the next turn), are cancelled, so no
   * order reaches the broker whose decision is not on disk. Their
   * cancellations join the batch's records, committed with it at shutdown if
   * the database takes writes again.
   */
  private cancelUnsent(cause: unknown): void {
    const ids = this.unsent.splice(0);
    for (const id of ids) {
      const cancelled = this.options.broker.cancel(id);
      this.log(
        "error",
        `order ${id} ${cancelled ? "cancelled" : "could not be cancelled"} before it was sent: its batch was not committed (${describe(cause)})`,
      );
    }
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
      this.batchAt = Number.NaN;
      this.riskBeforeFailure = this.risk.exportState();
      this.risk.setState("HALTED");
      this.moveTo("HALTED", `a batch failed: ${describe(e)}`);
      this.log("error", `batch failed; trading HALTED: ${describe(e)}`);
    } finally {
      this.inBar = false;
    }
  }

  /**
   * At shutdown, commits the batch whose commit failed (a full disk, a lock
   * held past the busy timeout) if the database takes writes again: nothing
   * ran after it, so its records and the state after it are still whole in
   * memory, and they go to disk together. Written apart, the records would
   * stand next to an older state, and a replay restarted on the file would
   * decide that batch again beside them. The halt is this process's failure,
   * not the plan's: the risk state is saved as it was before it (nothing
   * trades any more; the session's own state stays HALTED). Throws when the
   * database still refuses (the records stay buffered in the journal).
   */
  private commitFailedBatch(): void {
    if (this.riskBeforeFailure) this.risk.importState(this.riskBeforeFailure);
    this.batchAt = Number.NaN;
    this.commitNow();
    this.uncommitted = false;
    this.log("info", "the batch that could not be committed is committed now, with the state after it");
  }

  /**
   * What the final commit could not write (its records dropped with it, so
   * a restart decides that batch again), or undefined when it was written.
   */
  get unwrittenBatch(): string | undefined {
    return this.unwritten;
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
 * `grace_ms` is, as in a backtest. Every detector timer goes through
 * `admit`, which queues it behind an instant worked through in slices.
 */
function dataFirst(clock: Clock, feed: SessionFeed, admit: (timer: () => void) => void): Clock {
  const release = feed.releaseDue?.bind(feed);
  return {
    now: () => clock.now(),
    setTimer: (at, cb) =>
      clock.setTimer(at, () =>
        admit(() => {
          release?.();
          cb();
        }),
      ),
    clearTimer: (handle) => clock.clearTimer(handle),
  };
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The saved form of a stream's progress. */
function rowOf(s: StreamInfo): StreamProgress {
  return { symbol: s.symbol, timeframe: s.timeframe, lastClose: s.lastClose, lookback: s.lookback };
}

/** Wall-clock time now, in epoch ms with sub-millisecond resolution. */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The wall-clock time at which a clock shows a market instant: the instant
 * itself on a real clock, scaled on a replay's or simulation's clock;
 * undefined at speed max, where market time follows no wall clock.
 */
function wallClockOf(clock: Clock): ((market: number) => number) | undefined {
  if (clock instanceof RealClock) return (t) => t;
  if (clock instanceof ScaledClock) return (t) => clock.wallTimeOf(t);
  return undefined;
}
