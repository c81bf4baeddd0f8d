import type {
  BinaryExpr,
  CallExpr,
  CompareExpr,
  CrossExpr,
  Expr,
  IndexExpr,
  Kind,
  LetDecl,
  PlanFile,
  Statement,
  UnaryExpr,
} from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import {
  fillSnippet,
  INDICATOR_NAMES,
  INDICATORS,
  type IndicatorInfo,
  indicatorResult,
  periodValue,
} from "./indicators.js";
import type { NameTable } from "./names.js";
import { paramNumbers, periodParam, periodProblem } from "./params.js";
import { printExpr, shortExpr } from "./print.js";
import { didYouMean, suggestion } from "./suggest.js";
import { unparen } from "./walk.js";

/**
 * Kind inference (E0202-E0209, E0212). Every expression gets a kind; number
 * literals adapt to the other operand of a comparison or of `+`/`-`, so
 * `close > 150` and `volume > 1M` check while `rsi(close, 14) > close` does
 * not. An expression whose kind cannot be known (an error was reported
 * below it) is `undefined`, and nothing above it reports again.
 */

/** What the checker knows about an expression's value. */
export interface Ty {
  readonly kind: Kind;
  /**
   * Set when the expression is a constant written as a literal (possibly via
   * a `let`, parentheses, unary minus or arithmetic of number literals).
   * Only `number` literals adapt to the other side's kind.
   */
  readonly lit?: "number" | "percent" | "money";
}

export interface KindTable {
  /** The kind recorded for an expression (adapted literals carry the kind they adapted to). */
  kindOf(e: Expr): Kind | undefined;
  ty(e: Expr): Ty | undefined;
  /** Records that a number-literal expression stands for a value of `kind` (e.g. `stop 145` is a price). */
  adapt(e: Expr, kind: Kind): void;
}

const NUMERIC: ReadonlySet<Kind> = new Set(["price", "volume", "percent", "number"]);
/** Kinds that may be scaled by a number or a percent. */
const VALUE: ReadonlySet<Kind> = new Set(["price", "volume"]);

const k = (kind: Kind): string => `\`${kind}\``;

/**
 * One shared `Ty` per kind and literal flavour: a plan has hundreds of
 * thousands of expressions and only a handful of distinct types, so interning
 * them keeps inference from allocating one object per node.
 */
const PLAIN = new Map<Kind, Ty>();
const NUMBER_LIT: Ty = { kind: "number", lit: "number" };
const PERCENT_LIT: Ty = { kind: "percent", lit: "percent" };
const MONEY_LIT: Ty = { kind: "price", lit: "money" };
const LIT_NUMBER = new Map<Kind, Ty>();
function plain(kind: Kind): Ty {
  let t = PLAIN.get(kind);
  if (!t) {
    t = { kind };
    PLAIN.set(kind, t);
  }
  return t;
}
/** `{ kind, lit: "number" }`: arithmetic of number literals keeps adapting. */
function litNumber(kind: Kind): Ty {
  let t = LIT_NUMBER.get(kind);
  if (!t) {
    t = { kind, lit: "number" };
    LIT_NUMBER.set(kind, t);
  }
  return t;
}
const BOOL = plain("bool");
const PRICE = plain("price");
const VOLUME = plain("volume");
/** Memo entry for an expression whose kind cannot be known (distinct from "not inferred yet"). */
const UNKNOWN: Ty = { kind: "bool" };

export function checkKinds(ast: PlanFile, names: NameTable, diagnostics: DiagnosticCollector): KindTable {
  const checker = createKindChecker(names, diagnostics);
  checker.lets();
  for (const s of ast.statements) checker.statement(s);
  return checker.table;
}

/**
 * Kind inference in two steps, so that the incremental analyzer can run the
 * second per statement: `lets()` infers every `let` (dependencies first),
 * then `statement(s)` infers one statement, reading only its own nodes and
 * the lets. Diagnostics go to `diagnostics` as they are found.
 */
export interface KindChecker {
  readonly table: KindTable;
  lets(): void;
  statement(s: Statement): void;
  /**
   * Takes what `from` inferred for `nodes` (all of one statement's nodes),
   * instead of inferring them again: only right for a statement whose
   * kinds cannot depend on the lets (it uses no names, calls no unknown
   * indicator).
   */
  adopt(from: KindChecker, nodes: readonly Expr[]): void;
}

