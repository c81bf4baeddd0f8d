import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import type { LetDecl } from "../src/ast.js";
import { bindParams, onStep, type ParamSpec, ParamValueError, parseParamValue } from "../src/checker/params.js";
import { CompiledPlanSchema } from "../src/compiled.js";
import { compile } from "../src/compiler.js";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { format } from "../src/format.js";
import { createIncrementalAnalyzer } from "../src/incremental.js";
import { tokenize } from "../src/lexer.js";
import { HEAD, only } from "./checker-helpers.js";
import { snapshot } from "./incremental-helpers.js";

/** `param NAME = DEFAULT in MIN..MAX [step STEP]`: parsing, checks, compiled output, binding, formatting. */

const PLAN = [
  'plan "params"',
  "symbol AAPL",
  "param threshold = 150 in 140..160 step 0.5",
  "param length = 20 in 10..50 step 5",
  "param move = 2% in 1%..5% step 0.5%",
  "param floor = $100 in $90..$110",
  "param dip = -1 in -3..0 step 0.5",
  "let level = threshold + 1",
  "on 5m close above level enter long stop move",
  "on 5m close crosses below sma(close, length) exit long",
  "on 5m change(close, 5) > move or change(close, 5) < dip enter short target floor",
  "",
].join("\n");

function firstParam(source: string): LetDecl {
  const r = analyze(source, { compile: false });
  const d = r.ast.statements.find((s): s is LetDecl => s.type === "LetDecl" && s.param !== undefined);
  if (!d) throw new Error("no param parsed");
  return d;
}

/** The diagnostics of a plan, as `CODE message`. */
function problems(source: string): string[] {
  return analyze(source, { compile: false }).diagnostics.map((d) => `${d.code} ${d.message}`);
}

describe("lexing and parsing params", () => {
  it("lexes `..` between numbers, percents and money without swallowing it into a number", () => {
    const images = (text: string) => tokenize(text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);
    expect(images("3600..3800")).toEqual(["Number:3600", "DotDot:..", "Number:3800"]);
    expect(images("1.5..2.5")).toEqual(["Number:1.5", "DotDot:..", "Number:2.5"]);
    expect(images("1%..5%")).toEqual(["Percent:1%", "DotDot:..", "Percent:5%"]);
    expect(images("$90..$110")).toEqual(["Money:$90", "DotDot:..", "Money:$110"]);
    // A single dot after digits is still one invalid number, as before.
    expect(images("1.")).toEqual(["BadNumber:1."]);
  });

  it("parses a param as a let with its default as value and its range", () => {
    const d = firstParam(`${HEAD}param threshold = 3700 in 3600..3800 step 10\n`);
    expect(d.name.name).toBe("threshold");
    expect(d.value).toMatchObject({ type: "Number", value: 3700 });
    expect(d.param).toMatchObject({
      type: "ParamRange",
      min: { type: "Number", value: 3600 },
      max: { type: "Number", value: 3800 },
      step: { type: "Number", value: 10 },
    });
  });

  it("takes negative bounds, no step, percents and money", () => {
    expect(firstParam(`${HEAD}param dip = -1 in -3..0\n`).param).toMatchObject({
      min: { type: "Unary", op: "-", operand: { type: "Number", value: 3 } },
      max: { type: "Number", value: 0 },
    });
    expect(firstParam(`${HEAD}param dip = -1 in -3..0\n`).param?.step).toBeUndefined();
    expect(firstParam(`${HEAD}param m = 2% in 1%..5% step 0.5%\n`).value).toMatchObject({ type: "Percent", value: 2 });
    expect(firstParam(`${HEAD}param f = $100 in $90..$110\n`).value).toMatchObject({ type: "Money", value: 100 });
  });

  it("reports a param without a range, or with an expression as its default, as a syntax error", () => {
    for (const bad of ["param a = 5", "param a = 5 in 1", "param a = 5 in 1..", "param a = close in 1..2"]) {
      const codes = analyze(`${HEAD}${bad}\non 5m close above 1 enter long\n`).diagnostics.map((d) => d.code);
      expect(
        codes.some((c) => c.startsWith("E01")),
        `${bad}: ${codes.join(" ")}`,
      ).toBe(true);
    }
  });

  it("formats params canonically and round-trips them", () => {
    const messy = `${HEAD}param   threshold=3700 in 3600 .. 3800   step 10\nparam dip = -1 in -3..0\non 5m close above threshold or change(close, 5) < dip enter long\n`;
    const r = format(messy);
    expect(r.ok).toBe(true);
    const text = r.ok ? r.text : "";
    expect(text).toContain("param threshold = 3700 in 3600..3800 step 10\n");
    expect(text).toContain("param dip = -1 in -3..0\n");
    expect(format(text)).toEqual({ ok: true, text });
    const plan = format(PLAN);
    expect(plan.ok && plan.text.split("\n").filter((l) => l.startsWith("param "))).toEqual(
      PLAN.split("\n").filter((l) => l.startsWith("param ")),
    );
    expect(plan.ok && format(plan.text)).toEqual(plan);
  });
});

