import type * as A from "./ast.js";
import { periodParam } from "./checker/params.js";
import type { ExprIR } from "./compiled.js";
import { foldConstant } from "./fold.js";
import type { SemanticModel } from "./semantic.js";

/**
 * Lowers checked AST expressions to the runtime's ExprIR: `let` names are
 * inlined, parentheses dropped, `above`/`below` become comparisons, and a
 * percent that scales a non-percent value is divided by 100 here so the
 * runtime never needs kinds. A param is the value bound to it (`values`),
 * its default when none is.
 */
export class Lowerer {
  /** Each let's folded value, computed once; params are seeded with their bound values. */
  private readonly folded = new Map<A.LetDecl, number | undefined>();

  constructor(
    private readonly model: SemanticModel,
    private readonly values: ReadonlyMap<A.LetDecl, number> = new Map(),
  ) {
    for (const [d, v] of values) this.folded.set(d, v);
  }

  lower(e: A.Expr): ExprIR {
    switch (e.type) {
      case "Number":
      case "Money":
      case "Percent":
        return { k: "num", v: e.value };
      case "Bool":
        return { k: "bool", v: e.value };
      case "Field":
        return { k: "field", f: e.field };
      case "Name": {
        const decl = this.model.resolve(e);
        const bound = decl ? this.values.get(decl) : undefined;
        if (bound !== undefined) return { k: "num", v: bound };
        // The checker reports unresolved names, so compile never sees one; false keeps the IR total.
        return decl ? this.lower(decl.value) : { k: "bool", v: false };
      }
      case "Paren":
        return this.lower(e.inner);
      case "Call":
        return this.call(e);
      case "Index":
        return { k: "back", n: e.index.value, e: this.lower(e.target) };
      case "Of":
        return { k: "of", tf: e.timeframe.raw, e: this.lower(e.target) };
      case "Unary":
        return e.op === "-" ? { k: "neg", e: this.lower(e.operand) } : { k: "not", e: this.lower(e.operand) };
      case "Binary":
        return this.binary(e);
      case "Compare":
        return { k: "cmp", op: e.op, l: this.lower(e.left), r: this.lower(e.right) };
      case "Cross":
        return { k: "cross", dir: e.direction, l: this.lower(e.left), r: this.lower(e.right) };
      case "Logical":
        return { k: e.op, l: this.lower(e.left), r: this.lower(e.right) };
      case "ErrorExpr":
        return { k: "bool", v: false };
    }
  }

  private call(e: A.CallExpr): ExprIR {
    const fn = e.callee.name as "sma" | "ema" | "rsi" | "atr" | "highest" | "lowest" | "vwap" | "change";
    const [a0, a1] = e.args;
    if (fn === "vwap") return { k: "ind", fn };
    if (fn === "atr") return { k: "ind", fn, period: (a0 && this.period(a0)) ?? 14 };
    const period = a1 ? this.period(a1) : undefined;
    return {
      k: "ind",
      fn,
      ...(a0 ? { src: this.lower(a0) } : {}),
      ...(period !== undefined ? { period } : {}),
    };
  }

  /** A period argument: a number literal, or a param's bound value. */
  private period(arg: A.Expr): number | undefined {
    if (arg.type === "Number") return arg.value;
    const d = periodParam(arg, (n) => this.model.resolve(n));
    return d ? (this.values.get(d) ?? this.constant(d.value)) : undefined;
  }

  /**
   * A percent constant (`stop 2%`, or a percent param's bound value), in
   * percent units; undefined for anything else.
   */
  percent(e: A.Expr): number | undefined {
    if (e.type === "Percent") return e.value;
    if (e.type === "Paren") return this.percent(e.inner);
    if (e.type !== "Name") return undefined;
    const d = this.model.resolve(e);
    if (!d?.param || this.model.kindOf(e) !== "percent") return undefined;
    return this.values.get(d) ?? this.percent(d.value);
  }

  private binary(e: A.BinaryExpr): ExprIR {
    let l = this.lower(e.left);
    let r = this.lower(e.right);
    if (e.op === "*" || e.op === "/") {
      const lp = this.model.kindOf(e.left) === "percent";
      const rp = this.model.kindOf(e.right) === "percent";
      if (lp && !rp) l = asRatio(l);
      if (rp && !lp) r = asRatio(r);
    }
    return { k: "arith", op: e.op, l, r };
  }

  /** Folds an expression to a number when it is a constant (see fold.ts, which the checker shares). */
  constant(e: A.Expr): number | undefined {
    return foldConstant(e, (n) => this.model.resolve(n), this.folded);
  }
}

function asRatio(e: ExprIR): ExprIR {
  return e.k === "num" ? { k: "num", v: e.v / 100 } : { k: "arith", op: "/", l: e, r: { k: "num", v: 100 } };
}