/** Each checker's inference, for `adopt`. */
const INFERENCES = new WeakMap<KindChecker, Inference>();

export function createKindChecker(names: NameTable, diagnostics: DiagnosticCollector): KindChecker {
  const inf = new Inference(names, diagnostics);
  const checker: KindChecker = {
    table: {
      kindOf: (e) => inf.kindOf(e),
      ty: (e) => inf.ty(e),
      adapt: (e, kind) => inf.adapt(e, kind),
    },
    lets: () => {
      // Dependencies first: a name then finds its let already inferred, so long let chains never recurse deeply.
      for (const d of names.order) inf.letTy(d);
    },
    statement: (s) => inferStatement(inf, s),
    adopt: (from, nodes) => {
      const other = INFERENCES.get(from);
      if (other) for (const e of nodes) inf.copy(other, e);
    },
  };
  INFERENCES.set(checker, inf);
  return checker;
}

function inferStatement(inf: Inference, s: Statement): void {
  switch (s.type) {
    case "LetDecl":
      inf.letTy(s);
      break;
    case "ConditionRule":
      inf.expectCondition(s.condition, "the rule's condition");
      if (s.filter) inf.expectCondition(s.filter, "the `with` filter");
      for (const m of s.modifiers) {
        if (m.type === "Stop" || m.type === "Target") inf.infer(m.value);
        else if (m.type === "Size") {
          const z = m.size;
          inf.notInferred(z.type === "SizeShares" ? z.shares : z.type === "SizeMoney" ? z.amount : z.percent);
        } else if (typeof m.level !== "string") inf.notInferred(m.level);
      }
      break;
    case "TrailingStopRule":
      if (s.trail.type === "Name") inf.infer(s.trail);
      else inf.notInferred(s.trail);
      if (s.activation) inf.infer(s.activation);
      break;
    case "RiskDecl":
      inf.notInferred(s.value);
      break;
    default:
      break;
  }
}

/**
 * The type of an expression that does not depend on its operands: literals,
 * fields and every condition-building operator. These are not memoised (a
 * plan has hundreds of thousands of them); everything else is.
 */
function fixedTy(e: Expr): Ty | undefined {
  switch (e.type) {
    case "Number":
      return NUMBER_LIT;
    case "Percent":
      return PERCENT_LIT;
    case "Money":
      return MONEY_LIT;
    case "Bool":
      return BOOL;
    case "Field":
      return e.field === "volume" ? VOLUME : PRICE;
    case "Compare":
    case "Cross":
    case "Logical":
      return BOOL;
    case "Unary":
      return e.op === "not" ? BOOL : undefined;
    default:
      return undefined;
  }
}

class Inference {
  /** Each inferred expression's type (`UNKNOWN` when it cannot be known). */
  private readonly memo = new Map<Expr, Ty>();
  /** Number literals that adapted to the other operand's kind; every other kind is its type's. */
  private readonly adapted = new Map<Expr, Kind>();
  /** Literals outside expressions (sizes, confidence, trail, risk values): they get no kind. */
  private readonly outside = new Set<Expr>();
  private readonly letMemo = new Map<LetDecl, Ty | undefined>();
  private readonly inProgress = new Set<LetDecl>();

  constructor(
    private readonly names: NameTable,
    private readonly diagnostics: DiagnosticCollector,
  ) {}

  /** Copies what `from` recorded about `e`. */
  copy(from: Inference, e: Expr): void {
    const t = from.memo.get(e);
    if (t !== undefined) this.memo.set(e, t);
    const k = from.adapted.get(e);
    if (k !== undefined) this.adapted.set(e, k);
    if (from.outside.has(e)) this.outside.add(e);
  }

  letTy(d: LetDecl): Ty | undefined {
    if (this.letMemo.has(d)) return this.letMemo.get(d);
    // Cycles were reported as E0210; a let on one is unknowable, not a second error.
    if (this.inProgress.has(d)) return undefined;
    this.inProgress.add(d);
    const t = this.infer(d.value);
    this.inProgress.delete(d);
    this.letMemo.set(d, t);
    return t;
  }

