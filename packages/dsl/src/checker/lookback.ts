import type { CallExpr, Expr, LetDecl, PlanFile, Rule, Statement } from "../ast.js";
import type { ExprIR } from "../compiled.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import type { RuleInfo } from "../semantic.js";
import { INDICATORS, type IndicatorInfo, type IndicatorName, periodValue } from "./indicators.js";
import type { NameTable } from "./names.js";
import { paramNumbers, periodParam } from "./params.js";
import { shortExpr } from "./print.js";

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

/** Shared by every result that reads no other timeframe (nearly all of them): never written to. */
const NO_OTHER: ReadonlyMap<string, number> = new Map();
const LEAF: Res = { bars: 1, other: NO_OTHER, flagged: false };

/** The terms without operands, shared: every leaf of every expression is one. */
const LEAF_TERM: LookbackTerm = { k: "leaf" };
const OF_TERM: LookbackTerm = { k: "of" };

/** Results that read no other timeframe and flag nothing, one per lookback below `PLAIN_RES.length`. */
const PLAIN_RES: Res[] = [];
for (let bars = 1; bars < 512; bars++) PLAIN_RES[bars] = bars === 1 ? LEAF : { bars, other: NO_OTHER, flagged: false };

/** `{ bars, other: NO_OTHER, flagged: false }`, shared for the common lookbacks (results are never mutated). */
function plainRes(bars: number): Res {
  return PLAIN_RES[bars] ?? { bars, other: NO_OTHER, flagged: false };
}

/** Where each indicator's series and period arguments are (-1 when it has none). */
const ROLES = new Map<string, { si: number; pi: number }>();
function roles(info: IndicatorInfo): { si: number; pi: number } {
  let r = ROLES.get(info.name);
  if (!r) {
    r = {
      si: info.params.findIndex((p) => p.role === "series"),
      pi: info.params.findIndex((p) => p.role === "period"),
    };
    ROLES.set(info.name, r);
  }
  return r;
}

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
  const checker = createLookbackChecker(names, limit, diagnostics);
  const infos = new Map<Rule, RuleInfo>();
  checker.lets();
  for (const s of ast.statements) {
    const info = checker.statement(s);
    if (info) infos.set(s as Rule, info);
  }
  return infos;
}

/**
 * The lookback pass in two steps, so that the incremental analyzer can run
 * the second per statement: `lets()` computes every `let` (dependencies
 * first), then `statement(s)` one statement's RuleInfo (undefined for
 * statements that are not rules), reading only its own nodes and the lets.
 */
export interface LookbackChecker {
  lets(): void;
  statement(s: Statement): RuleInfo | undefined;
}

export function createLookbackChecker(
  names: NameTable,
  limit: number,
  diagnostics: DiagnosticCollector,
): LookbackChecker {
  const pass = new LookbackPass(names, limit, diagnostics);
  return {
    lets: () => {
      for (const d of names.order) pass.letRes(d);
    },
    statement: (s) => {
      if (s.type === "LetDecl") pass.letRes(s);
      else if (s.type === "ConditionRule") {
        const roots: Expr[] = [s.condition];
        if (s.filter) roots.push(s.filter);
        for (const m of s.modifiers) if (m.type === "Stop" || m.type === "Target") roots.push(m.value);
        return pass.combine(roots);
      } else if (s.type === "TrailingStopRule") {
        return pass.combine(s.activation ? [s.activation] : []);
      }
      return undefined;
    },
  };
}

/** `a` and `b`'s other-timeframe needs together; one of them when the other is empty (results are never mutated). */
function unionOther(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new Map(a);
  mergeOther(out, b);
  return out;
}

/**
 * Every AST expression has one parent, so each is computed once, on the way
 * up; only `let`s (reached from many names) are memoised.
 */
class LookbackPass {
  private readonly letMemo = new Map<LetDecl, Res>();
  private readonly inProgress = new Set<LetDecl>();

  constructor(
    private readonly names: NameTable,
    private readonly limit: number,
    private readonly diagnostics: DiagnosticCollector,
  ) {}

