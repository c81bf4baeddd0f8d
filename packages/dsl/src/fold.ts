import type { Expr, LetDecl, NameExpr } from "./ast.js";

/**
 * Folds an expression to a number when it is a constant: number and money
 * literals, lets of constants, unary minus, and arithmetic on constants.
 * Percent literals are not folded (the compiler keeps them as percents).
 *
 * The one definition of what the compiler can fold (lower.ts) and of what
 * the checker requires where the compiler needs a constant (`activate at`,
 * `stop`, `target`), so that a plan the checker accepts always compiles.
 * `memo` keeps each let's value (a chain of lets using each other twice is
 * otherwise exponential); a let met again while its own value is being
 * folded (a cycle, which the checker reports) folds to undefined.
 */
export function foldConstant(
  e: Expr,
  resolve: (name: NameExpr) => LetDecl | undefined,
  memo: Map<LetDecl, number | undefined> = new Map(),
): number | undefined {
  switch (e.type) {
    case "Number":
    case "Money":
      return Number.isFinite(e.value) ? e.value : undefined;
    case "Paren":
      return foldConstant(e.inner, resolve, memo);
    case "Name": {
      const decl = resolve(e);
      if (!decl) return undefined;
      if (memo.has(decl)) return memo.get(decl);
      memo.set(decl, undefined);
      const v = foldConstant(decl.value, resolve, memo);
      memo.set(decl, v);
      return v;
    }
    case "Unary": {
      const v = e.op === "-" ? foldConstant(e.operand, resolve, memo) : undefined;
      return v === undefined ? undefined : -v;
    }
    case "Binary": {
      const a = foldConstant(e.left, resolve, memo);
      const b = foldConstant(e.right, resolve, memo);
      if (a === undefined || b === undefined) return undefined;
      const v = e.op === "+" ? a + b : e.op === "-" ? a - b : e.op === "*" ? a * b : a / b;
      return Number.isFinite(v) ? v : undefined;
    }
    default:
      return undefined;
  }
}
