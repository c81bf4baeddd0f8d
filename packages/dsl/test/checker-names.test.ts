import { describe, expect, test } from "vitest";
import type { PlanFile } from "../src/ast.js";
import { check } from "../src/checker/index.js";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { codes, HEAD, only, run, spanText } from "./checker-helpers.js";

describe("unknown names (E0201)", () => {
  test("did you mean a let, with a fix", () => {
    const src = `${HEAD}let breakout = 150\non 5m close above breakot enter long\n`;
    const d = only(src, "E0201");
    expect(d.message).toBe("unknown name `breakot`");
    expect(spanText(src, d)).toBe("breakot");
    expect(d.hint).toBe("did you mean `breakout`?");
    expect(d.fix).toEqual({ span: d.span, text: "breakout", title: "Replace with `breakout`" });
  });

  test("a bar field in the wrong case", () => {
    const d = only(`${HEAD}on 5m Close above 150 enter long\n`, "E0201");
    expect(d.fix?.text).toBe("close");
  });

  test("an indicator used without parentheses", () => {
    const src = `${HEAD}on 5m close above vwap enter long\n`;
    const d = only(src, "E0201");
    expect(d.message).toBe("`vwap` is an indicator, not a value");
    expect(d.fix?.text).toBe("vwap()");
    expect(only(`${HEAD}on 5m close above sma enter long\n`, "E0201").fix?.text).toBe("sma(close, 20)");
  });

  test("a misspelled indicator name without parentheses", () => {
    expect(only(`${HEAD}on 5m close above vwapp enter long\n`, "E0201").fix?.text).toBe("vwap()");
  });

  test("nothing close: hint to define it", () => {
    const d = only(`${HEAD}on 5m close above zzzzzz enter long\n`, "E0201");
    expect(d.fix).toBeUndefined();
    expect(d.hint).toBe("define it first: `let zzzzzz = ...`");
  });

  test("every unknown use is reported, in lets, filters, stops and activations", () => {
    const src = `${HEAD}let a = nope1 + 1\non 5m a > 0 with nope2 enter long stop nope3\non 1m trailing stop 2% activate at nope4\n`;
    expect(codes(src)).toEqual(["E0201", "E0201", "E0201", "E0201"]);
  });

  test("lets may be used before their definition", () => {
    expect(codes(`${HEAD}on 5m close above level enter long\nlet level = base + 1\nlet base = 150\n`)).toEqual([]);
  });
});

describe("definitions (E0211)", () => {
  test("defined twice points at the first", () => {
    const src = `${HEAD}let level = 150\nlet level = 151\non 5m close above level enter long\n`;
    const d = only(src, "E0211");
    expect(d.span.start.line).toBe(4);
    expect(d.related?.[0]?.span.start.line).toBe(3);
  });

  test("a let may not shadow an indicator", () => {
    const d = only(`${HEAD}let sma = 150\non 5m close above sma enter long\n`, "E0211");
    expect(d.message).toBe("`sma` is an indicator; a `let` may not shadow it");
  });

  test("bar fields and keywords (reachable only from a hand-built AST)", () => {
    const at = (offset: number) => ({ offset, line: 1, column: offset + 1 });
    const span = { start: at(0), end: at(5) };
    const num = { type: "Number", value: 1, raw: "1", span } as const;
    const ast: PlanFile = {
      type: "PlanFile",
      span,
      comments: [],
      statements: [
        { type: "LetDecl", name: { type: "Ident", name: "close", span }, value: num, span },
        { type: "LetDecl", name: { type: "Ident", name: "enter", span }, value: num, span },
      ],
    };
    const diagnostics = new DiagnosticCollector();
    check(ast, diagnostics, { symbol: "AAPL" });
    expect(diagnostics.toArray().map((d) => d.message)).toEqual([
      "`close` is a bar field; a `let` may not shadow it",
      "`enter` is a keyword; a `let` may not shadow it",
    ]);
  });
});

describe("cycles (E0210)", () => {
  test("two lets", () => {
    const src = `${HEAD}let a = b + 1\nlet b = a + 1\non 5m close above a enter long\n`;
    const d = only(src, "E0210");
    expect(d.message).toBe("`a` depends on itself: `a` -> `b` -> `a`");
    expect(spanText(src, d)).toBe("a");
    expect(d.related?.map((r) => spanText(src, r))).toEqual(["b"]);
  });

  test("a let that refers to itself", () => {
    expect(only(`${HEAD}let a = a + 1\non 5m close above a enter long\n`, "E0210").message).toBe(
      "`a` depends on itself: `a` -> `a`",
    );
  });

  test("three lets, used before definition, reported once", () => {
    const src = `${HEAD}on 5m close above x enter long\nlet x = y\nlet y = z * 2\nlet z = x - 1\n`;
    expect(codes(src)).toEqual(["E0210"]);
    expect(only(src, "E0210").message).toBe("`x` depends on itself: `x` -> `y` -> `z` -> `x`");
  });

  test("two separate cycles", () => {
    const src = `${HEAD}let a = b\nlet b = a\nlet c = c\non 5m close above a + c enter long\n`;
    expect(codes(src)).toEqual(["E0210", "E0210"]);
  });

  test("a let depending on a cycle is not itself reported", () => {
    const src = `${HEAD}let a = b\nlet b = a\nlet c = a + 1\non 5m close above c enter long\n`;
    expect(codes(src)).toEqual(["E0210"]);
  });
});

describe("unused lets (W0601)", () => {
  test("warned with a removal fix", () => {
    const src = `${HEAD}let unused = 150\non 5m close above 150 enter long\n`;
    const d = only(src, "W0601");
    expect(d.severity).toBe("warning");
    expect(spanText(src, d)).toBe("unused");
    expect(d.fix && spanText(src, d.fix)).toBe("let unused = 150");
  });

  test("a let used only by another let counts as used", () => {
    expect(codes(`${HEAD}let a = 150\nlet b = a + 1\non 5m close above b enter long\n`)).toEqual([]);
  });

  test("underscore names are deliberately unused", () => {
    expect(codes(`${HEAD}let _spare = 150\non 5m close above 150 enter long\n`)).toEqual([]);
  });

  test("references are recorded in the semantic model", () => {
    const r = run(`${HEAD}let a = 150\non 5m close above a enter long\non 5m close below a - 10 exit\n`);
    const decl = r.semantic.lets.get("a");
    expect(decl).toBeDefined();
    const refs = decl ? r.semantic.references(decl) : [];
    expect(refs.length).toBe(2);
    expect(refs.every((n) => r.semantic.resolve(n) === decl)).toBe(true);
  });
});
