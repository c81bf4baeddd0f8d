import { checkPeriod, type ValueIndicator } from "./types.js";

/**
 * Highest (or, with `sign = -1`, lowest) of the last `period` values, O(1)
 * amortised with a monotonic deque: each value enters and leaves the deque
 * once, and the front is always the window's extremum.
 *
 * Lowest is highest of the negated values; negation is exact in floating
 * point, so both share one implementation.
 */
class Extremum implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  value = Number.NaN;
  // Circular deque of (value, sequence number), at most `period` entries.
  private readonly vals: Float64Array;
  private readonly seqs: Float64Array;
  private head = 0;
  private size = 0;
  private seq = 0;

  constructor(
    name: string,
    period: number,
    private readonly sign: 1 | -1,
  ) {
    this.period = checkPeriod(name, period);
    this.warmup = period;
    this.vals = new Float64Array(period);
    this.seqs = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.seq >= this.period;
  }

  update(x: number): void {
    if (!Number.isFinite(x)) return;
    const v = this.sign * x;
    const n = this.period;
    const seq = ++this.seq;
    // Drop the front when it has slid out of the window.
    if (this.size > 0 && this.seqs[this.head]! <= seq - n) {
      this.head = this.head + 1 === n ? 0 : this.head + 1;
      this.size--;
    }
    // Drop dominated values from the back: they can never be the extremum again.
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= n) back -= n;
      if (this.vals[back]! > v) break;
      this.size--;
    }
    let tail = this.head + this.size;
    if (tail >= n) tail -= n;
    this.vals[tail] = v;
    this.seqs[tail] = seq;
    this.size++;
    if (seq >= n) this.value = this.sign * this.vals[this.head]!;
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.seq = 0;
    this.value = Number.NaN;
  }
}

/** Highest of the last `period` values. */
export class Highest extends Extremum {
  constructor(period: number) {
    super("highest", period, 1);
  }
}

/** Lowest of the last `period` values. */
export class Lowest extends Extremum {
  constructor(period: number) {
    super("lowest", period, -1);
  }
}
