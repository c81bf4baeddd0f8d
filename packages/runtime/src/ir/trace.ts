import type { ExprIR } from "@tradeplan/dsl";
import { parseTimeframe } from "../aggregator/timeframe.js";
import type { SymbolEvaluator } from "./evaluator.js";
import { formatIR } from "./format.js";

/** One comparison (or cross) of a condition: its operands as the engine had them at the close. */
export interface TracedComparison {
  /** The comparison in plan syntax (`close > 3700`). */
  readonly expr: string;
  /** The left operand in plan syntax and its value (null = not warm). */
  readonly leftExpr: string;
  readonly left: number | null;
  /** `>`, `>=`, `<`, `<=`, `==`, `!=`, `crosses above`, `crosses below`. */
  readonly op: string;
  readonly rightExpr: string;
  readonly right: number | null;
  /** null when an operand was not warm. */
  readonly result: boolean | null;
}

/** An indicator call of a condition with its value (`sma(close, 20) = 3701.2`). */
export interface TracedIndicator {
  /** The call in plan syntax, with its parameters (`sma(close, 20)`). */
  readonly expr: string;
  /** The timeframe of the stream it runs on. */
  readonly timeframe: string;
  /** null = not warm. */
  readonly value: number | null;
}

/** A read of a higher-timeframe stream: which bar it read (`x of 1h`). */
export interface TracedOf {
  readonly expr: string;
  readonly timeframe: string;
  readonly value: number | null;
  /** Open time (UTC ISO) of the last closed bar of `timeframe`, the bar read; null when that stream has no bar yet. */
  readonly barOpen: string | null;
  /** Its close time (open + length); null for daily bars (a session, not a fixed length) or no bar yet. */
  readonly barClose: string | null;
}

/** Why a condition came out as it did at one close: every comparison's operands, indicator values, other-stream reads. */
export interface ConditionTrace {
  /** The condition in plan syntax. */
  readonly expr: string;
  /** The timeframe of the rule's stream, where the condition is evaluated. */
  readonly timeframe: string;
  /** The condition's value (null = not warm). */
  readonly result: boolean | null;
  readonly comparisons: readonly TracedComparison[];
  readonly indicators: readonly TracedIndicator[];
  readonly of: readonly TracedOf[];
}

const value = (v: number | undefined): number | null => (v === undefined || Number.isNaN(v) ? null : v);
const truth = (v: number | null): boolean | null => (v === null ? null : v !== 0);

/**
 * Traces a compiled condition at the current close. It evaluates nothing
 * itself: it walks the IR and reads each subexpression's node from the
 * evaluator (the nodes the engine updated for this close), so the values are
 * those the rule decided on, by the one definition of every function. Call it
 * only after the rule's stream was synced (as a rule's check does); it costs a
 * walk of the tree, so the engine calls it when a rule fires, never per bar.
 * Throws when `ir` was not compiled on `timeframe`.
 */
export function traceCondition(ev: SymbolEvaluator, ir: ExprIR, timeframe: string): ConditionTrace {
  const comparisons: TracedComparison[] = [];
  const indicators: TracedIndicator[] = [];
  const ofs: TracedOf[] = [];
  const seen = new Set<string>();
  const read = (e: ExprIR, tf: string): number | null => {
    const node = ev.compiledNode(e, tf);
    if (!node) throw new Error(`traceCondition: ${formatIR(e)} is not compiled on ${tf}`);
    return value(node.value);
  };
  const walk = (e: ExprIR, tf: string): void => {
    switch (e.k) {
      case "cmp":
      case "cross": {
        comparisons.push({
          expr: formatIR(e),
          leftExpr: formatIR(e.l),
          left: read(e.l, tf),
          op: e.k === "cmp" ? e.op : `crosses ${e.dir}`,
          rightExpr: formatIR(e.r),
          right: read(e.r, tf),
          result: truth(read(e, tf)),
        });
        walk(e.l, tf);
        walk(e.r, tf);
        return;
      }
      case "ind": {
        const key = `${tf}|${formatIR(e)}`;
        if (!seen.has(key)) {
          seen.add(key);
          indicators.push({ expr: formatIR(e), timeframe: tf, value: read(e, tf) });
        }
        if (e.src) walk(e.src, tf);
        return;
      }
      case "of": {
        const buf = ev.program(e.tf).series.buffer;
        const open = buf.count > 0 ? buf.cols.time[buf.slotOf(0)]! : undefined;
        const len = parseTimeframe(e.tf);
        ofs.push({
          expr: formatIR(e),
          timeframe: e.tf,
          value: read(e, tf),
          barOpen: open === undefined ? null : new Date(open).toISOString(),
          barClose: open === undefined || len.daily ? null : new Date(open + len.ms).toISOString(),
        });
        walk(e.e, e.tf);
        return;
      }
      case "back":
      case "neg":
      case "not":
        walk(e.e, tf);
        return;
      case "arith":
      case "and":
      case "or":
        walk(e.l, tf);
        walk(e.r, tf);
        return;
      case "num":
      case "bool":
      case "field":
        return;
    }
  };
  walk(ir, timeframe);
  return { expr: formatIR(ir), timeframe, result: truth(read(ir, timeframe)), comparisons, indicators, of: ofs };
}
