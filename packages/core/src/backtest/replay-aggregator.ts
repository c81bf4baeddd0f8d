import { Bucketer } from "../aggregator/bucketer.js";
import { parseTimeframe, type Timeframe, TimeframeError } from "../aggregator/timeframe.js";
import type { MarketCalendar } from "../calendar/types.js";
import type { BarData } from "../models.js";

/** A timeframe the base feed cannot build. */
export class ReplayTimeframeError extends Error {
  readonly code = "BT_TIMEFRAME";
  constructor(message: string) {
    super(message);
    this.name = "ReplayTimeframeError";
  }
}

interface Bucket {
  start: number;
  end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

interface Target {
  readonly timeframe: string;
  readonly ms: number;
  readonly passthrough: boolean;
  readonly bucketer: Bucketer;
  /** The bar being built, reused from bucket to bucket (its fields are updated in place, never reallocated). */
  readonly cur: Bucket;
  /** Whether `cur` holds a bucket. */
  open: boolean;
}

function parse(tf: string): Timeframe {
  try {
    return parseTimeframe(tf);
  } catch (e) {
    throw new ReplayTimeframeError(e instanceof TimeframeError ? e.message : String(e));
  }
}

/**
 * One completed bar of an aggregator step, as numbers: a record the list
 * owns and reuses, so a step allocates nothing. `bar` is the base bar
 * itself when the close is a base-timeframe bar fed as an object;
 * otherwise {@link ClosedBars.at} builds the object when asked.
 */
export interface ClosedBar {
  symbol: string;
  timeframe: string;
  /** Which of the aggregator's timeframes (index into {@link ReplayAggregator.timeframes}); -1 when added by hand. */
  target: number;
  time: number;
  closeTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  bar: BarData | undefined;
}

function emptyClose(): ClosedBar {
  // NaN, a double, so that the fields hold doubles from the start and never change representation.
  const x = Number.NaN;
  return {
    symbol: "",
    timeframe: "",
    target: -1,
    time: x,
    closeTime: x,
    open: x,
    high: x,
    low: x,
    close: x,
    volume: x,
    bar: undefined,
  };
}

/**
 * The bars one aggregator step completed, in order. One list per aggregator,
 * reused from step to step: a fresh array per base bar (or one that grows on
 * push and shrinks on pop, as a JS array does) was a reallocation per bar.
 * Each close is held as numbers ({@link close}); the event path asks for a
 * bar object ({@link at}), the columnar path reads the numbers.
 */
export class ClosedBars {
  private readonly items: ClosedBar[];
  /** How many bars the last step completed. */
  count = 0;

  constructor(capacity: number) {
    this.items = Array.from({ length: capacity }, emptyClose);
  }

  /** The i-th completed bar (0 <= i < count) as numbers: the list's own record, valid until the next step. */
  close(i: number): ClosedBar {
    return this.items[i] as ClosedBar;
  }

  /** The i-th completed bar (0 <= i < count) as a bar object (the base bar itself when it was fed as one). */
  at(i: number): BarData {
    const c = this.items[i] as ClosedBar;
    return (
      c.bar ?? {
        symbol: c.symbol,
        timeframe: c.timeframe,
        time: c.time,
        closeTime: c.closeTime,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
      }
    );
  }

