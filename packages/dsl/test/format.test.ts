import { describe, expect, it } from "vitest";
import type * as A from "../src/ast.js";
import { CODES } from "../src/codes.js";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { format, printComment, printExpr, printStatement, sameStructure, verify } from "../src/format.js";
import { parse } from "../src/parser.js";

function fmt(src: string): string {
  const r = format(src);
  if (!r.ok) throw new Error(`format refused: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  return r.text;
}

function parsed(src: string): A.PlanFile {
  const d = new DiagnosticCollector();
  const ast = parse(src, d);
  expect(d.toArray()).toEqual([]);
  return ast;
}

const CANONICAL = `# Opening breakout on AAPL, protected by a trailing stop.
plan "AAPL opening breakout"
symbol AAPL
timezone "America/New_York"  # default
session regular  # regular (default) | extended | always
risk max daily loss $2,000

let breakout = 150.25
let heavy = volume > 1.5 * sma(volume, 20)

on 5m close above breakout with volume > 1M enter long size 100 shares
on 5m close crosses above sma(close, 50) with heavy between 10:00 and 15:30 enter long confidence high
on 1m trailing stop 2% activate at 155.00
on 15m close below 145 exit long
`;

describe("format: canonical layout", () => {
  it("leaves canonical text unchanged", () => {
    expect(fmt(CANONICAL)).toBe(CANONICAL);
  });

  it("rewrites a messy file into the canonical layout", () => {
    const messy = [
      "",
      "",
      "#Opening breakout on AAPL, protected by a trailing stop.   ",
      'plan   "AAPL opening breakout"',
      "symbol\tAAPL",
      'timezone "America/New_York"      #default',
      "session regular                  # regular (default) | extended | always",
      "risk  max   daily loss   $2,000",
      "let breakout=150.25",
      "let heavy = volume>1.5*sma( volume ,20 )",
      "",
      "",
      "",
      "on 5m close above breakout with volume > 1M enter long size 100 shares",
      "on 5m close crosses  above sma(close,50) with heavy between 10:00 and 15:30 enter long confidence high",
      "on 1m trailing stop 2%    activate at 155.00",
      "on 15m close below 145 exit long",
      "",
      "",
    ].join("\n");
    expect(fmt(messy)).toBe(CANONICAL);
  });

  it("keeps numbers, money and percents exactly as written", () => {
    const src =
      "on 5m close above 1_000.5 with volume > 1.5M and volume < 2B enter long size $2,000 stop 1.50% target 2000\n";
    expect(fmt(src)).toBe(src);
    expect(fmt("risk max order value $50000\n")).toBe("risk max order value $50000\n");
    expect(fmt("risk max position 1_000 shares\n")).toBe("risk max position 1_000 shares\n");
  });

  it("keeps the parentheses the user wrote, and adds none", () => {
    expect(fmt("on 5m ( close > open ) and ((volume > 1M)) enter long\n")).toBe(
      "on 5m (close > open) and ((volume > 1M)) enter long\n",
    );
    expect(fmt("on 5m close > open or close < open and volume > 1M enter long\n")).toBe(
      "on 5m close > open or close < open and volume > 1M enter long\n",
    );
    expect(fmt("let x = (close + open) / 2\non 5m close > x enter long\n")).toBe(
      "let x = (close + open) / 2\n\non 5m close > x enter long\n",
    );
  });

  it("prints every expression form on one line with single spaces", () => {
    const src =
      "on 5m not(close[1]>open[ 1 ]) and - 5 < change(close , 5)  and sma(close,20) of 1d >= ema(close,9)of 1h and close != open and close == open and close <= high or true or not false exit\n";
    expect(fmt(src)).toBe(
      "on 5m not (close[1] > open[1]) and -5 < change(close, 5) and sma(close, 20) of 1d >= ema(close, 9) of 1h and close != open and close == open and close <= high or true or not false exit\n",
    );
  });

  it("prints every statement and modifier form", () => {
    const src = [
      'plan "say \\"hi\\" \\\\ bye"',
      'symbols AAPL , "BRK.B",MSFT',
      "session   always",
      "risk max orders per minute 10",
      "risk max daily loss 2%",
      "on 10s vwap() crosses below close with volume > 250K enter short size 10% of equity confidence 0.6 stop 151.5 target 3%",
      "on 1h close above 150 exit short",
      "on 1d close below 150 exit",
      "on 1m trailing stop 0.5%",
    ].join("\n");
    expect(fmt(src)).toBe(
      [
        'plan "say \\"hi\\" \\\\ bye"',
        'symbols AAPL, "BRK.B", MSFT',
        "session always",
        "risk max orders per minute 10",
        "risk max daily loss 2%",
        "",
        "on 10s vwap() crosses below close with volume > 250K enter short size 10% of equity confidence 0.6 stop 151.5 target 3%",
        "on 1h close above 150 exit short",
        "on 1d close below 150 exit",
        "on 1m trailing stop 0.5%",
        "",
      ].join("\n"),
    );
  });

  it("formats files with checker errors (only syntax errors stop it)", () => {
    const src = 'plan "x"\nsymbol AAPL\non 7s close[-1] above  brekout enter long\n';
    expect(fmt(src)).toBe('plan "x"\nsymbol AAPL\n\non 7s close[-1] above brekout enter long\n');
  });
});

describe("format: blank lines and comments", () => {
  it("puts one blank line between header, lets and rules, and keeps at most one elsewhere", () => {
    const src = 'plan "p"\nsymbol A\nlet a = 1\nlet b = 2\non 5m close > a enter long\n\n\n\non 5m close < b exit\n';
    expect(fmt(src)).toBe(
      'plan "p"\nsymbol A\n\nlet a = 1\nlet b = 2\n\non 5m close > a enter long\n\non 5m close < b exit\n',
    );
  });

  it("keeps header order as written and separates every change of group", () => {
    const src = 'let a = 1\nsymbol A\non 5m close > a enter long\nplan "late"\n';
    expect(fmt(src)).toBe('let a = 1\n\nsymbol A\n\non 5m close > a enter long\n\nplan "late"\n');
  });

  it("keeps the comments above a statement with it when a group starts", () => {
    const src = 'plan "p"\n# the level\n# from yesterday\nlet a = 1\n# the entry\non 5m close > a enter long\n';
    expect(fmt(src)).toBe(
      'plan "p"\n\n# the level\n# from yesterday\nlet a = 1\n\n# the entry\non 5m close > a enter long\n',
    );
  });

  it("does not double a blank line the user already had between comments", () => {
    const src = "let a = 1\n# about the rules\n\n# the entry\non 5m close > a enter long\n";
    expect(fmt(src)).toBe("let a = 1\n# about the rules\n\n# the entry\non 5m close > a enter long\n");
  });

  it("normalises comment spacing: a space after `#`, two spaces before a trailing `#`", () => {
    expect(fmt("#a\n# b\n#\n#   \non 5m close > 1 enter long #c   \n")).toBe(
      "# a\n# b\n#\n#\non 5m close > 1 enter long  # c\n",
    );
  });

  it("keeps deeper indentation inside comments", () => {
    expect(fmt("#   tradeplan check plans/\n#\t- item\n")).toBe("#   tradeplan check plans/\n#\t- item\n");
  });

  it("keeps `##` headings and `#!` markers as written", () => {
    expect(fmt("## Section\n#! marker\n")).toBe("## Section\n#! marker\n");
  });

  it("keeps comments at the start and end of the file", () => {
    const src = "\n\n# top\n\n\non 5m close > 1 enter long\n\n# bottom\n\n\n";
    expect(fmt(src)).toBe("# top\n\non 5m close > 1 enter long\n\n# bottom\n");
  });

  it("keeps a `#` inside a string out of the comments", () => {
    expect(fmt('plan "#1 plan"   # really\n')).toBe('plan "#1 plan"  # really\n');
  });

  it("formats an empty file to nothing and a comment-only file to its comments", () => {
    expect(fmt("")).toBe("");
    expect(fmt("\n\n  \n")).toBe("");
    expect(fmt("#only\n")).toBe("# only\n");
  });
});