  infer(e: Expr): Ty | undefined {
    const fixed = fixedTy(e);
    if (fixed) {
      // Conditions are computed for their diagnostics; each node has one parent, so this runs once per node.
      if (fixed === BOOL && e.type !== "Bool") this.compute(e);
      return fixed;
    }
    const known = this.memo.get(e);
    if (known !== undefined) return known === UNKNOWN ? undefined : known;
    const t = this.compute(e);
    this.memo.set(e, t ?? UNKNOWN);
    return t;
  }

  ty(e: Expr): Ty | undefined {
    const fixed = fixedTy(e);
    if (fixed) return fixed.lit !== undefined && this.outside.has(e) ? undefined : fixed;
    const t = this.memo.get(e);
    return t === UNKNOWN ? undefined : t;
  }

  /** Marks a literal that is not part of any expression (never inferred, so it has no kind). */
  notInferred(e: Expr): void {
    this.outside.add(e);
  }

  kindOf(e: Expr): Kind | undefined {
    const t = this.ty(e);
    if (t === undefined) return undefined;
    return t.lit === "number" ? (this.adapted.get(e) ?? t.kind) : t.kind;
  }

  adapt(e: Expr, kind: Kind): void {
    if (this.ty(e)?.lit !== "number") return;
    this.adapted.set(e, kind);
    if (e.type === "Paren") this.adapt(e.inner, kind);
    else if (e.type === "Unary") this.adapt(e.operand, kind);
    else if (e.type === "Binary") {
      // In `150 * 2` only the side that carries the unit adapts; `+`/`-` keep it on both.
      this.adapt(e.left, kind);
      if (e.op === "+" || e.op === "-") this.adapt(e.right, kind);
    }
  }

  expectCondition(e: Expr, what: string): void {
    const t = this.infer(e);
    if (!t || t.kind === "bool") return;
    const shown = shortExpr(e);
    this.diagnostics.error("E0204", e.span, `${what} is a ${k(t.kind)}, not a condition`, {
      label: "expected a condition here",
      hint:
        t.kind === "price" || t.kind === "volume"
          ? `compare it with something, e.g. \`${shown} > ${t.kind === "volume" ? "1M" : "150"}\``
          : "write a comparison such as `close > open`",
    });
  }

  private compute(e: Expr): Ty | undefined {
    switch (e.type) {
      case "Number":
      case "Percent":
      case "Money":
      case "Bool":
      case "Field":
        return fixedTy(e);
      case "Name": {
        const d = this.names.resolved.get(e);
        if (!d || this.names.cyclic.has(d)) return undefined;
        return this.letTy(d);
      }
      case "Paren":
        return this.infer(e.inner);
      case "ErrorExpr":
        return undefined;
      case "Call":
        return this.call(e);
      case "Index":
        return this.index(e);
      case "Of":
        return this.infer(e.target);
      case "Unary":
        return this.unary(e);
      case "Binary":
        return this.binary(e);
      case "Compare":
      case "Cross":
        this.comparison(e);
        return BOOL;
      case "Logical":
        this.condition(e.left, e.op);
        this.condition(e.right, e.op);
        return BOOL;
    }
  }

  // ------------------------------------------------------------ operators

  /** One side of `and`/`or`. */
  private condition(side: Expr, op: "and" | "or"): void {
    const t = this.infer(side);
    if (t && t.kind !== "bool") {
      this.diagnostics.error("E0204", side.span, `\`${op}\` needs conditions, found a ${k(t.kind)}`, {
        label: `this is a ${k(t.kind)}`,
        hint: "compare it with something, e.g. `close > open`",
      });
    }
  }

  private unary(e: UnaryExpr): Ty | undefined {
    const t = this.infer(e.operand);
    if (e.op === "not") {
      if (t && t.kind !== "bool") {
        this.diagnostics.error("E0204", e.operand.span, `\`not\` needs a condition, found a ${k(t.kind)}`, {
          label: `this is a ${k(t.kind)}`,
          hint: "negate a comparison, e.g. `not close > open`",
        });
      }
      return BOOL;
    }
    if (!t) return undefined;
    if (t.kind === "bool") {
      this.diagnostics.error("E0212", e.span, "cannot negate a condition with `-`", {
        label: "this is a condition",
        hint: "use `not` to negate a condition",
      });
      return undefined;
    }
    return t;
  }

