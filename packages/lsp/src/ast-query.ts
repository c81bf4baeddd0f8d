import type { Expr, LetDecl, NameExpr, PlanFile, Rule, Statement } from "@tradeplan/dsl";
import { spanContains } from "./convert.js";

/** The direct sub-expressions of an expression, left to right. */
export function childExprs(e: Expr): readonly Expr[] {
  switch (e.type) {
    case "Call":
      return e.args;
    case "Index":
    case "Of":
      return [e.target];
    case "Binary":
    case "Compare":
    case "Cross":
    case "Logical":
      return [e.left, e.right];
    case "Unary":
      return [e.operand];
    case "Paren":
      return [e.inner];
    default:
      return [];
  }
}

/** The root expressions of a statement: a let's value, a rule's condition, filter, stop/target and activation. */
export function statementExprs(s: Statement): readonly Expr[] {
  switch (s.type) {
    case "LetDecl":
      return [s.value];
    case "ConditionRule": {
      const out: Expr[] = [s.condition];
      if (s.filter) out.push(s.filter);
      for (const m of s.modifiers) if (m.type === "Stop" || m.type === "Target") out.push(m.value);
      return out;
    }
    case "TrailingStopRule":
      return s.activation ? [s.activation] : [];
    default:
      return [];
  }
}

/** Every expression under `roots`, parents before children. */
export function* allExprs(roots: readonly Expr[]): Generator<Expr> {
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const e = stack.pop() as Expr;
    yield e;
    const kids = childExprs(e);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as Expr);
  }
}

/** The statement on a 0-based line (statements never span lines), by binary search over source order. */
export function statementOnLine(ast: PlanFile, line: number): Statement | undefined {
  const ss = ast.statements;
  let lo = 0;
  let hi = ss.length - 1;
  const want = line + 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = ss[mid] as Statement;
    if (s.span.start.line === want) return s;
    if (s.span.start.line < want) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/**
 * The innermost-first chain of expressions containing `offset` in a
 * statement: `[innermost, ..., root]`. Empty when the offset is in none.
 */
export function exprPathAt(s: Statement, offset: number): Expr[] {
  for (const root of statementExprs(s)) {
    if (!spanContains(root.span, offset)) continue;
    const path: Expr[] = [root];
    let cur: Expr = root;
    for (;;) {
      const next: Expr | undefined = childExprs(cur).find((c) => spanContains(c.span, offset));
      if (!next) break;
      path.push(next);
      cur = next;
    }
    return path.reverse();
  }
  return [];
}

export function isRule(s: Statement): s is Rule {
  return s.type === "ConditionRule" || s.type === "TrailingStopRule";
}

/** A `let` name occurrence at an offset: its declaration and the occurrence's range source. */
export interface LetAt {
  readonly decl: LetDecl;
  /** The declaration's name or a use of it. */
  readonly at: LetDecl["name"] | NameExpr;
}
