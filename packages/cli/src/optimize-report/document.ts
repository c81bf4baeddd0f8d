import type {
  ObjectiveName,
  OptimizeOutcome,
  ParamSpace,
  ParamValues,
  SweepSummary,
  VariantResult,
  VariantStats,
  WalkForwardSummary,
  WindowOutcome,
} from "@tradeplan/core";
import { axisSize, objectiveValue } from "@tradeplan/core/internal";
import type { CompiledPlan } from "@tradeplan/dsl";

/**
 * The result of `tradeplan optimize` as one document: what `--format json`
 * prints, and what the pretty table, the CSV and the HTML report are
 * rendered from. Stable: fields are only ever added (docs/optimize.md).
 * Times are ISO 8601 UTC, money in the account's currency.
 */
export interface OptimizeDocument {
  readonly format: "tradeplan/optimize-result";
  readonly version: 1;
  /** False when the run was stopped (Ctrl-C): the figures cover the variants that ran. */
  readonly complete: boolean;
  readonly plan: {
    readonly name: string;
    readonly sourceHash: string;
    readonly symbol: string;
    readonly timezone: string;
  };
  readonly data: {
    readonly file: string;
    /** Bars read (inside and outside the session). */
    readonly bars: number;
    readonly rejected: number;
    readonly first: string | null;
    readonly last: string | null;
  };
  readonly search: {
    readonly method: "grid" | "random";
    /** Variants in the sweep (each tried once per window in a walk-forward). */
    readonly variants: number;
    /** Random search: the seed its variants were drawn with. */
    readonly seed?: number;
  };
  readonly objective: ObjectiveName;
  readonly minTrades: number;
  /** The params as swept: range, step (null: continuous) and the number of values (null: continuous). */
  readonly space: readonly {
    readonly name: string;
    readonly kind: string;
    readonly min: number;
    readonly max: number;
    readonly step: number | null;
    readonly values: number | null;
  }[];
  /** A sweep over all the data (absent with `--walk-forward`). */
  readonly sweep?: SweepSection;
  readonly walkForward?: WalkForwardSection;
}

/** One variant's figures, as every output lists them. */
export interface VariantRow {
  /** 1 = best; null when it was excluded or failed. */
  readonly rank: number | null;
  /** Position in the sweep (grid order, or draw order for random search). */
  readonly index: number;
  readonly params: ParamValues;
  readonly status: "ranked" | "excluded" | "failed";
  /** The objective's figure (null: failed, or not computable such as a Sharpe ratio over one day). */
  readonly objective: number | null;
  readonly trades: number | null;
  readonly netPnl: number | null;
  readonly returnPercent: number | null;
  readonly sharpe: number | null;
  readonly profitFactor: number | null;
  readonly maxDrawdown: number | null;
  readonly maxDrawdownPercent: number | null;
  readonly winRate: number | null;
  readonly exposure: number | null;
  /** Why it is excluded, or the error it failed with. */
  readonly note?: string;
}

export interface SweepSection {
  readonly tried: number;
  readonly ranked: number;
  readonly excluded: number;
  readonly failed: number;
  /** Probability that the best variant's true Sharpe ratio is positive, given `tried` variants (docs/optimize.md). */
  readonly deflatedSharpe: number | null;
  readonly best: VariantRow | null;
  /** The best `--top` variants. */
  readonly top: readonly VariantRow[];
  /** Every failed variant with its error. */
  readonly failures: readonly VariantRow[];
}

/** A window's in-sample winner and its run out of sample. */
export interface WindowSection {
  /** 1-based. */
  readonly window: number;
  readonly train: PeriodSection;
  readonly test: PeriodSection;
  readonly tried: number;
  readonly failed: number;
  /** The in-sample winner (null: no variant met the constraints, so nothing ran out of sample). */
  readonly best: VariantRow | null;
  readonly outOfSample: OutOfSample | null;
  readonly efficiency: number | null;
  readonly deflatedSharpe: number | null;
}

export interface PeriodSection {
  readonly start: string;
  readonly end: string;
  readonly bars: number;
}

export type OutOfSample =
  | {
      readonly ok: true;
      readonly trades: number;
      readonly netPnl: number;
      readonly sharpe: number | null;
      readonly maxDrawdown: number;
      readonly objective: number | null;
    }
  | { readonly ok: false; readonly error: string };

export interface WalkForwardSection {
  readonly train: string;
  readonly test: string;
  readonly anchored: boolean;
  readonly windows: readonly WindowSection[];
  readonly outOfSampleNet: number;
  /** (sum OOS net / OOS time) / (sum IS net / IS time); null when the in-sample P&L is not positive. */
  readonly efficiency: number | null;
  /** The test periods' equity end to end (one point a session day). */
  readonly stitched: readonly { readonly time: string; readonly equity: number }[];
}

/** What the document is built from besides the outcome. */
export interface DocumentInput {
  readonly plan: CompiledPlan;
  readonly symbol: string;
  readonly dataShown: string;
  readonly bars: number;
  readonly rejected: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
  readonly method: "grid" | "random";
  readonly seed: number | undefined;
  readonly space: ParamSpace;
  readonly variants: readonly ParamValues[];
  readonly objective: ObjectiveName;
  readonly minTrades: number;
  readonly top: number;
}

const iso = (t: number) => new Date(t).toISOString();

