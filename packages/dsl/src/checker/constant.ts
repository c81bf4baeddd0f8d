import type { Expr, LetDecl } from "../ast.js";
import type { KindTable } from "./kinds.js";
import type { NameTable } from "./names.js";

/**
 * Every let's constant value (undefined when not constant), computed
 * dependencies first so that no evaluation recurses through a chain of lets.
 */
export function letConstants(names: NameTable, kinds: KindTable): Map<LetDecl, number | undefined> {
  const cache = new Map<LetDecl, number | undefined>();
  for (const d of names.order)
    cache.set(d, names.cyclic.has(d) ? undefined : constantValue(d.value, names, kinds, cache));
  return cache;
}

/**
 * The value of an expression that is a constant (literals, lets of
 * literals, unary minus, arithmetic of constants), in the units the runtime
 * uses (percent literals in percent units). Undefined when not constant, or
 * when percent scaling would make the units ambiguous. `cache` keeps each
 * let's value across calls (lets may reference each other many times).
 */
export function constantValue(
  e: Expr,
  names: NameTable,
  kinds: KindTable,
  cache: Map<LetDecl, number | undefined> = new Map(),
): number | undefined {
  // Most operands are fields, calls or plain literals: answer those without setting up the walk below.
  switch (e.type) {
    case "Number":
    case "Money":
    case "Percent":
      return Number.isFinite(e.value) ? e.value : undefined;
    case "Paren":
    case "Of":
    case "Unary":
    case "Name":
    case "Binary":
      break;
    default:
      return undefined;
  }
  // Lets being evaluated (a cycle is not constant); made on the first let met.
  let seen: Set<LetDecl> | undefined;
  const value = (x: Expr): number | undefined => {
    switch (x.type) {
      case "Number":
      case "Money":
      case "Percent":
        return Number.isFinite(x.value) ? x.value : undefined;
      case "Paren":
        return value(x.inner);
      case "Of":
        return value(x.target);
      case "Unary": {
        if (x.op !== "-") return undefined;
        const v = value(x.operand);
        return v === undefined ? undefined : -v;
      }
      case "Name": {
        const d = names.resolved.get(x);
        if (!d || names.cyclic.has(d) || seen?.has(d)) return undefined;
        if (cache.has(d)) return cache.get(d);
        seen ??= new Set();
        seen.add(d);
        const v = value(d.value);
        seen.delete(d);
        cache.set(d, v);
        return v;
      }
      case "Binary": {
        if (kinds.ty(x.left)?.kind === "percent" || kinds.ty(x.right)?.kind === "percent") return undefined;
        const l = value(x.left);
        const r = value(x.right);
        if (l === undefined || r === undefined) return undefined;
        const v = x.op === "+" ? l + r : x.op === "-" ? l - r : x.op === "*" ? l * r : r === 0 ? undefined : l / r;
        return v !== undefined && Number.isFinite(v) ? v : undefined;
      }
      default:
        return undefined;
    }
  };
  return value(e);
}
