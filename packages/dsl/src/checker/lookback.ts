import type { Expr, LetDecl, PlanFile, Rule } from "../ast.js";
import type { ExprIR } from "../compiled.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import type { RuleInfo } from "../semantic.js";
import { INDICATORS, type IndicatorName, periodValue } from "./indicators.js";
import type { NameTable } from "./names.js";
import { shortExpr } from "./print.js";
import { childExprs } from "./walk.js";

/**
 * Lookback: how many bars of a stream an expression needs before its value
 * is warm. `lookbackStep` is the single definition of the formulas; the
 * checker applies it to the AST (RuleInfo, E0306) and the runtime to the
 * compiled IR (`irLookback`), so both always agree.
 */

/** One node of an expression, with its children's lookbacks already known. */
export type LookbackTerm =
  /** A bar field or a constant: the current bar. */
  | { readonly k: "leaf" }
  /** `e[bars]`. */
  | { readonly k: "back"; readonly inner: number; readonly bars: number }
  /** An indicator; `source` is its series argument's lookback (1 for `atr`/`vwap`), `period` its period (1 for `vwap`). */
  | { readonly k: "ind"; readonly fn: IndicatorName; readonly source: number; readonly period: number }
  /** `l crosses above|below r`: needs the previous values too. */
  | { readonly k: "cross"; readonly left: number; readonly right: number }
  /** Operators, comparisons, logic: the largest of the operands. */
  | { readonly k: "combine"; readonly parts: readonly number[] }
  /** `e of TF`: one bar of the rule's own stream (the other stream is counted separately). */
  | { readonly k: "of" };

/** The lookback formulas of the language (see docs/language.md). */
export function lookbackStep(t: LookbackTerm): number {
  switch (t.k) {
    case "leaf":
    case "of":
      return 1;
    case "back":
      return t.inner + t.bars;
    case "cross":
      return Math.max(t.left, t.right) + 1;
    case "combine":
      return Math.max(1, ...t.parts);
    case "ind":
      switch (t.fn) {
        case "sma":
        case "ema":
        case "highest":
        case "lowest":
          return t.source + t.period - 1;
        case "rsi":
        case "change":
          return t.source + t.period;
        case "atr":
          return t.period + 1;
        case "vwap":
          return 1;
      }
  }
}

/** Bars needed on the expression's own stream, and on each other timeframe it reads with `of`. */
export interface StreamLookback {
  readonly bars: number;
  /** Keyed by timeframe as written (`1d`). */
  readonly other: ReadonlyMap<string, number>;
}

function mergeOther(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [tf, n] of from) into.set(tf, Math.max(into.get(tf) ?? 0, n));
}

/** Lookback of a compiled expression (the runtime sizes its caches and warm-up with it). */
export function irLookback(ir: ExprIR): StreamLookback {
  const other = new Map<string, number>();
  const walk = (e: ExprIR): number => {
    switch (e.k) {
      case "num":
      case "bool":
      case "field":
        return lookbackStep({ k: "leaf" });
      case "ind":
        return lookbackStep({ k: "ind", fn: e.fn, source: e.src ? walk(e.src) : 1, period: e.period ?? 1 });
      case "back":
        return lookbackStep({ k: "back", inner: walk(e.e), bars: e.n });
      case "of": {
        const inner = irLookback(e.e);
        mergeOther(other, inner.other);
        other.set(e.tf, Math.max(other.get(e.tf) ?? 0, inner.bars));
        return lookbackStep({ k: "of" });
      }
      case "neg":
      case "not":
        return lookbackStep({ k: "combine", parts: [walk(e.e)] });
      case "cross":
        return lookbackStep({ k: "cross", left: walk(e.l), right: walk(e.r) });
      case "arith":
      case "cmp":
      case "and":
      case "or":
        return lookbackStep({ k: "combine", parts: [walk(e.l), walk(e.r)] });
    }
  };
  const bars = walk(ir);
  return { bars, other };
}

interface Res extends StreamLookback {
  /** An E0306 was reported at or below this node (so ancestors stay quiet). */
  readonly flagged: boolean;
}

const LEAF: Res = { bars: 1, other: new Map(), flagged: false };

/**
 * Computes every rule's RuleInfo and reports E0306 at the smallest node
 * whose lookback exceeds the bar cache (on whichever stream it is read).
 */
