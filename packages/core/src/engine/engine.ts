import type { CompiledFunction, CompiledPlan } from "@tradeplan/dsl";
import { BarSeries } from "../bars/series.js";
import type { Broker, BrokerOrder, PriceLevel } from "../brokers/broker.js";
import { utcDayKey } from "../calendar/utc-day.js";
import { contextOfFrozenParts, deepFreeze, type ExecutionContext, freezeFlat, type PlanInfo } from "../context.js";
import { ExecutionFunctionBase, type FunctionState, type FunctionStateEnv } from "../functions/base.js";
import { SymbolEvaluator } from "../ir/evaluator.js";
import type { SessionKeyFn } from "../ir/program.js";
import type { AccountInfo, BarData, ExecutionSignal, OrderSide, PositionState } from "../models.js";
import { BUILTIN_FUNCTIONS } from "../registry/defaults.js";
import type { InstantiatedPlan } from "../registry/plan.js";
import type { RiskValidator } from "../risk/validator.js";
import type { DecisionOrigin, EngineErrorCode, EngineEvent, EngineEventSink, SuppressionCode } from "./events.js";
import { SignalValidator } from "./signal.js";
import { type BudgetTimer, realBudgetTimer, withBudget } from "./timer.js";

/** One rule of the plan bound to its function instance. */
export interface RuleBinding {
  readonly compiled: CompiledFunction;
  readonly fn: ExecutionFunctionBase<unknown, FunctionState>;
  /** Bars the rule's stream must cache (default: the compiled lookback). */
  readonly lookback?: number;
}

/** Pairs each compiled rule with the instance `instantiatePlan` made for it. */
export function bindRules(inst: InstantiatedPlan): RuleBinding[] {
  return inst.functions.map((f, i) => {
    const compiled = inst.plan.functions[i];
    if (!compiled || compiled.id !== f.id) throw new Error(`instantiated plan out of step with its rules at ${f.id}`);
    return { compiled, fn: f.fn, lookback: f.lookback };
  });
}

/** A confirmed bar close as the engine needs it (a `BarCloseEvent` fits). */
export interface CloseInput {
  readonly symbol: string;
  readonly timeframe: string;
  readonly bar: BarData;
  readonly closeTime: number;
}

export interface EngineOptions {
  readonly plan: CompiledPlan;
  /** Rules in source order (one per compiled function). */
  readonly rules: readonly RuleBinding[];
  readonly broker: Broker;
  readonly risk: RiskValidator;
  readonly sink?: EngineEventSink;
  /**
   * Per-function time budget in ms (default 100). `Infinity` turns the
   * check off (and the clock reads with it on the sync path).
   */
  readonly budgetMs?: number;
  readonly timer?: BudgetTimer;
  /** Session day of a time, for the daily loss limit (default: UTC date). */
  readonly dayKey?: (time: number) => string;
  /** Session id of a bar open time, for VWAP resets (default: UTC day). */
  readonly sessionKey?: SessionKeyFn;
  /** Firings carry `metadata.why` (see {@link FunctionStateEnv.traceFirings}); the backtest sets it. */
  readonly traceFirings?: boolean;
  /** Shares an entry buys when its rule has no `size` (default 100). */
  readonly defaultShares?: number;
  /**
   * Account currency per point per share or contract of a symbol (a future's multiplier x exchange rate;
   * default 1): `size $N` and `size P% of equity` buy what that money buys at this value.
   */
  readonly pointValue?: (symbol: string) => number;
}

/** A function whose per-stream state survives a restart (see {@link Engine.exportState}). */
export interface PersistentFunction {
  exportState(state: FunctionState): unknown;
  /** Returns false when `data` is not a state it saved. */
  importState(state: FunctionState, data: unknown): boolean;
}

/** The engine's saved function states. */
export interface EngineState {
  readonly functions: readonly { readonly symbol: string; readonly rule: string; readonly state: unknown }[];
}

/** Counters the engine keeps for summaries. */
export interface EngineCounters {
  closes: number;
  evaluations: number;
  signals: number;
  suppressed: number;
  riskRejected: number;
  orders: number;
  errors: number;
}

