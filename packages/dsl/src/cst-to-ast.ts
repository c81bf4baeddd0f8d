import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import type { DiagnosticCollector } from "./diagnostics.js";
import type { LinePositions } from "./positions.js";

/**
 * CST → AST. Written as plain functions over `children` (not Chevrotain's
 * visitor class) because it is on the compile hot path and must tolerate
 * the partial trees that error recovery leaves behind: a missing piece
 * becomes an `ErrorExpr` (or the statement is dropped) and never throws.
 */

type Children = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement | undefined): e is IToken {
  return !!e && (e as IToken).image !== undefined;
}

function tok(c: Children, key: string, i = 0): IToken | undefined {
  const e = c[key]?.[i];
  return isToken(e) && !e.isInsertedInRecovery ? e : undefined;
}

function node(c: Children, key: string, i = 0): CstNode | undefined {
  const e = c[key]?.[i];
  return e && !isToken(e) ? e : undefined;
}

const NO_NODES: readonly CstNode[] = [];
const NO_TOKENS: readonly IToken[] = [];

/** The nodes under `key`; the children array itself when it holds only nodes (subrule labels always do). */
function nodes(c: Children, key: string): readonly CstNode[] {
  const all = c[key];
  if (!all) return NO_NODES;
  for (const e of all) if (isToken(e)) return all.filter((x): x is CstNode => !isToken(x));
  return all as CstNode[];
}

function tokens(c: Children, key: string): readonly IToken[] {
  const all = c[key];
  if (!all) return NO_TOKENS;
  return all.filter((e): e is IToken => isToken(e) && !e.isInsertedInRecovery);
}

/** Keys a statement node may hold: exactly one, the statement's own rule. */
const STATEMENT_KEYS = ["rule", "letDecl", "planDecl", "symbolDecl", "timezoneDecl", "sessionDecl", "riskDecl"];
/** Keys a `binaryOp` node may start with: the operator's token type (`crosses` adds `direction` after it). */
const OPERATOR_KEYS = [
  "Kw_and",
  "Kw_or",
  "Gt",
  "Lt",
  "Kw_above",
  "Kw_below",
  "Kw_crosses",
  "GtEq",
  "LtEq",
  "EqEq",
  "NotEq",
  "Plus",
  "Minus",
  "Star",
  "Slash",
];
const SESSION_KEYS = ["Kw_regular", "Kw_extended", "Kw_always"];
const CONFIDENCE_KEYS = ["Kw_low", "Kw_medium", "Kw_high"];
const FIELD_KEYS = ["Kw_open", "Kw_high", "Kw_low", "Kw_close", "Kw_volume"];

/**
 * The first element of the first key present among `keys`. For nodes whose
 * children can only come from one of `keys`, this is the first element of
 * their first (and only leading) child, without listing the children.
 */
function firstOf(c: Children, keys: readonly string[]): CstElement | undefined {
  for (const k of keys) {
    const v = c[k];
    if (v) return v[0];
  }
  return undefined;
}

/** The first token stored under any of `keys`. */
function anyTok(c: Children, keys: readonly string[]): IToken | undefined {
  for (const k of keys) {
    const t = tok(c, k);
    if (t) return t;
  }
  return undefined;
}

export function joinSpans(a: A.Span, b: A.Span): A.Span {
  return { start: a.start, end: b.end };
}

/** Binding power of the predicates (`above`, comparisons, `crosses`), which do not chain. */
export const PREDICATE_BP = 4;
/** Binding power of prefix `not`: it takes everything binding tighter than `and`. */
export const NOT_BP = 3;

/** A binary operator of the flat expression list, with its binding power. */
export interface BinOp {
  readonly bp: number;
  readonly span: A.Span;
  readonly kind: "logical" | "compare" | "cross" | "arith";
  readonly image: string;
  readonly direction?: "above" | "below";
}

