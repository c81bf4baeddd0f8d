import type { IToken, TokenType } from "#chevrotain";
import type * as A from "./ast.js";
import type { DiagnosticCollector } from "./diagnostics.js";
import * as T from "./lexer.js";
import type { LinePositions } from "./positions.js";

/** Binding power of the predicates (`above`, comparisons, `crosses`), which do not chain. */
export const PREDICATE_BP = 4;
/** Binding power of prefix `not`: it takes everything binding tighter than `and`. */
export const NOT_BP = 3;

/** A binary operator: the token that writes it, how tightly it binds, and which AST node it makes. */
export interface BinaryOperator {
  readonly token: TokenType;
  readonly bp: number;
  readonly kind: "logical" | "compare" | "cross" | "arith";
}

/**
 * The binary operators and their binding powers, the one precedence table:
 * the grammar's `binaryOp` alternatives are made from it (in this order) and
 * the Pratt loop below reads it. Loosest first: `or` 1, `and` 2, (prefix
 * `not` 3), predicates 4 (not associative), `+ -` 5, `* /` 6; unary `-`,
 * `[N]` and `of TF` bind tighter than all of them. `crosses` is followed by
 * `above` or `below`.
 */
export const BINARY_OPERATORS: readonly BinaryOperator[] = [
  { token: T.Or, bp: 1, kind: "logical" },
  { token: T.And, bp: 2, kind: "logical" },
  { token: T.Above, bp: PREDICATE_BP, kind: "compare" },
  { token: T.Below, bp: PREDICATE_BP, kind: "compare" },
  { token: T.Crosses, bp: PREDICATE_BP, kind: "cross" },
  { token: T.Gt, bp: PREDICATE_BP, kind: "compare" },
  { token: T.GtEq, bp: PREDICATE_BP, kind: "compare" },
  { token: T.Lt, bp: PREDICATE_BP, kind: "compare" },
  { token: T.LtEq, bp: PREDICATE_BP, kind: "compare" },
  { token: T.EqEq, bp: PREDICATE_BP, kind: "compare" },
  { token: T.NotEq, bp: PREDICATE_BP, kind: "compare" },
  { token: T.Plus, bp: 5, kind: "arith" },
  { token: T.Minus, bp: 5, kind: "arith" },
  { token: T.Star, bp: 6, kind: "arith" },
  { token: T.Slash, bp: 6, kind: "arith" },
];

const BY_TOKEN: ReadonlyMap<TokenType, BinaryOperator> = new Map(BINARY_OPERATORS.map((o) => [o.token, o]));
const CROSS = BY_TOKEN.get(T.Crosses) as BinaryOperator;

/** `crosses above|below`; `direction` is missing when the line broke off after `crosses`. */
export class CrossOp {
  constructor(
    readonly crosses: IToken,
    readonly direction: IToken | undefined,
  ) {}
}

/** An operator as the grammar pushes it: its token, or both tokens of `crosses above|below`. */
export type Operator = IToken | CrossOp;

/** An operand with prefix operators (`not`, unary `-`); a plain operand is just its expression. */
export class Prefixed {
  constructor(
    readonly prefixes: readonly IToken[],
    readonly base: A.Expr,
  ) {}
}

export type Operand = A.Expr | Prefixed;

export function joinSpans(a: A.Span, b: A.Span): A.Span {
  return { start: a.start, end: b.end };
}

function operatorOf(op: Operator): BinaryOperator {
  return op instanceof CrossOp ? CROSS : (BY_TOKEN.get(op.tokenType) as BinaryOperator);
}

function makeBinary(op: Operator, left: A.Expr, right: A.Expr): A.Expr {
  const span = joinSpans(left.span, right.span);
  if (op instanceof CrossOp)
    return { type: "Cross", direction: op.direction?.image === "below" ? "below" : "above", left, right, span };
  const image = op.image;
  switch (operatorOf(op).kind) {
    case "logical":
      return { type: "Logical", op: image as "and" | "or", left, right, span };
    case "compare":
      if (image === "above") return { type: "Compare", op: ">", word: "above", left, right, span };
      if (image === "below") return { type: "Compare", op: "<", word: "below", left, right, span };
      return { type: "Compare", op: image as A.CompareOp, left, right, span };
    default:
      return { type: "Binary", op: image as A.ArithOp, left, right, span };
  }
}

