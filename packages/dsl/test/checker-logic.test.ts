import { describe, expect, test } from "vitest";
import { codes, HEAD, only, spanText } from "./checker-helpers.js";

describe("rules that can never fire (E0401)", () => {
  test("close above 100 and close below 90", () => {
    const src = `${HEAD}on 5m close above 100 and close below 90 enter long\n`;
    const d = only(src, "E0401");
    expect(d.message).toBe("this rule can never fire: `close above 100` and `close below 90` cannot both be true");
    expect(spanText(src, d)).toBe("close below 90");
    expect(d.related?.[0] && spanText(src, d.related[0])).toBe("close above 100");
  });

  test.each([
    "close > 100 and close < 100",
    "close >= 100 and close < 100",
    "close > 100 and close <= 100",
    "close == 100 and close != 100",
    "close == 100 and close == 101",
    "close > 100 and (close < 50)",
    "150 < close and close < 140",
    "rsi(close, 14) > 70 and rsi(close, 14) < 30",
    "change(close, 5) > 2% and change(close, 5) < 1",
    "close > 100 and not close >= 90",
    "false",
    "not true",
    "close > open and false",
    "1 > 2",
    "sma(close, 20) > 10 and close > open and sma(close, 20) < 5",
  ])("%s", (c) => {
    expect(codes(`${HEAD}on 5m ${c} enter long\n`)).toEqual(["E0401"]);
  });

  test("through the filter and through lets", () => {
    expect(codes(`${HEAD}on 5m close > 100 with close < 90 enter long\n`)).toEqual(["E0401"]);
    const src = `${HEAD}let high_close = close > 100\nlet low_close = close < 90\non 5m high_close and low_close enter long\n`;
    const d = only(src, "E0401");
    expect(spanText(src, d)).toBe("low_close");
    expect(codes(`${HEAD}let cap = 90\non 5m close > 100 and close < cap enter long\n`)).toEqual(["E0401"]);
  });

  test.each([
    "close above 90 and close below 100",
    "close >= 100 and close <= 100",
    "close > 100 or close < 90",
    "close > 100 and open < 90",
    "close > 100 and close[1] < 90",
    "close > 100 and sma(close, 5) < 90",
    "close != 100 and close > 99",
    "not (close > 100 and close < 90)",
    "not false",
    "close > 100 and close < 90 + 20",
    "close > open and open > close[1]",
  ])("satisfiable: %s", (c) => {
    expect(codes(`${HEAD}on 5m ${c} enter long\n`)).toEqual([]);
  });

  test("money literals are prices", () => {
    expect(codes(`${HEAD}on 5m close > $100 and close < 50 enter long\n`)).toEqual(["E0401"]);
  });

  test("a comparison with a kind error is not reasoned about", () => {
    expect(codes(`${HEAD}on 5m close > 2% and close < 1 enter long\n`)).toEqual(["E0203"]);
    expect(codes(`${HEAD}on 5m close > volume and volume < 1 enter long\n`)).toEqual(["E0202"]);
  });

  test("independent parts of a condition are still checked", () => {
    expect(codes(`${HEAD}on 5m close > volume and close < 1 and close > 2 enter long\n`)).toEqual(["E0202", "E0401"]);
  });
});

describe("opposite entries (E0402)", () => {
  test("reported at the second, related to the first", () => {
    const src = `${HEAD}on 5m close above 150 enter long\non 5m close above 150 enter short\n`;
    const d = only(src, "E0402");
    expect(d.span.start.line).toBe(4);
    expect(spanText(src, d)).toBe("enter short");
    expect(d.related?.[0]?.span.start.line).toBe(3);
  });

  test("structural equality ignores spelling, parentheses and lets", () => {
    const src = `${HEAD}let level = 150\non 5m (close > level) with volume > 1M enter long\non 5m close above 150 with volume > 1000000 enter short\n`;
    expect(codes(src)).toEqual(["E0402"]);
  });

  test.each([
    ["on 5m close above 150 enter long", "on 15m close above 150 enter short"],
    ["on 5m close above 150 enter long", "on 5m close above 151 enter short"],
    ["on 5m close above 150 enter long", "on 5m close above 150 with volume > 1M enter short"],
    ["on 5m close above 150 between 10:00 and 11:00 enter long", "on 5m close above 150 enter short"],
    ["on 5m close above 150 enter long", "on 5m close above 150 enter long"],
    ["on 5m close above 150 enter long", "on 5m close above 150 exit long"],
  ])("not opposite: %s / %s", (a, b) => {
    expect(codes(`${HEAD}${a}\n${b}\n`)).toEqual([]);
  });
});

describe("trailing stop without entry (E0403)", () => {
  test("each trailing stop is reported", () => {
    expect(codes(`${HEAD}on 1m trailing stop 2%\non 5m trailing stop 3%\non 5m close < 100 exit\n`)).toEqual([
      "E0403",
      "E0403",
    ]);
  });

  test("any entry rule satisfies it, short too", () => {
    expect(codes(`${HEAD}on 1m trailing stop 2%\non 5m close < 100 enter short\n`)).toEqual([]);
  });
});