function binaryOp(n: CstNode, lines: LinePositions): BinOp | undefined {
  const c = n.children;
  const t = firstOf(c, OPERATOR_KEYS);
  if (!isToken(t)) return undefined;
  const span = lines.tokenSpan(t);
  switch (t.tokenType.name) {
    case "Kw_or":
      return { bp: 1, span, kind: "logical", image: "or" };
    case "Kw_and":
      return { bp: 2, span, kind: "logical", image: "and" };
    case "Kw_crosses": {
      const d = tok(c, "direction");
      return {
        bp: PREDICATE_BP,
        span: d ? joinSpans(span, lines.tokenSpan(d)) : span,
        kind: "cross",
        image: "crosses",
        direction: d?.image === "below" ? "below" : "above",
      };
    }
    case "Kw_above":
    case "Kw_below":
    case "Gt":
    case "GtEq":
    case "Lt":
    case "LtEq":
    case "EqEq":
    case "NotEq":
      return { bp: PREDICATE_BP, span, kind: "compare", image: t.image };
    case "Plus":
    case "Minus":
      return { bp: 5, span, kind: "arith", image: t.image };
    default:
      return { bp: 6, span, kind: "arith", image: t.image };
  }
}

export function makeBinary(op: Pick<BinOp, "kind" | "image" | "direction">, left: A.Expr, right: A.Expr): A.Expr {
  const span = joinSpans(left.span, right.span);
  switch (op.kind) {
    case "logical":
      return { type: "Logical", op: op.image as "and" | "or", left, right, span };
    case "cross":
      return { type: "Cross", direction: op.direction ?? "above", left, right, span };
    case "compare":
      if (op.image === "above") return { type: "Compare", op: ">", word: "above", left, right, span };
      if (op.image === "below") return { type: "Compare", op: "<", word: "below", left, right, span };
      return { type: "Compare", op: op.image as A.CompareOp, left, right, span };
    default:
      return { type: "Binary", op: op.image as A.ArithOp, left, right, span };
  }
}

const NUMBER_RE = /^(\d+(?:_\d+)*)(?:\.(\d+(?:_\d+)*))?([KMB])?$/;
const SCALE: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9 };

/**
 * The value of the common literal shapes (`150`, `100.25`, `1M`: digits, an
 * optional fraction, an optional suffix, no `_`) without a regular
 * expression; undefined for anything else, which `NUMBER_RE` then handles.
 * Agrees with `NUMBER_RE` on every text it accepts.
 */
function plainNumber(text: string): number | undefined {
  let end = text.length;
  let scale = 1;
  const last = text.charCodeAt(end - 1);
  if (last === 75 /* K */) scale = 1e3;
  else if (last === 77 /* M */) scale = 1e6;
  else if (last === 66 /* B */) scale = 1e9;
  if (scale !== 1) end--;
  let dot = -1;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (dot >= 0 || i === 0 || i === end - 1) return undefined;
      dot = i;
    } else if (c < 48 || c > 57) return undefined;
  }
  if (end === 0) return undefined;
  return Number(scale === 1 ? text : text.slice(0, end)) * scale;
}

/**
 * Converts one statement's CST (see `setStatement`). Where recovery left a
 * node without a location, the span of the statement's tokens stands in.
 */
export class AstBuilder {
  /** The statement's first and last tokens; their span is built only when recovery needs it. */
  private first: IToken | undefined;
  private last: IToken | undefined;
  private fallbackSpan: A.Span | undefined;

  constructor(
    private readonly diagnostics: DiagnosticCollector,
    private readonly lines: LinePositions,
  ) {}

  private tokenSpan(t: IToken): A.Span {
    return this.lines.tokenSpan(t);
  }

  /** Starts a statement: `first` and `last` are its first and last tokens (one line). */
  setStatement(first: IToken, last: IToken): void {
    this.lines.setLine(first.startOffset);
    this.first = first;
    this.last = last;
    this.fallbackSpan = undefined;
  }

