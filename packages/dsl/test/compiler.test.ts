import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { type CompiledPlan, CompiledPlanSchema, type ExprIR } from "../src/compiled.js";

function compiled(src: string, symbol?: string): CompiledPlan {
  const r = analyze(src, symbol ? { symbol } : {});
  expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`)).toEqual([]);
  expect(r.compiled).toBeDefined();
  const plan = r.compiled as CompiledPlan;
  expect(CompiledPlanSchema.safeParse(plan).success).toBe(true);
  return plan;
}

const HEAD = 'plan "t"\nsymbol AAPL\n';

/** The condition IR of function `i`. */
function conditionOf(plan: CompiledPlan, i: number): ExprIR {
  const f = plan.functions[i];
  if (!f || !("condition" in f.params)) throw new Error(`function ${i} has no condition`);
  return f.params.condition;
}

describe("compiler", () => {
  it("compiles the brief's example into the dedicated functions", () => {
    const plan = compiled(`plan "AAPL opening breakout"
symbol AAPL
let breakout = 150.25
let heavy = volume > 1.5 * sma(volume, 20)
on 5m close above breakout with volume > 1M enter long size 100 shares
on 5m close crosses above sma(close, 50) with heavy between 10:00 and 15:30 enter long confidence high
on 1m trailing stop 2% activate at 155.00
on 15m close below 145 exit long
`);
    expect(plan).toMatchObject({
      format: "tradeplan/compiled-plan",
      version: 1,
      name: "AAPL opening breakout",
      timezone: "America/New_York",
      session: "regular",
      symbols: ["AAPL"],
    });
    const [a, b, c, d] = plan.functions;
    expect(a).toMatchObject({
      id: "r5",
      line: 5,
      name: "close_above",
      timeframe: "5m",
      lookback: 1,
      params: { action: "enter_long", threshold: 150.25, minVolume: 1_000_000, size: { kind: "shares", shares: 100 } },
      source: "on 5m close above breakout with volume > 1M enter long size 100 shares",
    });
    expect(b).toMatchObject({
      name: "cross_above",
      lookback: 51,
      params: {
        action: "enter_long",
        window: { from: "10:00", to: "15:30" },
        minConfidence: 0.7,
        left: { k: "field", f: "close" },
        right: { k: "ind", fn: "sma", src: { k: "field", f: "close" }, period: 50 },
        filter: { k: "cmp", op: ">", l: { k: "field", f: "volume" } },
      },
    });
    expect(c).toMatchObject({
      name: "trailing_stop",
      timeframe: "1m",
      params: { trailPercent: 2, activationPrice: 155 },
    });
    expect(d).toMatchObject({ name: "close_below", params: { action: "exit_long", threshold: 145 } });
    expect(plan.streams).toEqual([
      { symbol: "AAPL", timeframe: "5m", seconds: 300, lookback: 51 },
      { symbol: "AAPL", timeframe: "1m", seconds: 60, lookback: 1 },
      { symbol: "AAPL", timeframe: "15m", seconds: 900, lookback: 1 },
    ]);
  });

  it("hashes the source with SHA-256", () => {
    // SHA-256 of the exact bytes, checked against an independent implementation (sha256sum).
    const plan = compiled("on 5m close above 150.25 with volume > 1M enter long", "AAPL");
    expect(plan.sourceHash).toBe("35a83c8e2c4981259e6800a24673e1eaf65be97f99fed3b6465620aaca7e9fdc");
    expect(compiled("on 5m close above 150.25 with volume > 1M enter long", "AAPL").sourceHash).toBe(plan.sourceHash);
    expect(compiled("on 5m close above 150.26 with volume > 1M enter long", "AAPL").sourceHash).not.toBe(
      plan.sourceHash,
    );
  });

  it("names a bare rule list after the file and trades the given symbol", () => {
    const r = analyze("on 5m close above 150.25 with volume > 1M enter long", {
      symbol: "MSFT",
      fileName: "plans/quick.plan",
    });
    expect(r.compiled?.name).toBe("quick");
    expect(r.compiled?.symbols).toEqual(["MSFT"]);
  });

  it("creates one stream per symbol and timeframe, with lookbacks for `of` timeframes", () => {
    const plan = compiled(`plan "t"
symbols SPY, QQQ
on 5m ema(close, 9) crosses above ema(close, 21) with close of 1d > sma(close, 50) of 1d enter long
`);
    expect(plan.streams).toEqual([
      { symbol: "SPY", timeframe: "5m", seconds: 300, lookback: 22 },
      { symbol: "SPY", timeframe: "1d", seconds: 86400, lookback: 50 },
      { symbol: "QQQ", timeframe: "5m", seconds: 300, lookback: 22 },
      { symbol: "QQQ", timeframe: "1d", seconds: 86400, lookback: 50 },
    ]);
    expect(plan.functions[0]?.params).toMatchObject({
      filter: { k: "cmp", l: { k: "of", tf: "1d", e: { k: "field", f: "close" } }, r: { k: "of", tf: "1d" } },
    });
  });

  it("scales a percent that multiplies a value, and keeps percent-to-percent comparisons in percent units", () => {
    const plan = compiled(`${HEAD}on 5m close > close[1] + close[1] * 2% and change(close, 5) > 1.5% enter long\n`);
    const cond = conditionOf(plan, 0);
    expect(cond).toEqual({
      k: "and",
      l: {
        k: "cmp",
        op: ">",
        l: { k: "field", f: "close" },
        r: {
          k: "arith",
          op: "+",
          l: { k: "back", n: 1, e: { k: "field", f: "close" } },
          r: { k: "arith", op: "*", l: { k: "back", n: 1, e: { k: "field", f: "close" } }, r: { k: "num", v: 0.02 } },
        },
      },
      r: {
        k: "cmp",
        op: ">",
        l: { k: "ind", fn: "change", src: { k: "field", f: "close" }, period: 5 },
        r: { k: "num", v: 1.5 },
      },
    });
  });

  it("inlines lets and compiles every modifier", () => {
    const plan = compiled(`${HEAD}risk max position 500 shares
risk max order value $50,000
risk max daily loss 2%
risk max orders per minute 10
let stop_level = 140 + 5
on 5m rsi(close, 14) < 30 enter long size 10% of equity stop stop_level target 4% confidence 0.65
on 5m close < open enter short size $5,000 stop 1% confidence medium
on 5m close > open exit short confidence low
`);
    expect(plan.risk).toEqual({
      maxPositionShares: 500,
      maxOrderValue: 50_000,
      maxDailyLossPercent: 2,
      maxOrdersPerMinute: 10,
    });
    expect(plan.functions[0]).toMatchObject({
      name: "condition",
      lookback: 15,
      params: {
        size: { kind: "equity_percent", percent: 10 },
        stop: { kind: "price", price: 145 },
        target: { kind: "percent", percent: 4 },
        minConfidence: 0.65,
        condition: { k: "cmp", op: "<", l: { k: "ind", fn: "rsi", period: 14 }, r: { k: "num", v: 30 } },
      },
    });
    expect(plan.functions[1]?.params).toMatchObject({
      action: "enter_short",
      size: { kind: "money", amount: 5000 },
      minConfidence: 0.4,
    });
    expect(plan.functions[2]?.params).toMatchObject({ action: "exit_short", minConfidence: 0 });
  });

  it("lowers atr and vwap without a source, and index/neg/not/or", () => {
    const plan = compiled(`${HEAD}on 5m not (close < vwap()) or -close[2] > -atr(14) exit\n`);
    expect(conditionOf(plan, 0)).toEqual({
      k: "or",
      l: { k: "not", e: { k: "cmp", op: "<", l: { k: "field", f: "close" }, r: { k: "ind", fn: "vwap" } } },
      r: {
        k: "cmp",
        op: ">",
        l: { k: "neg", e: { k: "back", n: 2, e: { k: "field", f: "close" } } },
        r: { k: "neg", e: { k: "ind", fn: "atr", period: 14 } },
      },
    });
    expect(plan.functions[0]?.lookback).toBe(15);
  });

  it("refuses a non-constant stop with a diagnostic instead of a plan", () => {
    const r = analyze(`${HEAD}on 5m close > open enter long stop low[1]\n`);
    expect(r.compiled).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toContain("E0404");
  });

  it("does not compile a plan with errors, or when asked not to", () => {
    expect(analyze(`${HEAD}on 5m close > volume enter long\n`).compiled).toBeUndefined();
    expect(analyze(`${HEAD}on 5m close > 1 enter long\n`, { compile: false }).compiled).toBeUndefined();
  });
});
