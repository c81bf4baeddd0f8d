import { checkPeriod, type ValueIndicator } from "./types.js";

/**
 * Percent change over `period` values: `100 * (x - x[period]) / x[period]`
 * (ready after `period + 1` inputs). When `x[period]` is 0 the change is
 * undefined and `value` is NaN.
 */
export class Change implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  value = Number.NaN;
  private readonly ring: Float64Array;
  private idx = 0;
  private seen = 0;

  constructor(period: number) {
    this.period = checkPeriod("change", period);
    this.warmup = period + 1;
    this.ring = new Float64Array(period + 1);
  }

  get isReady(): boolean {
    return this.seen > this.period;
  }

  update(x: number): void {
    if (!Number.isFinite(x)) return;
    const r = this.ring;
    r[this.idx] = x;
    this.idx = this.idx === this.period ? 0 : this.idx + 1;
    this.seen++;
    if (this.seen > this.period) {
      // After the write, `idx` points at the oldest of the last period + 1 values.
      const old = r[this.idx]!;
      this.value = old === 0 ? Number.NaN : (100 * (x - old)) / old;
    }
  }

  reset(): void {
    this.ring.fill(0);
    this.idx = 0;
    this.seen = 0;
    this.value = Number.NaN;
  }
}