  /** The span of the statement's tokens, used where recovery left a node without a location. */
  private get fallback(): A.Span {
    if (!this.fallbackSpan) {
      const zero = this.lines.position(0);
      this.fallbackSpan =
        this.first && this.last
          ? joinSpans(this.tokenSpan(this.first), this.tokenSpan(this.last))
          : { start: zero, end: zero };
    }
    return this.fallbackSpan;
  }

  private span(n: CstNode): A.Span {
    const l = n.location;
    if (!l || Number.isNaN(l.startOffset) || l.endOffset === undefined || Number.isNaN(l.endOffset)) {
      return this.fallback;
    }
    return this.lines.span(l.startOffset, l.endOffset + 1);
  }

  private error(span: A.Span): A.ErrorExpr {
    return { type: "ErrorExpr", span };
  }

  /** Parses `1_000`, `1.5M`; reports E0005 for malformed digits. */
  number(t: IToken): A.NumberLit {
    return { type: "Number", value: this.numericValue(t.image, t), raw: t.image, span: this.tokenSpan(t) };
  }

  private numericValue(text: string, t: IToken): number {
    const plain = plainNumber(text);
    if (plain !== undefined) return plain;
    const m = NUMBER_RE.exec(text);
    if (!m) {
      // The parser already explained a malformed literal it let through; NaN marks it for the checker to skip.
      if ((t as IToken & { reported?: boolean }).reported) return Number.NaN;
      this.diagnostics.error("E0005", this.tokenSpan(t), `invalid number literal \`${t.image}\``, {
        label: "not a number",
        hint: "write digits with at most one `_` between them, e.g. `1_000`, and a suffix `K`, `M` or `B`",
      });
      return Number.NaN;
    }
    const digits = `${(m[1] ?? "").replace(/_/g, "")}${m[2] ? `.${m[2].replace(/_/g, "")}` : ""}`;
    return Number(digits) * (m[3] ? (SCALE[m[3]] ?? 1) : 1);
  }

  percent(t: IToken): A.PercentLit {
    return {
      type: "Percent",
      value: this.numericValue(t.image.slice(0, -1), t),
      raw: t.image,
      span: this.tokenSpan(t),
    };
  }

  money(t: IToken): A.MoneyLit {
    return {
      type: "Money",
      value: this.numericValue(t.image.slice(1).replace(/,/g, ""), t),
      raw: t.image,
      span: this.tokenSpan(t),
    };
  }

  timeframe(t: IToken): A.Timeframe {
    const unit = t.image.slice(-1) as A.Timeframe["unit"];
    const amount = Number(t.image.slice(0, -1));
    const per = unit === "s" ? 1 : unit === "m" ? 60 : unit === "h" ? 3600 : 86400;
    return { type: "Timeframe", raw: t.image, amount, unit, seconds: amount * per, span: this.tokenSpan(t) };
  }

  time(t: IToken): A.TimeOfDay {
    const [h, m] = t.image.split(":");
    return { type: "Time", raw: t.image, hour: Number(h), minute: Number(m), span: this.tokenSpan(t) };
  }

  string(t: IToken): A.StringLit {
    // An unterminated string (already reported as E0002) has no closing quote to strip.
    const closed = !(t as IToken & { reported?: boolean }).reported;
    const body = t.image.slice(1, closed ? -1 : undefined).replace(/\\(.)/g, "$1");
    return { type: "String", value: body, span: this.tokenSpan(t) };
  }

  ident(t: IToken): A.Ident {
    return { type: "Ident", name: t.image, span: this.tokenSpan(t) };
  }

  // ------------------------------------------------------------ statements

