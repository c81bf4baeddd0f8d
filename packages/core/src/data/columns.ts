/**
 * One symbol's base bars as columns: seven `Float64Array`s over one
 * `SharedArrayBuffer`, so a file parsed once can be handed to every worker
 * of a sweep without a copy (posting a `SharedArrayBuffer` shares its
 * memory; posting arrays of bar objects would clone them per worker).
 *
 * Browser-safe: no Node APIs. Where `SharedArrayBuffer` is unavailable (a
 * page that is not cross-origin isolated), the columns sit in a plain
 * `ArrayBuffer` and work the same in one thread.
 */
import type { BarData } from "../models.js";

/** What the CSV reader counted while the columns were filled (its `CsvSummary`, the part kept with the bars). */
export interface ColumnsReadCounts {
  /** Data rows read (header and blank lines excluded). */
  readonly rows: number;
  /** Rows rejected as bad (each with its reason, reported by the reader). */
  readonly rejected: number;
  /** Rejected rows per reason code (only the codes that occurred). */
  readonly rejectedByReason: Readonly<Record<string, number | undefined>>;
}

/**
 * Everything needed to rebuild a {@link BarColumns} on the other side of a
 * `postMessage`: structured-cloneable, and with a `SharedArrayBuffer` the
 * bars themselves are shared, not copied.
 */
