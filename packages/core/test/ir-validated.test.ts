import { type ExprIR, ExprIRSchema } from "@tradeplan/dsl";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BarSeries } from "../src/bars/series.js";
import { deepFreeze } from "../src/context.js";
import { CrossAboveFunction } from "../src/functions/index.js";
import { IrError, SymbolEvaluator } from "../src/ir/index.js";

const evaluator = () => {
  const s = new BarSeries("AAPL", "5m", { capacity: 50 });
  return new SymbolEvaluator((tf) => (tf === "5m" ? s : undefined));
};
const tree = (): ExprIR => ({
  k: "cmp",
  op: ">",
  l: { k: "field", f: "close" },
  r: { k: "ind", fn: "sma", src: { k: "field", f: "close" }, period: 20 },
});

afterEach(() => vi.restoreAllMocks());

describe("SymbolEvaluator.compile validates an expression tree once", () => {
  it("parses a frozen tree the first time only, on any evaluator (a pooled function's, in every backtest of a sweep)", () => {
    const parse = vi.spyOn(ExprIRSchema, "safeParse");
    const ir = deepFreeze(tree());
    evaluator().compile(ir, "5m");
    evaluator().compile(ir, "5m");
    evaluator().compile(ir, "5m");
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it("parses a tree that could still change every time: a mutated tree is refused", () => {
    const parse = vi.spyOn(ExprIRSchema, "safeParse");
    const ir = tree();
    evaluator().compile(ir, "5m");
    // Frozen at the top only: a node below can still change.
    const shallow = Object.freeze({ ...tree() }) as ExprIR & { r: { period: number } };
    evaluator().compile(shallow, "5m");
    (ir as { op: string }).op = "<=>";
    expect(() => evaluator().compile(ir, "5m")).toThrow(IrError);
    shallow.r.period = -1;
    expect(() => evaluator().compile(shallow, "5m")).toThrow(/invalid expression/);
    expect(parse).toHaveBeenCalledTimes(4);
  });

  it("a cross rule's expressions, its own cross node included, are parsed by the first stream only", () => {
    const fn = new CrossAboveFunction({
      action: "enter_long",
      left: { k: "field", f: "close" },
      right: { k: "ind", fn: "sma", src: { k: "field", f: "close" }, period: 20 },
    });
    fn.createState({ symbol: "AAPL", timeframe: "5m", evaluator: evaluator() });
    const parse = vi.spyOn(ExprIRSchema, "safeParse");
    fn.createState({ symbol: "AAPL", timeframe: "5m", evaluator: evaluator() });
    expect(parse).not.toHaveBeenCalled();
  });
});
