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
 * The bars one aggregator step completed, in order. One list per aggregator,
 * reused from step to step: a fresh array per base bar (or one that grows on
 * push and shrinks on pop, as a JS array does) was a reallocation per bar.
 */
export class ClosedBars {
  private readonly items: (BarData | undefined)[];
  /** How many bars the last step completed. */
  count = 0;

  constructor(capacity: number) {
    this.items = new Array<BarData | undefined>(capacity).fill(undefined);
  }

  /** The i-th completed bar (0 <= i < count). */
  at(i: number): BarData {
    return this.items[i] as BarData;
  }

  /** A copy of the completed bars (tests and tools). */
  toArray(): BarData[] {
    return this.items.slice(0, this.count) as BarData[];
  }

  add(bar: BarData): void {
    this.items[this.count++] = bar;
  }

  /** Empties the list, dropping its references so the bars can be collected young. */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.items[i] = undefined;
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
      const x = a[i] as BarData;
      let j = i - 1;
      while (j >= 0 && after(a[j] as BarData, x, msOf)) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = x;
    }
  }
}

/** Whether `a` comes after `b`: a later close, or the same close and a shorter timeframe. */
function after(a: BarData, b: BarData, msOf: ReadonlyMap<string, number>): boolean {
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

  /**
   * The bars whose close time is at or before `time` (the timer path). The
   * list is the aggregator's own, valid until its next call.
   */
  advance(time: number): ClosedBars {
    const out = this.closed;
    out.clear();
    for (const t of this.targets) {
      if (t.open && t.cur.end <= time) {
        out.add(this.close(t, t.cur));
        t.open = false;
      }
    }
    if (out.count > 1) this.order(out);
    return out;
  }

  /** Adds one base bar (inside a session); returns the bars it completes (the list {@link advance} returns). */
  push(bar: BarData): ClosedBars {
    const out = this.closed;
    out.clear();
    for (const t of this.targets) {
      if (t.passthrough) {
        // Written out field by field: a spread copy gets a fresh hidden class per object in Node 20 and is far slower.
        out.add(
          t.timeframe === bar.timeframe
            ? bar
            : {
                symbol: bar.symbol,
                timeframe: t.timeframe,
                time: bar.time,
                closeTime: bar.closeTime,
                open: bar.open,
                high: bar.high,
                low: bar.low,
                close: bar.close,
                volume: bar.volume,
              },
        );
        continue;
      }
      if (!t.bucketer.locate(bar.time)) continue;
      const start = t.bucketer.start;
      const c = t.cur;
      if (t.open && c.start !== start) {
        out.add(this.close(t, c));
        t.open = false;
      }
      if (!t.open) {
        c.start = start;
        c.end = t.bucketer.end;
        c.open = bar.open;
        c.high = bar.high;
        c.low = bar.low;
        c.close = bar.close;
        c.volume = bar.volume;
        t.open = true;
      } else {
        if (bar.high > c.high) c.high = bar.high;
        if (bar.low < c.low) c.low = bar.low;
        c.close = bar.close;
        c.volume += bar.volume;
      }
      if (bar.closeTime >= c.end) {
        out.add(this.close(t, c));
        t.open = false;
      }
    }
    if (out.count > 1) this.order(out);
    return out;
  }

  /** Sorts a step's bars when it completed them out of order (see {@link ClosedBars.sort}). */
  private order(out: ClosedBars): void {
    for (let i = 1; i < out.count; i++) {
      if (out.at(i - 1).closeTime > out.at(i).closeTime) {
        out.sort(this.msOf);
        return;
      }
    }
  }

  private close(t: Target, c: Bucket): BarData {
    return {
      symbol: this.symbol,
      timeframe: t.timeframe,
      time: c.start,
      closeTime: c.end,
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
      volume: c.volume,
    };
  }
}