  private binary(e: BinaryExpr): Ty | undefined {
    const l = this.infer(e.left);
    const r = this.infer(e.right);
    if (!l || !r) return undefined;
    if (l.kind === "bool" || r.kind === "bool") {
      const verb = { "+": "add", "-": "subtract", "*": "multiply", "/": "divide" }[e.op];
      const side = l.kind === "bool" ? e.left : e.right;
      this.diagnostics.error("E0212", side.span, `cannot ${verb} a condition`, {
        label: "this is a condition, not a value",
        hint: "arithmetic works on prices, volumes, percents and numbers",
      });
      return undefined;
    }
    if (!NUMERIC.has(l.kind) || !NUMERIC.has(r.kind)) return undefined;
    const bothLit = l.lit === "number" && r.lit === "number";
    if (e.op === "+" || e.op === "-") {
      const kind = this.unify(e.left, l, e.right, r, e.op === "+" ? "add" : "subtract");
      if (!kind) return undefined;
      return bothLit ? litNumber(kind) : plain(kind);
    }
    const kind = e.op === "*" ? multiply(l.kind, r.kind) : divide(l.kind, r.kind);
    if (!kind) {
      const message =
        e.op === "*" ? `cannot multiply ${k(l.kind)} by ${k(r.kind)}` : `cannot divide ${k(l.kind)} by ${k(r.kind)}`;
      this.diagnostics.error("E0212", e.span, message, {
        label: `${k(l.kind)} ${e.op} ${k(r.kind)} has no meaning`,
        hint:
          e.op === "*"
            ? "scale a value by a number or a percent, e.g. `close * 1.01` or `close * 2%`"
            : "divide a value by a number, or two values of the same kind for a ratio",
      });
      return undefined;
    }
    return bothLit ? litNumber(kind) : plain(kind);
  }

  /**
   * The common kind of two operands that must agree (comparisons, `+`, `-`),
   * adapting a number literal to the other side; reports and returns
   * undefined when they cannot agree.
   */
  private unify(le: Expr, l: Ty, re: Expr, r: Ty, verb: "compare" | "add" | "subtract"): Kind | undefined {
    if (l.kind === r.kind) return l.kind;
    if (l.lit === "number") {
      this.adapt(le, r.kind);
      return r.kind;
    }
    if (r.lit === "number") {
      this.adapt(re, l.kind);
      return l.kind;
    }
    const pctSide =
      l.lit === "percent"
        ? { e: le, other: r, otherE: re }
        : r.lit === "percent"
          ? { e: re, other: l, otherE: le }
          : undefined;
    if (pctSide) {
      this.reportPercent(pctSide.e, pctSide.other.kind, pctSide.otherE, verb);
      return undefined;
    }
    const message =
      verb === "compare"
        ? `cannot compare ${k(l.kind)} with ${k(r.kind)}`
        : verb === "add"
          ? `cannot add ${k(r.kind)} to ${k(l.kind)}`
          : `cannot subtract ${k(r.kind)} from ${k(l.kind)}`;
    const swap = verb === "compare" ? (sourceSwap(le, l, r) ?? sourceSwap(re, r, l)) : undefined;
    this.diagnostics.error("E0202", re.span, message, {
      label: `this is a ${k(r.kind)}`,
      related: [{ span: le.span, message: `this is a ${k(l.kind)}` }],
      ...(swap ?? { hint: mismatchHint(l.kind, r.kind) }),
    });
    return undefined;
  }

  private reportPercent(pct: Expr, otherKind: Kind, other: Expr, verb: "compare" | "add" | "subtract"): void {
    const raw = shortExpr(pct);
    const value = unparen(pct);
    let hint: string;
    if (verb !== "compare" && value.type === "Percent") {
      const factor = verb === "add" ? 1 + value.value / 100 : 1 - value.value / 100;
      hint = `to move a value by a percent, multiply: \`${shortExpr(other)} * ${Number(factor.toFixed(6))}\``;
    } else if (otherKind === "price" || otherKind === "volume") {
      hint = `to compare a percent change, write \`change(${shortExpr(other)}, 1) > ${raw}\``;
    } else {
      hint = "compare a percent with a percent, e.g. `change(close, 5) > 2%`";
    }
    this.diagnostics.error("E0203", pct.span, `\`${raw}\` is a percent, not a ${k(otherKind)}`, {
      label: "this is a `percent`",
      hint,
    });
  }