/**
 * The operands and operators of the expressions being parsed, flat (the
 * grammar reads `operand (op operand)*`, and precedence is applied here when
 * an expression's run ends: one CST node per precedence level per operand
 * would make the parse three times larger). Nested expressions (call
 * arguments, parentheses) use the same stack above their parent's entries
 * and are finished before the parent goes on, so nothing is allocated per
 * operator.
 */
export class ExpressionStack {
  /** Operands and operators, interleaved: an expression's operands sit at even distances from its start. */
  private readonly stack: (Operand | Operator)[] = [];
  /** Where the Pratt pass is in the expression being finished. */
  private pos = 0;
  private end = 0;

  constructor(
    private lines: LinePositions,
    private readonly diagnostics: DiagnosticCollector,
  ) {}

  /** Starts a file whose positions `lines` gives. */
  setLines(lines: LinePositions): void {
    this.lines = lines;
  }

  clear(): void {
    this.stack.length = 0;
  }

  /** Where a new expression starts: its entries go from here. */
  get mark(): number {
    return this.stack.length;
  }

  push(entry: Operand | Operator): void {
    this.stack.push(entry);
  }

  /**
   * The expression whose entries start at `base` (see `mark`), with
   * precedence applied; its entries are removed. An expression cut short by
   * a syntax error may end with an operator, which is then left out. A
   * chained comparison (`a < b < c`) is reported and stands as an
   * `ErrorExpr`.
   */
  finish(base: number): A.Expr {
    const end = this.stack.length;
    const only = this.stack[base];
    let e: A.Expr;
    if (end === base + 1 && !(only instanceof Prefixed)) {
      e = only as A.Expr;
    } else {
      const savedPos = this.pos;
      const savedEnd = this.end;
      this.pos = base;
      this.end = end;
      e = this.pratt(0);
      this.pos = savedPos;
      this.end = savedEnd;
    }
    this.stack.length = base;
    return e;
  }

  private pratt(minBp: number): A.Expr {
    return this.continueBinary(this.nextOperand(), minBp);
  }

  private continueBinary(first: A.Expr, minBp: number): A.Expr {
    let left = first;
    let lastPredicate = false;
    // An operator counts only with an operand after it.
    while (this.pos + 1 < this.end) {
      const op = this.stack[this.pos] as Operator;
      const bp = operatorOf(op).bp;
      if (bp < minBp) break;
      this.pos++;
      if (bp === PREDICATE_BP && lastPredicate) {
        const span = this.operatorSpan(op);
        this.diagnostics.error("E0101", span, "comparisons cannot be chained", {
          label: "second comparison",
          hint: "join the comparisons with `and`, e.g. `a > b and b > c`",
        });
        // Consume the rest of this chain so the error is reported once.
        this.pratt(PREDICATE_BP + 1);
        left = { type: "ErrorExpr", span: joinSpans(first.span, span) };
        continue;
      }
      const right = this.pratt(bp + 1);
      left = makeBinary(op, left, right);
      lastPredicate = bp === PREDICATE_BP;
    }
    return left;
  }

  private operatorSpan(op: Operator): A.Span {
    if (!(op instanceof CrossOp)) return this.lines.tokenSpan(op);
    const span = this.lines.tokenSpan(op.crosses);
    return op.direction ? joinSpans(span, this.lines.tokenSpan(op.direction)) : span;
  }

  private nextOperand(): A.Expr {
    const o = this.stack[this.pos++] as Operand;
    return o instanceof Prefixed ? this.applyPrefixes(o.prefixes, 0, o.base) : o;
  }

  private applyPrefixes(prefixes: readonly IToken[], i: number, base: A.Expr): A.Expr {
    const p = prefixes[i];
    if (p === undefined) return base;
    const inner = this.applyPrefixes(prefixes, i + 1, base);
    const start = this.lines.position(p.startOffset);
    if (p.image === "-") return { type: "Unary", op: "-", operand: inner, span: { start, end: inner.span.end } };
    // `not` takes everything binding tighter than `and`: `not a > b and c` is `(not (a > b)) and c`.
    const operand = this.continueBinary(inner, NOT_BP);
    return { type: "Unary", op: "not", operand, span: { start, end: operand.span.end } };
  }
}
