import { describe, expect, it } from "vitest";
import type { ConditionRule, Expr, PlanFile, Statement } from "../src/ast.js";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { MAX_NESTING, parse } from "../src/parser.js";
import { BRIEF_EXAMPLE } from "./fixtures.js";

function run(src: string): { ast: PlanFile; codes: string[]; diags: ReturnType<DiagnosticCollector["toArray"]> } {
  const d = new DiagnosticCollector();
  const ast = parse(src, d);
  const diags = d.toArray();
  return { ast, codes: diags.map((x) => x.code), diags };
}

/** The AST without spans, for compact structural assertions. */
function shape(x: unknown): unknown {
  return JSON.parse(
    JSON.stringify(x, (k, v) => (k === "span" || k === "sessionSpan" || k === "settingSpan" ? undefined : v)),
  );
}

function rule(src: string): ConditionRule {
  const { ast, codes } = run(src);
  expect(codes).toEqual([]);
  const st = ast.statements[0] as Statement;
  expect(st.type).toBe("ConditionRule");
  return st as ConditionRule;
}

function cond(exprSrc: string): Expr {
  return rule(`on 5m ${exprSrc} enter long`).condition;
}

describe("parser: statements", () => {
  it("parses the complete example of the language brief", () => {
    const src = BRIEF_EXAMPLE;
    const { ast, codes } = run(src);
    expect(codes).toEqual([]);
    expect(ast.statements.map((s) => s.type)).toEqual([
      "PlanDecl",
      "SymbolDecl",
      "TimezoneDecl",
      "SessionDecl",
      "LetDecl",
      "LetDecl",
      "ConditionRule",
      "ConditionRule",
      "TrailingStopRule",
      "ConditionRule",
    ]);
    expect(ast.comments.map((c) => c.text)).toEqual([
      " Opening breakout on AAPL, protected by a trailing stop.",
      " default",
      " regular (default) | extended | always",
    ]);
    const r1 = ast.statements[6] as ConditionRule;
    expect(shape(r1)).toMatchObject({
      timeframe: { raw: "5m", amount: 5, unit: "m", seconds: 300 },
      condition: {
        type: "Compare",
        op: ">",
        word: "above",
        left: { type: "Field", field: "close" },
        right: { type: "Name", name: "breakout" },
      },
      filter: { type: "Compare", op: ">", right: { type: "Number", value: 1_000_000, raw: "1M" } },
      action: { action: "enter_long" },
      modifiers: [{ type: "Size", size: { type: "SizeShares", shares: { value: 100 } } }],
    });
    const r2 = ast.statements[7] as ConditionRule;
    expect(shape(r2.window)).toMatchObject({ from: { hour: 10, minute: 0 }, to: { hour: 15, minute: 30 } });
    expect(r2.condition.type).toBe("Cross");
    expect(shape(ast.statements[8])).toMatchObject({
      type: "TrailingStopRule",
      trail: { value: 2 },
      activation: { value: 155 },
    });
  });

  it("accepts the one-line form", () => {
    const r = rule("on 5m close above 150.25 with volume > 1M enter long");
    expect(r.action.action).toBe("enter_long");
  });

  it("records precise 1-based spans", () => {
    const { ast } = run('plan "x"\n\non 5m close above 150 enter long\n');
    const r = ast.statements[1] as ConditionRule;
    expect(r.span.start).toEqual({ offset: 10, line: 3, column: 1 });
    expect(r.span.end).toEqual({ offset: 42, line: 3, column: 33 });
    expect(r.condition.span.start.column).toBe(7);
    expect(r.timeframe.span).toEqual({
      start: { offset: 13, line: 3, column: 4 },
      end: { offset: 15, line: 3, column: 6 },
    });
  });

  it("parses symbols, risk and every action and modifier", () => {
    const { ast, codes } = run(
      [
        'plan "p"',
        'symbols AAPL, MSFT, "BRK.B"',
        "risk max position 500 shares",
        "risk max daily loss $2,000",
        "risk max daily loss 3%",
        "risk max orders per minute 10",
        "on 5m close > 1 enter short size $5,000 stop 2% target 140",
        "on 5m close > 1 exit",
        "on 5m close > 1 exit short confidence 0.5",
        "on 5m close > 1 enter long size 10% of equity confidence medium",
      ].join("\n"),
    );
    expect(codes).toEqual([]);
    expect(shape(ast.statements[1])).toMatchObject({
      plural: true,
      symbols: [
        { type: "Ident", name: "AAPL" },
        { type: "Ident", name: "MSFT" },
        { type: "String", value: "BRK.B" },
      ],
    });
    expect(shape(ast.statements[2])).toMatchObject({ setting: "max position", value: { value: 500 }, shares: true });
    expect(shape(ast.statements[3])).toMatchObject({
      setting: "max daily loss",
      value: { type: "Money", value: 2000 },
    });
    expect(shape(ast.statements[4])).toMatchObject({ value: { type: "Percent", value: 3 } });
    expect(shape(ast.statements[5])).toMatchObject({ setting: "max orders per minute", value: { value: 10 } });
    expect(shape(ast.statements[6])).toMatchObject({
      action: { action: "enter_short" },
      modifiers: [
        { type: "Size", size: { type: "SizeMoney", amount: { value: 5000 } } },
        { type: "Stop", value: { type: "Percent", value: 2 } },
        { type: "Target", value: { type: "Number", value: 140 } },
      ],
    });
    expect((ast.statements[7] as ConditionRule).action.action).toBe("exit");
    expect(shape(ast.statements[8])).toMatchObject({
      action: { action: "exit_short" },
      modifiers: [{ level: { value: 0.5 } }],
    });
    expect(shape(ast.statements[9])).toMatchObject({
      modifiers: [{ size: { type: "SizeEquity", percent: { value: 10 } } }, { level: "medium" }],
    });
  });

  it("reads number forms: separators, suffixes, money", () => {
    expect(shape(cond("volume > 1_000"))).toMatchObject({ right: { value: 1000 } });
    expect(shape(cond("volume > 2.5K"))).toMatchObject({ right: { value: 2500 } });
    expect(shape(cond("volume > 1B"))).toMatchObject({ right: { value: 1e9 } });
    expect(shape(cond("close > $1,234.50"))).toMatchObject({ right: { type: "Money", value: 1234.5 } });
  });
});