describe("checking params", () => {
  it("checks the example plan clean, a param standing wherever a constant of its kind may", () => {
    expect(problems(PLAN)).toEqual([]);
  });

  it("E0213: a default outside its range, or between two steps", () => {
    const d = only(`${HEAD}param t = 3900 in 3600..3800\non 5m close above t enter long\n`, "E0213");
    expect(d.message).toBe("the default 3900 of `t` is outside its range 3600..3800");
    expect(only(`${HEAD}param t = 3705 in 3600..3800 step 10\non 5m close above t enter long\n`, "E0213").message).toBe(
      "the default 3705 of `t` is not on a step of 10 from 3600",
    );
    expect(problems(`${HEAD}param t = 3800 in 3600..3800 step 10\non 5m close above t enter long\n`)).toEqual([]);
  });

  it("E0214: an empty range", () => {
    expect(only(`${HEAD}param t = 3700 in 3800..3600\non 5m close above t enter long\n`, "E0214").hint).toBe(
      "write `3600..3800`",
    );
    expect(problems(`${HEAD}param t = 3700 in 3700..3700\non 5m close above t enter long\n`)).toEqual([]);
  });

  it("E0215: a step that does not divide the range, or is not positive", () => {
    expect(only(`${HEAD}param t = 3600 in 3600..3800 step 30\non 5m close above t enter long\n`, "E0215").message).toBe(
      "the step 30 does not divide the range 3600..3800 of `t`",
    );
    expect(only(`${HEAD}param t = 3600 in 3600..3800 step 0\non 5m close above t enter long\n`, "E0215").message).toBe(
      "the step of `t` must be positive, found 0",
    );
    // Decimal steps that divide the range in decimal arithmetic are accepted despite binary rounding.
    expect(problems(`${HEAD}param t = 0.3 in 0.1..0.7 step 0.1\non 5m close above t enter long\n`)).toEqual([]);
  });

  it("E0216: a param that can take a value that is no period", () => {
    const d = only(`${HEAD}param n = 20 in 0..50 step 5\non 5m close above sma(close, n) enter long\n`, "E0216");
    expect(d.message).toBe("param `n` cannot be the period of `sma`: its range starts at 0, below 1 bar");
    expect(d.related?.[0]?.message).toBe("`n` is declared here");
    expect(
      only(`${HEAD}param n = 20 in 10..50 step 2.5\non 5m close above sma(close, n) enter long\n`, "E0216").message,
    ).toBe("param `n` cannot be the period of `sma`: 2.5 is not a whole number of bars");
    expect(only(`${HEAD}param n = 2% in 1%..3%\non 5m close above atr(n) enter long\n`, "E0216").message).toContain(
      "it is a percent",
    );
    // A let is still not a period (E0207), only a param is.
    expect(only(`${HEAD}let n = 20\non 5m close above sma(close, n) enter long\n`, "E0207").message).toContain(
      "must be a number literal",
    );
  });

  it("E0217: bounds of another kind than the default", () => {
    expect(only(`${HEAD}param m = 2% in 1%..5 step 1%\non 5m change(close, 5) > m enter long\n`, "E0217").message).toBe(
      "`5` is a number, but the default of `m` is a percent",
    );
  });

  it("E0211: a param defined twice, or sharing a name with a let, or shadowing a keyword or indicator", () => {
    const twice = only(`${HEAD}param t = 1 in 0..2\nparam t = 1 in 0..2\non 5m close above t enter long\n`, "E0211");
    expect(twice.message).toBe("`t` is defined twice (a param, then a param)");
    expect(only(`${HEAD}let t = 1\nparam t = 1 in 0..2\non 5m close above t enter long\n`, "E0211").message).toBe(
      "`t` is defined twice (a let, then a param)",
    );
    expect(only(`${HEAD}param sma = 1 in 0..2\non 5m close above 1 enter long\n`, "E0211").message).toBe(
      "`sma` is an indicator; a `param` may not shadow it",
    );
  });

  it("E0201: an undeclared name suggests the param; W0601: an unused param", () => {
    const d = only(`${HEAD}param threshold = 1 in 0..2\non 5m close above threshhold enter long\n`, "E0201");
    expect(d.hint).toBe("did you mean `threshold`?");
    expect(only(`${HEAD}param t = 1 in 0..2\non 5m close above 1 enter long\n`, "W0601").message).toBe(
      "unused `param` `t`",
    );
  });

  it("gives a param the kind of its literal: a number adapts, a percent stays a percent", () => {
    expect(problems(`${HEAD}param v = 1M in 1M..2M\non 5m volume > v enter long\n`)).toEqual([]);
    expect(only(`${HEAD}param m = 2% in 1%..5%\non 5m close above m enter long\n`, "E0203").code).toBe("E0203");
  });

  it("sizes the lookback for the range's maximum, whatever the default", () => {
    const r = analyze(`${HEAD}param n = 20 in 10..50 step 5\non 5m close above sma(close, n) enter long\n`);
    expect(r.compiled?.functions[0]?.lookback).toBe(50);
    expect(r.compiled?.streams[0]?.lookback).toBe(50);
    const over = only(`${HEAD}param n = 20 in 10..2000 step 10\non 5m close above sma(close, n) enter long\n`, "E0306");
    expect(over.code).toBe("E0306");
  });

  it("checks incrementally exactly as a full analysis does, through edits of a param's range", () => {
    const inc = createIncrementalAnalyzer();
    const texts = [
      PLAN,
      PLAN.replace("in 10..50 step 5", "in 10..2000 step 5"),
      PLAN.replace("in 10..50 step 5", "in 0..50 step 5"),
      PLAN.replace("param length = 20", "param threshold = 20"),
      PLAN,
    ];
    for (const text of texts) expect(snapshot(inc.update(text))).toStrictEqual(snapshot(analyze(text)));
  });
});

