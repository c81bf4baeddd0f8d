import { describe, expect, test } from "vitest";
import { codes, HEAD, only, run, spanText } from "./checker-helpers.js";

const ENTER = "on 5m close above 150 enter long";

describe("modifiers (E0404)", () => {
  test.each([
    "size 100 shares",
    "size $5,000",
    "size 10% of equity",
    "size 100% of equity",
    "confidence low",
    "confidence 0",
    "confidence 1",
    "stop 145",
    "stop $145.50",
    "stop 2%",
    "target 5%",
    "target 160",
    "target 150 * 1.05",
    "size 100 shares confidence high stop 2% target 5%",
  ])("valid: %s", (m) => {
    expect(codes(`${HEAD}${ENTER} ${m}\n`)).toEqual([]);
  });

  test.each([
    ["size 0 shares", "size must be a positive whole number of shares, found `0`"],
    ["size 2.5 shares", "size must be a positive whole number of shares, found `2.5`"],
    ["size $0", "size must be a positive amount, found `$0`"],
    ["size 0% of equity", "size must be a percent of equity in (0%, 100%], found `0%`"],
    ["size 150% of equity", "size must be a percent of equity in (0%, 100%], found `150%`"],
    ["confidence 1.5", "confidence must be from 0 to 1, found `1.5`"],
    ["stop 0%", "`stop` percent must be in (0%, 100%)"],
    ["stop 100%", "`stop` percent must be in (0%, 100%)"],
    ["target 0%", "`target` percent must be positive"],
    ["stop 0", "`stop` price must be positive"],
    ["stop -5", "`stop` price must be positive"],
    ["stop volume", "`stop` takes a price or a percent such as `2%`, found a `volume`"],
    ["target rsi(close, 14)", "`target` takes a price or a percent such as `2%`, found a `number`"],
    ["stop change(close, 5)", "`stop` takes a price or a percent such as `2%`, found a `percent`"],
    ["stop close > open", "`stop` takes a price or a percent such as `2%`, found a `bool`"],
    // The broker holds stops and targets as resting orders: a price must be a constant (what the compiler folds).
    ["stop lowest(low, 10)", "`stop` needs a constant price or a percent"],
    ["target close * 1.05", "`target` needs a constant price or a percent"],
    ["stop (2%)", "`stop` needs a constant price or a percent"],
  ])("invalid: %s", (m, message) => {
    const d = only(`${HEAD}${ENTER} ${m}\n`, "E0404");
    expect(d.message).toBe(message);
  });

  test("size, stop and target only on enter rules; confidence anywhere", () => {
    const src = `${HEAD}${ENTER}\non 5m close below 140 exit long size 100 shares stop 2% target 160 confidence high\n`;
    const ds = run(src).diagnostics;
    expect(ds.map((d) => d.message)).toEqual([
      "`size` only applies to `enter` rules",
      "`stop` only applies to `enter` rules",
      "`target` only applies to `enter` rules",
    ]);
  });

  test("each modifier once", () => {
    const src = `${HEAD}${ENTER} stop 2% size 10 shares stop 3%\n`;
    const d = only(src, "E0404");
    expect(d.message).toBe("`stop` given twice");
    expect(spanText(src, d)).toBe("stop 3%");
    expect(d.related?.[0] && spanText(src, d.related[0])).toBe("stop 2%");
  });

  test("a number literal stop is recorded as a price", () => {
    const r = run(`${HEAD}${ENTER} stop 145\n`);
    const rule = r.ast.statements.find((s) => s.type === "ConditionRule");
    const stop = rule?.type === "ConditionRule" ? rule.modifiers[0] : undefined;
    expect(stop?.type === "Stop" ? r.semantic.kindOf(stop.value) : undefined).toBe("price");
  });
});

describe("trailing stops (E0405)", () => {
  test.each(["0%", "100%", "150%"])("trail %s", (p) => {
    const src = `${HEAD}${ENTER}\non 1m trailing stop ${p}\n`;
    expect(only(src, "E0405").message).toBe(`trail must be between 0% and 100%, found \`${p}\``);
  });

  test.each(["155", "$155.00", "150 * 1.02"])("activate at %s", (a) => {
    expect(codes(`${HEAD}${ENTER}\non 1m trailing stop 2% activate at ${a}\n`)).toEqual([]);
  });

  test.each([
    ["2%", "`activate at` takes a price, found a `percent`"],
    ["volume", "`activate at` takes a price, found a `volume`"],
    ["0", "activation price must be positive"],
    ["sma(close, 20) * 1.02", "`activate at` needs a constant price"],
  ])("activate at %s", (a, message) => {
    expect(only(`${HEAD}${ENTER}\non 1m trailing stop 2% activate at ${a}\n`, "E0405").message).toBe(message);
  });
});
