import { checkPeriod, type HLCV } from "./types.js";

/**
 * Average true range with Wilder smoothing. The true range needs the previous
 * close, `TR = max(high - low, |high - prevClose|, |low - prevClose|)`, so the
 * first bar only provides that close; the first ATR is the mean of the first
 * `period` TRs (ready after `period + 1` bars) and then
 * `atr = (atr * (period - 1) + TR) / period`.
 *
 * A bar with a non-finite field is ignored.
 */
export class Atr {
  readonly period: number;
  /** Bars needed before `value` is defined. */
  readonly warmup: number;
  value = Number.NaN;
  private prevClose = Number.NaN;
  private trs = 0;
  private acc = 0;

  constructor(period: number) {
    this.period = checkPeriod("atr", period);
    this.warmup = period + 1;
  }

  get isReady(): boolean {
    return this.trs >= this.period;
  }

  update(bar: HLCV): void {
    this.updateHLC(bar.high, bar.low, bar.close);
  }

  /** Same as {@link update} without needing a bar object (hot path). */
  updateHLC(high: number, low: number, close: number): void {
    if (!Number.isFinite(high) || !Number.isFinite(low) || !Number.isFinite(close)) return;
    const pc = this.prevClose;
    this.prevClose = close;
    if (Number.isNaN(pc)) return;
    const hl = high - low;
    const hc = Math.abs(high - pc);
    const lc = Math.abs(low - pc);
    const tr = hl > hc ? Math.max(hl, lc) : Math.max(hc, lc);
    const n = this.period;
    if (this.trs < n) {
      this.acc += tr;
      if (++this.trs === n) {
        this.acc /= n;
        this.value = this.acc;
      }
      return;
    }
    this.acc = (this.acc * (n - 1) + tr) / n;
    this.value = this.acc;
  }

  reset(): void {
    this.prevClose = Number.NaN;
    this.trs = 0;
    this.acc = 0;
    this.value = Number.NaN;
  }
}