  statement(cst: CstNode): A.Statement | undefined {
    const c = cst.children;
    const inner = firstOf(c, STATEMENT_KEYS);
    if (!inner || isToken(inner)) return undefined;
    switch (inner.name) {
      case "planDecl": {
        const s = tok(inner.children, "StringLit");
        return s ? { type: "PlanDecl", name: this.string(s), span: this.span(inner) } : undefined;
      }
      case "symbolDecl": {
        const plural = !!tok(inner.children, "Kw_symbols");
        const symbols = nodes(inner.children, "symbolName")
          .map((n) => {
            const id = tok(n.children, "Identifier");
            if (id) return this.ident(id);
            const s = tok(n.children, "StringLit");
            return s ? this.string(s) : undefined;
          })
          .filter((x): x is A.Ident | A.StringLit => !!x);
        return symbols.length > 0 ? { type: "SymbolDecl", plural, symbols, span: this.span(inner) } : undefined;
      }
      case "timezoneDecl": {
        const s = tok(inner.children, "StringLit");
        return s ? { type: "TimezoneDecl", zone: this.string(s), span: this.span(inner) } : undefined;
      }
      case "sessionDecl": {
        const t = anyTok(inner.children, SESSION_KEYS);
        return t
          ? {
              type: "SessionDecl",
              session: t.image as A.SessionKind,
              sessionSpan: this.tokenSpan(t),
              span: this.span(inner),
            }
          : undefined;
      }
      case "letDecl": {
        const id = tok(inner.children, "Identifier");
        if (!id) return undefined;
        const e = node(inner.children, "expression");
        return {
          type: "LetDecl",
          name: this.ident(id),
          value: e ? this.expression(e) : this.error(this.span(inner)),
          span: this.span(inner),
        };
      }
      case "riskDecl":
        return this.riskDecl(inner);
      case "rule":
        return this.rule(inner);
      default:
        return undefined;
    }
  }

  private riskDecl(n: CstNode): A.RiskDecl | undefined {
    const c = n.children;
    const words = tokens(c, "Identifier");
    const first = words[0];
    const last = words[words.length - 1];
    if (!first || !last) return undefined;
    const numTok = tok(c, "Number");
    const moneyTok = tok(c, "Money");
    const pctTok = tok(c, "Percent");
    const value = numTok
      ? this.number(numTok)
      : moneyTok
        ? this.money(moneyTok)
        : pctTok
          ? this.percent(pctTok)
          : undefined;
    if (!value) return undefined;
    return {
      type: "RiskDecl",
      setting: words.map((w) => w.image).join(" "),
      settingSpan: joinSpans(this.tokenSpan(first), this.tokenSpan(last)),
      value,
      shares: !!tok(c, "Kw_shares"),
      span: this.span(n),
    };
  }

  private rule(n: CstNode): A.Rule | undefined {
    const tfTok = tok(n.children, "Timeframe");
    if (!tfTok) return undefined;
    const timeframe = this.timeframe(tfTok);
    const ts = node(n.children, "trailingStop");
    if (ts) {
      const pct = tok(ts.children, "Percent");
      if (!pct) return undefined;
      const act = node(ts.children, "expression");
      return {
        type: "TrailingStopRule",
        timeframe,
        trail: this.percent(pct),
        ...(tok(ts.children, "Kw_activate")
          ? { activation: act ? this.expression(act) : this.error(this.span(ts)) }
          : {}),
        span: this.span(n),
      };
    }
    const cr = node(n.children, "conditionRule");
    if (!cr) return undefined;
    const c = cr.children;
    const actionNode = node(c, "action");
    const action = actionNode ? this.action(actionNode) : undefined;
    if (!action) return undefined;
    const cond = node(c, "condition");
    const filter = node(c, "filter");
    const from = tok(c, "from");
    const to = tok(c, "to");
    const window: A.Window | undefined =
      from && to
        ? {
            type: "Window",
            from: this.time(from),
            to: this.time(to),
            span: joinSpans(this.tokenSpan(from), this.tokenSpan(to)),
          }
        : undefined;
    return {
      type: "ConditionRule",
      timeframe,
      condition: cond ? this.expression(cond) : this.error(this.span(cr)),
      ...(filter ? { filter: this.expression(filter) } : {}),
      ...(window ? { window } : {}),
      action,
      modifiers: this.modifiers(nodes(c, "modifier")),
      span: this.span(n),
    };
  }