describe("format: line endings and encoding", () => {
  it("turns CRLF and lone CR into LF and adds the final newline", () => {
    expect(fmt('plan "p"\r\nsymbol A\r\n\r\n\r\non 5m close > 1 enter long')).toBe(
      'plan "p"\nsymbol A\n\non 5m close > 1 enter long\n',
    );
    expect(fmt('plan "p"\rsymbol A\ron 5m close > 1 enter long  # x\r')).toBe(
      'plan "p"\nsymbol A\n\non 5m close > 1 enter long  # x\n',
    );
  });

  it("drops a byte order mark", () => {
    expect(fmt('\ufeffplan "p"\nsymbol A\n')).toBe('plan "p"\nsymbol A\n');
  });
});

describe("format: refusals", () => {
  it("refuses input with syntax errors and returns the parser's diagnostics", () => {
    const r = format('plan "p"\non 5m close above enter long\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toEqual(["E0101"]);
  });

  it("refuses lexical errors and keywords in the wrong case", () => {
    for (const [src, code] of [
      ["on 5m close above 150 ; enter long\n", "E0001"],
      ['plan "open\n', "E0002"],
      ["on 5m close > 1__000 enter long\n", "E0005"],
      ["on 5m close above 150 Enter long\n", "E0103"],
      ["on 5m close above 150\n", "E0102"],
    ] as const) {
      const r = format(src);
      expect(r.ok, src).toBe(false);
      if (!r.ok) expect(r.diagnostics.map((d) => d.code)).toContain(code);
    }
  });

  it("refuses binary garbage without throwing", () => {
    let garbage = "";
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      garbage += String.fromCharCode(seed % 256);
    }
    const r = format(garbage);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics.length).toBeGreaterThan(0);
  });
});

