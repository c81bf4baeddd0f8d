import { type ExprIR, ExprIRSchema } from "@tradeplan/dsl";
import type { BarSeries } from "../bars/series.js";
import { Atr } from "../indicators/atr.js";
import { Change } from "../indicators/change.js";
import { Ema } from "../indicators/ema.js";
import { Highest, Lowest } from "../indicators/extremum.js";
import { Rsi } from "../indicators/rsi.js";
import { Sma } from "../indicators/sma.js";
import type { ValueIndicator } from "../indicators/types.js";
import { Vwap } from "../indicators/vwap.js";
import { canonicalJson } from "./canonical.js";
import { IrError } from "./errors.js";
import { isBooleanIR, lookbackOf } from "./lookback.js";
import {
  ARITH_OPS,
  ArithNode,
  AtrNode,
  BackNode,
  CMP_OPS,
  CmpNode,
  ConstNode,
  CrossNode,
  type EvalNode,
  FieldNode,
  IndicatorNode,
  LogicNode,
  NegNode,
  NotNode,
  OfNode,
  VwapNode,
} from "./nodes.js";
import { type SessionKeyFn, StreamProgram, utcSessionKey } from "./program.js";
import { issueLines } from "./zod-issues.js";

/** Finds the series of one of the symbol's timeframes, or undefined when the host has none. */
export type SeriesLookup = (timeframe: string) => BarSeries | undefined;

/** Options for {@link SymbolEvaluator}. */
export interface SymbolEvaluatorOptions {
  /** Session id of a bar (by open time); VWAP resets when it changes. Default: UTC day. */
  readonly sessionKey?: SessionKeyFn;
}

/** A compiled expression on one stream. */
export interface CompiledExpr {
  readonly ir: ExprIR;
  readonly timeframe: string;
  /** The root node: `node.value` is the current value (1/0 for booleans, NaN = not warm). */
  readonly node: EvalNode;
  readonly program: StreamProgram;
  readonly isBoolean: boolean;
  /** Own-stream bars needed before the value can be defined (see {@link lookbackOf}). */
  readonly lookback: number;
}

/**
 * Reads a compiled expression after bringing its stream up to date:
 * a number, a boolean, or undefined when not warm.
 */
export function readExpr(expr: CompiledExpr): number | boolean | undefined {
  expr.program.sync();
  const v = expr.node.value;
  if (Number.isNaN(v)) return undefined;
  return expr.isBoolean ? v !== 0 : v;
}

/**
 * Compiles ExprIR into per-stream node programs for ONE symbol.
 *
 * Design: each timeframe of the symbol has one {@link StreamProgram}; every
 * expression on that timeframe compiles into it, and structurally equal
 * subexpressions are shared (two rules using `sma(close, 50)` on 5m update one
 * SMA). `x of 1d` compiles `x` into the 1d program, which updates only on
 * closed 1d bars, and leaves an `OfNode` in the reading program that syncs the
 * 1d program and reads the value. The engine keeps one SymbolEvaluator per
 * symbol and shares it between the function states of that symbol.
 *
 * Compile every expression before feeding bars: a node compiled later starts
 * cold and warms up on the bars that follow.
 */
/**
 * Expression trees that passed `ExprIRSchema` and cannot change since (every
 * node frozen, as a function's parameters are): compiled again, for another
 * stream or another backtest with the same pooled function (a sweep's
 * variants), they are not parsed again.
 */
const VALIDATED = new WeakSet<object>();

/** Whether `v` and everything it holds is frozen (a primitive is). */
function deepFrozen(v: unknown): boolean {
  if (v === null || typeof v !== "object") return true;
  if (!Object.isFrozen(v)) return false;
  for (const x of Object.values(v)) if (!deepFrozen(x)) return false;
  return true;
}

export class SymbolEvaluator {
  private readonly programs = new Map<string, StreamProgram>();
  private readonly cache = new Map<string, EvalNode>();
  private readonly sessionKey: SessionKeyFn;

  constructor(
    private readonly lookup: SeriesLookup,
    options: SymbolEvaluatorOptions = {},
  ) {
    this.sessionKey = options.sessionKey ?? utcSessionKey;
  }

  /** The program of a timeframe (created on first use); throws `IR_NO_SERIES` when the host has no such series. */
  program(timeframe: string): StreamProgram {
    let p = this.programs.get(timeframe);
    if (!p) {
      const series = this.lookup(timeframe);
      if (!series) throw new IrError("IR_NO_SERIES", "", `no bar series for timeframe ${timeframe}`);
      p = new StreamProgram(series, this.sessionKey);
      this.programs.set(timeframe, p);
    }
    return p;
  }

  /** Brings one timeframe's program up to date (a no-op when nothing new was pushed). */
  sync(timeframe: string): void {
    this.programs.get(timeframe)?.sync();
  }

  /** Compiles `ir` on `timeframe`; throws {@link IrError} with the path of a malformed node. */
  compile(ir: ExprIR, timeframe: string): CompiledExpr {
    // Validate up front so a malformed tree fails before any node is built.
    if (!VALIDATED.has(ir)) {
      const parsed = ExprIRSchema.safeParse(ir);
      if (!parsed.success) {
        const lines = issueLines(parsed.error.issues);
        throw new IrError("IR_INVALID", "", `invalid expression: ${lines.join("; ")}`);
      }
      if (deepFrozen(ir)) VALIDATED.add(ir);
    }
    const program = this.program(timeframe);
    const node = this.node(ir, timeframe, "");
    return Object.freeze({ ir, timeframe, node, program, isBoolean: isBooleanIR(ir), lookback: lookbackOf(ir) });
  }

