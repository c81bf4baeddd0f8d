import {
  childExprs,
  type Expr,
  type LetDecl,
  type NameExpr,
  type PlanFile,
  type Rule,
  type Statement,
  statementExprs,
} from "@tradeplan/dsl";
import { spanContains } from "./convert.js";

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