/** The document of an optimize run. */
export function optimizeDocument(input: DocumentInput, outcome: OptimizeOutcome): OptimizeDocument {
  const base = {
    format: "tradeplan/optimize-result" as const,
    version: 1 as const,
    complete: outcome.complete,
    plan: {
      name: input.plan.name,
      sourceHash: input.plan.sourceHash,
      symbol: input.symbol,
      timezone: input.plan.timezone,
    },
    data: {
      file: input.dataShown,
      bars: input.bars,
      rejected: input.rejected,
      first: input.first === undefined ? null : iso(input.first),
      last: input.last === undefined ? null : iso(input.last),
    },
    search: {
      method: input.method,
      variants: input.variants.length,
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
    },
    objective: input.objective,
    minTrades: input.minTrades,
    space: input.space.axes.map((a) => ({
      name: a.name,
      kind: a.kind,
      min: a.min,
      max: a.max,
      step: a.step ?? null,
      values: axisSize(a) ?? null,
    })),
  };
  if (outcome.mode === "sweep") return { ...base, sweep: sweepSection(outcome.sweep, input.top) };
  return { ...base, walkForward: walkForwardSection(outcome.walkForward, input.objective) };
}

/** A row from a variant's statistics. */
function statsRow(
  rank: number | null,
  index: number,
  params: ParamValues,
  objective: number | null,
  s: VariantStats,
  status: VariantRow["status"],
  note?: string,
): VariantRow {
  return {
    rank,
    index,
    params,
    status,
    objective,
    trades: s.trades,
    netPnl: s.netPnl,
    returnPercent: s.returnPercent,
    sharpe: s.sharpe,
    profitFactor: s.profitFactor,
    maxDrawdown: s.maxDrawdown,
    maxDrawdownPercent: s.maxDrawdownPercent,
    winRate: s.winRate,
    exposure: s.exposure,
    ...(note !== undefined ? { note } : {}),
  };
}

function failedRow(index: number, params: ParamValues, error: string): VariantRow {
  return {
    rank: null,
    index,
    params,
    status: "failed",
    objective: null,
    trades: null,
    netPnl: null,
    returnPercent: null,
    sharpe: null,
    profitFactor: null,
    maxDrawdown: null,
    maxDrawdownPercent: null,
    winRate: null,
    exposure: null,
    note: error,
  };
}

/** Every variant that reported, in variant order (the CSV's rows and the heatmap's cells). */
export function allRows(summary: SweepSummary, objective: ObjectiveName): VariantRow[] {
  const rows: VariantRow[] = [];
  for (const r of summary.ranked) rows.push(statsRow(r.rank, r.index, r.params, r.value, r.stats, "ranked"));
  for (const e of summary.excluded)
    rows.push(statsRow(null, e.index, e.params, objectiveValue(objective, e.stats), e.stats, "excluded", e.reason));
  for (const f of summary.failed) rows.push(failedRow(f.index, f.params, f.error));
  return rows.sort((a, b) => a.index - b.index);
}

function sweepSection(s: SweepSummary, top: number): SweepSection {
  const rows = s.ranked.slice(0, top).map((r) => statsRow(r.rank, r.index, r.params, r.value, r.stats, "ranked"));
  return {
    tried: s.tried,
    ranked: s.ranked.length,
    excluded: s.excluded.length,
    failed: s.failed.length,
    deflatedSharpe: s.deflatedSharpe,
    best: rows[0] ?? null,
    top: rows,
    failures: s.failed.map((f) => failedRow(f.index, f.params, f.error)),
  };
}

function outOfSample(r: VariantResult | undefined, objective: ObjectiveName): OutOfSample | null {
  if (r === undefined) return null;
  if (!r.ok) return { ok: false, error: r.error };
  const s = r.stats;
  return {
    ok: true,
    trades: s.trades,
    netPnl: s.netPnl,
    sharpe: s.sharpe,
    maxDrawdown: s.maxDrawdown,
    objective: objectiveValue(objective, s),
  };
}

function windowSection(w: WindowOutcome, objective: ObjectiveName): WindowSection {
  const b = w.best;
  const period = (p: { start: number; end: number; from: number; to: number }): PeriodSection => ({
    start: iso(p.start),
    end: iso(p.end),
    bars: p.to - p.from,
  });
  return {
    window: w.window.index + 1,
    train: period(w.window.train),
    test: period(w.window.test),
    tried: w.inSample.tried,
    failed: w.inSample.failed.length,
    best: b ? statsRow(b.rank, b.index, b.params, b.value, b.stats, "ranked") : null,
    outOfSample: outOfSample(w.outOfSample, objective),
    efficiency: w.efficiency,
    deflatedSharpe: w.inSample.deflatedSharpe,
  };
}

function walkForwardSection(wf: WalkForwardSummary, objective: ObjectiveName): WalkForwardSection {
  const [train, test] = wf.spec.text.split(" ").map((p) => p.split("=")[1] ?? "");
  return {
    train: train ?? "",
    test: test ?? "",
    anchored: wf.spec.anchored,
    windows: wf.windows.map((w) => windowSection(w, objective)),
    outOfSampleNet: wf.outOfSampleNet,
    efficiency: wf.efficiency,
    stitched: wf.stitched.map((p) => ({ time: iso(p.t), equity: p.v })),
  };
}