describe("format: self-check", () => {
  const src = 'plan "p"\nsymbol A\n\non 5m close > 1 enter long  # why\n';

  it("accepts its own output", () => {
    expect(verify(parsed(src), src)).toBeUndefined();
  });

  it("reports E0006 when the output would parse to another plan", () => {
    const d = verify(parsed(src), 'plan "p"\nsymbol A\n\non 5m close > 2 enter long  # why\n');
    expect(d?.code).toBe("E0006");
    expect(d?.severity).toBe("error");
    expect(d?.message).toContain("statement 3");
    expect(d?.span.start.line).toBe(4);
  });

  it("reports E0006 when a statement goes missing", () => {
    expect(verify(parsed(src), 'plan "p"\nsymbol A\n# why\n')?.message).toContain("statement 3");
  });

  it("reports E0006 when the output does not parse", () => {
    expect(verify(parsed(src), 'plan "p"\nsymbol A\non 5m close > enter long\n')?.message).toContain("does not parse");
  });

  it("reports E0006 when a comment is lost", () => {
    expect(verify(parsed(src), 'plan "p"\nsymbol A\n\non 5m close > 1 enter long\n')?.message).toContain("comments");
  });

  it("reports E0006 when the output is not stable", () => {
    expect(verify(parsed(src), 'plan "p"\nsymbol A\non 5m close > 1 enter long  # why\n')?.message).toContain("again");
  });

  it("has E0006 in the code table among the other E00xx codes", () => {
    const codes = CODES.map((c) => c.code);
    const i = codes.indexOf("E0006");
    expect(i).toBeGreaterThan(codes.indexOf("E0005"));
    expect(codes[i + 1]).toBe("E0007");
    expect(CODES[i]?.title).toBe("formatter changed the meaning");
    // Its examples are formatter input and output.
    expect(fmt(CODES[i]?.wrong ?? "")).toBe(CODES[i]?.right);
  });
});

