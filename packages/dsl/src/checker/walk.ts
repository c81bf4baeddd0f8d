import type { Expr, Statement } from "../ast.js";

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

/** The root expressions a statement holds (condition, filter, stop/target values, activation, let value). */
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

/** `statementExprs` without building the array: the checker's per-statement passes run on every statement. */
export function forEachStatementExpr(s: Statement, fn: (e: Expr) => void): void {
  switch (s.type) {
    case "LetDecl":
      fn(s.value);
      break;
    case "ConditionRule":
      fn(s.condition);
      if (s.filter) fn(s.filter);
      for (const m of s.modifiers) if (m.type === "Stop" || m.type === "Target") fn(m.value);
      break;
    case "TrailingStopRule":
      if (s.activation) fn(s.activation);
      break;
    default:
      break;
  }
}

/** Calls `fn` on `e` and every expression below it, parents before children. */
export function visitExpr(e: Expr, fn: (e: Expr) => void): void {
  fn(e);
  // The same children as `childExprs`, without an array per node: every pass walks every expression.
  switch (e.type) {
    case "Call":
      for (const a of e.args) visitExpr(a, fn);
      break;
    case "Index":
    case "Of":
      visitExpr(e.target, fn);
      break;
    case "Binary":
    case "Compare":
    case "Cross":
    case "Logical":
      visitExpr(e.left, fn);
      visitExpr(e.right, fn);
      break;
    case "Unary":
      visitExpr(e.operand, fn);
      break;
    case "Paren":
      visitExpr(e.inner, fn);
      break;
    default:
      break;
  }
}

/** Skips any number of parentheses. */
export function unparen(e: Expr): Expr {
  let x = e;
  while (x.type === "Paren") x = x.inner;
  return x;
}
