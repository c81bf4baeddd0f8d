import type { ParamValues } from "./grid.js";
import {
  type Judging,
  type ProgressListener,
  type RankedVariant,
  reduceSweep,
  runTasks,
  type SweepSummary,
  sweepTasks,
} from "./sweep.js";
import type { EquityPoint, StopSignal, VariantResult, VariantRunner, VariantTask } from "./task.js";
import { type WalkForwardSpec, type WalkWindow, walkForwardEfficiency } from "./walk-forward.js";

/** One walk-forward window's outcome. */
export interface WindowOutcome {
  readonly window: WalkWindow;
  /** Every variant over the train period, reduced. */
  readonly inSample: SweepSummary;
  /** The in-sample winner; undefined when no variant met the constraints (the window then has no test run). */
  readonly best: RankedVariant | undefined;
  /** The winner's run over the test period (with its daily equity). */
  readonly outOfSample: VariantResult | undefined;
  /** This window's walk-forward efficiency (see {@link walkForwardEfficiency}). */
  readonly efficiency: number | null;
}

/** A walk-forward: each window's outcome, the out-of-sample equity stitched, and the efficiency over all windows. */
export interface WalkForwardSummary {
  readonly spec: WalkForwardSpec;
  readonly windows: readonly WindowOutcome[];
  /**
   * The test periods' equity one after another: each window's run starts
   * flat from the starting cash, and its P&L is added to where the
   * previous windows left off. One point per session day.
   */
  readonly stitched: readonly EquityPoint[];
  /** Sum of the test runs' net P&L. */
  readonly outOfSampleNet: number;
  readonly efficiency: number | null;
}

/** What {@link optimize} was asked to do. */
export interface OptimizeRequest {
  /** The variants in sweep order (grid or random), index = position. */
  readonly variants: readonly ParamValues[];
  readonly judging: Judging;
  /** Bars [0, barCount) of the runner's context. */
  readonly barCount: number;
  /** With `--walk-forward`: the spec and its windows over the bars. */
  readonly walkForward?: { readonly spec: WalkForwardSpec; readonly windows: readonly WalkWindow[] };
}

/** What {@link optimize} found; `complete` is false when it was stopped (what ran is kept). */
export type OptimizeOutcome =
  | { readonly mode: "sweep"; readonly complete: boolean; readonly sweep: SweepSummary }
  | { readonly mode: "walk-forward"; readonly complete: boolean; readonly walkForward: WalkForwardSummary };

/** Tasks run for a request: every variant once (a sweep) or once per window plus a test run per window. */
export function taskCount(request: OptimizeRequest): number {
  const w = request.walkForward?.windows.length;
  return w === undefined ? request.variants.length : w * request.variants.length + w;
}

/**
 * Runs a sweep, or a walk-forward, on `runner`. Every variant is computed
 * alone and the results are reduced in variant order, so the outcome is the
 * same for any runner, any number of workers and any completion order.
 * When `signal` is aborted the runner stops and the outcome holds what had
 * reported, with `complete: false`.
 */
export async function optimize(
  runner: VariantRunner,
  request: OptimizeRequest,
  signal?: StopSignal,
  onProgress?: ProgressListener,
): Promise<OptimizeOutcome> {
  const total = taskCount(request);
  const { variants, judging } = request;
  const wf = request.walkForward;
  if (!wf) {
    const results = await runTasks(runner, sweepTasks(variants, 0, request.barCount), signal, onProgress);
    const sweep = reduceSweep(variants, results, judging);
    return { mode: "sweep", complete: sweep.tried === variants.length, sweep };
  }
  const v = variants.length;
  // Every window's in-sample sweep in one run, so a pool has every task at once: task w * v + i.
  const inSampleTasks: VariantTask[] = [];
  for (const w of wf.windows) inSampleTasks.push(...sweepTasks(variants, w.train.from, w.train.to, w.index * v));
  const inResults = await runTasks(runner, inSampleTasks, signal, onProgress);
  const summaries = wf.windows.map((w) =>
    reduceSweep(variants, inResults.slice(w.index * v, (w.index + 1) * v), judging),
  );
  const testTasks: VariantTask[] = [];
  wf.windows.forEach((w, k) => {
    const best = summaries[k]?.ranked[0];
    if (best)
      testTasks.push({
        index: wf.windows.length * v + w.index,
        params: best.params,
        from: w.test.from,
        to: w.test.to,
        equity: true,
      });
  });
  const stopped = signal?.aborted === true || inResults.some((r) => r === undefined);
  const testResults = stopped
    ? []
    : await runTasks(runner, testTasks, signal, (done) => onProgress?.(inSampleTasks.length + done, total));
  const byWindow = new Map<number, VariantResult | undefined>();
  for (const [i, t] of testTasks.entries()) byWindow.set(t.index - wf.windows.length * v, testResults[i]);
  const windows = wf.windows.map((w, k): WindowOutcome => {
    const inSample = summaries[k] as SweepSummary;
    const best = inSample.ranked[0];
    const outOfSample = byWindow.get(w.index);
    return { window: w, inSample, best, outOfSample, efficiency: efficiencyOf(w, best, outOfSample) };
  });
  const complete = !stopped && testResults.every((r) => r !== undefined);
  return { mode: "walk-forward", complete, walkForward: summarize(wf.spec, windows) };
}

/** A window's part of the walk-forward efficiency: its net P&L in and out of sample and the periods' lengths. */
function windowFigures(
  w: WindowOutcome,
): { isNet: number; isLength: number; oosNet: number; oosLength: number } | undefined {
  return w.best && w.outOfSample?.ok ? figures(w.window, w.best, w.outOfSample.stats.netPnl) : undefined;
}

function figures(w: WalkWindow, best: RankedVariant, oosNet: number) {
  return {
    isNet: best.stats.netPnl,
    isLength: w.train.end - w.train.start,
    oosNet,
    oosLength: w.test.end - w.test.start,
  };
}

function efficiencyOf(w: WalkWindow, best: RankedVariant | undefined, oos: VariantResult | undefined): number | null {
  if (!best || !oos?.ok) return null;
  return walkForwardEfficiency([figures(w, best, oos.stats.netPnl)]);
}

function summarize(spec: WalkForwardSpec, windows: readonly WindowOutcome[]): WalkForwardSummary {
  const stitched: EquityPoint[] = [];
  let level: number | undefined;
  let oosNet = 0;
  for (const w of windows) {
    const oos = w.outOfSample;
    if (!oos?.ok) continue;
    const start = oos.stats.startEquity;
    if (level === undefined) level = start;
    stitched.push({ t: w.window.test.start, v: level });
    for (const p of oos.equity ?? []) stitched.push({ t: p.t, v: level + (p.v - start) });
    level += oos.stats.netPnl;
    oosNet += oos.stats.netPnl;
  }
  const parts = windows.map(windowFigures).filter((f) => f !== undefined);
  return { spec, windows, stitched, outOfSampleNet: oosNet, efficiency: walkForwardEfficiency(parts) };
}