  /** A copy of the completed bars (tests and tools). */
  toArray(): BarData[] {
    const out: BarData[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  /** Appends a bar object (tests; the aggregator writes its closes with {@link next}). */
  add(bar: BarData): void {
    const c = this.next();
    c.symbol = bar.symbol;
    c.timeframe = bar.timeframe;
    c.target = -1;
    c.time = bar.time;
    c.closeTime = bar.closeTime;
    c.open = bar.open;
    c.high = bar.high;
    c.low = bar.low;
    c.close = bar.close;
    c.volume = bar.volume;
    c.bar = bar;
  }

  /** The record of one more completed bar, for the caller to fill in. */
  next(): ClosedBar {
    return this.items[this.count++] as ClosedBar;
  }

  /** Empties the list, dropping its references to bar objects so they can be collected young. */
  clear(): void {
    for (let i = 0; i < this.count; i++) (this.items[i] as ClosedBar).bar = undefined;
    this.count = 0;
  }

  /**
   * Close time ascending; at equal times the longer timeframe first. A step
   * appends in target order (longest first), so its bars only need sorting
   * when a close time goes down, which a stale bucket (its last base bar was
   * missing) can cause; checking for that costs far less than sorting every
   * step that completes two timeframes. Insertion sort: a step completes at
   * most two bars per timeframe.
   */
  sort(msOf: ReadonlyMap<string, number>): void {
    const a = this.items;
    for (let i = 1; i < this.count; i++) {
      const x = a[i] as ClosedBar;
      let j = i - 1;
      while (j >= 0 && after(a[j] as ClosedBar, x, msOf)) {
        a[j + 1] = a[j] as ClosedBar;
        j--;
      }
      a[j + 1] = x;
    }
  }
}

/** Whether `a` comes after `b`: a later close, or the same close and a shorter timeframe. */
function after(a: ClosedBar, b: ClosedBar, msOf: ReadonlyMap<string, number>): boolean {
  if (a.closeTime !== b.closeTime) return a.closeTime > b.closeTime;
  return (msOf.get(a.timeframe) ?? 0) < (msOf.get(b.timeframe) ?? 0);
}

/**
 * Builds every stream timeframe of one symbol from its base bars during a
 * replay, with the same interval alignment as the live `BarAggregator` and
 * `BarCloseDetector` (it uses their `Bucketer`): intraday buckets start at the
 * session open (a 1h bar at 09:30-10:30 on NYSE), the last bucket of a
 * session ends at the session close, and `1d` is the whole session. An
 * interval with no data builds no bar; a bar's volume is the sum of its parts.
 *
 * Equivalence with live detection: a bar is reported closed either when the
 * base bar that ends exactly at its boundary arrives (`push`, the detector's
 * "data" trigger), or — when that base bar is missing — as soon as replay
 * time passes the boundary (`advance`, called with the next base bar's open
 * time before that bar is used: the detector's "timer" trigger at the
 * boundary). Both report the scheduled close time, so the engine sees the
 * same closes, with the same bars, in the same order as the live detector
 * would, and an order decided on such a close fills at the open of the next
 * base bar, as it would live. (The `BarAggregator` has no `advance`: it
 * reports a bucket with a missing last bar only when a later input arrives,
 * i.e. after that input's open, which would fill such orders one bar late.)
 * A bucket still open when the data ends is not reported: its bar never
 * completed.
 *
 * Closes that share a close time are returned longest timeframe first, so a
 * rule reading `x of 1h` on a 5m close at 10:30 sees the 1h bar that closed
 * at 10:30. A completed bar is its own close event: its symbol, timeframe and
 * close time are the close's.
 */
export class ReplayAggregator {
  private readonly targets: Target[];
  private readonly msOf = new Map<string, number>();
  /** What the last `advance` or `push` completed; valid until the next call. */
  private readonly closed: ClosedBars;

  constructor(
    readonly symbol: string,
    baseTimeframe: string,
    timeframes: readonly string[],
    calendar: MarketCalendar,
  ) {
    const base = parse(baseTimeframe);
    this.targets = [...new Set(timeframes)].map((label) => {
      const tf = parse(label);
      const passthrough = tf.label === base.label;
      if (!passthrough && (base.daily || (!tf.daily && tf.ms % base.ms !== 0))) {
        throw new ReplayTimeframeError(
          `cannot build ${tf.label} bars from ${base.label} data: ${tf.label} is not a whole multiple of ${base.label}`,
        );
      }
      // NaN, a double, so that the fields hold doubles from the start and never change representation.
      const x = Number.NaN;
      const cur: Bucket = { start: x, end: x, open: x, high: x, low: x, close: x, volume: x };
      return { timeframe: tf.label, ms: tf.ms, passthrough, bucketer: new Bucketer(calendar, tf), cur, open: false };
    });
    // Longest first, so equal close times come out in that order without sorting.
    this.targets.sort((a, b) => b.ms - a.ms);
    for (const t of this.targets) this.msOf.set(t.timeframe, t.ms);
    // advance completes at most one bar per target, push at most two (a stale bucket and the current one).
    this.closed = new ClosedBars(2 * this.targets.length);
  }

  /** The timeframes built, longest first: a {@link ClosedBar}'s `target` indexes this list. */
  get timeframes(): readonly string[] {
    return this.targets.map((t) => t.timeframe);
  }

  /**
   * The bars whose close time is at or before `time` (the timer path). The
   * list is the aggregator's own, valid until its next call.
   */
  advance(time: number): ClosedBars {
    const out = this.closed;
    out.clear();
    const targets = this.targets;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k] as Target;
      if (t.open && t.cur.end <= time) {
        this.close(out, t, k);
        t.open = false;
      }
    }
    if (out.count > 1) this.order(out);
    return out;
  }

