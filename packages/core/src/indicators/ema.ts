import { checkPeriod, type ValueIndicator } from "./types.js";

/**
 * Exponential moving average with alpha = 2 / (period + 1), seeded with the
 * simple mean of the first `period` values (ready after `period` inputs):
 * `ema = ema_prev + alpha * (x - ema_prev)`.
 */
export class Ema implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  readonly alpha: number;
  value = Number.NaN;
  private seen = 0;
  private seedSum = 0;

  constructor(period: number) {
    this.period = checkPeriod("ema", period);
    this.warmup = period;
    this.alpha = 2 / (period + 1);
  }

  get isReady(): boolean {
    return this.seen >= this.period;
  }

  update(x: number): void {
    if (!Number.isFinite(x)) return;
    if (this.seen >= this.period) {
      this.value += this.alpha * (x - this.value);
      return;
    }
    this.seedSum += x;
    if (++this.seen === this.period) this.value = this.seedSum / this.period;
  }

  reset(): void {
    this.seen = 0;
    this.seedSum = 0;
    this.value = Number.NaN;
  }
}