export interface BarColumnsTransfer {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Rows each column of `buffer` holds (the whole file's bar count). */
  readonly capacity: number;
  /** First row of this view in the buffer. */
  readonly start: number;
  /** Rows in this view. */
  readonly length: number;
  readonly symbol: string;
  readonly timeframe: string;
  readonly counts: ColumnsReadCounts;
}

/** Columns in the buffer, in this order: time, closeTime, open, high, low, close, volume. */
const WIDTH = 7;
const NO_COUNTS: ColumnsReadCounts = Object.freeze({ rows: 0, rejected: 0, rejectedByReason: Object.freeze({}) });

/** A buffer of `bytes` bytes, shared between threads where the platform allows it. */
function sharedBuffer(bytes: number): SharedArrayBuffer | ArrayBuffer {
  return typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/**
 * One symbol's bars, in time order, as typed arrays over one buffer. A view
 * ({@link slice}) shares the buffer; {@link bars} feeds a backtest
 * (`runBacktest(options, columns.bars())`) one fresh bar object at a time,
 * as the CSV reader would have handed them over.
 */
export class BarColumns {
  readonly time: Float64Array;
  readonly closeTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;

  private constructor(
    /** The memory of every column of the file (a view's too). */
    readonly buffer: SharedArrayBuffer | ArrayBuffer,
    private readonly capacity: number,
    private readonly start: number,
    readonly length: number,
    readonly symbol: string,
    readonly timeframe: string,
    /** The whole file's read counts (a view keeps its file's). */
    readonly counts: ColumnsReadCounts,
  ) {
    const col = (k: number) => new Float64Array(buffer, (k * capacity + start) * 8, length);
    this.time = col(0);
    this.closeTime = col(1);
    this.open = col(2);
    this.high = col(3);
    this.low = col(4);
    this.close = col(5);
    this.volume = col(6);
  }

  /** Columns over a buffer another thread filled (the other side of {@link transfer}); validated, never trusted. */
  static fromTransfer(t: BarColumnsTransfer): BarColumns {
    const ints = [t.capacity, t.start, t.length];
    if (!ints.every((n) => Number.isSafeInteger(n) && n >= 0) || t.start + t.length > t.capacity)
      throw new RangeError(
        `bar columns: rows ${t.start}..${t.start + t.length} do not fit a buffer of ${t.capacity} rows`,
      );
    if (t.buffer.byteLength !== t.capacity * WIDTH * 8)
      throw new RangeError(
        `bar columns: a buffer of ${t.buffer.byteLength} bytes is not ${t.capacity} rows of ${WIDTH} columns`,
      );
    return new BarColumns(t.buffer, t.capacity, t.start, t.length, t.symbol, t.timeframe, t.counts);
  }

  /** What to post to a worker: the buffer (shared, not copied) and where this view lies in it. */
  transfer(): BarColumnsTransfer {
    return {
      buffer: this.buffer,
      capacity: this.capacity,
      start: this.start,
      length: this.length,
      symbol: this.symbol,
      timeframe: this.timeframe,
      counts: this.counts,
    };
  }

  /** Rows [from, to) of this view (clamped, as `Array.prototype.slice`), over the same buffer: no copy. */
  slice(from = 0, to = this.length): BarColumns {
    const clamp = (i: number) => Math.max(0, Math.min(this.length, i < 0 ? this.length + i : i));
    const a = clamp(from);
    const b = Math.max(a, clamp(to));
    return new BarColumns(this.buffer, this.capacity, this.start + a, b - a, this.symbol, this.timeframe, this.counts);
  }

  /** The first row whose bar opens at or after `time` (epoch ms); {@link length} when none does. */
  indexAt(time: number): number {
    const t = this.time;
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((t[mid] as number) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The bars opening in [from, to) (epoch ms), as a view. */
  between(from: number, to: number): BarColumns {
    return this.slice(this.indexAt(from), this.indexAt(to));
  }

  /** Row `i` as a new bar object (the engine may keep a bar, so none is reused). */
  bar(i: number): BarData {
    return {
      symbol: this.symbol,
      timeframe: this.timeframe,
      time: this.time[i] as number,
      closeTime: this.closeTime[i] as number,
      open: this.open[i] as number,
      high: this.high[i] as number,
      low: this.low[i] as number,
      close: this.close[i] as number,
      volume: this.volume[i] as number,
    };
  }

  /** The bars in order, for `runBacktest(options, columns.bars())`. */
  bars(): Iterable<BarData> {
    return { [Symbol.iterator]: () => new ColumnsIterator(this) };
  }
}

/**
 * Walks a {@link BarColumns}: a class rather than a generator (a generator's
 * resumption cost per bar was measurable against a million-bar replay).
 */
class ColumnsIterator implements Iterator<BarData> {
  private i = 0;

  constructor(private readonly columns: BarColumns) {}

  next(): IteratorResult<BarData> {
    const c = this.columns;
    if (this.i >= c.length) return { done: true, value: undefined };
    return { done: false, value: c.bar(this.i++) };
  }
}

/**
 * Collects one symbol's bars as the CSV reader hands them over (`onBar`),
 * then lays them out in one buffer ({@link finish}). The reader has already
 * rejected and counted bad rows and put the bars in strictly increasing time
 * order; a bar of another symbol or timeframe, or out of order, is a caller's
 * mistake and throws.
 */
export class BarColumnsBuilder {
  private rows: Float64Array;
  private count = 0;
  private symbol: string | undefined;
  private timeframe: string | undefined;

  /** @param expected bars expected (a hint: the builder grows past it). */
  constructor(expected = 1024) {
    this.rows = new Float64Array(Math.max(16, expected) * WIDTH);
  }

  /** Bars added so far. */
  get length(): number {
    return this.count;
  }

  /** Adds the next bar: usable as the reader's `onBar` (`(b) => builder.add(b)`). */
  add(bar: BarData): void {
    if (this.symbol === undefined) {
      this.symbol = bar.symbol;
      this.timeframe = bar.timeframe;
    } else if (bar.symbol !== this.symbol || bar.timeframe !== this.timeframe)
      throw new Error(
        `bar columns hold one symbol and timeframe (${this.symbol} ${this.timeframe}); got ${bar.symbol} ${bar.timeframe}`,
      );
    const n = this.count;
    let rows = this.rows;
    if (n > 0 && !(bar.time > (rows[(n - 1) * WIDTH] as number)))
      throw new Error(
        `bar columns: ${bar.symbol} bar at ${bar.time} is not after the previous one at ${rows[(n - 1) * WIDTH]}`,
      );
    if ((n + 1) * WIDTH > rows.length) {
      const grown = new Float64Array(rows.length * 2);
      grown.set(rows);
      this.rows = rows = grown;
    }
    // Row-major while reading (one write position), transposed once in finish.
    const o = n * WIDTH;
    rows[o] = bar.time;
    rows[o + 1] = bar.closeTime;
    rows[o + 2] = bar.open;
    rows[o + 3] = bar.high;
    rows[o + 4] = bar.low;
    rows[o + 5] = bar.close;
    rows[o + 6] = bar.volume;
    this.count = n + 1;
  }

  /**
   * The columns, in a buffer of exactly their size.
   * @param counts the reader's summary of the file (rows read, rejected rows by reason), kept with the bars.
   * @param identity symbol and timeframe for a file without bars (otherwise the bars').
   */
  finish(counts: ColumnsReadCounts = NO_COUNTS, identity?: { symbol: string; timeframe: string }): BarColumns {
    const n = this.count;
    const symbol = this.symbol ?? identity?.symbol ?? "";
    const timeframe = this.timeframe ?? identity?.timeframe ?? "";
    const buffer = sharedBuffer(n * WIDTH * 8);
    const all = new Float64Array(buffer);
    const rows = this.rows;
    for (let k = 0; k < WIDTH; k++) {
      const base = k * n;
      for (let i = 0; i < n; i++) all[base + i] = rows[i * WIDTH + k] as number;
    }
    const kept: ColumnsReadCounts = {
      rows: counts.rows,
      rejected: counts.rejected,
      rejectedByReason: { ...counts.rejectedByReason },
    };
    return BarColumns.fromTransfer({ buffer, capacity: n, start: 0, length: n, symbol, timeframe, counts: kept });
  }
}
