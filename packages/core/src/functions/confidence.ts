import type { HistoryView } from "../bars/series.js";
import { clamp01 } from "./signals.js";

/** Bars in the volume average the confidence compares against. */
export const VOLUME_AVERAGE_BARS = 20;

/** The inputs and result of {@link volumeMomentumConfidence}, for reasoning and metadata. */
export interface ConfidenceBreakdown {
  readonly confidence: number;
  /** Volume / average volume of the previous 20 bars; undefined without 20 previous bars or with zero average. */
  readonly relativeVolume: number | undefined;
  /** Percent change of the close from the previous close, signed in the action's direction; undefined without a previous bar. */
  readonly momentumPercent: number | undefined;
}

/**
 * Confidence of a rule signal from volume and momentum (the threshold, cross
 * and condition rules all use it):
 *
 * ```
 * relVol        = volume / mean(volume of the 20 bars before this one)
 * volumeScore   = clamp(relVol / 2, 0, 1)            // 1x average → 0.5, ≥ 2x → 1; 0.5 when unknown
 * momentum      = dir * 100 * (close - close[1]) / close[1]   // percent, in the action's direction
 * momentumScore = clamp(0.5 + momentum / 2, 0, 1)    // +1% → 1, flat → 0.5, -1% → 0; 0.5 when unknown
 * confidence    = clamp(0.5 * volumeScore + 0.5 * momentumScore, 0, 1)
 * ```
 *
 * `dir` is +1 for an action betting on a rise, -1 on a fall, 0 for none (see
 * `actionDirection`). "Unknown" means fewer than 20 previous bars or an
 * average volume of 0 (volume-less data), or no previous close. So average
 * volume and a flat bar give 0.5 (MEDIUM); twice the average volume and a 1%
 * move in the right direction give 1.0. Reads at most 21 cached bars.
 */
export function volumeMomentumConfidence(history: HistoryView, dir: 1 | -1 | 0): ConfidenceBreakdown {
  const n = history.length;
  let relativeVolume: number | undefined;
  if (n > VOLUME_AVERAGE_BARS) {
    const avg = history.sum("volume", 1, VOLUME_AVERAGE_BARS) / VOLUME_AVERAGE_BARS;
    if (avg > 0) relativeVolume = history.volume(0) / avg;
  }
  let momentumPercent: number | undefined;
  if (n > 1) {
    const prev = history.close(1);
    if (prev !== 0) momentumPercent = (dir * 100 * (history.close(0) - prev)) / prev;
  }
  const volumeScore = relativeVolume === undefined ? 0.5 : clamp01(relativeVolume / 2);
  const momentumScore = momentumPercent === undefined ? 0.5 : clamp01(0.5 + momentumPercent / 2);
  return { confidence: clamp01(0.5 * volumeScore + 0.5 * momentumScore), relativeVolume, momentumPercent };
}