interface RuleSlot {
  readonly binding: RuleBinding;
  readonly state: FunctionState;
  readonly origin: Omit<DecisionOrigin, "time">;
  /** The function's parameters, deeply frozen once (the context hands them out). */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * The last result of this slot that passed validation and is frozen down to
   * its metadata: functions hand back the same NONE object bar after bar, and
   * an unchanged frozen object need not be checked again.
   */
  lastValid: unknown;
  /**
   * The function is one of the built-ins (its exact class, not a subclass). Their results are frozen literals
   * of a fixed shape, checked against the signal schema by their tests over random bars
   * (test/builtin-signals.property.test.ts) rather than on every call: that check was a tenth of a firing.
   */
  readonly builtIn: boolean;
  /** The signed position the cached POSITION_OPEN reason was written for. */
  openQuantity: number;
  openReason: string;
}

/** The base class's `evaluate` (a promise around `evaluateSync`): a function that keeps it is synchronous. */
const baseEvaluate = ExecutionFunctionBase.prototype.evaluate;

const BUILTIN_CLASSES: ReadonlySet<unknown> = new Set(Object.values(BUILTIN_FUNCTIONS));

interface SymbolRuntime {
  readonly symbol: string;
  /** Per timeframe, everything a close needs, found with one look-up. */
  readonly streams: Map<string, StreamRuntime>;
  queue: Promise<void>;
  /** Closes queued and not yet done. */
  pending: number;
}

interface StreamRuntime {
  readonly symbol: string;
  readonly timeframe: string;
  readonly series: BarSeries;
  /** The stream's rules in source order; empty when only other rules read this stream's bars. */
  readonly slots: RuleSlot[];
  /** Whether a rule of this stream has its own (possibly waiting) `evaluate`. */
  readonly async: boolean;
}

interface Decision {
  readonly slot: RuleSlot;
  readonly signal: ExecutionSignal;
}

/** Bars every series keeps at least: the confidence score reads 21 bars of history. */
const MIN_SERIES_CAPACITY = 64;

/**
 * Runs a compiled plan on confirmed bar closes.
 *
 * On each close of (symbol S, timeframe T): the bar is appended to the
 * stream's series; every rule on T is evaluated once for S, in source order,
 * against a frozen context holding the position and account as they stood
 * before this close; then exits are applied before entries, each against the
 * position at that moment (open orders included), so one close can exit a
 * position and open a new one. Each resulting order passes the risk
 * validator and goes to the broker with an idempotent client order id.
 *
 * Faults are contained per function: a throw, a result that is not a valid
 * signal, or a run past the time budget yields NONE and an `error` event.
 *
 * Two entry points: `processCloseSync` (backtests: no promise per function,
 * the budget is checked after the call returns) and `onBarClose` (live: the
 * async `evaluate` is raced against the budget). Closes of one symbol are
 * processed strictly in order through a per-symbol queue; different symbols
 * proceed concurrently.
 */
export class Engine {
  readonly counters: EngineCounters = {
    closes: 0,
    evaluations: 0,
    signals: 0,
    suppressed: 0,
    riskRejected: 0,
    orders: 0,
    errors: 0,
  };
  private readonly symbols = new Map<string, SymbolRuntime>();
  private readonly validator = new SignalValidator();
  private readonly planInfo: PlanInfo;
  private readonly budgetMs: number;
  private readonly timer: BudgetTimer;
  private readonly dayKey: (time: number) => string;
  private readonly defaultShares: number;
  private readonly idPrefix: string;
  private readonly wantEvaluations: boolean;
  /** Whether the sync path reads the clock around each call. */
  private readonly timing: boolean;
  /** The stream of the last close looked up: a replay's closes mostly repeat one stream (its base timeframe). */
  private lastStream: StreamRuntime | undefined;
  /**
   * The last position and account objects the broker returned, known frozen: a broker hands out the same
   * object until something changes it, and checking `Object.isFrozen` is a runtime call on every close.
   */
  private frozenPosition: PositionState | undefined;
  private frozenAccount: AccountInfo | undefined;