export function checkLookback(
  ast: PlanFile,
  names: NameTable,
  limit: number,
  diagnostics: DiagnosticCollector,
): Map<Rule, RuleInfo> {
  const pass = new LookbackPass(names, limit, diagnostics);
  const infos = new Map<Rule, RuleInfo>();
  for (const d of names.order) pass.letRes(d);
  for (const s of ast.statements) {
    if (s.type === "LetDecl") pass.letRes(s);
    else if (s.type === "ConditionRule") {
      const roots: Expr[] = [s.condition];
      if (s.filter) roots.push(s.filter);
      for (const m of s.modifiers) if (m.type === "Stop" || m.type === "Target") roots.push(m.value);
      infos.set(s, pass.combine(roots));
    } else if (s.type === "TrailingStopRule") {
      infos.set(s, pass.combine(s.activation ? [s.activation] : []));
    }
  }
  return infos;
}

class LookbackPass {
  private readonly memo = new Map<Expr, Res>();
  private readonly letMemo = new Map<LetDecl, Res>();
  private readonly inProgress = new Set<LetDecl>();

  constructor(
    private readonly names: NameTable,
    private readonly limit: number,
    private readonly diagnostics: DiagnosticCollector,
  ) {}

  combine(roots: readonly Expr[]): RuleInfo {
    const other = new Map<string, number>();
    const parts = roots.map((r) => {
      const x = this.of(r);
      mergeOther(other, x.other);
      return x.bars;
    });
    return { lookback: lookbackStep({ k: "combine", parts }), otherTimeframes: other };
  }

  letRes(d: LetDecl): Res {
    const known = this.letMemo.get(d);
    if (known) return known;
    if (this.inProgress.has(d) || this.names.cyclic.has(d)) return LEAF;
    this.inProgress.add(d);
    const r = this.of(d.value);
    this.inProgress.delete(d);
    this.letMemo.set(d, r);
    return r;
  }

  of(e: Expr): Res {
    const known = this.memo.get(e);
    if (known) return known;
    const r = this.compute(e);
    this.memo.set(e, r);
    return r;
  }

  private compute(e: Expr): Res {
    if (e.type === "Name") {
      const d = this.names.resolved.get(e);
      return d ? this.letRes(d) : LEAF;
    }
    const kids = childExprs(e).map((c) => this.of(c));
    const other = new Map<string, number>();
    for (const c of kids) mergeOther(other, c.other);
    const flaggedBelow = kids.some((c) => c.flagged);
    const bars = this.bars(e, kids, other);
    if (bars > this.limit && !flaggedBelow) {
      this.report(e, bars);
      return { bars, other, flagged: true };
    }
    return { bars, other, flagged: flaggedBelow };
  }

  private bars(e: Expr, kids: readonly Res[], other: Map<string, number>): number {
    const parts = kids.map((c) => c.bars);
    switch (e.type) {
      case "Index": {
        const n = e.index.value;
        const back = e.negative || !Number.isInteger(n) ? 0 : n;
        return lookbackStep({ k: "back", inner: parts[0] ?? 1, bars: back });
      }
      case "Of": {
        const inner = parts[0] ?? 1;
        other.set(e.timeframe.raw, Math.max(other.get(e.timeframe.raw) ?? 0, inner));
        return lookbackStep({ k: "of" });
      }
      case "Cross":
        return lookbackStep({ k: "cross", left: parts[0] ?? 1, right: parts[1] ?? 1 });
      case "Call": {
        const info = INDICATORS.get(e.callee.name);
        if (!info || info.params.length !== e.args.length) return lookbackStep({ k: "combine", parts });
        const si = info.params.findIndex((p) => p.role === "series");
        const pi = info.params.findIndex((p) => p.role === "period");
        const periodArg = pi >= 0 ? e.args[pi] : undefined;
        return lookbackStep({
          k: "ind",
          fn: info.name,
          source: si >= 0 ? (parts[si] ?? 1) : 1,
          period: periodArg ? (periodValue(periodArg) ?? 1) : 1,
        });
      }
      case "Number":
      case "Percent":
      case "Money":
      case "Bool":
      case "Field":
      case "ErrorExpr":
        return lookbackStep({ k: "leaf" });
      default:
        return lookbackStep({ k: "combine", parts });
    }
  }

  private report(e: Expr, bars: number): void {
    this.diagnostics.error(
      "E0306",
      e.span,
      `\`${shortExpr(e)}\` needs ${bars} bars of history, more than the bar cache holds (${this.limit})`,
      {
        label: `needs ${bars} bars`,
        hint: "use a shorter period, or read a longer timeframe with `of`, e.g. `sma(close, 20) of 1d`",
      },
    );
  }
}
