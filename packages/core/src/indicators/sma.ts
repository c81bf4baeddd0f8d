import { checkPeriod, type ValueIndicator } from "./types.js";

/**
 * Simple moving average of the last `period` values.
 *
 * The window is summed afresh, oldest to newest, on every update: O(period)
 * rather than a running sum's O(1), so that the value depends only on the
 * window's values and never on the bar the indicator started on. A running
 * sum carries rounding from every value it ever saw; after a restart (the
 * runtime refills its caches from recent history) it would differ in the
 * last bits from the uninterrupted run's, and a close equal to its average
 * could decide differently. Periods are at most a few hundred bars, so the
 * cost is a few hundred additions per closed bar.
 */
export class Sma implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  value = Number.NaN;
  private readonly window: Float64Array;
  /** Slot the next value goes to; once full, also the oldest value's slot. */
  private idx = 0;
  private filled = 0;

  constructor(period: number) {
    this.period = checkPeriod("sma", period);
    this.warmup = period;
    this.window = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.filled === this.period;
  }

  update(x: number): void {
    if (!Number.isFinite(x)) return;
    const w = this.window;
    const n = this.period;
    w[this.idx] = x;
    this.idx = this.idx + 1 === n ? 0 : this.idx + 1;
    if (this.filled < n) this.filled++;
    if (this.filled < n) return;
    let s = 0;
    for (let i = this.idx; i < n; i++) s += w[i]!;
    for (let i = 0; i < this.idx; i++) s += w[i]!;
    this.value = s / n;
  }

  reset(): void {
    this.window.fill(0);
    this.idx = 0;
    this.filled = 0;
    this.value = Number.NaN;
  }
}
