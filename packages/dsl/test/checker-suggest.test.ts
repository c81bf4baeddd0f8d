import { describe, expect, test } from "vitest";
import { didYouMean, editDistance, suggestion } from "../src/checker/suggest.js";

describe("editDistance", () => {
  test.each([
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
    ["posiiton", "position", 1],
    ["ab", "ba", 1],
    ["ca", "abc", 3],
    ["close", "close", 0],
  ])("%s -> %s = %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("didYouMean", () => {
  test("closest candidate within budget", () => {
    expect(didYouMean("breakot", ["heavy", "breakout"])).toBe("breakout");
    expect(didYouMean("smaa", ["sma", "ema"])).toBe("sma");
  });

  test("case-insensitive match wins", () => {
    expect(didYouMean("CLOSE", ["open", "close"])).toBe("close");
  });

  test("nothing close, or the word itself", () => {
    expect(didYouMean("xyz", ["breakout", "heavy"])).toBeUndefined();
    expect(didYouMean("sma", ["sma"])).toBeUndefined();
    expect(didYouMean("a", [])).toBeUndefined();
  });

  test("ties go to the earlier candidate", () => {
    expect(didYouMean("ab", ["ac", "ad"])).toBe("ac");
  });

  test("suggestion builds the hint and the fix", () => {
    const span = { start: { offset: 1, line: 1, column: 2 }, end: { offset: 3, line: 1, column: 4 } };
    expect(suggestion(span, "x")).toEqual({
      hint: "did you mean `x`?",
      fix: { span, text: "x", title: "Replace with `x`" },
    });
  });
});