describe("format: structural comparison", () => {
  it("ignores positions but not content", () => {
    const a = parsed("on 5m close > 1 enter long\n");
    const b = parsed("\n\non   5m   close>1 enter   long\n");
    const c = parsed("on 5m close >= 1 enter long\n");
    expect(sameStructure(a.statements, b.statements)).toBe(true);
    expect(sameStructure(a.statements, c.statements)).toBe(false);
  });

  it("tells apart raw spellings with the same value, and missing from present keys", () => {
    expect(sameStructure(parsed("let a = 1000\n").statements, parsed("let a = 1_000\n").statements)).toBe(false);
    expect(sameStructure({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameStructure({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameStructure([1], { 0: 1 })).toBe(false);
    expect(sameStructure(Number.NaN, Number.NaN)).toBe(true);
  });
});

describe("format: printer on hand-built nodes", () => {
  const pos = { offset: 0, line: 1, column: 1 };
  const span = { start: pos, end: pos };
  const num = (raw: string, value: number): A.NumberLit => ({ type: "Number", raw, value, span });
  const close: A.Expr = { type: "Field", field: "close", span };

  it("prints each expression node", () => {
    const sma: A.Expr = {
      type: "Call",
      callee: { type: "Ident", name: "sma", span },
      args: [close, num("20", 20)],
      span,
    };
    const cases: [A.Expr, string][] = [
      [num("1.5K", 1500), "1.5K"],
      [{ type: "Percent", raw: "2%", value: 2, span }, "2%"],
      [{ type: "Money", raw: "$2,000", value: 2000, span }, "$2,000"],
      [{ type: "Bool", value: false, span }, "false"],
      [{ type: "Name", name: "level", span }, "level"],
      [sma, "sma(close, 20)"],
      [{ type: "Index", target: close, index: num("1", 1), negative: true, span }, "close[-1]"],
      [
        {
          type: "Of",
          target: sma,
          timeframe: { type: "Timeframe", raw: "1d", amount: 1, unit: "d", seconds: 86400, span },
          span,
        },
        "sma(close, 20) of 1d",
      ],
      [{ type: "Binary", op: "/", left: close, right: num("2", 2), span }, "close / 2"],
      [{ type: "Unary", op: "-", operand: close, span }, "-close"],
      [{ type: "Unary", op: "not", operand: { type: "Paren", inner: close, span }, span }, "not (close)"],
      [{ type: "Compare", op: ">", word: "above", left: close, right: sma, span }, "close above sma(close, 20)"],
      [{ type: "Compare", op: "<=", left: close, right: sma, span }, "close <= sma(close, 20)"],
      [{ type: "Cross", direction: "below", left: close, right: sma, span }, "close crosses below sma(close, 20)"],
      [
        {
          type: "Logical",
          op: "or",
          left: { type: "Bool", value: true, span },
          right: { type: "Bool", value: false, span },
          span,
        },
        "true or false",
      ],
      [{ type: "ErrorExpr", span }, "<error>"],
    ];
    for (const [e, text] of cases) expect(printExpr(e)).toBe(text);
  });

  it("prints statements", () => {
    const tf: A.Timeframe = { type: "Timeframe", raw: "5m", amount: 5, unit: "m", seconds: 300, span };
    const rule: A.ConditionRule = {
      type: "ConditionRule",
      timeframe: tf,
      condition: { type: "Compare", op: ">", left: close, right: num("150", 150), span },
      window: {
        type: "Window",
        from: { type: "Time", raw: "09:45", hour: 9, minute: 45, span },
        to: { type: "Time", raw: "15:00", hour: 15, minute: 0, span },
        span,
      },
      action: { type: "Action", action: "exit_short", span },
      modifiers: [{ type: "Confidence", level: "low", span }],
      span,
    };
    expect(printStatement(rule)).toBe("on 5m close > 150 between 09:45 and 15:00 exit short confidence low");
    expect(printStatement({ type: "SessionDecl", session: "extended", sessionSpan: span, span })).toBe(
      "session extended",
    );
    expect(
      printStatement({
        type: "TrailingStopRule",
        timeframe: tf,
        trail: { type: "Percent", raw: "1%", value: 1, span },
        activation: num("99", 99),
        span,
      }),
    ).toBe("on 5m trailing stop 1% activate at 99");
  });

  it("prints comments canonically", () => {
    expect(printComment(" text")).toBe("# text");
    expect(printComment("text")).toBe("# text");
    expect(printComment("   indented")).toBe("#   indented");
    expect(printComment("text \t")).toBe("# text");
    expect(printComment("")).toBe("#");
    expect(printComment("# heading")).toBe("## heading");
  });
});
