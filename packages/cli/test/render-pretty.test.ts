import type { Diagnostic, Span } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { MAX_LINE_CELLS, renderPretty, renderSummary } from "../src/render/pretty.js";
import { sourceFile } from "../src/source.js";
import { hasControlChars, stripAnsi } from "./helpers.js";

function span(line: number, column: number, endColumn: number, endLine = line): Span {
  return { start: { line, column, offset: 0 }, end: { line: endLine, column: endColumn, offset: 0 } };
}

function diag(extra: Partial<Diagnostic> & { span: Span }): Diagnostic {
  return { code: "E0201", severity: "error", message: "unknown name `brekout`", ...extra };
}

const SRC = 'plan "x"\nsymbol AAPL\non 5m close above brekout enter long\n';
const file = sourceFile("plans/x.plan", "/work", SRC);

describe("pretty renderer", () => {
  it("renders the rustc layout: header, arrow, gutter, line, carets with label, help", () => {
    const d = diag({
      span: span(3, 19, 26),
      label: "not a `let`, bar field or indicator",
      hint: "did you mean `breakout`?",
    });
    expect(renderPretty(d, file, { color: false })).toBe(
      [
        "error[E0201]: unknown name `brekout`",
        " --> plans/x.plan:3:19",
        "  |",
        "3 | on 5m close above brekout enter long",
        "  |                   ^^^^^^^ not a `let`, bar field or indicator",
        "  |",
        "  = help: did you mean `breakout`?",
        "",
      ].join("\n"),
    );
  });

  it("renders warnings, and no help block without a hint", () => {
    const d = diag({ code: "W0601", severity: "warning", message: "`x` is never used", span: span(1, 6, 9) });
    expect(renderPretty(d, file, { color: false })).toBe(
      ["warning[W0601]: `x` is never used", " --> plans/x.plan:1:6", "  |", '1 | plan "x"', "  |      ^^^", ""].join(
        "\n",
      ),
    );
  });

  it("marks related locations with `-` on their own lines, in line order, eliding gaps", () => {
    const src = "let a = b\n\n\nlet b = a\nlet c = a\n";
    const f = sourceFile("c.plan", "/", src);
    const d = diag({
      code: "E0210",
      message: "cycle",
      span: span(4, 5, 6),
      label: "here",
      related: [
        { span: span(1, 5, 6), message: "first" },
        { span: span(5, 9, 10), message: "also" },
      ],
    });
    expect(renderPretty(d, f, { color: false })).toBe(
      [
        "error[E0210]: cycle",
        " --> c.plan:4:5",
        "  |",
        "1 | let a = b",
        "  |     - first",
        "...",
        "4 | let b = a",
        "  |     ^ here",
        "5 | let c = a",
        "  |         - also",
        "",
      ].join("\n"),
    );
  });

  it("widens the gutter for long line numbers", () => {
    const src = `${"\n".repeat(99)}on 5m close > 1 enter lung\n`;
    const f = sourceFile("w.plan", "/", src);
    const out = renderPretty(diag({ code: "E0101", message: "m", span: span(100, 24, 28) }), f, { color: false });
    expect(out).toBe(
      [
        "error[E0101]: m",
        "   --> w.plan:100:24",
        "    |",
        "100 | on 5m close > 1 enter lung",
        "    |                        ^^^^",
        "",
      ].join("\n"),
    );
  });

  it("expands tabs so the carets stay under the text", () => {
    const f = sourceFile("t.plan", "/", "on 5m\tclose >\tx enter long\n");
    const out = renderPretty(diag({ message: "m", span: span(1, 15, 16) }), f, { color: false });
    expect(out.split("\n").slice(3, 5)).toEqual(["1 | on 5m   close > x enter long", "  |                 ^"]);
  });

  it("shows the first line of a multi-line span, marked to its end", () => {
    const f = sourceFile("m.plan", "/", "let a = close +\nopen\n");
    const out = renderPretty(diag({ message: "m", span: span(1, 9, 5, 2) }), f, { color: false });
    expect(out.split("\n").slice(3, 5)).toEqual(["1 | let a = close +", "  |         ^^^^^^^"]);
  });

  it("puts one caret for an empty span, also past the end of the line", () => {
    const out = renderPretty(
      diag({ code: "E0102", message: "rule has no action", span: span(3, 37, 37), label: "expected an action here" }),
      file,
      {
        color: false,
      },
    );
    expect(out.split("\n")[4]).toBe(`  | ${" ".repeat(36)}^ expected an action here`);
  });

  it("windows very long lines around the span", () => {
    const long = `on 5m ${"close > 1 and ".repeat(40)}brekout > 1${" and close > 1".repeat(40)} enter long`;
    const col = long.indexOf("brekout") + 1;
    const f = sourceFile("l.plan", "/", `${long}\n`);
    const out = renderPretty(diag({ span: span(1, col, col + 7) }), f, { color: false });
    const [, , , code, marks] = out.split("\n");
    expect(code?.length).toBeLessThanOrEqual(MAX_LINE_CELLS + 4);
    expect(code?.startsWith("1 | ...")).toBe(true);
    expect(code?.endsWith("...")).toBe(true);
    const at = (code ?? "").indexOf("brekout");
    expect((marks ?? "").indexOf("^^^^^^^")).toBe(at);
  });

  it("never lets control characters from the file or message reach the terminal", () => {
    const f = sourceFile("c.plan", "/", 'plan "\u001b[31mred"\n');
    const out = renderPretty(diag({ message: "bad \u001b[2J", span: span(1, 6, 16), label: "\u0007" }), f, {
      color: false,
    });
    expect(hasControlChars(out)).toBe(false);
    expect(out).toContain('plan "\ufffd[31mred"');
  });

  it("colors only when asked: bold red errors, yellow warnings, blue gutter", () => {
    const d = diag({ span: span(3, 19, 26) });
    const plain = renderPretty(d, file, { color: false });
    const colored = renderPretty(d, file, { color: true });
    expect(plain).not.toContain("\u001b[");
    expect(colored).toContain("\u001b[31m");
    expect(colored).toContain("\u001b[1m");
    expect(colored).toContain("\u001b[34m");
    expect(renderPretty({ ...d, severity: "warning" }, file, { color: true })).toContain("\u001b[33m");
    expect(stripAnsi(colored)).toBe(plain);
  });
});

describe("summary line", () => {
  const base = { files: 3, filesWithProblems: 0, errors: 0, warnings: 0, failOnWarnings: false };
  it("says ok with the file count when clean", () => {
    expect(renderSummary(base, false)).toBe("ok: 3 files checked\n");
    expect(renderSummary({ ...base, files: 1 }, false)).toBe("ok: 1 file checked\n");
  });
  it("counts errors and warnings and the files that have them", () => {
    expect(renderSummary({ ...base, filesWithProblems: 3, errors: 2, warnings: 1 }, false)).toBe(
      "error: 2 errors, 1 warning in 3 files\n",
    );
    expect(renderSummary({ ...base, filesWithProblems: 1, warnings: 2 }, false)).toBe(
      "warning: 2 warnings in 1 file\n",
    );
    expect(renderSummary({ ...base, filesWithProblems: 1, warnings: 1, failOnWarnings: true }, false)).toBe(
      "error: 1 warning in 1 file\n",
    );
  });
});