  private modifiers(ns: readonly CstNode[]): A.Modifier[] {
    const out: A.Modifier[] = [];
    for (const n of ns) {
      const m = this.modifier(n);
      if (m) out.push(m);
    }
    return out;
  }

  private action(n: CstNode): A.Action | undefined {
    const c = n.children;
    const side = tok(c, "Kw_long") ? "long" : tok(c, "Kw_short") ? "short" : undefined;
    if (tok(c, "Kw_enter")) {
      return side
        ? { type: "Action", action: side === "long" ? "enter_long" : "enter_short", span: this.span(n) }
        : undefined;
    }
    if (tok(c, "Kw_exit")) {
      const action: A.ActionKind = side === "long" ? "exit_long" : side === "short" ? "exit_short" : "exit";
      return { type: "Action", action, span: this.span(n) };
    }
    return undefined;
  }

  private modifier(n: CstNode): A.Modifier | undefined {
    const c = n.children;
    const span = this.span(n);
    if (tok(c, "Kw_size")) {
      const s = node(c, "sizeSpec");
      if (!s) return undefined;
      const sc = s.children;
      const num = tok(sc, "Number");
      const money = tok(sc, "Money");
      const pct = tok(sc, "Percent");
      const sspan = this.span(s);
      if (num && tok(sc, "Kw_shares"))
        return { type: "Size", span, size: { type: "SizeShares", span: sspan, shares: this.number(num) } };
      if (money) return { type: "Size", span, size: { type: "SizeMoney", span: sspan, amount: this.money(money) } };
      if (pct && tok(sc, "Kw_equity"))
        return { type: "Size", span, size: { type: "SizeEquity", span: sspan, percent: this.percent(pct) } };
      return undefined;
    }
    if (tok(c, "Kw_confidence")) {
      const num = tok(c, "Number");
      if (num) return { type: "Confidence", span, level: this.number(num) };
      const w = anyTok(c, CONFIDENCE_KEYS);
      return w ? { type: "Confidence", span, level: w.image as "low" | "medium" | "high" } : undefined;
    }
    const stop = node(c, "stop");
    if (tok(c, "Kw_stop")) return { type: "Stop", span, value: stop ? this.expression(stop) : this.error(span) };
    const target = node(c, "target");
    if (tok(c, "Kw_target"))
      return { type: "Target", span, value: target ? this.expression(target) : this.error(span) };
    return undefined;
  }

  // ----------------------------------------------------------- expressions

  /**
   * Applies precedence to the flat `operand (op operand)*` list (Pratt
   * parsing). Binding powers: `or` 1, `and` 2, `not` 3 (prefix), predicates
   * 4 (not associative), `+ -` 5, `* /` 6, unary `-` 7.
   */
  expression(n: CstNode): A.Expr {
    const operands = nodes(n.children, "operands");
    const opNodes = nodes(n.children, "ops");
    const ops: (BinOp | undefined)[] = [];
    for (const o of opNodes) ops.push(binaryOp(o, this.lines));
    if (operands.length === 0) return this.error(this.span(n));
    const state = { next: 0 };
    const e = this.pratt(operands, ops, state, 0);
    return e;
  }

  private pratt(
    operands: readonly CstNode[],
    ops: readonly (BinOp | undefined)[],
    st: { next: number },
    minBp: number,
  ): A.Expr {
    const left = this.operand(operands, ops, st);
    return this.continueBinary(left, operands, ops, st, minBp);
  }

