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

/** The root expressions a statement holds (condition, filter, stop/target values, a trail param, activation, let value). */
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
    case "TrailingStopRule": {
      const out: Expr[] = s.trail.type === "Name" ? [s.trail] : [];
      if (s.activation) out.push(s.activation);
      return out;
    }
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
      if (s.trail.type === "Name") fn(s.trail);
      if (s.activation) fn(s.activation);
      break;
    default:
      break;
  }
}

/** Calls `fn` on `e` and every expression below it, parents before children. */
export function visitExpr(e: Expr, fn: (e: Expr) => void): void {
  walk(e, undefined, fn);
}

/**
 * Calls `fn` on every expression of one type in `e` (itself included), in
 * {@link visitExpr}'s order. Passes that look for one kind of node use this:
 * a callback on every node was most of their time.
 */
export function visitExprsOfType<T extends Expr["type"]>(
  e: Expr,
  type: T,
  fn: (e: Extract<Expr, { type: T }>) => void,
): void {
  walk(e, type, fn as (e: Expr) => void);
}

/** The one recursion behind both visitors; `fn` runs on every node, or on nodes of `type` only. */
function walk(e: Expr, type: Expr["type"] | undefined, fn: (e: Expr) => void): void {
  if (type === undefined || e.type === type) fn(e);
  // The same children as `childExprs`, without an array per node: every pass walks every expression.
  switch (e.type) {
    case "Call":
      for (const a of e.args) walk(a, type, fn);
      break;
    case "Index":
    case "Of":
      walk(e.target, type, fn);
      break;
    case "Binary":
    case "Compare":
    case "Cross":
    case "Logical":
      walk(e.left, type, fn);
      walk(e.right, type, fn);
      break;
    case "Unary":
      walk(e.operand, type, fn);
      break;
    case "Paren":
      walk(e.inner, type, fn);
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