describe("compiling params", () => {
  it("lists the params with their ranges and binds the defaults into the functions", () => {
    const r = analyze(PLAN);
    const plan = CompiledPlanSchema.parse(r.compiled);
    expect(plan.params).toEqual([
      { name: "threshold", kind: "number", default: 150, min: 140, max: 160, step: 0.5, integer: false, value: 150 },
      { name: "length", kind: "number", default: 20, min: 10, max: 50, step: 5, integer: true, value: 20 },
      { name: "move", kind: "percent", default: 2, min: 1, max: 5, step: 0.5, integer: false, value: 2 },
      { name: "floor", kind: "money", default: 100, min: 90, max: 110, integer: false, value: 100 },
      { name: "dip", kind: "number", default: -1, min: -3, max: 0, step: 0.5, integer: false, value: -1 },
    ]);
    const [enter, exit, short] = plan.functions;
    expect(enter).toMatchObject({
      name: "close_above",
      params: { threshold: 151, stop: { kind: "percent", percent: 2 } },
    });
    expect(exit).toMatchObject({
      name: "cross_below",
      params: { right: { k: "ind", fn: "sma", period: 20, src: { k: "field", f: "close" } } },
    });
    expect(short?.params).toMatchObject({ target: { kind: "price", price: 100 } });
  });

  it("binds set values in every place the param stands, the lookback unchanged", () => {
    const r = analyze(PLAN, { params: { threshold: 145.5, length: 45, move: 3.5, floor: 95, dip: -2.5 } });
    const plan = CompiledPlanSchema.parse(r.compiled);
    expect(plan.params?.map((p) => [p.name, p.value])).toEqual([
      ["threshold", 145.5],
      ["length", 45],
      ["move", 3.5],
      ["floor", 95],
      ["dip", -2.5],
    ]);
    const [enter, exit, short] = plan.functions;
    expect(enter).toMatchObject({ params: { threshold: 146.5, stop: { kind: "percent", percent: 3.5 } } });
    // 50 bars for the largest period, one more for the cross: the same for every variant.
    expect(exit).toMatchObject({ lookback: 51, params: { right: { period: 45 } } });
    const json = JSON.stringify(short?.params);
    expect(json).toContain('{"k":"num","v":3.5}');
    expect(json).toContain('{"k":"num","v":-2.5}');
    expect(short?.params).toMatchObject({ target: { kind: "price", price: 95 } });
  });

  it("compiles a variant from the checked plan without parsing or checking again", () => {
    const r = analyze(PLAN);
    const variant = compile(r.ast, r.semantic, PLAN, new DiagnosticCollector(), { params: { threshold: 155 } });
    expect(variant?.functions[0]).toMatchObject({ params: { threshold: 156 } });
    expect(variant?.sourceHash).toBe(r.compiled?.sourceHash);
    // The checked plan's own compilation is untouched.
    expect(r.compiled?.functions[0]).toMatchObject({ params: { threshold: 151 } });
  });

  it("compiles a plan without params exactly as before: no `params` key", () => {
    const r = analyze(`${HEAD}on 5m close above 150 enter long\n`);
    expect(r.compiled && "params" in r.compiled).toBe(false);
  });

  it("refuses set values the plan does not accept, one line each", () => {
    const refused = (params: Record<string, number>): string => {
      try {
        analyze(PLAN, { params });
      } catch (e) {
        expect(e).toBeInstanceOf(ParamValueError);
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(refused({ threshhold: 150 })).toBe("unknown param `threshhold`; did you mean `threshold`?");
    expect(refused({ zzz: 1 })).toBe("unknown param `zzz` (its params are threshold, length, move, floor, dip)");
    expect(refused({ threshold: 161 })).toBe("param `threshold` = 161 is outside its range 140..160");
    expect(refused({ threshold: 150.25 })).toBe(
      "param `threshold` = 150.25 is not on its step: 140 plus a multiple of 0.5",
    );
    expect(refused({ move: 6 })).toBe("param `move` = 6% is outside its range 1%..5%");
    expect(refused({ threshold: Number.NaN })).toBe("param `threshold` must be a finite number");
    expect(refused({ floor: 100.5 })).toBe("accepted");
  });
});

describe("a trailing stop's trail as a param", () => {
  const TRAIL = `${HEAD}param trail = 2% in 1%..5% step 0.5%\non 5m close > open enter long\non 1m trailing stop trail activate at 155\n`;

  it("checks, compiles with the bound value and formats back", () => {
    expect(problems(TRAIL)).toEqual([]);
    const fn = (params?: Record<string, number>) =>
      analyze(TRAIL, params ? { params } : {}).compiled?.functions.find((f) => f.name === "trailing_stop");
    expect(fn()?.params).toEqual({ trailPercent: 2, activationPrice: 155 });
    expect(fn({ trail: 3.5 })?.params).toEqual({ trailPercent: 3.5, activationPrice: 155 });
    const r = format(TRAIL);
    expect(r.ok && r.text).toContain("on 1m trailing stop trail activate at 155\n");
  });

  it("E0405: a trail param that can reach 0% or 100%, or a name that is no percent param", () => {
    const wide = TRAIL.replace("1%..5%", "0%..5%");
    expect(only(wide, "E0405").message).toBe("trail must be between 0% and 100%, but param `trail` ranges over 0%..5%");
    const number = `${HEAD}param trail = 2 in 1..5\non 5m close > open enter long\non 1m trailing stop trail\n`;
    expect(only(number, "E0405").message).toBe("the trail must be a percent or a percent param, found `trail`");
    const viaLet = `${HEAD}let trail = 2%\non 5m close > open enter long\non 1m trailing stop trail\n`;
    expect(only(viaLet, "E0405").label).toBe("not a param");
    expect(only(`${HEAD}on 5m close > open enter long\non 1m trailing stop trial\n`, "E0201").code).toBe("E0201");
  });
});

describe("binding values", () => {
  const spec: ParamSpec = { name: "n", kind: "number", default: 20, min: 10, max: 50, integer: true };

  it("whole numbers only for a period param without a step", () => {
    expect(() => bindParams([spec], { n: 12.5 })).toThrow("must be a whole number: it is an indicator period");
    expect(bindParams([spec], { n: 13 }).get("n")).toBe(13);
    expect(bindParams([spec], {}).get("n")).toBe(20);
  });

  it("steps tolerate binary rounding of decimal values", () => {
    expect(onStep(0.7, 0.1, 0.1)).toBe(true);
    expect(onStep(3650, 3600, 10)).toBe(true);
    expect(onStep(3655, 3600, 10)).toBe(false);
  });

  it("parses --set values in the param's own literal form or as plain numbers", () => {
    expect(parseParamValue("3650", "number")).toBe(3650);
    expect(parseParamValue("-1.5", "number")).toBe(-1.5);
    expect(parseParamValue("2.5%", "percent")).toBe(2.5);
    expect(parseParamValue("2.5", "percent")).toBe(2.5);
    expect(parseParamValue("$150", "money")).toBe(150);
    expect(parseParamValue("2.5%", "number")).toBeUndefined();
    expect(parseParamValue("$150", "percent")).toBeUndefined();
    expect(parseParamValue("abc", "number")).toBeUndefined();
    expect(parseParamValue("", "number")).toBeUndefined();
    expect(parseParamValue("1e3", "number")).toBeUndefined();
  });
});