  /**
   * The node already compiled for `ir` on `tf`, or undefined: a read-only
   * look-up that never builds a node (a node built now would start cold).
   * The tracer reads the values the engine computed through it.
   */
  compiledNode(ir: ExprIR, tf: string): EvalNode | undefined {
    return this.cache.get(`${tf}|${canonicalJson(ir)}`);
  }

  private node(ir: ExprIR, tf: string, path: string): EvalNode {
    const key = `${tf}|${canonicalJson(ir)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const made = this.build(ir, tf, path);
    this.cache.set(key, made);
    return made;
  }

  private build(ir: ExprIR, tf: string, path: string): EvalNode {
    const at = (p: string) => (path ? `${path}.${p}` : p);
    switch (ir.k) {
      case "num":
        if (!Number.isFinite(ir.v)) throw new IrError("IR_INVALID", path, `constant must be finite, got ${ir.v}`);
        return new ConstNode(ir.v);
      case "bool":
        return new ConstNode(ir.v ? 1 : 0);
      case "field": {
        const p = this.program(tf);
        const col = p.series.buffer.cols[ir.f];
        if (!col) throw new IrError("IR_INVALID", path, `unknown bar field ${String(ir.f)}`);
        return p.add(new FieldNode(p.cursor, col));
      }
      case "ind":
        return this.indicator(ir, tf, path);
      case "back": {
        if (!Number.isInteger(ir.n) || ir.n < 0 || ir.n >= 1000) {
          throw new IrError("IR_INVALID", path, `history index must be an integer in [0, 999], got ${ir.n}`);
        }
        const child = this.node(ir.e, tf, at("e"));
        return this.program(tf).add(new BackNode(child, ir.n));
      }
      case "of": {
        const other = this.program(ir.tf);
        const inner = this.node(ir.e, ir.tf, at("e"));
        return this.program(tf).add(new OfNode(other, inner));
      }
      case "neg":
        return this.program(tf).add(new NegNode(this.node(ir.e, tf, at("e"))));
      case "not":
        return this.program(tf).add(new NotNode(this.node(ir.e, tf, at("e"))));
      case "arith": {
        const op = ARITH_OPS[ir.op];
        if (op === undefined) throw new IrError("IR_INVALID", path, `unknown arithmetic operator ${String(ir.op)}`);
        const l = this.node(ir.l, tf, at("l"));
        const r = this.node(ir.r, tf, at("r"));
        return this.program(tf).add(new ArithNode(op, l, r));
      }
      case "cmp": {
        const op = CMP_OPS[ir.op];
        if (op === undefined) throw new IrError("IR_INVALID", path, `unknown comparison operator ${String(ir.op)}`);
        const l = this.node(ir.l, tf, at("l"));
        const r = this.node(ir.r, tf, at("r"));
        return this.program(tf).add(new CmpNode(op, l, r));
      }
      case "cross": {
        const l = this.node(ir.l, tf, at("l"));
        const r = this.node(ir.r, tf, at("r"));
        return this.program(tf).add(new CrossNode(ir.dir === "above", l, r));
      }
      case "and":
      case "or": {
        const l = this.node(ir.l, tf, at("l"));
        const r = this.node(ir.r, tf, at("r"));
        return this.program(tf).add(new LogicNode(ir.k === "and", l, r));
      }
      default:
        throw new IrError("IR_INVALID", path, `unknown expression node ${JSON.stringify((ir as { k?: unknown }).k)}`);
    }
  }

  private indicator(ir: Extract<ExprIR, { k: "ind" }>, tf: string, path: string): EvalNode {
    const p = this.program(tf);
    const c = p.series.buffer.cols;
    const needPeriod = (): number => {
      if (ir.period === undefined || !Number.isInteger(ir.period) || ir.period < 1) {
        throw new IrError("IR_BAD_INDICATOR", path, `${ir.fn} needs a positive integer period`);
      }
      return ir.period;
    };
    if (ir.fn === "atr" || ir.fn === "vwap") {
      if (ir.src) throw new IrError("IR_BAD_INDICATOR", path, `${ir.fn} reads the bar itself and takes no source`);
      if (ir.fn === "atr") return p.add(new AtrNode(p.cursor, c.high, c.low, c.close, new Atr(needPeriod())));
      if (ir.period !== undefined) throw new IrError("IR_BAD_INDICATOR", path, "vwap takes no period");
      p.needsSession = true;
      return p.add(new VwapNode(p.cursor, c.high, c.low, c.close, c.volume, new Vwap()));
    }
    if (!ir.src) throw new IrError("IR_BAD_INDICATOR", path, `${ir.fn} needs a source series`);
    const period = needPeriod();
    const src = this.node(ir.src, tf, path ? `${path}.src` : "src");
    let ind: ValueIndicator;
    switch (ir.fn) {
      case "sma":
        ind = new Sma(period);
        break;
      case "ema":
        ind = new Ema(period);
        break;
      case "rsi":
        ind = new Rsi(period);
        break;
      case "highest":
        ind = new Highest(period);
        break;
      case "lowest":
        ind = new Lowest(period);
        break;
      case "change":
        ind = new Change(period);
        break;
      default:
        throw new IrError("IR_BAD_INDICATOR", path, `unknown indicator ${String(ir.fn)}`);
    }
    return p.add(new IndicatorNode(src, ind));
  }
}
