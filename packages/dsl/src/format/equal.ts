import type * as A from "../ast.js";

/** Keys that hold source positions, which formatting is allowed to change. */
const POSITION_KEYS: ReadonlySet<string> = new Set(["span", "sessionSpan", "settingSpan"]);

/**
 * Structural equality of two AST values ignoring source positions. Numbers
 * compare with `Object.is`, so a `NaN` left by a malformed literal equals
 * itself and `0` differs from `-0`.
 */
export function sameStructure(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameStructure(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => !POSITION_KEYS.has(k) && ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => !POSITION_KEYS.has(k) && rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(rb, k) && sameStructure(ra[k], rb[k]));
}

/**
 * The index of the first statement that differs between two files, or
 * `undefined` when both have the same statements. A differing count points
 * at the first statement past the shorter list.
 */
export function firstDifference(a: readonly A.Statement[], b: readonly A.Statement[]): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (!sameStructure(a[i], b[i])) return i;
  }
  return a.length === b.length ? undefined : n;
}
