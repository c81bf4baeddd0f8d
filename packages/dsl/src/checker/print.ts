import type { Expr, LetDecl, NameExpr } from "../ast.js";
import type { NameTable } from "./names.js";

/**
 * Expressions are printed back as plan source by the formatter's printer (as
 * written: parentheses and `above`/`below` kept), so a message's
 * `did you mean \`sma(volume, 20)\`?` reads exactly like `tradeplan fmt` output.
 */
export { printExpr } from "../format/print.js";

import { printExpr } from "../format/print.js";

/** `printExpr`, cut to `max` characters for messages and hints. */
export function shortExpr(e: Expr, max = 60): string {
  const s = printExpr(e);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Past this size a let's expanded key is replaced by its identity (lets can double in size at each level). */
const MAX_LET_KEY = 1024;

/**
 * A canonical key for "structurally identical" expressions: spans,
 * parentheses and spelling (`above` vs `>`, `1M` vs `1000000`) are ignored
 * and `let` names are replaced by their definitions, so `close > 150` and a
 * `let` holding it compare equal. `resolve` maps a name to its `let`
 * (undefined for unknown names, which then stay names); `cache` keeps each
 * let's key across calls.
 */
export function structuralKey(
  e: Expr,
  resolve: (n: NameExpr) => LetDecl | undefined,
  cache: Map<LetDecl, string> = new Map(),
): string {
  // Lets being expanded (a cycle stays a name); made on the first let met, as most expressions use none.
  let open: Set<LetDecl> | undefined;
  const key = (x: Expr): string => {
    switch (x.type) {
      case "Number":
        return `n${x.value}`;
      case "Percent":
        return `p${x.value}`;
      case "Money":
        return `$${x.value}`;
      case "Bool":
        return x.value ? "T" : "F";
      case "Field":
        return x.field;
      case "Name": {
        const d = resolve(x);
        if (!d || open?.has(d)) return `@${x.name}`;
        const known = cache.get(d);
        if (known !== undefined) return known;
        open ??= new Set();
        open.add(d);
        const k = key(d.value);
        open.delete(d);
        const stored = k.length > MAX_LET_KEY ? `@${x.name}` : k;
        cache.set(d, stored);
        return stored;
      }
      case "Call":
        return `${x.callee.name}(${x.args.map(key).join(",")})`;
      case "Index":
        return `${key(x.target)}[${x.negative ? "-" : ""}${x.index.value}]`;
      case "Of":
        return `(${key(x.target)} of ${x.timeframe.seconds}s)`;
      case "Binary":
        return `(${key(x.left)}${x.op}${key(x.right)})`;
      case "Unary":
        return `(${x.op} ${key(x.operand)})`;
      case "Compare":
        return `(${key(x.left)}${x.op}${key(x.right)})`;
      case "Cross":
        return `(${key(x.left)} x${x.direction} ${key(x.right)})`;
      case "Logical":
        return `(${key(x.left)} ${x.op} ${key(x.right)})`;
      case "Paren":
        return key(x.inner);
      case "ErrorExpr":
        return "?";
    }
  };
  return key(e);
}

/**
 * Every let's structural key, dependencies first (so that no key recurses
 * through a chain of lets); lets on a cycle keep their name.
 */
export function letKeys(names: NameTable): Map<LetDecl, string> {
  const cache = new Map<LetDecl, string>();
  const resolve = (n: NameExpr): LetDecl | undefined => {
    const d = names.resolved.get(n);
    return d && !names.cyclic.has(d) ? d : undefined;
  };
  for (const d of names.order) {
    if (names.cyclic.has(d)) cache.set(d, `@${d.name.name}`);
    else if (!cache.has(d)) {
      const k = structuralKey(d.value, resolve, cache);
      cache.set(d, k.length > MAX_LET_KEY ? `@${d.name.name}` : k);
    }
  }
  return cache;
}
