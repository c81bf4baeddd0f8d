import { type BacktestResult, LocalTime } from "@tradeplan/core";
import { reasonCounts } from "@tradeplan/core/internal";

/** Suppressed entries and exits shown in the summary; the JSON and the report list more. */
export const MAX_DECISIONS_SHOWN = 10;

/** Suppressions that only say a rule fired with nothing to do; shown after those that stopped a trade. */
const NOTHING_TO_DO = new Set(["POSITION_OPEN", "NO_POSITION", "SIDE_MISMATCH"]);

/**
 * The entries and exits not acted on: totals per reason, then up to
 * {@link MAX_DECISIONS_SHOWN} with their reasons in exchange-local time,
 * those that stopped a trade (risk, size, broker) first.
 */
export function renderDecisions(result: BacktestResult): string[] {
  if (result.stats.suppressed === 0) return [];
  const local = new LocalTime(result.plan.timezone);
  const head = `time (${result.plan.timezone})`;
  const width = Math.max(16, head.length);
  const out = [
    "",
    `  not acted on by reason: ${reasonCounts(result.suppressedByReason)}`,
    `  ${head.padEnd(width)}  symbol  rule      action       reason`,
  ];
  const shown = [
    ...result.suppressedSignals.filter((s) => !NOTHING_TO_DO.has(s.code)),
    ...result.suppressedSignals.filter((s) => NOTHING_TO_DO.has(s.code)),
  ].slice(0, MAX_DECISIONS_SHOWN);
  for (const s of shown) {
    out.push(
      `  ${local.decided(Date.parse(s.time), s.timeframe).padEnd(width)}  ${s.symbol.padEnd(6)}  ${`line ${s.rule}`.padEnd(8)}  ${s.action.padEnd(11)}  ${s.riskCode ?? s.code}: ${s.reason}`,
    );
  }
  const more = result.stats.suppressed - shown.length;
  if (more > 0) out.push(`  ... ${more} more (see --format json or --report)`);
  return out;
}
