/** Stable codes for {@link IndicatorError}. */
export type IndicatorErrorCode = "IND_BAD_PERIOD";

/** A bad indicator construction argument. */
export class IndicatorError extends Error {
  override readonly name = "IndicatorError";
  constructor(
    readonly code: IndicatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A streaming indicator over one number per bar.
 *
 * Contract shared by every indicator here:
 * - `update` is O(1) (amortised for highest/lowest) and allocation-free;
 * - `value` is NaN until the indicator is warm (`isReady`);
 * - a non-finite input (NaN, ±Infinity) is ignored and does not advance the
 *   window. Upstream "not warm yet" is NaN, so a chained indicator starts
 *   counting at its source's first real value, which is exactly what the
 *   lookback formulas (`sma(src, N)`: `lb(src) + N - 1`) assume.
 */
export interface ValueIndicator {
  readonly value: number;
  readonly isReady: boolean;
  /** Finite inputs needed before `value` is defined. */
  readonly warmup: number;
  update(x: number): void;
  /** Back to the freshly constructed state. */
  reset(): void;
}

/** The bar fields the bar-based indicators read. */
export interface HLCV {
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume?: number;
}

/** Validates an indicator period (a positive integer). */
export function checkPeriod(name: string, period: number): number {
  if (!Number.isInteger(period) || period < 1) {
    throw new IndicatorError("IND_BAD_PERIOD", `${name}: period must be a positive integer, got ${String(period)}`);
  }
  return period;
}
