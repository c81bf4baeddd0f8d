import type { BarData, FeedBar, MarketCalendar } from "@tradeplan/core";
import { type GeneratorOptions, parseTimeframe, type SessionBounds } from "@tradeplan/core";
import { MarketWalk, type WalkState } from "@tradeplan/core/internal";
import type { BarSchedule } from "./scheduled-feed.js";
import { StreamBarBuilder } from "./stream-bars.js";

/** What a {@link SimMarket} simulates. */
export interface SimMarketSpec {
  /** Symbol i walks with seed `seed + i`. */
  readonly symbols: readonly string[];
  readonly seed: number;
  /** Base bar interval (`1m`). */
  readonly interval: string;
  readonly startPrice: number;
  readonly dailyVolume: number;
  /** The simulated sessions, oldest first (the history days before the start included). */
  readonly sessions: readonly SessionBounds[];
  /** Bars closing after this are streamed; those closing at or before it are history only. */
  readonly startAt: number;
}

/** One request of {@link SimMarket.historyAt}: bars of `timeframe` from `from` on. */
export interface TimeframeWant {
  readonly timeframe: string;
  readonly from: number;
}

/** Work (in bars walked) between two checks of the time slice in {@link SimMarket.prepare}. */
const PREPARE_CHUNK_BARS = 20_000;

class Track {
  /** Walk state at the start of each session walked so far, by session index (a checkpoint per day). */
  readonly starts: (WalkState | undefined)[] = [];
  /** The walk the stream comes from, positioned at the cursor (made by `prepare` or the first release). */
  live: MarketWalk | undefined;

  constructor(
    readonly symbol: string,
    readonly options: GeneratorOptions,
  ) {}
}

/**
 * The simulated market of a {@link SimFeed}: one {@link MarketWalk} per
 * symbol (the model of `generateBars`), stepped bar by bar as the clock
 * reaches each bar's close, so memory does not grow with the number of days
 * or with time. The walk's state at the start of every session walked is
 * kept (a few numbers per symbol and day), so history for any day is walked
 * again from the start of that day rather than from the first.
 *
 * History comes as base bars, or at a stream's timeframe
 * ({@link historyAt}): the base bars of a long history are then folded into
 * the stream's bars on the way and never kept.
 */
export class SimMarket implements BarSchedule {
  private readonly tracks: Track[];
  private readonly bySymbol = new Map<string, Track>();
  private readonly sessions: readonly SessionBounds[];
  private readonly barsPerSession: readonly number[];
  private readonly stepMs: number;
  /** Cursor of the stream: the next bar to stream is bar `bar` of session `day`. */
  private day: number;
  private bar: number;
  private readonly lastClose: number;

  constructor(spec: SimMarketSpec) {
    this.sessions = spec.sessions;
    this.tracks = spec.symbols.map(
      (symbol, i) =>
        new Track(symbol, {
          symbol,
          seed: (spec.seed + i) % 0x100000000,
          interval: spec.interval,
          startPrice: spec.startPrice,
          dailyVolume: spec.dailyVolume,
        }),
    );
    // Streamed in (close time, symbol) order, as every scheduled feed streams.
    this.tracks.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    for (const t of this.tracks) this.bySymbol.set(t.symbol, t);
    const probe = new MarketWalk({ interval: spec.interval });
    this.barsPerSession = this.sessions.map((s) => Math.max(0, probe.barsIn(s)));
    this.stepMs = parseTimeframe(spec.interval).ms;
    let last = Number.NEGATIVE_INFINITY;
    this.sessions.forEach((s, d) => {
      const n = this.barsPerSession[d]!;
      if (n > 0) last = s.open + n * this.stepMs;
    });
    this.lastClose = last;
    // The first bar closing after startAt.
    this.day = this.sessions.length;
    this.bar = 0;
    for (let d = 0; d < this.sessions.length; d++) {
      const n = this.barsPerSession[d]!;
      const s = this.sessions[d]!;
      if (n === 0 || s.open + n * this.stepMs <= spec.startAt) continue;
      this.day = d;
      this.bar = spec.startAt <= s.open ? 0 : Math.floor((spec.startAt - s.open) / this.stepMs);
      break;
    }
  }

  nextDue(): number {
    if (this.day >= this.sessions.length) return Number.POSITIVE_INFINITY;
    return this.sessions[this.day]!.open + (this.bar + 1) * this.stepMs;
  }

  span(): { first: number; last: number } | undefined {
    const d = this.barsPerSession.findIndex((n) => n > 0);
    return d < 0 ? undefined : { first: this.sessions[d]!.open, last: this.lastClose };
  }

