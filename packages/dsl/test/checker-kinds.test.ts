import { describe, expect, test } from "vitest";
import type { Expr } from "../src/ast.js";
import { INDICATOR_NAMES, INDICATORS } from "../src/checker/indicators.js";
import { codes, HEAD, only, run, spanText } from "./checker-helpers.js";
import { BRIEF_EXAMPLE } from "./fixtures.js";

/** Codes of a one-rule plan whose condition is `cond`. */
function cond(c: string, action = "enter long"): string[] {
  return codes(`${HEAD}on 5m ${c} ${action}\n`);
}

describe("clean expressions", () => {
  test.each([
    "close > 150",
    "volume > 1M",
    "150 < close",
    "change(close, 5) > 2",
    "change(close, 5) > 2%",
    "close > $150",
    "close > open + 0.5",
    "close - open > 1",
    "close > close[1] * 1.01",
    "close > close[1] * 101%",
    "close * 2% < atr(14)",
    "close / open > 1.02",
    "volume > 1.5 * sma(volume, 20)",
    "sma(volume, 20) / 2 < volume",
    "rsi(close, 14) < 30",
    "rsi(close, 14) < 30 and not (close < open)",
    "(close > open) == (close[1] > open[1])",
    "(close > open) != true",
    "close crosses above sma(close, 50)",
    "ema(close, 9) crosses below ema(close, 21)",
    "close > highest(high, 20)[1]",
    "low < lowest(low, 10)[1] or volume > 2 * sma(volume, 20)",
    "close > vwap()",
    "-close < -150",
    "close > sma(close, 20) of 1d",
    "close of 1h > open of 1h",
    "true",
    "close > 100 + 50",
    "change(volume, 1) > 50%",
    "highest(change(close, 1), 5) > 1%",
    "sma(close / open, 10) > 1",
  ])("%s", (c) => {
    expect(cond(c)).toEqual([]);
  });

  test("the full example of the language brief checks clean", () => {
    const src = BRIEF_EXAMPLE;
    expect(run(src).diagnostics).toEqual([]);
  });
});

describe("kindOf", () => {
  test("records kinds and adapted literals", () => {
    const src = `${HEAD}let heavy = volume > 1.5 * sma(volume, 20)\non 5m close > 150 with heavy enter long\n`;
    const r = run(src);
    const kinds = new Map<string, string | undefined>();
    const walk = (e: Expr): void => {
      kinds.set(src.slice(e.span.start.offset, e.span.end.offset), r.semantic.kindOf(e));
      if (e.type === "Compare" || e.type === "Binary") {
        walk(e.left);
        walk(e.right);
      }
    };
    for (const s of r.ast.statements) {
      if (s.type === "LetDecl") walk(s.value);
      if (s.type === "ConditionRule") {
        walk(s.condition);
        if (s.filter) walk(s.filter);
      }
    }
    expect(kinds.get("volume > 1.5 * sma(volume, 20)")).toBe("bool");
    expect(kinds.get("1.5 * sma(volume, 20)")).toBe("volume");
    expect(kinds.get("1.5")).toBe("number");
    expect(kinds.get("close > 150")).toBe("bool");
    expect(kinds.get("150")).toBe("price");
    expect(kinds.get("heavy")).toBe("bool");
  });
});

describe("mismatched kinds (E0202)", () => {
  test("price with volume: message, span, label, related", () => {
    const src = `${HEAD}on 5m close > volume enter long\n`;
    const d = only(src, "E0202");
    expect(d.message).toBe("cannot compare `price` with `volume`");
    expect(spanText(src, d)).toBe("volume");
    expect(d.label).toBe("this is a `volume`");
    expect(d.related?.[0]?.message).toBe("this is a `price`");
  });

  test("an indicator over the wrong field gets a did-you-mean", () => {
    const src = `${HEAD}on 5m volume > sma(close, 20) enter long\n`;
    const d = only(src, "E0202");
    expect(d.hint).toBe("did you mean `sma(volume, 20)`?");
    expect(d.fix && spanText(src, d.fix)).toBe("sma(close, 20)");
    expect(only(`${HEAD}on 5m close crosses above ema(volume, 9) enter long\n`, "E0202").fix?.text).toBe(
      "ema(close, 9)",
    );
  });

  test.each([
    "rsi(close, 14) > close",
    "close / open > close",
    "close + volume > 1",
    "close - volume > 1",
    "volume > $100",
    "close crosses above volume",
    "(close > open) == close",
    "(close > open) > (close < open)",
    "(close > open) crosses above (close < open)",
    "change(close, 5) > close",
  ])("%s", (c) => {
    expect(cond(c)).toEqual(["E0202"]);
  });

  test("adding volume to price reads naturally", () => {
    expect(only(`${HEAD}on 5m close + volume > 1 enter long\n`, "E0202").message).toBe(
      "cannot add `volume` to `price`",
    );
  });
});

