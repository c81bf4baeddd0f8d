import { checkPeriod, type ValueIndicator } from "./types.js";

/**
 * Relative strength index with Wilder smoothing. The first average gain and
 * loss are the simple means of the first `period` changes (so `period + 1`
 * inputs are needed); after that `avg = (avg * (period - 1) + x) / period`.
 * `rsi = 100 - 100 / (1 + avgGain / avgLoss)`, and 100 when `avgLoss` is 0.
 */
export class Rsi implements ValueIndicator {
  readonly period: number;
  readonly warmup: number;
  value = Number.NaN;
  private prev = Number.NaN;
  private changes = 0;
  private avgGain = 0;
  private avgLoss = 0;

  constructor(period: number) {
    this.period = checkPeriod("rsi", period);
    this.warmup = period + 1;
  }

  get isReady(): boolean {
    return this.changes >= this.period;
  }

  update(x: number): void {
    if (!Number.isFinite(x)) return;
    const prev = this.prev;
    this.prev = x;
    if (Number.isNaN(prev)) return;
    const d = x - prev;
    const gain = Math.max(d, 0);
    const loss = d < 0 ? -d : 0;
    const n = this.period;
    if (this.changes < n) {
      // Seed phase: accumulate sums, turn them into means on the n-th change.
      this.avgGain += gain;
      this.avgLoss += loss;
      if (++this.changes < n) return;
      this.avgGain /= n;
      this.avgLoss /= n;
    } else {
      this.avgGain = (this.avgGain * (n - 1) + gain) / n;
      this.avgLoss = (this.avgLoss * (n - 1) + loss) / n;
    }
    this.value = this.avgLoss === 0 ? 100 : 100 - 100 / (1 + this.avgGain / this.avgLoss);
  }

  reset(): void {
    this.prev = Number.NaN;
    this.changes = 0;
    this.avgGain = 0;
    this.avgLoss = 0;
    this.value = Number.NaN;
  }
}