  constructor(private readonly options: EngineOptions) {
    const { plan } = options;
    this.planInfo = Object.freeze({ name: plan.name, timezone: plan.timezone, sourceHash: plan.sourceHash });
    this.budgetMs = options.budgetMs ?? 100;
    this.timer = options.timer ?? realBudgetTimer;
    this.dayKey = options.dayKey ?? utcDayKey();
    this.defaultShares = options.defaultShares ?? 100;
    this.idPrefix = plan.sourceHash.slice(0, 12);
    this.wantEvaluations = options.sink?.evaluations === true;
    this.timing = Number.isFinite(this.budgetMs) || this.wantEvaluations;
    // The plan's streams by symbol, grouped once: a plan of ten thousand symbols has fifty thousand of them.
    const streamsOf = new Map<string, { timeframe: string; lookback: number }[]>();
    for (const st of plan.streams) {
      const list = streamsOf.get(st.symbol);
      if (list) list.push(st);
      else streamsOf.set(st.symbol, [st]);
    }
    for (const symbol of plan.symbols) this.symbols.set(symbol, this.buildSymbol(symbol, streamsOf.get(symbol) ?? []));
  }

  private buildSymbol(
    symbol: string,
    planStreams: readonly { readonly timeframe: string; readonly lookback: number }[],
  ): SymbolRuntime {
    const series = new Map<string, BarSeries>();
    const ensure = (tf: string, lookback: number): BarSeries => {
      let s = series.get(tf);
      if (!s) {
        s = new BarSeries(symbol, tf, { capacity: Math.min(1000, Math.max(MIN_SERIES_CAPACITY, lookback + 1)) });
        series.set(tf, s);
      }
      return s;
    };
    for (const st of planStreams) ensure(st.timeframe, st.lookback);
    for (const r of this.options.rules) ensure(r.compiled.timeframe, r.lookback ?? r.compiled.lookback);
    const evaluator = new SymbolEvaluator(
      (tf) => series.get(tf),
      this.options.sessionKey ? { sessionKey: this.options.sessionKey } : {},
    );
    const rulesByTimeframe = new Map<string, RuleSlot[]>();
    for (const binding of this.options.rules) {
      const c = binding.compiled;
      const state = binding.fn.createState({
        symbol,
        timeframe: c.timeframe,
        evaluator,
        traceFirings: this.options.traceFirings === true,
      });
      const params = binding.fn.params as Readonly<Record<string, unknown>>;
      const slot: RuleSlot = {
        binding,
        state,
        origin: { symbol, timeframe: c.timeframe, rule: c.id, line: c.line },
        params: Object.isFrozen(params) ? params : deepFreeze(params),
        lastValid: undefined,
        builtIn: BUILTIN_CLASSES.has(binding.fn.constructor),
        openQuantity: 0,
        openReason: "",
      };
      const list = rulesByTimeframe.get(c.timeframe) ?? [];
      list.push(slot);
      rulesByTimeframe.set(c.timeframe, list);
    }
    const streams = new Map<string, StreamRuntime>();
    for (const [tf, s] of series) {
      const slots = rulesByTimeframe.get(tf) ?? [];
      streams.set(tf, { symbol, timeframe: tf, series: s, slots, async: !slots.every(isSynchronous) });
    }
    return { symbol, streams, queue: RESOLVED, pending: 0 };
  }

  /** Timeframes (with their symbols) the engine wants closes for. */
  streams(): { symbol: string; timeframe: string }[] {
    const out: { symbol: string; timeframe: string }[] = [];
    for (const rt of this.symbols.values())
      for (const tf of rt.streams.keys()) out.push({ symbol: rt.symbol, timeframe: tf });
    return out;
  }

  /**
   * One rule's function and its state on one stream (read-only use): what
   * `tradeplan backtest --explain` traces right after the rule was evaluated.
   */
  rule(symbol: string, timeframe: string, rule: string): (RuleBinding & { readonly state: FunctionState }) | undefined {
    const slot = this.symbols
      .get(symbol)
      ?.streams.get(timeframe)
      ?.slots.find((s) => s.origin.rule === rule);
    return slot ? { ...slot.binding, state: slot.state } : undefined;
  }

