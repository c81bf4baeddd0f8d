/**
 * The deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe
 * Ratio: Correcting for Selection Bias, Backtest Overfitting and
 * Non-Normality", Journal of Portfolio Management 40(5), 2014): the
 * probability that the best of N tried variants has a true Sharpe ratio
 * above zero, given that the best of N variants with no edge at all would
 * show a positive one by luck. Formulas in docs/optimize.md.
 */

/** The Euler-Mascheroni constant. */
const EULER_GAMMA = 0.5772156649015329;

/** The standard normal CDF, Phi(x) (erfc by Numerical Recipes' Chebyshev fit: relative error under 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** The standard normal quantile, Phi^-1(p) for p in (0, 1) (Acklam's rational approximation: relative error under 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p = ${p} is not in (0, 1)`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * SR0, the Sharpe ratio the best of `trials` variants with no edge is
 * expected to show: sqrt(V) x ((1 - gamma) Phi^-1(1 - 1/N) + gamma
 * Phi^-1(1 - 1/(N e))), V the variance of the trials' Sharpe ratios,
 * gamma the Euler-Mascheroni constant. 0 for one trial.
 */
export function expectedMaxSharpe(trialVariance: number, trials: number): number {
  if (trials <= 1 || !(trialVariance > 0)) return 0;
  const n = trials;
  return (
    Math.sqrt(trialVariance) *
    ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / n) + EULER_GAMMA * normalQuantile(1 - 1 / (n * Math.E)))
  );
}

/** What the deflated Sharpe ratio is computed from; Sharpe ratios per period (daily), not annualised. */
export interface DeflatedSharpeInput {
  /** The selected variant's Sharpe ratio. */
  readonly sharpe: number;
  /** Its number of returns, T. */
  readonly count: number;
  /** Skewness of its returns. */
  readonly skew: number;
  /** Kurtosis of its returns (not excess). */
  readonly kurtosis: number;
  /** N: how many variants were tried. */
  readonly trials: number;
  /** The variance of the tried variants' Sharpe ratios. */
  readonly trialVariance: number;
}

/**
 * DSR = Phi((SR - SR0) sqrt(T - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR^2)):
 * the probability that the selected variant's true Sharpe ratio is above
 * zero once N trials are accounted for. Null with fewer than two returns
 * or when the denominator is not positive.
 */
export function deflatedSharpe(input: DeflatedSharpeInput): number | null {
  const { sharpe: sr, count: t, skew, kurtosis } = input;
  if (t < 2 || !Number.isFinite(sr)) return null;
  const sr0 = expectedMaxSharpe(input.trialVariance, input.trials);
  const denominator = 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr;
  if (!(denominator > 0)) return null;
  return normalCdf(((sr - sr0) * Math.sqrt(t - 1)) / Math.sqrt(denominator));
}

/** The sample variance (n - 1) of `values`; 0 with fewer than two. */
export function sampleVariance(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  return values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
}