describe("percent where a percent is not meant (E0203)", () => {
  test("close above 2%", () => {
    const src = `${HEAD}on 5m close above 2% enter long\n`;
    const d = only(src, "E0203");
    expect(d.message).toBe("`2%` is a percent, not a `price`");
    expect(spanText(src, d)).toBe("2%");
    expect(d.hint).toBe("to compare a percent change, write `change(close, 1) > 2%`");
  });

  test("adding a percent hints at multiplying", () => {
    const d = only(`${HEAD}on 5m close > open + 2% enter long\n`, "E0203");
    expect(d.hint).toBe("to move a value by a percent, multiply: `open * 1.02`");
    expect(only(`${HEAD}on 5m close < open - 5% enter long\n`, "E0203").hint).toBe(
      "to move a value by a percent, multiply: `open * 0.95`",
    );
  });

  test.each(["volume > 10%", "rsi(close, 14) > 50%", "5% < close", "close crosses above 1%"])("%s", (c) => {
    expect(cond(c)).toEqual(["E0203"]);
  });

  test("a percent let is still a percent literal", () => {
    expect(codes(`${HEAD}let p = 2%\non 5m close > p enter long\n`)).toEqual(["E0203"]);
  });
});

describe("conditions (E0204)", () => {
  test("a value as the condition", () => {
    const src = `${HEAD}on 5m close enter long\n`;
    const d = only(src, "E0204");
    expect(d.message).toBe("the rule's condition is a `price`, not a condition");
    expect(d.hint).toBe("compare it with something, e.g. `close > 150`");
  });

  test.each([
    ["on 5m close > open with volume enter long", "the `with` filter is a `volume`, not a condition"],
    ["on 5m close > open and volume enter long", "`and` needs conditions, found a `volume`"],
    ["on 5m sma(close, 5) or close > open enter long", "`or` needs conditions, found a `price`"],
    ["on 5m not close enter long", "`not` needs a condition, found a `price`"],
    ["on 5m 150 enter long", "the rule's condition is a `number`, not a condition"],
  ])("%s", (rule, message) => {
    expect(only(`${HEAD}${rule}\n`, "E0204").message).toBe(message);
  });

  test("a value let used as a condition", () => {
    expect(codes(`${HEAD}let level = 150\non 5m level enter long\n`)).toEqual(["E0204"]);
  });
});

describe("arithmetic (E0212)", () => {
  test.each([
    ["close * close", "cannot multiply `price` by `price`"],
    ["volume * close", "cannot multiply `volume` by `price`"],
    ["2% * 3%", "cannot multiply `percent` by `percent`"],
    ["100 / close", "cannot divide `number` by `price`"],
    ["close / 2%", "cannot divide `price` by `percent`"],
    ["close / volume", "cannot divide `price` by `volume`"],
  ])("%s", (expr, message) => {
    expect(only(`${HEAD}on 5m ${expr} > 1 enter long\n`, "E0212").message).toBe(message);
  });

  test.each([
    ["(close > open) + 1 > 1", "cannot add a condition"],
    ["-(close > open)", "cannot negate a condition with `-`"],
  ])("on conditions: %s", (c, message) => {
    expect(only(`${HEAD}on 5m ${c} enter long\n`, "E0212").message).toBe(message);
  });

  test("percent times number stays a percent", () => {
    expect(cond("change(close, 5) * 2 > 3%")).toEqual([]);
  });
});