  /** Adds one base bar (inside a session); returns the bars it completes (the list {@link advance} returns). */
  push(bar: BarData): ClosedBars {
    return this.pushValues(bar.time, bar.closeTime, bar.open, bar.high, bar.low, bar.close, bar.volume, bar);
  }

  /**
   * {@link push} for a base bar given as numbers (the columnar path: no
   * object). `bar`, when given, is the same bar as an object, handed on as
   * the base timeframe's close.
   */
  pushValues(
    time: number,
    closeTime: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
    bar?: BarData,
  ): ClosedBars {
    const out = this.closed;
    out.clear();
    const targets = this.targets;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k] as Target;
      if (t.passthrough) {
        const c = out.next();
        c.symbol = this.symbol;
        c.timeframe = t.timeframe;
        c.target = k;
        c.time = time;
        c.closeTime = closeTime;
        c.open = open;
        c.high = high;
        c.low = low;
        c.close = close;
        c.volume = volume;
        c.bar = bar !== undefined && bar.timeframe === t.timeframe ? bar : undefined;
        continue;
      }
      if (!t.bucketer.locate(time)) continue;
      const start = t.bucketer.start;
      const c = t.cur;
      if (t.open && c.start !== start) {
        this.close(out, t, k);
        t.open = false;
      }
      if (!t.open) {
        c.start = start;
        c.end = t.bucketer.end;
        c.open = open;
        c.high = high;
        c.low = low;
        c.close = close;
        c.volume = volume;
        t.open = true;
      } else {
        if (high > c.high) c.high = high;
        if (low < c.low) c.low = low;
        c.close = close;
        c.volume += volume;
      }
      if (closeTime >= c.end) {
        this.close(out, t, k);
        t.open = false;
      }
    }
    if (out.count > 1) this.order(out);
    return out;
  }

  /** Sorts a step's bars when it completed them out of order (see {@link ClosedBars.sort}). */
  private order(out: ClosedBars): void {
    for (let i = 1; i < out.count; i++) {
      if (out.close(i - 1).closeTime > out.close(i).closeTime) {
        out.sort(this.msOf);
        return;
      }
    }
  }

  /** Reports the bucket `t` is building as completed. */
  private close(out: ClosedBars, t: Target, k: number): void {
    const b = t.cur;
    const c = out.next();
    c.symbol = this.symbol;
    c.timeframe = t.timeframe;
    c.target = k;
    c.time = b.start;
    c.closeTime = b.end;
    c.open = b.open;
    c.high = b.high;
    c.low = b.low;
    c.close = b.close;
    c.volume = b.volume;
    c.bar = undefined;
  }
}
