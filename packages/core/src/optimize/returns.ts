/**
 * The moments of a variant's daily returns that the deflated Sharpe ratio
 * needs beyond the Sharpe ratio itself (Bailey & López de Prado 2014).
 * Returns are r_d = equity_d / equity_{d-1} - 1 over session-day closing
 * equities, from the starting equity: the same series the backtest's
 * Sharpe ratio is computed from (backtest/stats.ts).
 */
export interface ReturnMoments {
  /** Number of daily returns (T). */
  readonly count: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 with fewer than two returns. */
  readonly stdev: number;
  /** Skewness E[(r - mean)^3] / sigma^3 (population sigma); 0 without variance. */
  readonly skew: number;
  /** Kurtosis E[(r - mean)^4] / sigma^4, not excess (3 for a normal distribution); 3 without variance. */
  readonly kurtosis: number;
}

/** The moments of the returns of `equities` (closing equity per day, the first the start). */
export function returnMoments(equities: readonly number[]): ReturnMoments {
  const r: number[] = [];
  for (let i = 1; i < equities.length; i++) {
    const prev = equities[i - 1] as number;
    if (prev > 0) r.push((equities[i] as number) / prev - 1);
  }
  const n = r.length;
  if (n === 0) return { count: 0, mean: 0, stdev: 0, skew: 0, kurtosis: 3 };
  const mean = r.reduce((a, b) => a + b, 0) / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of r) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  const stdev = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const pop = m2 / n;
  // Below this the returns are flat up to rounding: no shape to measure.
  if (!(pop > 1e-24)) return { count: n, mean, stdev, skew: 0, kurtosis: 3 };
  return { count: n, mean, stdev, skew: m3 / n / pop ** 1.5, kurtosis: m4 / n / (pop * pop) };
}

/** The per-period (daily, not annualised) Sharpe ratio mean / stdev; null without variance. */
export function periodSharpe(m: ReturnMoments): number | null {
  return m.count > 1 && m.stdev > 1e-12 ? m.mean / m.stdev : null;
}