  /**
   * Positions every symbol's walk at the start of the stream, yielding to
   * the event loop between symbols (walking the days before the start takes
   * a while with many symbols; after a history request reaching the start it is quick).
   */
  async prepare(shouldStop: () => boolean = () => false): Promise<void> {
    let work = 0;
    for (const t of this.tracks) {
      if (shouldStop()) return;
      if (t.live) continue;
      work += this.position(t);
      if (work >= PREPARE_CHUNK_BARS) {
        work = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  release(t: number, deliver: (bar: FeedBar) => void): void {
    const tracks = this.tracks;
    while (this.nextDue() <= t) {
      for (let i = 0; i < tracks.length; i++) {
        const track = tracks[i]!;
        if (!track.live) this.position(track);
        deliver(track.live!.nextBar());
      }
      this.bar++;
      if (this.bar >= this.barsPerSession[this.day]!) this.nextSession();
    }
  }

  history(symbol: string, from: number, to: number): FeedBar[] {
    const out: FeedBar[] = [];
    const track = this.bySymbol.get(symbol);
    if (!track) return out;
    this.walk(track, from, to, (walk) => {
      if (walk.last.time >= from) out.push(walk.lastBar());
    });
    return out;
  }

  /**
   * History of one symbol up to `to`, in one walk, for several timeframes:
   * for the base interval, the base bars with open time at or after `from`
   * and close time at or before `to`; for a longer timeframe, the bars the
   * bar-close detector would close on `calendar` from those base bars (see
   * {@link StreamBarBuilder}), whole intervals only.
   */
  historyAt(
    symbol: string,
    calendar: MarketCalendar,
    to: number,
    wants: readonly TimeframeWant[],
  ): Map<string, BarData[]> {
    const result = new Map<string, BarData[]>();
    const track = this.bySymbol.get(symbol);
    if (!track || wants.length === 0) return result;
    let base: { from: number; out: BarData[] } | undefined;
    const builders: StreamBarBuilder[] = [];
    let from = Number.POSITIVE_INFINITY;
    for (const w of wants) {
      const out: BarData[] = [];
      result.set(w.timeframe, out);
      from = Math.min(from, w.from);
      const tf = parseTimeframe(w.timeframe);
      if (tf.ms === this.stepMs && !tf.daily) base = { from: w.from, out };
      else builders.push(new StreamBarBuilder(symbol, tf, calendar, w.from, to, out));
    }
    this.walk(track, from, to, (walk) => {
      const b = walk.last;
      if (b.closeTime > to) return;
      if (base && b.time >= base.from) base.out.push(walk.lastBar());
      for (let i = 0; i < builders.length; i++)
        builders[i]!.add(b.time, b.closeTime, b.open, b.high, b.low, b.close, b.volume);
    });
    for (const b of builders) b.finish();
    return result;
  }

  /**
   * Walks one symbol's bars of the sessions overlapping [from, to), oldest
   * first, handing the walk to `visit` after each bar (read `walk.last`; no
   * object is made unless `visit` asks for one).
   */
  private walk(track: Track, from: number, to: number, visit: (walk: MarketWalk) => void): void {
    let d = 0;
    while (d < this.sessions.length && this.sessions[d]!.close <= from) d++;
    if (d >= this.sessions.length || this.sessions[d]!.open >= to) return;
    const walk = this.walkerAt(track, d);
    for (; d < this.sessions.length && this.sessions[d]!.open < to; d++) {
      const s = this.sessions[d]!;
      const n = walk.beginSession(s);
      // Bars that end before `from` are walked, not made.
      const skip = Math.min(n, Math.max(0, Math.floor((from - s.open) / this.stepMs)));
      walk.skipBars(skip);
      let i = skip;
      for (; i < n && s.open + i * this.stepMs < to; i++) {
        walk.advance();
        visit(walk);
      }
      if (i < n) return;
      track.starts[d + 1] ??= walk.state();
    }
  }

  /** A walk of `track` standing at the start of session `d`, from the latest checkpoint before it. */
  private walkerAt(track: Track, d: number): MarketWalk {
    let k = Math.max(0, Math.min(d, track.starts.length - 1));
    while (k > 0 && track.starts[k] === undefined) k--;
    const from = k > 0 ? track.starts[k] : undefined;
    const walk = new MarketWalk(track.options, from);
    for (; k < d; k++) {
      walk.beginSession(this.sessions[k]!);
      walk.skipSession();
      track.starts[k + 1] ??= walk.state();
    }
    return walk;
  }

  /** Puts the stream's walk of `track` at the cursor; returns the bars walked to get there. */
  private position(track: Track): number {
    if (this.day >= this.sessions.length) return 0;
    const before = this.walkedDays(track);
    const walk = this.walkerAt(track, this.day);
    walk.beginSession(this.sessions[this.day]!);
    walk.skipBars(this.bar);
    track.live = walk;
    let bars = this.bar;
    for (let k = before; k < this.day; k++) bars += this.barsPerSession[k]!;
    return bars;
  }

  /** Sessions whose start state `track` already knows (walks start from there). */
  private walkedDays(track: Track): number {
    let k = Math.max(0, Math.min(this.day, track.starts.length - 1));
    while (k > 0 && track.starts[k] === undefined) k--;
    return k;
  }

  private nextSession(): void {
    this.bar = 0;
    this.day++;
    while (this.day < this.sessions.length && this.barsPerSession[this.day] === 0) this.day++;
    if (this.day >= this.sessions.length) return;
    const s = this.sessions[this.day]!;
    for (const t of this.tracks) {
      const walk = t.live;
      if (!walk) continue;
      // Every symbol's walk of the sessions in between is one of 0 bars (no draws): its state carries over.
      t.starts[this.day] ??= walk.state();
      walk.beginSession(s);
    }
  }
}
