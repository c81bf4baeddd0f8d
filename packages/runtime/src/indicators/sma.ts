import { checkPeriod, type ValueIndicator } from "./types.js";

/**
 * Simple moving average of the last `period` values.
 *
 * O(1) per update with a running sum. Adding and subtracting floats drifts,
 * so the sum is recomputed exactly from the window once every `period`
 * updates: O(1) amortised, and the error never accumulates past one window.
 */
export class Sma implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  value = Number.NaN;
  private readonly window: Float64Array;
  private idx = 0;
  private filled = 0;
  private sum = 0;
  private sinceExact = 0;

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
    if (this.filled < n) {
      this.sum += x;
      this.filled++;
    } else {
      this.sum += x - w[this.idx]!;
    }
    w[this.idx] = x;
    this.idx = this.idx + 1 === n ? 0 : this.idx + 1;
    if (++this.sinceExact === n) {
      this.sinceExact = 0;
      let s = 0;
      for (let i = 0; i < this.filled; i++) s += w[i]!;
      this.sum = s;
    }
    if (this.filled === n) this.value = this.sum / n;
  }

  reset(): void {
    this.window.fill(0);
    this.idx = 0;
    this.filled = 0;
    this.sum = 0;
    this.sinceExact = 0;
    this.value = Number.NaN;
  }
}