describe("parser: expressions", () => {
  it("gives and tighter binding than or, and not tighter than and", () => {
    expect(shape(cond("close > 1 or close > 2 and not close > 3"))).toMatchObject({
      type: "Logical",
      op: "or",
      right: { type: "Logical", op: "and", right: { type: "Unary", op: "not", operand: { type: "Compare" } } },
    });
  });

  it("lets not take a whole predicate but stop at and/or", () => {
    expect(shape(cond("not close > open and volume > 1"))).toMatchObject({
      type: "Logical",
      op: "and",
      left: { type: "Unary", op: "not", operand: { type: "Compare", op: ">" } },
    });
    expect(shape(cond("not not true"))).toMatchObject({
      type: "Unary",
      operand: { type: "Unary", operand: { type: "Bool" } },
    });
  });

  it("binds unary minus tighter than multiplication", () => {
    expect(shape(cond("-close * 2 < 0"))).toMatchObject({
      left: { type: "Binary", op: "*", left: { type: "Unary", op: "-" } },
    });
  });

  it("refuses chained comparisons once", () => {
    const { codes, diags } = run("on 5m close > open > 1 enter long");
    expect(codes).toEqual(["E0101"]);
    expect(diags[0]?.message).toBe("comparisons cannot be chained");
    expect(diags[0]?.span.start.column).toBe(20);
  });

  it("applies arithmetic precedence and left associativity", () => {
    expect(shape(cond("close - open - 1 * 2 / 4 > 0"))).toMatchObject({
      left: {
        type: "Binary",
        op: "-",
        left: { type: "Binary", op: "-", left: { field: "close" }, right: { field: "open" } },
        right: { type: "Binary", op: "/", left: { type: "Binary", op: "*" } },
      },
    });
  });

  it("parses crosses, comparisons, index, of, calls, unary minus", () => {
    expect(shape(cond("close crosses below ema(close, 9)"))).toMatchObject({ type: "Cross", direction: "below" });
    for (const op of [">", ">=", "<", "<=", "==", "!="]) expect(shape(cond(`close ${op} 1`))).toMatchObject({ op });
    expect(shape(cond("close[2] > close[1]"))).toMatchObject({
      left: { type: "Index", index: { value: 2 }, negative: false },
    });
    expect(shape(cond("close[-1] > 1"))).toMatchObject({ left: { type: "Index", negative: true } });
    expect(shape(cond("sma(close, 20) of 1d > close"))).toMatchObject({
      left: { type: "Of", timeframe: { raw: "1d", seconds: 86400 }, target: { type: "Call", callee: { name: "sma" } } },
    });
    expect(shape(cond("-close < -5"))).toMatchObject({
      left: { type: "Unary", op: "-" },
      right: { type: "Unary", op: "-" },
    });
    expect(shape(cond("vwap() < close"))).toMatchObject({ left: { type: "Call", args: [] } });
    expect(shape(cond("(close > 1)"))).toMatchObject({ type: "Paren" });
    expect(shape(cond("true"))).toMatchObject({ type: "Bool", value: true });
  });
});