  /** The cached closed bars of one stream (read-only use). */
  series(symbol: string, timeframe: string): BarSeries | undefined {
    return this.symbols.get(symbol)?.streams.get(timeframe)?.series;
  }

  /**
   * Appends a closed bar to its stream's cache without evaluating any rule:
   * the refill after a restart (indicators catch up on the next evaluation).
   * Returns false for a stream the plan does not use.
   */
  warmUp(e: CloseInput): boolean {
    const series = this.symbols.get(e.symbol)?.streams.get(e.timeframe)?.series;
    if (!series) return false;
    series.push(e.bar);
    return true;
  }

  /** The saved per-(symbol, rule) state of every function that keeps one worth saving (the trailing stop). */
  exportState(): EngineState {
    const functions: { symbol: string; rule: string; state: unknown }[] = [];
    for (const rt of this.symbols.values())
      for (const { slots } of rt.streams.values())
        for (const slot of slots) {
          const fn = slot.binding.fn as Partial<PersistentFunction>;
          if (typeof fn.exportState === "function")
            functions.push({ symbol: rt.symbol, rule: slot.origin.rule, state: fn.exportState(slot.state) });
        }
    return { functions };
  }

  /** Restores {@link exportState}'s output; returns the (symbol, rule) pairs it could not restore. */
  importState(saved: EngineState): string[] {
    const skipped: string[] = [];
    for (const f of saved.functions) {
      let slot: RuleSlot | undefined;
      for (const { slots } of this.symbols.get(f.symbol)?.streams.values() ?? [])
        slot ??= slots.find((s) => s.origin.rule === f.rule);
      const fn = slot?.binding.fn as Partial<PersistentFunction> | undefined;
      if (!slot || typeof fn?.importState !== "function" || !fn.importState(slot.state, f.state))
        skipped.push(`${f.symbol} ${f.rule}`);
    }
    return skipped;
  }

  /**
   * Processes one close synchronously (the replay fast path). Callers must
   * not mix it with `onBarClose` for the same symbol while a queued close is pending.
   */
  processCloseSync(e: CloseInput): void {
    const stream = this.begin(this.stream(e.symbol, e.timeframe), e.bar);
    if (stream) this.evaluateAllSync(stream, e.bar, e.closeTime, this.timing, e);
  }

  /**
   * {@link processCloseSync} for a close that is the bar's own: its symbol,
   * timeframe and close time are the bar's (a replay's closes), so no close
   * event object is needed per bar.
   */
  processBarSync(bar: BarData): void {
    const stream = this.begin(this.stream(bar.symbol, bar.timeframe), bar);
    if (stream) this.evaluateAllSync(stream, bar, bar.closeTime, this.timing, undefined);
  }

  /**
   * {@link processBarSync} for a bar its stream's series already holds: the
   * columnar fast path (backtest/runner.ts `feedRow`) appends each close
   * as numbers and asks the rules' gates first, and builds the bar and
   * enters here only when a rule may fire or a position is open.
   */
  evaluatePushedBarSync(bar: BarData): void {
    const stream = this.stream(bar.symbol, bar.timeframe);
    if (stream === undefined) return;
    this.counters.closes++;
    if (stream.slots.length > 0) this.evaluateAllSync(stream, bar, bar.closeTime, this.timing, undefined);
  }

  /**
   * A close of a stream with rules that the columnar fast path did not
   * evaluate, because every rule's gate said it gives NONE (its bar is
   * already in the series): of the evaluation only the risk validator's
   * observation of the equity is left to do (the daily loss limit reads it).
   * `equity` is the broker's account equity now, read by the caller without
   * building the account (`Portfolio.equity`): an evaluation's account
   * would be built and frozen at every such close.
   */
  skipPushedClose(closeTime: number, equity: number): void {
    this.counters.closes++;
    this.options.risk.observeEquity(this.dayKey(closeTime), equity);
  }

