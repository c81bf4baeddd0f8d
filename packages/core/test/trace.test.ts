import type { ExprIR } from "@tradeplan/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BarSeries } from "../src/bars/series.js";
import { createExecutionContext } from "../src/context.js";
import { ConditionFunction, CrossAboveFunction, type ExpressionState } from "../src/functions/index.js";
import { Sma } from "../src/indicators/sma.js";
import { type ConditionTrace, SymbolEvaluator, traceCondition } from "../src/ir/index.js";
import { type AccountInfo, type BarData, FLAT } from "../src/models.js";

const ACCOUNT: AccountInfo = { cash: 100_000, equity: 100_000, realizedPnl: 0, unrealizedPnl: 0, dailyRealizedPnl: 0 };
const PLAN = Object.freeze({ name: "t", timezone: "Europe/Berlin" });
const close: ExprIR = { k: "field", f: "close" };
const volume: ExprIR = { k: "field", f: "volume" };
const num = (v: number): ExprIR => ({ k: "num", v });
const sma = (src: ExprIR, period: number): ExprIR => ({ k: "ind", fn: "sma", src, period });
const cmp = (op: ">" | ">=" | "<" | "<=" | "==" | "!=", l: ExprIR, r: ExprIR): ExprIR => ({ k: "cmp", op, l, r });
const and = (l: ExprIR, r: ExprIR): ExprIR => ({ k: "and", l, r });
const T0 = Date.UTC(2006, 2, 1, 9, 0);
const STEP = 300_000;

/** Pushes 5m bars into the rule's stream (and 1h bars into `h1` every 12th bar) and evaluates, like the engine. */
function harness(fn: ConditionFunction | CrossAboveFunction, withHour = false) {
  const m5 = new BarSeries("FESX", "5m", { capacity: 200 });
  const h1 = new BarSeries("FESX", "1h", { capacity: 200 });
  const ev = new SymbolEvaluator((tf) => (tf === "5m" ? m5 : tf === "1h" && withHour ? h1 : undefined));
  const state = fn.createState({
    symbol: "FESX",
    timeframe: "5m",
    evaluator: ev,
    traceFirings: true,
  }) as ExpressionState;
  let hourCloses: number[] = [];
  return {
    ev,
    state,
    h1,
    step(c: number, vol = 1000) {
      const time = T0 + m5.count * STEP;
      const bar: BarData = {
        symbol: "FESX",
        timeframe: "5m",
        time,
        closeTime: time + STEP,
        open: c,
        high: c + 1,
        low: c - 1,
        close: c,
        volume: vol,
      };
      m5.push(bar);
      hourCloses.push(c);
      if (withHour && hourCloses.length === 12) {
        h1.pushValues(time + STEP - 3_600_000, hourCloses[0]!, c + 1, c - 1, c, vol);
        hourCloses = [];
      }
      const ctx = createExecutionContext({
        symbol: "FESX",
        timeframe: "5m",
        bar,
        history: m5.history,
        plan: PLAN,
        params: fn.params as Record<string, unknown>,
        position: FLAT("FESX"),
        account: ACCOUNT,
      });
      return fn.evaluateSync(ctx, state);
    },
  };
}

const whyOf = (metadata: Readonly<Record<string, unknown>>) => metadata.why as readonly ConditionTrace[];

