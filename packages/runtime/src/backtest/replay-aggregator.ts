import { Bucketer } from "../aggregator/bucketer.js";
import { parseTimeframe, type Timeframe, TimeframeError } from "../aggregator/timeframe.js";
import type { MarketCalendar } from "../calendar/types.js";
import type { CloseInput } from "../engine/engine.js";
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
  cur: Bucket | undefined;
}

function parse(tf: string): Timeframe {
  try {
    return parseTimeframe(tf);
  } catch (e) {
    throw new ReplayTimeframeError(e instanceof TimeframeError ? e.message : String(e));
  }
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
 * at 10:30.
 */
export class ReplayAggregator {
  private readonly targets: Target[];
  private readonly msOf = new Map<string, number>();

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
      return { timeframe: tf.label, ms: tf.ms, passthrough, bucketer: new Bucketer(calendar, tf), cur: undefined };
    });
    // Longest first, so equal close times come out in that order without sorting.
    this.targets.sort((a, b) => b.ms - a.ms);
    for (const t of this.targets) this.msOf.set(t.timeframe, t.ms);
  }

  /** Reports bars whose close time is at or before `time` (the timer path) into `out`, which must be empty. */
  advance(time: number, out: CloseInput[]): void {
    for (const t of this.targets) {
      const c = t.cur;
      if (c && c.end <= time) {
        out.push(this.close(t, c));
        t.cur = undefined;
      }
    }
    if (out.length > 1) this.sort(out);
  }

  /** Adds one base bar (inside a session); reports the bars it completes into `out`, which must be empty. */
  push(bar: BarData, out: CloseInput[]): void {
    for (const t of this.targets) {
      if (t.passthrough) {
        // Written out field by field: a spread copy gets a fresh hidden class per object in Node 20 and is far slower.
        const b: BarData =
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
              };
        out.push({ symbol: this.symbol, timeframe: t.timeframe, bar: b, closeTime: bar.closeTime });
        continue;
      }
      if (!t.bucketer.locate(bar.time)) continue;
      const start = t.bucketer.start;
      let c = t.cur;
      if (c && c.start !== start) {
        out.push(this.close(t, c));
        c = undefined;
      }
      if (!c) {
        c = {
          start,
          end: t.bucketer.end,
          open: bar.open,
          high: bar.high,
          low: bar.low,
          close: bar.close,
          volume: bar.volume,
        };
        t.cur = c;
      } else {
        if (bar.high > c.high) c.high = bar.high;
        if (bar.low < c.low) c.low = bar.low;
        c.close = bar.close;
        c.volume += bar.volume;
      }
      if (bar.closeTime >= c.end) {
        out.push(this.close(t, c));
        t.cur = undefined;
      }
    }
    if (out.length > 1) this.sort(out);
  }

  /**
   * Close time ascending; at equal times the longer timeframe first. One call
   * appends in target order (longest first), so its closes only need sorting
   * when a close time goes down, which a stale bucket (its last base bar was
   * missing) can cause; checking for that costs far less than sorting on
   * every bar that completes two timeframes.
   */
  private sort(out: CloseInput[]): void {
    let ordered = true;
    for (let i = 1; i < out.length && ordered; i++) ordered = out[i - 1]!.closeTime <= out[i]!.closeTime;
    if (ordered) return;
    const ms = this.msOf;
    out.sort((a, b) => a.closeTime - b.closeTime || (ms.get(b.timeframe) ?? 0) - (ms.get(a.timeframe) ?? 0));
  }

  private close(t: Target, c: Bucket): CloseInput {
    const bar: BarData = {
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
    return { symbol: this.symbol, timeframe: t.timeframe, bar, closeTime: c.end };
  }
}
