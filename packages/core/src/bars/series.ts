import type { BarData } from "../models.js";
import { type BarField, BarRingBuffer, type BarView, DEFAULT_BAR_CAPACITY, RingBufferError } from "./ring-buffer.js";

/**
 * Read-only access to a stream's cached history, newest first (`back` 0 is
 * the bar that just closed). It reads the ring buffer directly: creating it
 * copies nothing, and one frozen instance per series is reused for every bar.
 */
export interface HistoryView {
  /** Bars cached now: `min(count, capacity)`. */
  readonly length: number;
  /** Bars seen since the stream started (not capped). */
  readonly count: number;
  readonly capacity: number;
  time(back: number): number;
  open(back: number): number;
  high(back: number): number;
  low(back: number): number;
  close(back: number): number;
  volume(back: number): number;
  /** Sum of one field over `count` bars starting `fromBack` bars ago and going back; throws when not all are cached. */
  sum(field: BarField, fromBack: number, count: number): number;
  /** A non-copying view of one bar; see {@link BarView}. */
  get(back: number): BarView;
}

/** Options for {@link BarSeries}. */
export interface BarSeriesOptions {
  /** Bars to keep, 1..1000 (default 1000). */
  readonly capacity?: number;
}

/**
 * One stream's closed bars: a {@link BarRingBuffer} plus identity. Only
 * confirmed closed bars may be pushed; everything reading a series therefore
 * sees the last closed bar at most (no look-ahead, no repainting).
 */
export class BarSeries {
  readonly buffer: BarRingBuffer;
  /** A frozen accessor object over {@link buffer}, shared by every context built for this series. */
  readonly history: HistoryView;

  constructor(
    readonly symbol: string,
    readonly timeframe: string,
    options: BarSeriesOptions = {},
  ) {
    this.buffer = new BarRingBuffer(options.capacity ?? DEFAULT_BAR_CAPACITY);
    this.history = new SeriesHistory(this.buffer);
  }

  /** Bars pushed since creation. */
  get count(): number {
    return this.buffer.count;
  }

  /** Bars cached now. */
  get length(): number {
    return this.buffer.length;
  }

  /**
   * Appends a closed bar. The bar must belong to this stream; its `time` (open
   * time) is what the buffer stores and orders by.
   */
  push(bar: BarData): void {
    if (bar.symbol !== this.symbol || bar.timeframe !== this.timeframe) {
      throw new RingBufferError(
        "RB_INVALID_BAR",
        `bar for ${bar.symbol} ${bar.timeframe} pushed into series ${this.symbol} ${this.timeframe}`,
      );
    }
    this.buffer.push(bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume);
  }

  /** Appends a closed bar given as numbers (no object needed; used by backtests and tests). */
  pushValues(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    this.buffer.push(time, open, high, low, close, volume);
  }
}

/**
 * The history view of one buffer. A class rather than an object literal with
 * getters: a literal's getters are closures of its own, which gives every
 * view its own hidden class, and with thousands of streams every read of
 * `history.length` or `history.close(0)` went through V8's megamorphic
 * lookup (five times slower in a micro-benchmark). All instances of a class
 * share one hidden class. Private fields keep the buffer out of reach of the
 * functions that read the view, and the instance is frozen.
 */
class SeriesHistory implements HistoryView {
  readonly #buf: BarRingBuffer;
  readonly #d: Float64Array;
  readonly #cap: number;

  constructor(buf: BarRingBuffer) {
    this.#buf = buf;
    this.#d = buf.data;
    this.#cap = buf.capacity;
    Object.freeze(this);
  }

  get length(): number {
    return this.#buf.length;
  }

  get count(): number {
    return this.#buf.count;
  }

  get capacity(): number {
    return this.#cap;
  }

  time(back: number): number {
    return this.#d[this.#buf.slotOf(back)]!;
  }

  open(back: number): number {
    return this.#d[this.#cap + this.#buf.slotOf(back)]!;
  }

  high(back: number): number {
    return this.#d[2 * this.#cap + this.#buf.slotOf(back)]!;
  }

  low(back: number): number {
    return this.#d[3 * this.#cap + this.#buf.slotOf(back)]!;
  }

  close(back: number): number {
    return this.#d[4 * this.#cap + this.#buf.slotOf(back)]!;
  }

  volume(back: number): number {
    return this.#d[5 * this.#cap + this.#buf.slotOf(back)]!;
  }

  sum(field: BarField, fromBack: number, count: number): number {
    return this.#buf.sum(field, fromBack, count);
  }

  get(back: number): BarView {
    return this.#buf.get(back);
  }
}
