import type { ExprIR } from "@tradeplan/dsl";

const PREC: Record<string, number> = {
  or: 1,
  and: 2,
  not: 3,
  cmp: 4,
  cross: 4,
  "+": 5,
  "-": 5,
  "*": 6,
  "/": 6,
  neg: 7,
};

/** Prints an expression in plan syntax, for reasoning text (`sma(close, 50)`, `close[1]`, `x of 1d`). */
export function formatIR(ir: ExprIR): string {
  return fmt(ir, 0);
}

function fmt(ir: ExprIR, outer: number): string {
  const wrap = (s: string, p: number) => (p < outer ? `(${s})` : s);
  switch (ir.k) {
    case "num":
      return String(ir.v);
    case "bool":
      return ir.v ? "true" : "false";
    case "field":
      return ir.f;
    case "ind": {
      const args: string[] = [];
      if (ir.src) args.push(fmt(ir.src, 0));
      if (ir.period !== undefined) args.push(String(ir.period));
      return `${ir.fn}(${args.join(", ")})`;
    }
    case "back":
      return `${fmt(ir.e, 8)}[${ir.n}]`;
    case "of":
      return wrap(`${fmt(ir.e, 8)} of ${ir.tf}`, 7);
    case "neg":
      return wrap(`-${fmt(ir.e, 7)}`, 7);
    case "not":
      return wrap(`not ${fmt(ir.e, 3)}`, 3);
    case "arith": {
      const p = PREC[ir.op]!;
      return wrap(`${fmt(ir.l, p)} ${ir.op} ${fmt(ir.r, p + 1)}`, p);
    }
    case "cmp":
      return wrap(`${fmt(ir.l, 5)} ${ir.op} ${fmt(ir.r, 5)}`, 4);
    case "cross":
      return wrap(`${fmt(ir.l, 5)} crosses ${ir.dir} ${fmt(ir.r, 5)}`, 4);
    case "and":
    case "or": {
      const p = PREC[ir.k]!;
      return wrap(`${fmt(ir.l, p)} ${ir.k} ${fmt(ir.r, p + 1)}`, p);
    }
  }
}
