import type { VariantStats } from "./task.js";

/** What a sweep maximises (or, for `max_drawdown`, minimises). */
export const OBJECTIVES = ["net", "sharpe", "profit_factor", "max_drawdown"] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

/** The objective of a sweep without `--objective`. */
export const DEFAULT_OBJECTIVE: ObjectiveName = "net";

/**
 * An objective's figure for a variant, as reported (docs/optimize.md):
 * - `net`: net P&L, end equity - start equity (closed and open trades, after commissions);
 * - `sharpe`: the backtest's Sharpe ratio, mean / stdev of daily returns x sqrt(252) (null: under two days or no variance);
 * - `profit_factor`: gross profit / |gross loss| of closed trades (null without a losing trade);
 * - `max_drawdown`: the largest peak-to-trough fall of equity, in money (smaller is better).
 */
export function objectiveValue(objective: ObjectiveName, s: VariantStats): number | null {
  switch (objective) {
    case "net":
      return s.netPnl;
    case "sharpe":
      return s.sharpe;
    case "profit_factor":
      return s.profitFactor;
    case "max_drawdown":
      return s.maxDrawdown;
  }
}

/**
 * The figure variants are ranked by, larger is better: the objective's
 * value, negated for `max_drawdown`. A Sharpe ratio that cannot be
 * computed ranks below every other; a profit factor without a losing
 * trade ranks above every other when the variant made a profit, below
 * every other when it closed no winning trade either.
 */
export function objectiveScore(objective: ObjectiveName, s: VariantStats): number {
  const v = objectiveValue(objective, s);
  if (objective === "max_drawdown") return -(v as number);
  if (v !== null) return v;
  if (objective === "profit_factor" && s.grossProfit > 0) return Number.POSITIVE_INFINITY;
  return Number.NEGATIVE_INFINITY;
}

/** Whether the objective's figure is better when smaller (for labels: "lowest max drawdown"). */
export function minimises(objective: ObjectiveName): boolean {
  return objective === "max_drawdown";
}