  combine(roots: readonly Expr[]): RuleInfo {
    // Most rules read no other timeframe: they share one empty map rather than each keeping its own.
    let other: Map<string, number> | undefined;
    const parts: number[] = [];
    for (const r of roots) {
      const x = this.of(r);
      if (x.other.size > 0) {
        other ??= new Map();
        mergeOther(other, x.other);
      }
      parts.push(x.bars);
    }
    return { lookback: lookbackStep({ k: "combine", parts }), otherTimeframes: other ?? NO_OTHER };
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
    switch (e.type) {
      case "Name": {
        const d = this.names.resolved.get(e);
        return d ? this.letRes(d) : LEAF;
      }
      case "Number":
      case "Percent":
      case "Money":
      case "Bool":
      case "Field":
      case "ErrorExpr":
        // The current bar; never past the limit (which is at least 1).
        return this.finish(e, lookbackStep(LEAF_TERM), NO_OTHER, false);
      case "Index": {
        const t = this.of(e.target);
        const n = e.index.value;
        const back = e.negative || !Number.isInteger(n) ? 0 : n;
        return this.finish(e, lookbackStep({ k: "back", inner: t.bars, bars: back }), t.other, t.flagged);
      }
      case "Of": {
        const t = this.of(e.target);
        const tf = e.timeframe.raw;
        const other = new Map(t.other);
        other.set(tf, Math.max(other.get(tf) ?? 0, t.bars));
        return this.finish(e, lookbackStep(OF_TERM), other, t.flagged);
      }
      case "Cross": {
        const l = this.of(e.left);
        const r = this.of(e.right);
        const bars = lookbackStep({ k: "cross", left: l.bars, right: r.bars });
        return this.finish(e, bars, unionOther(l.other, r.other), l.flagged || r.flagged);
      }
      case "Binary":
      case "Compare":
      case "Logical": {
        const l = this.of(e.left);
        const r = this.of(e.right);
        const bars = lookbackStep({ k: "combine", parts: [l.bars, r.bars] });
        return this.finish(e, bars, unionOther(l.other, r.other), l.flagged || r.flagged);
      }
      case "Unary": {
        const t = this.of(e.operand);
        return this.finish(e, lookbackStep({ k: "combine", parts: [t.bars] }), t.other, t.flagged);
      }
      case "Paren": {
        const t = this.of(e.inner);
        return this.finish(e, lookbackStep({ k: "combine", parts: [t.bars] }), t.other, t.flagged);
      }
      case "Call":
        return this.call(e);
    }
  }

  private call(e: CallExpr): Res {
    let other = NO_OTHER;
    let flagged = false;
    const parts: number[] = [];
    for (const a of e.args) {
      const t = this.of(a);
      other = unionOther(other, t.other);
      flagged ||= t.flagged;
      parts.push(t.bars);
    }
    const info = INDICATORS.get(e.callee.name);
    let bars: number;
    if (!info || info.params.length !== e.args.length) bars = lookbackStep({ k: "combine", parts });
    else {
      const { si, pi } = roles(info);
      const periodArg = pi >= 0 ? e.args[pi] : undefined;
      bars = lookbackStep({
        k: "ind",
        fn: info.name,
        source: si >= 0 ? (parts[si] ?? 1) : 1,
        period: periodArg ? (periodValue(periodArg) ?? this.paramPeriod(periodArg) ?? 1) : 1,
      });
    }
    return this.finish(e, bars, other, flagged);
  }

  /** A param period's largest value (its range's maximum), so that every variant of the plan warms up alike. */
  private paramPeriod(arg: Expr): number | undefined {
    const d = periodParam(arg, (n) => this.names.resolved.get(n));
    const max = d ? paramNumbers(d)?.max : undefined;
    return max !== undefined && Number.isInteger(max) && max > 0 ? max : undefined;
  }

  /** Reports E0306 here when this node is the first on its path past the limit. */
  private finish(e: Expr, bars: number, other: ReadonlyMap<string, number>, flaggedBelow: boolean): Res {
    if (bars > this.limit && !flaggedBelow) {
      this.report(e, bars);
      return { bars, other, flagged: true };
    }
    if (other === NO_OTHER && !flaggedBelow) return plainRes(bars);
    return { bars, other, flagged: flaggedBelow };
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
