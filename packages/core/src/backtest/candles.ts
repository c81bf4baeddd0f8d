/** One candle: open time (epoch ms) and prices. */
export interface Candle {
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
}

/** A symbol's candles for the report, with the timeframe they ended up in. */
export interface CandleSeries {
  /** `15m`, `1h`, `1d`, ...: the traded timeframe, or a coarser one when there were too many. */
  readonly timeframe: string;
  /** The traded timeframe the candles would have had with no limit. */
  readonly tradedTimeframe: string;
  readonly candles: Candle[];
}

/**
 * Most candles kept per symbol. Above it the candles are merged into the
 * next coarser timeframe of {@link CANDLE_LADDER_SECONDS}, so 1.5 million
 * 1-minute bars become a few thousand daily candles: a report of some
 * hundred kilobytes, not half a gigabyte, that a browser draws at once.
 */
export const MAX_CANDLES = 20_000;

/** The coarser timeframes candles are merged into, in seconds: 5m, 15m, 30m, 1h, 4h, 1d, 1w. */
export const CANDLE_LADDER_SECONDS: readonly number[] = [300, 900, 1800, 3600, 14_400, 86_400, 604_800];

const DAY = 86_400_000;
const WEEK_S = 604_800;

/** `900` -> `15m`, `86400` -> `1d`, `604800` -> `1w`. */
export function timeframeLabel(seconds: number): string {
  if (seconds % WEEK_S === 0) return `${seconds / WEEK_S}w`;
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * Builds a symbol's candles from its base bars as they stream past: each
 * base bar goes into the bucket of the candle timeframe it starts in, with
 * buckets aligned to local time by one fixed offset (the zone's at the first
 * bar: an hour of daylight saving time moves no bucket of an hour or less
 * in a zone with whole-hour offsets, and a day's only by the hour around
 * midnight, when exchanges are closed). Weeks start on Monday. Memory stays
 * O(MAX_CANDLES) for any length: the prices live in fixed `Float64Array`s.
 */
export class CandleCollector {
  private readonly t: Float64Array;
  private readonly o: Float64Array;
  private readonly h: Float64Array;
  private readonly l: Float64Array;
  private readonly c: Float64Array;
  private readonly keys: Float64Array;
  private len = 0;
  private seconds: number;

  /**
   * @param tradedSeconds the traded timeframe (the symbol's shortest stream), in seconds
   * @param offsetMs the local zone's offset from UTC, in ms
   */
  constructor(
    private readonly tradedSeconds: number,
    private readonly offsetMs: number,
    private readonly max = MAX_CANDLES,
  ) {
    this.seconds = tradedSeconds;
    this.t = new Float64Array(max);
    this.o = new Float64Array(max);
    this.h = new Float64Array(max);
    this.l = new Float64Array(max);
    this.c = new Float64Array(max);
    this.keys = new Float64Array(max);
  }

  private key(time: number): number {
    const local = time + this.offsetMs;
    if (this.seconds === WEEK_S) return Math.floor((Math.floor(local / DAY) + 3) / 7);
    return Math.floor(local / (this.seconds * 1000));
  }

  /** Adds one base bar (bars in time order). */
  push(time: number, open: number, high: number, low: number, close: number): void {
    const k = this.key(time);
    const last = this.len - 1;
    if (last >= 0 && this.keys[last] === k) {
      if (high > (this.h[last] as number)) this.h[last] = high;
      if (low < (this.l[last] as number)) this.l[last] = low;
      this.c[last] = close;
      return;
    }
    if (this.len === this.max) {
      this.coarsen();
      this.push(time, open, high, low, close);
      return;
    }
    const i = this.len++;
    this.keys[i] = k;
    this.t[i] = time;
    this.o[i] = open;
    this.h[i] = high;
    this.l[i] = low;
    this.c[i] = close;
  }

  /** Merges the candles into the next coarser timeframe of the ladder (or twice the current one past it). */
  private coarsen(): void {
    this.seconds = CANDLE_LADDER_SECONDS.find((s) => s > this.seconds) ?? this.seconds * 2;
    let k = -1;
    for (let i = 0; i < this.len; i++) {
      const key = this.key(this.t[i] as number);
      if (k >= 0 && this.keys[k] === key) {
        if ((this.h[i] as number) > (this.h[k] as number)) this.h[k] = this.h[i] as number;
        if ((this.l[i] as number) < (this.l[k] as number)) this.l[k] = this.l[i] as number;
        this.c[k] = this.c[i] as number;
        continue;
      }
      k++;
      this.keys[k] = key;
      this.t[k] = this.t[i] as number;
      this.o[k] = this.o[i] as number;
      this.h[k] = this.h[i] as number;
      this.l[k] = this.l[i] as number;
      this.c[k] = this.c[i] as number;
    }
    this.len = k + 1;
    // Still full (a timeframe barely coarser than the last): merge again.
    if (this.len === this.max) this.coarsen();
  }

  series(): CandleSeries {
    const candles: Candle[] = [];
    for (let i = 0; i < this.len; i++) {
      candles.push({
        t: this.t[i] as number,
        o: this.o[i] as number,
        h: this.h[i] as number,
        l: this.l[i] as number,
        c: this.c[i] as number,
      });
    }
    return {
      timeframe: timeframeLabel(this.seconds),
      tradedTimeframe: timeframeLabel(this.tradedSeconds),
      candles,
    };
  }
}