describe("indicators (E0205-E0208)", () => {
  test("the table is complete and consistent", () => {
    expect([...INDICATOR_NAMES].sort()).toEqual(["atr", "change", "ema", "highest", "lowest", "rsi", "sma", "vwap"]);
    for (const info of INDICATORS.values()) {
      expect(info.signature.startsWith(`${info.name}(`)).toBe(true);
      expect(info.snippet.startsWith(`${info.name}(`)).toBe(true);
      expect(info.doc.length).toBeGreaterThan(10);
      expect(info.params.filter((p) => p.role === "series").every((p) => (p.kinds?.length ?? 0) > 0)).toBe(true);
    }
  });

  test.each([
    ["sma(close)", "`sma` takes 2 arguments (`source`, `period`), found 1"],
    ["sma(close, 20, 3)", "`sma` takes 2 arguments (`source`, `period`), found 3"],
    ["atr(close, 14)", "`atr` takes 1 argument (`period`), found 2"],
    ["vwap(close)", "`vwap` takes no arguments, found 1"],
    ["rsi()", "`rsi` takes 2 arguments (`source`, `period`), found 0"],
  ])("arity: %s", (call, message) => {
    const d = only(`${HEAD}on 5m close > ${call} enter long\n`, "E0205");
    expect(d.message).toBe(message);
  });

  test("arity errors do not cascade", () => {
    expect(cond("close > sma(close)")).toEqual(["E0205"]);
    expect(cond("close > atr(close, 14)")).toEqual(["E0205"]);
  });

  test.each([
    ["rsi(volume, 14) > 70", "`rsi` reads a `price` series, found a `volume`"],
    ["rsi(volume > 1M, 14) > 70", "`rsi` reads a `price` series, found a `bool`"],
    ["sma(close > open, 5) > 1", "`sma` reads a `price`, `volume`, `number` series, found a `bool`"],
    ["change(2%, 5) > 1%", "`change` reads a `price`, `volume`, `number` series, found a `percent`"],
  ])("series kinds: %s", (c, message) => {
    const src = `${HEAD}on 5m ${c} enter long\n`;
    expect(only(src, "E0206").message).toBe(message);
    expect(codes(src)).toEqual(["E0206"]);
  });

  test.each([
    ["sma(close, 2.5)", "the period of `sma` must be a positive whole number, found `2.5`", "3"],
    ["sma(close, 0)", "the period of `sma` must be a positive whole number, found `0`", "1"],
    ["atr(0.5)", "the period of `atr` must be a positive whole number, found `0.5`", "1"],
  ])("period literal: %s", (call, message, fixed) => {
    const d = only(`${HEAD}on 5m close > ${call} enter long\n`, "E0207");
    expect(d.message).toBe(message);
    expect(d.fix?.text).toBe(fixed);
  });

  test.each([
    ["sma(close, -5)", "`-5`"],
    ["ema(close, 10 + 10)", "`10 + 10`"],
    ["highest(high, close)", "`close`"],
    ["sma(close, (20))", "`(20)`"],
  ])("period must be a literal: %s", (call, shown) => {
    const d = only(`${HEAD}on 5m close > ${call} enter long\n`, "E0207");
    expect(d.message).toContain(`must be a number literal, found ${shown}`);
  });

  test("a let period suggests its literal", () => {
    const src = `${HEAD}let n = 20\non 5m close > sma(close, n) enter long\n`;
    const d = only(src, "E0207");
    expect(d.fix?.text).toBe("20");
  });

  test("unknown indicator with did-you-mean", () => {
    const src = `${HEAD}on 5m close > smaa(close, 20) enter long\n`;
    const d = only(src, "E0208");
    expect(spanText(src, d)).toBe("smaa");
    expect(d.fix?.text).toBe("sma");
    expect(only(`${HEAD}on 5m close > bollinger(close, 20) enter long\n`, "E0208").hint).toContain("`sma`");
  });

  test("calling a let", () => {
    const src = `${HEAD}let level = 150\non 5m close > level(1) enter long\n`;
    const d = only(src, "E0208");
    expect(d.message).toBe("`level` is a `let`, not an indicator");
    expect(d.fix && spanText(src, d.fix)).toBe("level(1)");
    expect(d.fix?.text).toBe("level");
  });

  test("errors inside unknown calls are still reported", () => {
    expect(cond("close > foo(close * close, 3)")).toEqual(["E0208", "E0212"]);
  });
});

describe("bar index (E0209)", () => {
  test("negative index", () => {
    const src = `${HEAD}on 5m close[-1] > close enter long\n`;
    const d = only(src, "E0209");
    expect(d.message).toBe("bar index must be a whole number >= 0, found `-1`");
    expect(spanText(src, d)).toBe("close[-1]");
    expect(d.hint).toContain("`close[1]` is the previous bar");
  });

  test("fractional index", () => {
    expect(only(`${HEAD}on 5m close[1.5] > close enter long\n`, "E0209").message).toContain("found `1.5`");
  });

  test("zero and chained indexes are fine", () => {
    expect(cond("close[0] >= close[1][2]")).toEqual([]);
    expect(cond("sma(close, 5)[3] > 1")).toEqual([]);
  });
});