describe("parser: errors", () => {
  it("reports a missing value with what was expected", () => {
    const { codes, diags } = run("on 5m close above enter long");
    expect(codes).toEqual(["E0101"]);
    expect(diags[0]?.message).toMatch(/expected a value.*found `enter`/);
    expect(diags[0]?.span.start.column).toBe(19);
  });

  it("reports a rule without action as E0102 at the end of the line", () => {
    const { codes, diags } = run("on 5m close above 150");
    expect(codes).toEqual(["E0102"]);
    expect(diags[0]?.span.start.column).toBe(22);
  });

  it("reports a keyword in the wrong case as E0103 with a fix", () => {
    const { diags } = run("on 5m close above 150 Enter long");
    expect(diags.map((d) => d.code)).toEqual(["E0103"]);
    expect(diags[0]?.fix?.text).toBe("enter");
  });

  it("reports unknown characters and parses on", () => {
    const { ast, codes, diags } = run("on 5m close above 150 ; enter long");
    expect(codes).toEqual(["E0001"]);
    expect(diags[0]?.hint).toMatch(/line break/);
    expect(ast.statements).toHaveLength(1);
  });

  it("reports an unterminated string once", () => {
    expect(run('plan "abc\nsymbol X').codes).toEqual(["E0002"]);
  });

  it("reports malformed numbers once, with helpful hints", () => {
    const tf = run("on 5min close > 1 enter long");
    expect(tf.codes).toEqual(["E0005"]);
    expect(tf.diags[0]?.hint).toContain("`5m`");
    expect(run("let x = 1__0").codes).toEqual(["E0005"]);
    expect(run("on 5m close > 1 enter long size $2,00").codes).toEqual(["E0005"]);
    expect(run("on 5m close > 1. enter long").codes).toEqual(["E0005"]);
  });

  it("suggests 1M when a timeframe stands where a number was meant", () => {
    const { diags } = run("on 5m volume > 1m enter long");
    expect(diags[0]?.hint).toContain("`1M`");
  });

  it("keeps going after a bad line: one diagnostic per bad line", () => {
    const { ast, codes } = run(
      "on 5m close above enter long\non 5m close > 1 enter long\nlet = 3\non 5m close > 2 enter short\n",
    );
    expect(codes).toEqual(["E0101", "E0101"]);
    // The broken rule is kept with an ErrorExpr where its value is missing, so editors still see it.
    const rules = ast.statements.filter((s): s is ConditionRule => s.type === "ConditionRule");
    expect(rules).toHaveLength(3);
    expect(shape(rules[0]?.condition)).toMatchObject({ type: "Compare", right: { type: "ErrorExpr" } });
  });

  it("rejects nesting past the limit without recursing", () => {
    const deep = `on 5m ${"(".repeat(10_000)}close${")".repeat(10_000)} > 1 enter long`;
    const { codes } = run(deep);
    expect(codes).toContain("E0003");
    const ok = `on 5m ${"(".repeat(MAX_NESTING - 1)}close${")".repeat(MAX_NESTING - 1)} > 1 enter long`;
    expect(run(ok).codes).toEqual([]);
    expect(run(`on 5m ${"not ".repeat(5000)}close > 1 enter long`).codes).toEqual(["E0003"]);
    expect(run(`on 5m close > ${"- ".repeat(5000)}1 enter long`).codes).toEqual(["E0003"]);
  });

  it("rejects a statement with too many tokens", () => {
    expect(run(`on 5m close > 1${" and close > 1".repeat(2000)} enter long`).codes).toEqual(["E0003"]);
  });

  it("is total on awkward inputs", () => {
    const inputs = [
      "",
      "\n\n\n",
      '\ufeffplan "bom"\r\non 5m close > 1 enter long\r\n',
      "\ton\t5m\tclose > 1\tenter long",
      "x".repeat(100_000),
      `on 5m close > ${"1".repeat(100_000)} enter long`,
      "\u0000\u0001\u0002",
      "on",
      "on 5m",
      "let",
      "((((",
      "))))",
      "on 5m sma(close, enter long",
      "on 5m close[ > 1 enter long",
    ];
    for (const src of inputs) {
      const { ast } = run(src);
      expect(ast.type).toBe("PlanFile");
    }
    expect(run('\ufeffplan "bom"\r\non 5m close > 1 enter long\r\n').codes).toEqual([]);
    expect(run("\ton\t5m\tclose > 1\tenter long").codes).toEqual([]);
  });

  it("caps the number of diagnostics with a final E0004", () => {
    const { diags } = run("@\n".repeat(1000));
    expect(diags.length).toBe(201);
    expect(diags[200]?.code).toBe("E0004");
  });
});