describe("why it fired: the trace of a firing", () => {
  it("carries each comparison's operands and the indicators with the values the engine used", () => {
    const cond = and(and(cmp(">", close, num(3700)), cmp(">", volume, num(5000))), cmp(">", close, sma(close, 3)));
    const fn = new ConditionFunction({ action: "enter_long", condition: cond });
    const h = harness(fn);
    const closes = [3690, 3695, 3705, 3712.5];
    const ref = new Sma(3);
    let s = h.step(closes[0]!, 6120);
    for (const c of closes) ref.update(c);
    for (const c of closes.slice(1)) s = h.step(c, 6120);
    expect(s.action).toBe("ENTER_LONG");
    const [why, ...rest] = whyOf(s.metadata);
    expect(rest).toEqual([]);
    expect(why!.result).toBe(true);
    expect(why!.expr).toBe("close > 3700 and volume > 5000 and close > sma(close, 3)");
    expect(why!.timeframe).toBe("5m");
    expect(why!.comparisons).toEqual([
      { expr: "close > 3700", leftExpr: "close", left: 3712.5, op: ">", rightExpr: "3700", right: 3700, result: true },
      { expr: "volume > 5000", leftExpr: "volume", left: 6120, op: ">", rightExpr: "5000", right: 5000, result: true },
      {
        expr: "close > sma(close, 3)",
        leftExpr: "close",
        left: 3712.5,
        op: ">",
        rightExpr: "sma(close, 3)",
        right: ref.value,
        result: true,
      },
    ]);
    expect(why!.indicators).toEqual([{ expr: "sma(close, 3)", timeframe: "5m", value: ref.value }]);
  });

  it("a NONE carries no trace, and a filter is traced after the condition", () => {
    const fn = new ConditionFunction({
      action: "enter_long",
      condition: cmp(">", close, num(10)),
      filter: cmp(">", volume, num(500)),
    });
    const h = harness(fn);
    expect(h.step(9).metadata.why).toBeUndefined();
    const s = h.step(11, 700);
    expect(whyOf(s.metadata).map((t) => [t.expr, t.result])).toEqual([
      ["close > 10", true],
      ["volume > 500", true],
    ]);
  });

  it("a cross shows both sides now", () => {
    const fn = new CrossAboveFunction({ action: "enter_long", left: close, right: sma(close, 2) });
    const h = harness(fn);
    let s = h.step(10);
    for (const c of [9, 8, 12]) s = h.step(c);
    expect(s.action).toBe("ENTER_LONG");
    expect(whyOf(s.metadata)[0]!.comparisons).toEqual([
      {
        expr: "close crosses above sma(close, 2)",
        leftExpr: "close",
        left: 12,
        op: "crosses above",
        rightExpr: "sma(close, 2)",
        right: 10,
        result: true,
      },
    ]);
  });

  it("names the higher-timeframe bar an `of` read", () => {
    const hourSma: ExprIR = { k: "of", tf: "1h", e: sma(close, 2) };
    const fn = new ConditionFunction({ action: "enter_long", condition: cmp(">", close, hourSma) });
    const h = harness(fn, true);
    // 24 bars make two 1h bars (closes 100 and 101 at their ends); the 25th, 200, reads the second one.
    for (let i = 0; i < 24; i++) h.step(i < 12 ? 100 : 101);
    const s = h.step(200);
    expect(s.action).toBe("ENTER_LONG");
    const why = whyOf(s.metadata)[0]!;
    expect(why.of).toEqual([
      {
        expr: "sma(close, 2) of 1h",
        timeframe: "1h",
        value: 100.5,
        barOpen: new Date(T0 + 3_600_000).toISOString(),
        barClose: new Date(T0 + 7_200_000).toISOString(),
      },
    ]);
    expect(why.indicators).toEqual([{ expr: "sma(close, 2)", timeframe: "1h", value: 100.5 }]);
  });

  it("only a state made with traceFirings carries why (live runs journal every signal's metadata and leave it off)", () => {
    const fn = new ConditionFunction({ action: "enter_long", condition: cmp(">", close, num(1)) });
    const s = new BarSeries("FESX", "5m", { capacity: 10 });
    const ev = new SymbolEvaluator(() => s);
    const state = fn.createState({ symbol: "FESX", timeframe: "5m", evaluator: ev });
    s.pushValues(T0, 2, 3, 1, 2, 10);
    const ctx = createExecutionContext({
      symbol: "FESX",
      timeframe: "5m",
      bar: {
        symbol: "FESX",
        timeframe: "5m",
        time: T0,
        closeTime: T0 + STEP,
        open: 2,
        high: 3,
        low: 1,
        close: 2,
        volume: 10,
      },
      history: s.history,
      plan: PLAN,
      params: fn.params as Record<string, unknown>,
      position: FLAT("FESX"),
      account: ACCOUNT,
    });
    const sig = fn.evaluateSync(ctx, state);
    expect(sig.action).toBe("ENTER_LONG");
    expect(sig.metadata.why).toBeUndefined();
  });

  it("refuses to trace an expression that was never compiled (it would read a cold node)", () => {
    const h = harness(new ConditionFunction({ action: "enter_long", condition: cmp(">", close, num(1)) }));
    expect(() => traceCondition(h.ev, cmp("<", close, num(1)), "5m")).toThrow(/not compiled on 5m/);
  });
});

const OPS = [">", ">=", "<", "<=", "==", "!="] as const;
const APPLY: Record<(typeof OPS)[number], (a: number, b: number) => boolean> = {
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
};

describe("why it fired: property", () => {
  it("over random bars, the trace's result is the rule's decision and every comparison holds on its operands", () => {
    const operand = fc.constantFrom<ExprIR>(close, volume, sma(close, 3), { k: "back", n: 1, e: close }, num(100));
    const comparison = fc.tuple(fc.constantFrom(...OPS), operand, operand).map(([op, l, r]) => cmp(op, l, r));
    const condition = fc.oneof(
      comparison,
      fc.tuple(comparison, comparison).map(([l, r]) => and(l, r)),
      fc.tuple(comparison, comparison).map(([l, r]): ExprIR => ({ k: "or", l, r })),
      comparison.map((e): ExprIR => ({ k: "not", e })),
    );
    const bars = fc.array(fc.tuple(fc.integer({ min: 95, max: 105 }), fc.integer({ min: 90, max: 110 })), {
      minLength: 1,
      maxLength: 30,
    });
    fc.assert(
      fc.property(condition, bars, (cond, bs) => {
        const fn = new ConditionFunction({ action: "enter_long", condition: cond });
        const h = harness(fn);
        for (const [c, v] of bs) {
          const s = h.step(c, v);
          const [t] = fn.trace(h.state);
          expect(t!.result === true).toBe(s.action === "ENTER_LONG");
          if (s.action === "ENTER_LONG") expect(whyOf(s.metadata)).toEqual([t]);
          for (const k of t!.comparisons) {
            const want =
              k.left === null || k.right === null ? null : APPLY[k.op as (typeof OPS)[number]](k.left, k.right);
            expect(k.result).toBe(want);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
