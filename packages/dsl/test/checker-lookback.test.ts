import { describe, expect, test } from "vitest";
import type { Rule } from "../src/ast.js";
import { irLookback, lookbackStep } from "../src/checker/lookback.js";
import { codes, HEAD, only, run, spanText } from "./checker-helpers.js";

/** RuleInfo of every rule in the plan, as plain data. */
function infos(src: string, barCacheSize?: number) {
  const r = run(src, barCacheSize ? { barCacheSize } : {});
  return r.ast.statements
    .filter((s): s is Rule => s.type === "ConditionRule" || s.type === "TrailingStopRule")
    .map((s) => {
      const i = r.semantic.ruleInfo(s);
      return { lookback: i?.lookback, other: Object.fromEntries(i?.otherTimeframes ?? []) };
    });
}

function lb(condition: string): number | undefined {
  return infos(`${HEAD}on 5m ${condition} enter long\n`)[0]?.lookback;
}

describe("lookback formulas", () => {
  test.each([
    ["close > 150", 1],
    ["close > close[1]", 2],
    ["close[3] > open[5]", 6],
    ["close > sma(close, 20)", 20],
    ["close > ema(close, 9)", 9],
    ["close > highest(high, 20)[1]", 21],
    ["rsi(close, 14) > 70", 15],
    ["close > atr(14)", 15],
    ["close > vwap()", 1],
    ["change(close, 5) > 2%", 6],
    ["close crosses above sma(close, 50)", 51],
    ["close crosses above 150", 2],
    ["sma(sma(close, 10), 10) > 1", 19],
    ["change(sma(close, 10), 3) > 1%", 13],
    ["sma(close, 20)[2] > rsi(close, 5)", 22],
    ["close > sma(close, 200) of 1d", 1],
  ])("%s needs %i bars", (c, n) => {
    expect(lb(c)).toBe(n);
  });

  test("filter, stop and target count; lets contribute their value's lookback", () => {
    const src = `${HEAD}let trend = close > sma(close, 30)\non 5m close > open with trend enter long stop lowest(low, 40) target highest(high, 10)\n`;
    expect(infos(src)).toEqual([{ lookback: 40, other: {} }]);
  });

  test("other timeframes are collected per timeframe (max over uses)", () => {
    const src = `${HEAD}let daily = sma(close, 20) of 1d\non 5m close > daily and close > close[1] of 1d and rsi(close, 14) of 1h > 50 enter long\n`;
    expect(infos(src)).toEqual([{ lookback: 1, other: { "1d": 20, "1h": 15 } }]);
  });

  test("trailing stops need one bar, or their activation's lookback", () => {
    const src = `${HEAD}on 5m close > 1 enter long\non 1m trailing stop 2%\non 1m trailing stop 2% activate at sma(close, 10)\n`;
    expect(infos(src).slice(1)).toEqual([
      { lookback: 1, other: {} },
      { lookback: 10, other: {} },
    ]);
  });

  test("lookbackStep is the one definition", () => {
    expect(lookbackStep({ k: "ind", fn: "sma", source: 3, period: 20 })).toBe(22);
    expect(lookbackStep({ k: "ind", fn: "atr", source: 1, period: 14 })).toBe(15);
    expect(lookbackStep({ k: "combine", parts: [] })).toBe(1);
    expect(lookbackStep({ k: "cross", left: 4, right: 9 })).toBe(10);
    expect(lookbackStep({ k: "back", inner: 20, bars: 3 })).toBe(23);
  });

  test("irLookback agrees on the compiled form", () => {
    const r = irLookback({
      k: "and",
      l: {
        k: "cross",
        dir: "above",
        l: { k: "field", f: "close" },
        r: { k: "ind", fn: "sma", src: { k: "field", f: "close" }, period: 50 },
      },
      r: {
        k: "cmp",
        op: ">",
        l: { k: "back", n: 2, e: { k: "field", f: "close" } },
        r: { k: "of", tf: "1d", e: { k: "ind", fn: "rsi", src: { k: "field", f: "close" }, period: 14 } },
      },
    });
    expect(r.bars).toBe(51);
    expect(Object.fromEntries(r.other)).toEqual({ "1d": 15 });
  });
});

describe("bar cache (E0306)", () => {
  test("reported at the indicator call", () => {
    const src = `${HEAD}on 5m close above sma(close, 2000) enter long\n`;
    const d = only(src, "E0306");
    expect(spanText(src, d)).toBe("sma(close, 2000)");
    expect(d.message).toBe("`sma(close, 2000)` needs 2000 bars of history, more than the bar cache holds (1000)");
  });

  test("exactly the cache is fine, one more is not", () => {
    expect(codes(`${HEAD}on 5m close > sma(close, 1000) enter long\n`)).toEqual([]);
    expect(codes(`${HEAD}on 5m close > sma(close, 1000)[1] enter long\n`)).toEqual(["E0306"]);
    expect(codes(`${HEAD}on 5m close crosses above sma(close, 1000) enter long\n`)).toEqual(["E0306"]);
  });

  test("reported once, at the smallest offending node", () => {
    const src = `${HEAD}on 5m close > sma(ema(close, 900), 200) enter long\n`;
    const d = only(src, "E0306");
    expect(spanText(src, d)).toBe("sma(ema(close, 900), 200)");
    const src2 = `${HEAD}on 5m sma(close, 999)[5] > 1 enter long\n`;
    expect(spanText(src2, only(src2, "E0306"))).toBe("sma(close, 999)[5]");
  });

  test("another timeframe's stream has the same limit", () => {
    expect(codes(`${HEAD}on 5m close > sma(close, 2000) of 1d enter long\n`)).toEqual(["E0306"]);
  });

  test("inside a let: reported at the definition, once", () => {
    const src = `${HEAD}let slow = sma(close, 5000)\non 5m close > slow enter long\non 5m close < slow exit\n`;
    const d = only(src, "E0306");
    expect(d.span.start.line).toBe(3);
  });

  test("barCacheSize option", () => {
    expect(codes(`${HEAD}on 5m close > sma(close, 200) enter long\n`, { barCacheSize: 100 })).toEqual(["E0306"]);
    expect(codes(`${HEAD}on 5m close > sma(close, 2000) enter long\n`, { barCacheSize: 5000 })).toEqual([]);
  });

  test.each([0, -5, 1.5, Number.NaN])("barCacheSize %d is refused clearly", (n) => {
    expect(() => run(`${HEAD}on 5m close > 1 enter long\n`, { barCacheSize: n })).toThrow(
      /invalid analyze option `barCacheSize`/,
    );
  });

  test("an empty --symbol is refused clearly", () => {
    expect(() => run("on 5m close > 1 enter long\n", { symbol: " " })).toThrow(
      /invalid analyze option `symbol`: must not be empty/,
    );
  });
});
