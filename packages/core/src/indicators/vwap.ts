import type { HLCV } from "./types.js";

/**
 * Volume-weighted average price since the last {@link reset}:
 * `sum(typical * volume) / sum(volume)` with `typical = (high + low + close) / 3`.
 *
 * The caller resets it at each session (or day) boundary; the indicator does
 * not know the calendar. With no traded volume since the reset the average
 * is undefined and `value` is NaN (so a rule reading it stays "not warm").
 * A bar with a non-finite field or negative volume is ignored.
 */
export class Vwap {
  /** Bars needed before `value` can be defined. */
  readonly warmup = 1;
  value = Number.NaN;
  private pv = 0;
  private vol = 0;

  get isReady(): boolean {
    return this.vol > 0;
  }

  update(bar: HLCV): void {
    this.updateHLCV(bar.high, bar.low, bar.close, bar.volume ?? 0);
  }

  /** Same as {@link update} without needing a bar object (hot path). */
  updateHLCV(high: number, low: number, close: number, volume: number): void {
    if (
      !Number.isFinite(high) ||
      !Number.isFinite(low) ||
      !Number.isFinite(close) ||
      !Number.isFinite(volume) ||
      volume < 0
    ) {
      return;
    }
    this.pv += ((high + low + close) / 3) * volume;
    this.vol += volume;
    if (this.vol > 0) this.value = this.pv / this.vol;
  }

  /** Starts a new session. */
  reset(): void {
    this.pv = 0;
    this.vol = 0;
    this.value = Number.NaN;
  }
}
