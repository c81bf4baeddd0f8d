/** A bar field name, as in the plan language. */
export type BarField = "open" | "high" | "low" | "close" | "volume";

/** Where each field's column starts in {@link BarRingBuffer.data}, in units of the capacity. */
export const FIELD_INDEX = { time: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 } as const;

/** The most bars any stream may cache (the plan language's documented limit). */
export const MAX_BAR_CAPACITY = 1000;
/** Capacity used when none is given. */
export const DEFAULT_BAR_CAPACITY = 1000;

/** Stable codes for {@link RingBufferError}. */
export type RingBufferErrorCode =
  | "RB_BAD_CAPACITY"
  | "RB_INVALID_BAR"
  | "RB_OUT_OF_ORDER"
  | "RB_OUT_OF_RANGE"
  | "RB_STALE_VIEW";

/** A rejected ring-buffer operation; `code` is stable, the message says where and why. */
export class RingBufferError extends Error {
  override readonly name = "RingBufferError";
  constructor(
    readonly code: RingBufferErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A read-only window onto one cached bar. It reads the buffer's columns on
 * every access (nothing is copied), so it is only valid until the slot is
 * overwritten; reading it after that throws `RB_STALE_VIEW` instead of silently
 * returning a newer bar's numbers.
 */
export interface BarView {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

class SlotView implements BarView {
  constructor(
    private readonly buf: BarRingBuffer,
    private readonly slot: number,
    private readonly seq: number,
  ) {
    Object.freeze(this);
  }
  private check(): number {
    // The slot holds bar number `seq` until `capacity` more bars are pushed.
    if (this.buf.count - this.seq >= this.buf.capacity) {
      throw new RingBufferError("RB_STALE_VIEW", `bar #${this.seq} was overwritten by newer bars`);
    }
    return this.slot;
  }
  get time(): number {
    return this.buf.cols.time[this.check()]!;
  }
  get open(): number {
    return this.buf.cols.open[this.check()]!;
  }
  get high(): number {
    return this.buf.cols.high[this.check()]!;
  }
  get low(): number {
    return this.buf.cols.low[this.check()]!;
  }
  get close(): number {
    return this.buf.cols.close[this.check()]!;
  }
  get volume(): number {
    return this.buf.cols.volume[this.check()]!;
  }
}

/** The six columns, one `Float64Array` view each over {@link BarRingBuffer.data}: 48 bytes per cached bar. */
export interface RingColumns {
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/**
 * A bounded buffer of bars stored column-wise in typed arrays. `push` is O(1)
 * and allocation-free; once full, each push overwrites the oldest bar.
 *
 * Pushes are validated (finite prices, non-negative volume, strictly
 * increasing time) because a NaN that gets in would poison every indicator
 * downstream; rejecting it at the door keeps the error next to its cause.
 */
export class BarRingBuffer {
  readonly capacity: number;
  /** Raw columns, indexed by physical slot (see {@link slotOf}); exposed for allocation-free hot paths. */
  readonly cols: RingColumns;
  /**
   * All six columns in one array, column `i` of {@link FIELD_INDEX} at `i * capacity` (the arrays in
   * {@link cols} are views of it): the push and the history reads go through one object.
   */
  readonly data: Float64Array;
  private head = -1;
  private total = 0;

  constructor(capacity: number = DEFAULT_BAR_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_BAR_CAPACITY) {
      throw new RingBufferError(
        "RB_BAD_CAPACITY",
        `capacity must be an integer in [1, ${MAX_BAR_CAPACITY}], got ${String(capacity)}`,
      );
    }
    this.capacity = capacity;
    // One allocation for all six columns: with ten thousand streams, six separately allocated arrays per buffer
    // put each column of a stream somewhere else in memory, and a bar close paid a cache miss per column.
    const data = new Float64Array(6 * capacity);
    this.data = data;
    const col = (i: number) => data.subarray(i * capacity, (i + 1) * capacity);
    this.cols = Object.freeze({ time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) });
  }

  /** Bars pushed since creation (not capped by capacity). */
  get count(): number {
    return this.total;
  }

  /** Bars currently cached: `min(count, capacity)`. */
  get length(): number {
    return Math.min(this.total, this.capacity);
  }

  /** Appends a bar; throws `RB_INVALID_BAR` / `RB_OUT_OF_ORDER` and leaves the buffer unchanged on bad input. */
  push(time: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (
      !Number.isFinite(time) ||
      !Number.isFinite(open) ||
      !Number.isFinite(high) ||
      !Number.isFinite(low) ||
      !Number.isFinite(close) ||
      !Number.isFinite(volume) ||
      volume < 0
    ) {
      throw new RingBufferError(
        "RB_INVALID_BAR",
        `bar at time ${time}: every field must be a finite number and volume >= 0 (open=${open} high=${high} low=${low} close=${close} volume=${volume})`,
      );
    }
    const d = this.data;
    if (this.total > 0 && time <= d[this.head]!) {
      throw new RingBufferError(
        "RB_OUT_OF_ORDER",
        `bar time ${time} is not after the newest cached bar time ${d[this.head]}`,
      );
    }
    const cap = this.capacity;
    const slot = this.head + 1 === cap ? 0 : this.head + 1;
    d[slot] = time;
    d[cap + slot] = open;
    d[2 * cap + slot] = high;
    d[3 * cap + slot] = low;
    d[4 * cap + slot] = close;
    d[5 * cap + slot] = volume;
    this.head = slot;
    this.total++;
  }

  /** Physical slot of the bar `back` bars ago (0 = newest); throws `RB_OUT_OF_RANGE` when not cached. */
  slotOf(back: number): number {
    if (!Number.isInteger(back) || back < 0 || back >= this.length) {
      throw new RingBufferError(
        "RB_OUT_OF_RANGE",
        `bar ${String(back)} back is not cached (have ${this.length} of capacity ${this.capacity})`,
      );
    }
    const s = this.head - back;
    return s < 0 ? s + this.capacity : s;
  }

  /** One field of the bar `back` bars ago, without allocating. */
  field(f: BarField, back: number): number {
    return this.cols[f][this.slotOf(back)]!;
  }

  /**
   * Sum of one field over `count` bars from `fromBack` bars ago going back
   * (`sum("volume", 1, 20)`: the 20 bars before the newest). One range
   * check and a loop over the column, instead of a checked call per bar:
   * the confidence score of every firing reads 20 volumes.
   */
  sum(f: BarField, fromBack: number, count: number): number {
    if (count === 0) return 0;
    if (!Number.isInteger(count) || count < 0) {
      throw new RingBufferError("RB_OUT_OF_RANGE", `cannot sum ${String(count)} bars`);
    }
    this.slotOf(fromBack + count - 1);
    let slot = this.slotOf(fromBack);
    const d = this.data;
    const cap = this.capacity;
    const base = FIELD_INDEX[f] * cap;
    let total = 0;
    for (let i = 0; i < count; i++) {
      total += d[base + slot]!;
      slot = slot === 0 ? cap - 1 : slot - 1;
    }
    return total;
  }

  /** A read-only, non-copying view of the bar `back` bars ago (0 = newest). */
  get(back: number): BarView {
    const slot = this.slotOf(back);
    return new SlotView(this, slot, this.total - back);
  }
}
