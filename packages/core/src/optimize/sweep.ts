import { deflatedSharpe, sampleVariance } from "./deflated-sharpe.js";
import type { ParamValues } from "./grid.js";
import { type ObjectiveName, objectiveScore, objectiveValue } from "./objective.js";
import { periodSharpe } from "./returns.js";
import type { StopSignal, VariantResult, VariantRunner, VariantStats, VariantTask } from "./task.js";

/** How variants are judged: the objective, and the fewest closed trades a variant needs to be ranked. */
export interface Judging {
  readonly objective: ObjectiveName;
  /** `--min-trades` (default 1: a variant that never traded is not a winner). */
  readonly minTrades: number;
}

/** The fewest closed trades a ranked variant needs without `--min-trades`. */
export const DEFAULT_MIN_TRADES = 1;

/** A variant that ran and met the constraints, with its place. */
export interface RankedVariant {
  /** 1 = best. */
  readonly rank: number;
  readonly index: number;
  readonly params: ParamValues;
  /** The objective's figure as reported (null when it cannot be computed). */
  readonly value: number | null;
  readonly stats: VariantStats;
}

/** A variant that ran but did not meet a constraint. */
export interface ExcludedVariant {
  readonly index: number;
  readonly params: ParamValues;
  readonly stats: VariantStats;
  /** Why, in words: `2 trades, fewer than --min-trades 5`. */
  readonly reason: string;
}

/** A variant whose backtest threw. */
export interface FailedVariant {
  readonly index: number;
  readonly params: ParamValues;
  readonly error: string;
}

/** One sweep's variants reduced: ranked best first, the excluded and failed ones in variant order. */
export interface SweepSummary {
  /** Variants planned. */
  readonly total: number;
  /** Variants that reported (all of them unless the sweep was stopped). */
  readonly tried: number;
  readonly ranked: readonly RankedVariant[];
  readonly excluded: readonly ExcludedVariant[];
  readonly failed: readonly FailedVariant[];
  /**
   * The deflated Sharpe ratio of the best variant (by the objective): the
   * probability its true Sharpe ratio is positive given `tried` trials; null
   * without a best variant or enough daily returns.
   */
  readonly deflatedSharpe: number | null;
}

/**
 * Reduces a sweep's results in variant order: `results[i]` is variant i's
 * (undefined when it did not report), so the summary is the same whatever
 * order the results arrived in and however many workers computed them.
 * Ranked best first by the objective; ties go to the lower variant index.
 */
export function reduceSweep(
  variants: readonly ParamValues[],
  results: readonly (VariantResult | undefined)[],
  judging: Judging,
): SweepSummary {
  const eligible: { index: number; score: number; value: number | null; stats: VariantStats }[] = [];
  const excluded: ExcludedVariant[] = [];
  const failed: FailedVariant[] = [];
  const sharpes: number[] = [];
  let tried = 0;
  for (let i = 0; i < variants.length; i++) {
    const r = results[i];
    if (r === undefined) continue;
    tried++;
    const params = variants[i] as ParamValues;
    if (!r.ok) {
      failed.push({ index: i, params, error: r.error });
      continue;
    }
    const sr = periodSharpe(r.stats.returns);
    if (sr !== null) sharpes.push(sr);
    if (r.stats.trades < judging.minTrades) {
      const n = r.stats.trades;
      excluded.push({
        index: i,
        params,
        stats: r.stats,
        reason: `${n} trade${n === 1 ? "" : "s"}, fewer than --min-trades ${judging.minTrades}`,
      });
      continue;
    }
    eligible.push({
      index: i,
      score: objectiveScore(judging.objective, r.stats),
      value: objectiveValue(judging.objective, r.stats),
      stats: r.stats,
    });
  }
  eligible.sort((a, b) => (a.score > b.score ? -1 : a.score < b.score ? 1 : a.index - b.index));
  const ranked = eligible.map((e, k) => ({
    rank: k + 1,
    index: e.index,
    params: variants[e.index] as ParamValues,
    value: e.value,
    stats: e.stats,
  }));
  const best = ranked[0];
  const bestSr = best ? periodSharpe(best.stats.returns) : null;
  const dsr =
    best && bestSr !== null
      ? deflatedSharpe({
          sharpe: bestSr,
          count: best.stats.returns.count,
          skew: best.stats.returns.skew,
          kurtosis: best.stats.returns.kurtosis,
          trials: tried,
          trialVariance: sampleVariance(sharpes),
        })
      : null;
  return { total: variants.length, tried, ranked, excluded, failed, deflatedSharpe: dsr };
}

/** Progress of a run: tasks reported so far of all. */
export type ProgressListener = (done: number, total: number) => void;

/**
 * Runs `tasks` on `runner` and returns their results by position in
 * `tasks` (undefined for a task that did not report before `signal` was
 * aborted). A result for a task index not in `tasks`, or a second result
 * for one, is the runner's bug and throws.
 */
export async function runTasks(
  runner: VariantRunner,
  tasks: readonly VariantTask[],
  signal?: StopSignal,
  onProgress?: ProgressListener,
): Promise<(VariantResult | undefined)[]> {
  const position = new Map(tasks.map((t, i) => [t.index, i]));
  const out: (VariantResult | undefined)[] = new Array(tasks.length).fill(undefined);
  let done = 0;
  await runner.run(
    tasks,
    (r) => {
      const i = position.get(r.index);
      if (i === undefined) throw new Error(`a runner reported task ${r.index}, which it was not given`);
      if (out[i] !== undefined) throw new Error(`a runner reported task ${r.index} twice`);
      out[i] = r;
      done++;
      onProgress?.(done, tasks.length);
    },
    signal,
  );
  return out;
}

/** The tasks of a sweep of `variants` over bars [from, to): task i is variant i. */
export function sweepTasks(variants: readonly ParamValues[], from: number, to: number, first = 0): VariantTask[] {
  return variants.map((params, i) => ({ index: first + i, params, from, to }));
}