  /** The runtime of one stream; undefined for a stream the plan does not use. */
  private stream(symbol: string, timeframe: string): StreamRuntime | undefined {
    const last = this.lastStream;
    if (last !== undefined && last.timeframe === timeframe && last.symbol === symbol) return last;
    const s = this.symbols.get(symbol)?.streams.get(timeframe);
    if (s) this.lastStream = s;
    return s;
  }

  /**
   * Evaluates the rules of one close synchronously, then applies their
   * decisions. With `timing`, each call is timed and a result past the
   * budget is discarded (a synchronous call cannot be interrupted, so that
   * is all a budget can do to it).
   */
  private evaluateAllSync(
    stream: StreamRuntime,
    bar: BarData,
    time: number,
    timing: boolean,
    event: CloseInput | undefined,
  ): void {
    let decisions: Decision[] | undefined;
    // The parts every rule of this close sees, frozen once for all of them and passed one by one (an object
    // gathering them was an allocation per replayed bar). The bar is frozen outright: asking first costs as much.
    const frozenBar = Object.freeze(bar);
    const account = this.accountAt(time);
    const position = this.positionOf(stream.symbol);
    const slots = stream.slots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const ctx = this.context(slot, stream, frozenBar, time, position, account);
      const signal = this.evaluateOneSync(slot, ctx, time, timing);
      if (signal) {
        decisions ??= [];
        decisions.push({ slot, signal });
      }
    }
    // A replayed bar has no close event of its own: one is made only when there is something to apply.
    if (decisions)
      this.apply(event ?? { symbol: stream.symbol, timeframe: stream.timeframe, bar, closeTime: time }, decisions);
  }

  /** One synchronous evaluation, validated; the signal when it asks for something. */
  private evaluateOneSync(
    slot: RuleSlot,
    ctx: ExecutionContext,
    time: number,
    timing: boolean,
  ): ExecutionSignal | undefined {
    const t0 = timing ? this.timer.now() : 0;
    let out: unknown;
    let failed: { code: EngineErrorCode; message: string } | undefined;
    try {
      out = slot.binding.fn.evaluateSync(ctx, slot.state);
    } catch (err) {
      failed = { code: "FN_THROW", message: describe(err) };
    }
    const elapsed = timing ? this.timer.now() - t0 : 0;
    if (!failed && elapsed > this.budgetMs) {
      failed = { code: "FN_TIMEOUT", message: `took ${elapsed.toFixed(1)} ms; the budget is ${this.budgetMs} ms` };
    }
    return this.accept(slot, time, out, failed, elapsed);
  }

  /**
   * Queues one close for its symbol and resolves when it has been fully
   * processed. Closes of one symbol run one after another in arrival order.
   * When nothing is queued for the symbol and every function of the stream
   * is synchronous, the close is processed at once, before this returns: a
   * burst of ten thousand closes then costs no promise and no microtask
   * each (half the engine's time in the burst benchmark went to them).
   */
  onBarClose(e: CloseInput): Promise<void> {
    const rt = this.symbols.get(e.symbol);
    if (!rt) return RESOLVED;
    if (rt.pending === 0) {
      const stream = rt.streams.get(e.timeframe);
      if (stream === undefined) return RESOLVED;
      if (!stream.async) {
        try {
          if (this.begin(stream, e.bar)) this.evaluateAllSync(stream, e.bar, e.closeTime, true, e);
          return RESOLVED;
        } catch (err) {
          return Promise.reject(err);
        }
      }
    }
    rt.pending++;
    const run = rt.queue.then(() => this.processCloseAsync(rt, e));
    const done = (): void => {
      rt.pending--;
    };
    // A failure inside one close must not block the symbol's later closes.
    rt.queue = run.then(done, done);
    return run;
  }

  /** Resolves when every queued close of every symbol is done. */
  async idle(): Promise<void> {
    await Promise.all([...this.symbols.values()].map((rt) => rt.queue));
  }

  /**
   * The live path. A function that keeps the base class's `evaluate` is
   * synchronous: it runs as on the sync path (timed against the budget, no
   * timer, no promise), and when all of a close's functions are synchronous
   * the close completes without awaiting anything. Only a function with its
   * own `evaluate` (one that may wait on I/O) is raced against a budget timer.
   */
  private async processCloseAsync(rt: SymbolRuntime, e: CloseInput): Promise<void> {
    const stream = this.begin(rt.streams.get(e.timeframe), e.bar);
    if (!stream) return;
    if (stream.slots.every(isSynchronous)) {
      this.evaluateAllSync(stream, e.bar, e.closeTime, true, e);
      return;
    }
    let decisions: Decision[] | undefined;
    const bar = Object.freeze(e.bar);
    const account = this.accountAt(e.closeTime);
    const position = this.positionOf(e.symbol);
    for (const slot of stream.slots) {
      let signal: ExecutionSignal | undefined;
      const ctx = this.context(slot, stream, bar, e.closeTime, position, account);
      if (isSynchronous(slot)) signal = this.evaluateOneSync(slot, ctx, e.closeTime, true);
      else {
        const t0 = this.timer.now();
        let started: Promise<unknown>;
        try {
          started = slot.binding.fn.evaluate(ctx, slot.state);
        } catch (err) {
          started = Promise.reject(err);
        }
        const r = await withBudget(started, this.budgetMs, this.timer);
        const elapsed = this.timer.now() - t0;
        const failed =
          r.kind === "error"
            ? { code: "FN_THROW" as const, message: describe(r.error) }
            : r.kind === "timeout"
              ? { code: "FN_TIMEOUT" as const, message: `no result within the ${this.budgetMs} ms budget` }
              : undefined;
        signal = this.accept(slot, e.closeTime, r.kind === "value" ? r.value : undefined, failed, elapsed);
      }
      if (signal) {
        decisions ??= [];
        decisions.push({ slot, signal });
      }
    }
    if (decisions) this.apply(e, decisions);
  }

  /** Appends the bar to its series; returns the stream when it has rules to evaluate, else undefined. */
  private begin(stream: StreamRuntime | undefined, bar: BarData): StreamRuntime | undefined {
    if (!stream) return undefined;
    stream.series.push(bar);
    this.counters.closes++;
    return stream.slots.length > 0 ? stream : undefined;
  }

  /** The account as a close at `time` sees it (frozen); the risk validator observes its equity. */
  private accountAt(time: number): AccountInfo {
    let account = this.options.broker.account();
    this.options.risk.observeEquity(this.dayKey(time), account.equity);
    if (account !== this.frozenAccount) {
      account = freezeFlat(account);
      this.frozenAccount = account;
    }
    return account;
  }

  /** The symbol's position as a close sees it (frozen). */
  private positionOf(symbol: string): PositionState {
    let position = this.options.broker.position(symbol);
    if (position !== this.frozenPosition) {
      position = freezeFlat(position);
      this.frozenPosition = position;
    }
    return position;
  }

  /** One rule's context; the bar, position and account are frozen by the caller, once per close. */
  private context(
    slot: RuleSlot,
    stream: StreamRuntime,
    bar: BarData,
    time: number,
    position: PositionState,
    account: AccountInfo,
  ): ExecutionContext {
    // The history view and the plan info are frozen at creation.
    return contextOfFrozenParts({
      symbol: stream.symbol,
      timeframe: stream.timeframe,
      bar,
      history: stream.series.history,
      plan: this.planInfo,
      params: slot.params,
      position,
      account,
      timestamp: time,
    });
  }

  /** Validates a result; records failures; returns the signal when it asks for something. */
  private accept(
    slot: RuleSlot,
    time: number,
    out: unknown,
    failed: { code: EngineErrorCode; message: string } | undefined,
    elapsedMs: number,
  ): ExecutionSignal | undefined {
    this.counters.evaluations++;
    let fault = failed;
    let signal: ExecutionSignal | undefined;
    if (!fault) {
      if (out !== undefined && out === slot.lastValid) signal = out as ExecutionSignal;
      else if (slot.builtIn) signal = out as ExecutionSignal;
      else {
        const v = this.validator.validate(out);
        if (v.ok) {
          signal = v.signal;
          // Only NONE results are remembered: functions return one cached frozen NONE again and again, while a
          // firing signal is new every time, and keeping it alive until the next close made ten thousand of
          // them survive each young-generation collection of a burst (GC was 40% of the burst's time).
          if (signal === out && signal.action === "NONE" && Object.isFrozen(out) && Object.isFrozen(signal.metadata))
            slot.lastValid = out;
        } else fault = { code: "FN_BAD_SIGNAL", message: `not a valid signal: ${v.message}` };
      }
    }
    if (fault || !signal) {
      this.counters.errors++;
      const f = fault ?? { code: "FN_BAD_SIGNAL" as const, message: "no signal" };
      this.emit({
        type: "error",
        time,
        ...slot.origin,
        code: f.code,
        message: `${slot.binding.compiled.name}: ${f.message}`,
      });
      if (this.wantEvaluations) {
        const none: ExecutionSignal = {
          action: "NONE",
          confidence: 0,
          reasoning: f.message,
          metadata: { error: f.code },
        };
        this.emit({ type: "evaluation", time, ...slot.origin, signal: none, elapsedMs });
      }
      return undefined;
    }
    if (this.wantEvaluations) {
      // Spelled out rather than spread from slot.origin: this runs once per evaluation (see copyRecord in functions/rule.ts).
      const o = slot.origin;
      this.emit({
        type: "evaluation",
        time,
        symbol: o.symbol,
        timeframe: o.timeframe,
        rule: o.rule,
        line: o.line,
        signal,
        elapsedMs,
      });
    }
    return signal.action === "NONE" ? undefined : signal;
  }

  /** Exits first, then entries, each against the position at that moment. */
  private apply(e: CloseInput, decisions: Decision[]): void {
    for (const d of decisions) if (d.signal.action === "EXIT") this.applyExit(e, d);
    for (const d of decisions) if (d.signal.action !== "EXIT") this.applyEntry(e, d);
  }

  /** Signed shares held plus those working orders will add. */
  private projected(symbol: string): number {
    const broker = this.options.broker;
    let q = broker.position(symbol).quantity;
    for (const o of broker.openOrders(symbol)) q += o.side === "BUY" ? o.quantity : -o.quantity;
    return q;
  }

  private applyExit(e: CloseInput, d: Decision): void {
    const q = this.projected(e.symbol);
    const origin = originAt(d.slot, e.closeTime);
    if (q === 0) {
      this.suppress(origin, d.signal, "NO_POSITION", "exit with no open position: nothing to do");
      return;
    }
    const side = q > 0 ? "long" : "short";
    if (d.signal.exitSide && d.signal.exitSide !== side) {
      this.suppress(
        origin,
        d.signal,
        "SIDE_MISMATCH",
        `exit ${d.signal.exitSide} while the position is ${side}: nothing to do`,
      );
      return;
    }
    this.emitSignal(origin, d.signal, e.bar.close);
    this.order(origin, e, d, q > 0 ? "SELL" : "BUY", Math.abs(q), "", undefined);
  }

  private applyEntry(e: CloseInput, d: Decision): void {
    const long = d.signal.action === "ENTER_LONG";
    const origin = originAt(d.slot, e.closeTime);
    const q = this.projected(e.symbol);
    if ((long && q > 0) || (!long && q < 0)) {
      // A rule that keeps firing while its position is open is suppressed bar after bar with the same words.
      const slot = d.slot;
      if (slot.openQuantity !== q) {
        slot.openQuantity = q;
        slot.openReason = `a ${long ? "long" : "short"} position of ${Math.abs(q)} shares is already open`;
      }
      this.suppress(origin, d.signal, "POSITION_OPEN", slot.openReason);
      return;
    }
    const shares = this.size(d.slot.binding.compiled, e.bar.close * (this.options.pointValue?.(e.bar.symbol) ?? 1));
    if (shares <= 0) {
      this.suppress(origin, d.signal, "SIZE_ZERO", `the rule's size buys no whole share at ${e.bar.close}`);
      return;
    }
    this.emitSignal(origin, d.signal, e.bar.close);
    // An entry against an open opposite position first closes it (a reversal), as its own order.
    if (q !== 0 && !this.order(origin, e, d, long ? "BUY" : "SELL", Math.abs(q), ":close", undefined)) return;
    this.order(origin, e, d, long ? "BUY" : "SELL", shares, "", d.slot.binding.compiled);
  }

  /** Shares or contracts an entry buys; `price` is the value of one (its price x point value). */
  private size(c: CompiledFunction, price: number): number {
    const size = "action" in c.params ? c.params.size : undefined;
    if (!size) return this.defaultShares;
    if (size.kind === "shares") return size.shares;
    if (size.kind === "money") return Math.floor(size.amount / price);
    const equity = this.options.broker.account().equity;
    return Math.floor((equity * size.percent) / 100 / price);
  }

  /** Risk-checks and sends one order; returns whether the broker accepted it. */
  private order(
    origin: DecisionOrigin,
    e: CloseInput,
    d: Decision,
    side: OrderSide,
    quantity: number,
    suffix: string,
    entry: CompiledFunction | undefined,
  ): boolean {
    const clientOrderId = `${this.idPrefix}:${origin.rule}:${e.symbol}:${e.timeframe}:${e.closeTime}${suffix}`;
    const decision = this.options.risk.check({
      symbol: e.symbol,
      side,
      quantity,
      price: e.bar.close,
      ...(this.options.pointValue ? { pointValue: this.options.pointValue(e.symbol) } : {}),
      position: this.projected(e.symbol),
      time: e.closeTime,
    });
    this.emit({ type: "risk", ...origin, clientOrderId, decision });
    if (!decision.approved) {
      this.counters.riskRejected++;
      this.suppress(origin, d.signal, "RISK_REJECTED", `${decision.code}: ${decision.message}`);
      return false;
    }
    const params = entry && "action" in entry.params ? entry.params : undefined;
    const order: BrokerOrder = {
      clientOrderId,
      symbol: e.symbol,
      side,
      quantity,
      type: "MKT",
      ruleId: origin.rule,
      reason: d.signal.reasoning,
      decidedAt: e.closeTime,
      refPrice: e.bar.close,
      ...(params?.stop ? { stopLoss: priceLevel(params.stop) } : {}),
      ...(params?.target ? { takeProfit: priceLevel(params.target) } : {}),
    };
    const ack = this.options.broker.placeOrder(order);
    this.emit({ type: "order", ...origin, order, ack });
    if (ack.status === "REJECTED") {
      this.suppress(origin, d.signal, "BROKER_REJECTED", ack.reason ?? "rejected by the broker");
      return false;
    }
    this.counters.orders++;
    return true;
  }

  private emitSignal(origin: DecisionOrigin, signal: ExecutionSignal, price: number): void {
    this.counters.signals++;
    this.emit({ type: "signal", ...origin, signal, price });
  }

  private suppress(origin: DecisionOrigin, signal: ExecutionSignal, code: SuppressionCode, reason: string): void {
    this.counters.suppressed++;
    this.emit({
      type: "suppressed",
      time: origin.time,
      symbol: origin.symbol,
      timeframe: origin.timeframe,
      rule: origin.rule,
      line: origin.line,
      action: signal.action,
      code,
      reason,
    });
  }

  private emit(event: EngineEvent): void {
    const sink = this.options.sink;
    if (!sink) return;
    try {
      sink.emit(event);
    } catch {
      // Auditing must never stop trading; the sink owns its own failures.
    }
  }
}

/** The slot's origin at one close time (spelled out: built on every firing). */
function originAt(slot: RuleSlot, time: number): DecisionOrigin {
  const o = slot.origin;
  return { time, symbol: o.symbol, timeframe: o.timeframe, rule: o.rule, line: o.line };
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Whether a slot's function evaluates synchronously (see {@link baseEvaluate}). */
function isSynchronous(slot: RuleSlot): boolean {
  return slot.binding.fn.evaluate === baseEvaluate;
}

function priceLevel(p: { kind: "price"; price: number } | { kind: "percent"; percent: number }): PriceLevel {
  return p.kind === "price" ? { kind: "price", price: p.price } : { kind: "percent", percent: p.percent };
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `threw ${typeof err === "string" ? JSON.stringify(err) : String(err)}`;
}
