import { type ExprIR, irLookback } from "@tradeplan/dsl";

/**
 * Bars of the rule's own stream an expression needs before it has a value.
 * The formulas live in one place, the checker's `lookbackStep` (see
 * docs/language.md, "Indicators"); the runtime reads them through
 * `irLookback` so the compiled plan's `lookback` and the indicators' warm-up
 * can never drift apart.
 */
export function lookbackOf(ir: ExprIR): number {
  return irLookback(ir).bars;
}

/**
 * Bars needed on each other timeframe an expression reads with `of`, keyed by
 * timeframe (the largest need when a timeframe is read more than once).
 */
export function otherTimeframeLookbacks(ir: ExprIR, into: Map<string, number> = new Map()): Map<string, number> {
  for (const [tf, bars] of irLookback(ir).other) into.set(tf, Math.max(into.get(tf) ?? 0, bars));
  return into;
}

/** Whether an expression yields a boolean (`true`/`false`) rather than a number. */
export function isBooleanIR(ir: ExprIR): boolean {
  switch (ir.k) {
    case "bool":
    case "not":
    case "cmp":
    case "cross":
    case "and":
    case "or":
      return true;
    case "back":
    case "of":
      return isBooleanIR(ir.e);
    default:
      return false;
  }
}
