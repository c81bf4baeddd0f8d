import type { Clock, FeedBar, FeedEvent, FeedListener, MarketDataFeed, TimerHandle } from "@tradeplan/core";

/** Options of a {@link ScheduledFeed}. */
export interface ScheduledFeedOptions {
  readonly clock: Clock;
  /** Timeframe of the bars (`1m`). */
  readonly baseTimeframe: string;
  /** Bars closing after this market time are streamed; those closing at or before it are history only. */
  readonly startAt: number;
  /** Name used in connection events (`replay data.csv`). */
  readonly name: string;
}

interface Subscriber {
  readonly symbols: ReadonlySet<string>;
  readonly listener: FeedListener;
}

/**
 * Bars known in advance, in the order a {@link ScheduledFeed} streams them:
 * by close time, and at one close time by symbol. An array of bars (a
 * replay) or bars made as they are due (a simulation).
 */
export interface BarSchedule {
  /** Close time of the next bar to stream; Infinity once every bar was streamed. */
  nextDue(): number;
  /** Hands every bar closing at or before `t` to `deliver`, in stream order, and moves past them. */
  release(t: number, deliver: (bar: FeedBar) => void): void;
  /** Base bars of `symbol` whose open time is in [from, to), oldest first. */
  history(symbol: string, from: number, to: number): FeedBar[];
  /** Open time of the first bar and close time of the last (undefined when there are no bars). */
  span(): { first: number; last: number } | undefined;
}

/** Index of the first bar with `time >= t` in bars sorted by time. */
function lowerBound(bars: readonly FeedBar[], t: number): number {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A {@link BarSchedule} over bars held in memory (per symbol, sorted by open time), streamed from `startAt`. */
export class ArraySchedule implements BarSchedule {
  private readonly merged: readonly FeedBar[];
  private cursor: number;

  constructor(
    private readonly bySymbol: ReadonlyMap<string, readonly FeedBar[]>,
    startAt: number,
  ) {
    this.merged = [...bySymbol.values()]
      .flat()
      .sort((a, b) => a.closeTime - b.closeTime || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    this.cursor = this.merged.findIndex((b) => b.closeTime > startAt);
    if (this.cursor < 0) this.cursor = this.merged.length;
  }

  nextDue(): number {
    return this.merged[this.cursor]?.closeTime ?? Number.POSITIVE_INFINITY;
  }

  release(t: number, deliver: (bar: FeedBar) => void): void {
    while (this.cursor < this.merged.length && this.merged[this.cursor]!.closeTime <= t)
      deliver(this.merged[this.cursor++]!);
  }

  history(symbol: string, from: number, to: number): FeedBar[] {
    const bars = this.bySymbol.get(symbol) ?? [];
    return bars.slice(lowerBound(bars, from), lowerBound(bars, to));
  }

  span(): { first: number; last: number } | undefined {
    const first = this.merged.reduce((m, b) => Math.min(m, b.time), Number.POSITIVE_INFINITY);
    const last = this.merged.at(-1)?.closeTime;
    return last === undefined ? undefined : { first, last };
  }
}

/**
 * A feed over bars known in advance, released on a clock: each bar is
 * streamed when the clock reaches its close time (bars of several symbols in
 * (close time, symbol) order), and `history` answers from the same bars. The
 * base of {@link ReplayFeed} and {@link SimFeed}; on a {@link ScaledClock} it
 * is a replay on a real clock at any speed.
 */
export class ScheduledFeed implements MarketDataFeed {
  readonly baseTimeframe: string;
  /** Resolves once the last bar has been streamed (at once when there is none). */
  readonly finished: Promise<void>;
  private readonly clock: Clock;
  private readonly name: string;
  private readonly schedule: BarSchedule;
  private readonly subscribers = new Set<Subscriber>();
  private timer: TimerHandle | undefined;
  private started = false;
  private stopped = false;
  private resolveFinished!: () => void;
  private readonly deliverBar = (bar: FeedBar): void => {
    const event: FeedEvent = { type: "bar", bar };
    for (const sub of this.subscribers) if (sub.symbols.has(bar.symbol)) deliver(sub, event);
  };

  /**
   * @param bars per symbol, sorted by open time (the CSV reader and the generator produce them so), streamed
   * from `options.startAt`; or a schedule of its own
   */
  constructor(bars: ReadonlyMap<string, readonly FeedBar[]> | BarSchedule, options: ScheduledFeedOptions) {
    this.baseTimeframe = options.baseTimeframe;
    this.clock = options.clock;
    this.name = options.name;
    this.schedule = bars instanceof Map ? new ArraySchedule(bars, options.startAt) : (bars as BarSchedule);
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    if (this.schedule.nextDue() === Number.POSITIVE_INFINITY) this.resolveFinished();
  }

  /** Open time of the first bar and close time of the last (undefined when there are no bars). */
  span(): { first: number; last: number } | undefined {
    return this.schedule.span();
  }

  /** Close time of the next bar to stream; Infinity once every bar was streamed. */
  nextDue(): number {
    return this.schedule.nextDue();
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error(`${this.name}: the feed was stopped`);
    this.started = true;
  }

  subscribe(symbols: readonly string[], listener: FeedListener): () => void {
    const sub: Subscriber = { symbols: new Set(symbols), listener };
    this.subscribers.add(sub);
    deliver(sub, { type: "connection", state: "up", reason: `${this.name} streaming` });
    if (this.started && !this.stopped) this.arm();
    return () => {
      this.subscribers.delete(sub);
    };
  }

  async history(symbol: string, from: number, to: number): Promise<FeedBar[]> {
    return this.schedule.history(symbol, from, to);
  }

  /**
   * Streams every bar whose close time the clock has reached, at once. A
   * bar known in advance is there at its close time: the session calls this
   * before any other timer due at the same instant acts (a bar-close
   * detector's timer would otherwise close a stream bar without its last
   * base bar, since timers due together fire in the order they were set).
   */
  releaseDue(): void {
    if (!this.started || this.stopped || this.subscribers.size === 0) return;
    if (this.schedule.nextDue() > this.clock.now()) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.release();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.subscribers.clear();
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    const next = this.schedule.nextDue();
    if (next === Number.POSITIVE_INFINITY) return;
    this.timer = this.clock.setTimer(next, () => this.release());
  }

  private release(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.schedule.release(this.clock.now(), this.deliverBar);
    if (this.schedule.nextDue() === Number.POSITIVE_INFINITY) this.resolveFinished();
    else this.arm();
  }
}

/** A listener's failure must not stop the feed for the other listeners. */
function deliver(sub: Subscriber, event: FeedEvent): void {
  try {
    sub.listener(event);
  } catch {
    // The session's listener never throws; a foreign one is not our business.
  }
}