  private comparison(e: CompareExpr | CrossExpr): void {
    const l = this.infer(e.left);
    const r = this.infer(e.right);
    if (!l || !r) return;
    const opText = e.type === "Cross" ? `crosses ${e.direction}` : (e.word ?? e.op);
    const equality = e.type === "Compare" && (e.op === "==" || e.op === "!=");
    if (l.kind === "bool" && r.kind === "bool" && equality) return;
    if (l.kind === "bool" || r.kind === "bool") {
      const side = l.kind === "bool" ? e.left : e.right;
      const both = l.kind === "bool" && r.kind === "bool";
      this.diagnostics.error(
        "E0202",
        both ? e.span : side.span,
        both ? `\`${opText}\` cannot order conditions` : `cannot compare ${k(l.kind)} with ${k(r.kind)}`,
        {
          label: both ? "both sides are conditions" : "this is a condition, not a value",
          hint: both
            ? "compare conditions with `==` or `!=`, or combine them with `and`/`or`"
            : "compare values of the same kind",
        },
      );
      return;
    }
    this.unify(e.left, l, e.right, r, "compare");
  }

  // ----------------------------------------------------------- postfix

  private index(e: IndexExpr): Ty | undefined {
    const t = this.infer(e.target);
    this.infer(e.index);
    const n = e.index.value;
    if (!Number.isNaN(n) && (e.negative || !Number.isInteger(n))) {
      const raw = `${e.negative ? "-" : ""}${e.index.raw}`;
      const target = shortExpr(e.target);
      this.diagnostics.error("E0209", e.span, `bar index must be a whole number >= 0, found \`${raw}\``, {
        label: e.negative ? "a negative index would read the future" : "not a whole number",
        hint: e.negative
          ? `\`${target}[1]\` is the previous bar; no rule can see a bar that has not closed`
          : `use a whole number of bars, e.g. \`${target}[${Math.max(1, Math.round(n))}]\``,
      });
    }
    return t ? plain(t.kind) : undefined;
  }

  private call(e: CallExpr): Ty | undefined {
    const argTys: (Ty | undefined)[] = [];
    for (const a of e.args) argTys.push(this.infer(a));
    const name = e.callee.name;
    const info = INDICATORS.get(name);
    if (!info) {
      this.reportUnknownIndicator(e);
      return undefined;
    }
    if (e.args.length !== info.params.length) {
      const params = info.params.map((p) => `\`${p.name}\``).join(", ");
      const takes =
        info.params.length === 0
          ? "takes no arguments"
          : `takes ${info.params.length} argument${info.params.length === 1 ? "" : "s"} (${params})`;
      this.diagnostics.error("E0205", e.span, `\`${name}\` ${takes}, found ${e.args.length}`, {
        label: `expected \`${info.signature}\``,
        hint: `e.g. \`${fillSnippet(info.snippet)}\``,
      });
      return info.result === "source" ? undefined : plain(info.result);
    }
    let ok = true;
    let sourceKind: Kind | undefined;
    let sourceSeen = false;
    for (let i = 0; i < info.params.length; i++) {
      const p = info.params[i] as IndicatorInfo["params"][number];
      const arg = e.args[i] as Expr;
      if (p.role === "period") ok = this.checkPeriod(info, arg) && ok;
      else ok = this.checkSeries(info, p.kinds ?? [], arg, argTys[i]) && ok;
      if (p.role === "series" && !sourceSeen) {
        sourceSeen = true;
        sourceKind = argTys[i]?.kind;
      }
    }
    if (info.result === "source" && !ok) return undefined;
    const kind = indicatorResult(info, sourceKind);
    return kind ? plain(kind) : undefined;
  }

  private checkSeries(info: IndicatorInfo, kinds: readonly Kind[], arg: Expr, t: Ty | undefined): boolean {
    if (!t) return false;
    if (kinds.includes(t.kind)) return true;
    const wanted = kinds.map(k).join(kinds.length > 2 ? ", " : " or ");
    this.diagnostics.error("E0206", arg.span, `\`${info.name}\` reads a ${wanted} series, found a ${k(t.kind)}`, {
      label: `this is a ${k(t.kind)}`,
      hint: `e.g. \`${fillSnippet(info.snippet)}\``,
    });
    return false;
  }

