import type { ExprIR } from "@tradeplan/dsl";
import { parseTimeframe } from "../aggregator/timeframe.js";
import type { BarRingBuffer } from "../bars/ring-buffer.js";
import type { SymbolEvaluator } from "./evaluator.js";
import { formatIR } from "./format.js";
import type { EvalNode } from "./nodes.js";

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

/** A prepared tracer of one condition on one stream: call it to trace the current close. */
export type ConditionTracer = () => ConditionTrace;

/**
 * Traces a compiled condition at the current close. It evaluates nothing
 * itself: it reads each subexpression's node from the evaluator (the nodes
 * the engine updated for this close), so the values are those the rule
 * decided on, by the one definition of every function. Call it only after
 * the rule's stream was synced (as a rule's check does). Throws when `ir` was
 * not compiled on `timeframe`. Repeated traces should use {@link prepareTrace}.
 */
export function traceCondition(ev: SymbolEvaluator, ir: ExprIR, timeframe: string): ConditionTrace {
  return prepareTrace(ev, ir, timeframe)();
}

/**
 * Walks `ir` once, resolving every node it will read and every text it will
 * show, and returns a tracer that only reads the nodes' current values: the
 * walk, the expression texts and the node look-ups (canonical JSON of each
 * subtree) cost twenty times what reading the values does, and a rule that
 * fires often traces on every firing. Throws when `ir` was not compiled on
 * `timeframe`.
 */
export function prepareTrace(ev: SymbolEvaluator, ir: ExprIR, timeframe: string): ConditionTracer {
  const cmps: {
    expr: string;
    leftExpr: string;
    op: string;
    rightExpr: string;
    l: EvalNode;
    r: EvalNode;
    e: EvalNode;
  }[] = [];
  const inds: { expr: string; timeframe: string; node: EvalNode }[] = [];
  const ofs: { expr: string; timeframe: string; node: EvalNode; buf: BarRingBuffer; ms: number; daily: boolean }[] = [];
  const seen = new Set<string>();
  const node = (e: ExprIR, tf: string): EvalNode => {
    const n = ev.compiledNode(e, tf);
    if (!n) throw new Error(`traceCondition: ${formatIR(e)} is not compiled on ${tf}`);
    return n;
  };
  const walk = (e: ExprIR, tf: string): void => {
    switch (e.k) {
      case "cmp":
      case "cross": {
        cmps.push({
          expr: formatIR(e),
          leftExpr: formatIR(e.l),
          op: e.k === "cmp" ? e.op : `crosses ${e.dir}`,
          rightExpr: formatIR(e.r),
          l: node(e.l, tf),
          r: node(e.r, tf),
          e: node(e, tf),
        });
        walk(e.l, tf);
        walk(e.r, tf);
        return;
      }
      case "ind": {
        const expr = formatIR(e);
        if (!seen.has(`${tf}|${expr}`)) {
          seen.add(`${tf}|${expr}`);
          inds.push({ expr, timeframe: tf, node: node(e, tf) });
        }
        if (e.src) walk(e.src, tf);
        return;
      }
      case "of": {
        const len = parseTimeframe(e.tf);
        const buf = ev.program(e.tf).series.buffer;
        ofs.push({ expr: formatIR(e), timeframe: e.tf, node: node(e, tf), buf, ms: len.ms, daily: len.daily });
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
  const expr = formatIR(ir);
  const root = node(ir, timeframe);
  return () => ({
    expr,
    timeframe,
    result: truth(value(root.value)),
    comparisons: cmps.map((c) => ({
      expr: c.expr,
      leftExpr: c.leftExpr,
      left: value(c.l.value),
      op: c.op,
      rightExpr: c.rightExpr,
      right: value(c.r.value),
      result: truth(value(c.e.value)),
    })),
    indicators: inds.map((i) => ({ expr: i.expr, timeframe: i.timeframe, value: value(i.node.value) })),
    of: ofs.map((o) => {
      // The last closed bar of the other stream: the one its program (and so the `of` node) has read.
      const open = o.buf.count > 0 ? o.buf.cols.time[o.buf.slotOf(0)]! : undefined;
      return {
        expr: o.expr,
        timeframe: o.timeframe,
        value: value(o.node.value),
        barOpen: open === undefined ? null : new Date(open).toISOString(),
        barClose: open === undefined || o.daily ? null : new Date(open + o.ms).toISOString(),
      };
    }),
  });
}