  private continueBinary(
    first: A.Expr,
    operands: readonly CstNode[],
    ops: readonly (BinOp | undefined)[],
    st: { next: number },
    minBp: number,
  ): A.Expr {
    let left = first;
    let lastPredicate: BinOp | undefined;
    while (st.next - 1 < ops.length && st.next < operands.length) {
      const op = ops[st.next - 1];
      if (!op) return left;
      if (op.bp < minBp) break;
      if (op.bp === PREDICATE_BP && lastPredicate) {
        this.diagnostics.error("E0101", op.span, "comparisons cannot be chained", {
          label: "second comparison",
          hint: "join the comparisons with `and`, e.g. `a > b and b > c`",
        });
        // Consume the rest of this chain so the error is reported once.
        this.pratt(operands, ops, st, PREDICATE_BP + 1);
        left = this.error(joinSpans(first.span, op.span));
        continue;
      }
      const right = this.pratt(operands, ops, st, op.bp + 1);
      left = makeBinary(op, left, right);
      lastPredicate = op.bp === PREDICATE_BP ? op : undefined;
    }
    return left;
  }

  private operand(operands: readonly CstNode[], ops: readonly (BinOp | undefined)[], st: { next: number }): A.Expr {
    const n = operands[st.next++];
    if (!n) return this.error(this.fallback);
    const prefixes = tokens(n.children, "prefix");
    const post = node(n.children, "postfix");
    const base = post ? this.postfix(post) : this.error(this.span(n));
    return this.applyPrefixes(prefixes, 0, base, operands, ops, st);
  }

  private applyPrefixes(
    prefixes: readonly IToken[],
    i: number,
    base: A.Expr,
    operands: readonly CstNode[],
    ops: readonly (BinOp | undefined)[],
    st: { next: number },
  ): A.Expr {
    const p = prefixes[i];
    if (!p) return base;
    const inner = this.applyPrefixes(prefixes, i + 1, base, operands, ops, st);
    if (p.image === "-")
      return { type: "Unary", op: "-", operand: inner, span: joinSpans(this.tokenSpan(p), inner.span) };
    // `not` takes everything binding tighter than `and`: `not a > b and c` is `(not (a > b)) and c`.
    const operand = this.continueBinary(inner, operands, ops, st, NOT_BP);
    return { type: "Unary", op: "not", operand, span: joinSpans(this.tokenSpan(p), operand.span) };
  }

  private postfix(n: CstNode): A.Expr {
    const c = n.children;
    const prim = node(c, "primary");
    let e = prim ? this.primary(prim) : this.error(this.span(n));
    const opens = tokens(c, "index");
    const values = tokens(c, "indexValue");
    const ends = tokens(c, "indexEnd");
    const minuses = tokens(c, "indexMinus");
    for (let i = 0; i < opens.length; i++) {
      const open = opens[i] as IToken;
      const value = values[i];
      if (!value) break;
      const end = ends[i] ?? value;
      const negative = minuses.some((m) => m.startOffset > open.startOffset && m.startOffset < value.startOffset);
      e = {
        type: "Index",
        target: e,
        index: this.number(value),
        negative,
        span: joinSpans(e.span, this.tokenSpan(end)),
      };
    }
    const tf = tok(c, "Timeframe");
    if (tok(c, "Kw_of") && tf) {
      e = { type: "Of", target: e, timeframe: this.timeframe(tf), span: joinSpans(e.span, this.tokenSpan(tf)) };
    }
    return e;
  }

  private primary(n: CstNode): A.Expr {
    const c = n.children;
    let t = tok(c, "Number");
    if (t) return this.number(t);
    t = tok(c, "Percent");
    if (t) return this.percent(t);
    t = tok(c, "Money");
    if (t) return this.money(t);
    const span = this.span(n);
    if (tok(c, "Kw_true")) return { type: "Bool", value: true, span };
    if (tok(c, "Kw_false")) return { type: "Bool", value: false, span };
    t = tok(c, "BarField") ?? anyTok(c, FIELD_KEYS);
    if (t) return { type: "Field", field: t.image as A.BarField, span };
    t = tok(c, "Identifier");
    if (t) {
      if (c.callOpen) {
        const args = nodes(c, "args").map((a) => this.expression(a));
        return { type: "Call", callee: this.ident(t), args, span };
      }
      return { type: "Name", name: t.image, span };
    }
    const inner = node(c, "inner");
    if (inner) return { type: "Paren", inner: this.expression(inner), span };
    return this.error(span);
  }
}