  private checkPeriod(info: IndicatorInfo, arg: Expr): boolean {
    if (arg.type === "Number") {
      if (Number.isNaN(arg.value)) return false;
      if (periodValue(arg) !== undefined) return true;
      const fixed = Math.max(1, Math.round(arg.value));
      this.diagnostics.error(
        "E0207",
        arg.span,
        `the period of \`${info.name}\` must be a positive whole number, found \`${arg.raw}\``,
        {
          label: "not a positive whole number of bars",
          ...suggestion(arg.span, String(fixed)),
        },
      );
      return false;
    }
    const param = periodParam(arg, (n) => this.names.resolved.get(n));
    if (param) {
      const numbers = paramNumbers(param);
      // A param whose range is malformed was reported where it is defined.
      if (!numbers) return false;
      const problem = periodProblem(numbers);
      if (problem === undefined) return true;
      this.diagnostics.error(
        "E0216",
        arg.span,
        `param \`${param.name.name}\` cannot be the period of \`${info.name}\`: ${problem}`,
        {
          label: "a period is a positive whole number of bars",
          hint: `declare it with whole numbers from 1 up, e.g. \`param ${param.name.name} = 20 in 10..50 step 5\``,
          related: [{ span: param.span, message: `\`${param.name.name}\` is declared here` }],
        },
      );
      return false;
    }
    const t = this.ty(arg);
    const viaLet = unparen(arg);
    const letValue = viaLet.type === "Name" ? this.names.resolved.get(viaLet)?.value : undefined;
    const literal = letValue?.type === "Number" ? periodValue(letValue) : undefined;
    this.diagnostics.error(
      "E0207",
      arg.span,
      `the period of \`${info.name}\` must be a number literal, found \`${shortExpr(arg)}\``,
      {
        label: t ? `this is a ${k(t.kind)} expression, not a literal` : "not a literal",
        ...(literal !== undefined
          ? suggestion(arg.span, String(literal))
          : { hint: "write the number of bars itself, e.g. `20`: the compiler sizes the bar cache from it" }),
      },
    );
    return false;
  }

  private reportUnknownIndicator(e: CallExpr): void {
    const name = e.callee.name;
    if (this.names.lets.has(name)) {
      this.diagnostics.error("E0208", e.callee.span, `\`${name}\` is a \`let\`, not an indicator`, {
        label: "cannot be called",
        ...suggestion(e.span, name, name),
      });
      return;
    }
    const guess = didYouMean(name, INDICATOR_NAMES);
    this.diagnostics.error("E0208", e.callee.span, `unknown indicator \`${name}\``, {
      label: "not a built-in indicator",
      ...(guess
        ? suggestion(e.callee.span, guess)
        : { hint: `the indicators are ${INDICATOR_NAMES.map((n) => `\`${n}\``).join(" ")}` }),
    });
  }
}

/** `value * number`, `value * percent` (scaling), `number * number`, `percent * number`. */
function multiply(a: Kind, b: Kind): Kind | undefined {
  if (a === "number") return b;
  if (b === "number") return a;
  if (VALUE.has(a) && b === "percent") return a;
  if (a === "percent" && VALUE.has(b)) return b;
  return undefined;
}

/** `value / number` keeps the kind, a ratio of two values of one kind is a number. */
function divide(a: Kind, b: Kind): Kind | undefined {
  if (a === b) return "number";
  if (b === "number") return a;
  return undefined;
}

function mismatchHint(a: Kind, b: Kind): string {
  if ((a === "number" && b !== "number") || (b === "number" && a !== "number")) {
    return "an indicator value such as `rsi(...)` is a plain number; compare it with a number literal such as `70`";
  }
  return "compare values of the same kind: a price with a price, a volume with a volume";
}

/**
 * "did you mean `sma(volume, 20)`?": when an indicator over one bar field is
 * compared with the other kind of field (`volume > sma(close, 20)`), offer
 * the same indicator over a field of the matching kind.
 */
function sourceSwap(callSide: Expr, callTy: Ty, other: Ty): ReturnType<typeof suggestion> | undefined {
  const c = unparen(callSide);
  if (c.type !== "Call" || c.args.length === 0) return undefined;
  const src = unparen(c.args[0] as Expr);
  if (src.type !== "Field") return undefined;
  const want =
    other.kind === "volume" ? "volume" : other.kind === "price" && callTy.kind === "volume" ? "close" : undefined;
  if (!want) return undefined;
  const text = `${c.callee.name}(${[want, ...c.args.slice(1).map(printExpr)].join(", ")})`;
  return suggestion(c.span, text);
}
