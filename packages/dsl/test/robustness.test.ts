import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { format } from "../src/format.js";
import { createIncrementalAnalyzer } from "../src/incremental.js";

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The list of hostile inputs: each yields diagnostics (or a clean
 * result), never an exception or a hang. No timing is asserted; the test
 * timeout is the hang guard.
 */
describe("hostile input to analyze and format", () => {
  it("10 MB of random bytes, decoded as UTF-8 with replacement characters", () => {
    const src = new TextDecoder("utf-8").decode(bytes(10 * 1024 * 1024, 7));
    const r = analyze(src);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.at(-1)?.code).toBe("E0004");
    expect(r.compiled).toBeUndefined();
    const f = format(src);
    expect(f.ok).toBe(false);
  });

  it("a 10 MB file of valid rules checks clean", () => {
    const line = "on 5m close above 150.25 with volume > 1M enter long\n";
    const src = `plan "big"\nsymbol AAPL\n${line.repeat(Math.ceil((10 * 1024 * 1024) / line.length))}`;
    const r = analyze(src, { compile: false });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ast.statements.length).toBeGreaterThan(190_000);
  });

  it("a line of 100,000 characters is skipped (E0007); a name or number of 5,000 is too (E0008); the rest is checked", () => {
    const r = analyze(`plan "x"\nsymbol A\nlet ${"a".repeat(100_000)} = 1\non 5m close > 1 enter long\n`);
    expect(r.diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([["E0007", 3]]);
    expect(r.ast.statements).toHaveLength(3);
    const name = analyze(`plan "x"\nsymbol A\nlet ${"a".repeat(5_000)} = 1\non 5m close > 1 enter long\n`);
    expect(name.diagnostics.map((d) => d.code)).toEqual(["E0008"]);
    expect(name.diagnostics[0]?.message).toMatch(/^name too long: 5000 characters \(at most 4096\)/);
    const num = analyze(`on 5m close > ${"9".repeat(5_000)} enter long`, { symbol: "A" });
    expect(num.diagnostics.map((d) => d.code)).toEqual(["E0008"]);
    expect(num.ast.statements).toHaveLength(0);
  });

  it("a string literal of 9,000,000 characters (it overflowed the lexer's regular expression): E0007, no throw", () => {
    for (const src of [
      `plan "${"x".repeat(9_000_000)}"\nsymbol A\non 5m close > 1 enter long\n`,
      `plan "x"\nsymbol A\non 5m close > 1 enter long  # ${'"'.repeat(9_000_000)}\n`,
      `plan "x"\nsymbol A\non 5m close > 1${"_1".repeat(4_500_000)}.5 enter long\r\n`,
    ]) {
      const r = analyze(src);
      expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toContain("E0007");
      expect(r.diagnostics.every((d) => d.code !== "E0001")).toBe(true);
      expect(format(src).ok).toBe(false);
    }
    // One more line after it is checked as usual.
    const after = analyze(`plan "x"\nsymbol A\n# ${"x".repeat(9_000_000)}\non 5m close > 1 enter long\n`);
    expect(after.diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([["E0007", 3]]);
    expect(after.ast.statements.map((s) => s.type)).toEqual(["PlanDecl", "SymbolDecl", "ConditionRule"]);
  });

  it("a file over 16 MiB is not parsed: one E0009, in analyze and in the incremental analyzer", () => {
    const src = `plan "x"\nsymbol A\n${"on 5m close > 1 enter long\n".repeat(Math.ceil((17 * 1024 * 1024) / 27))}`;
    const r = analyze(src);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0009"]);
    expect(r.ast.statements).toEqual([]);
    const inc = createIncrementalAnalyzer();
    expect(inc.update(src).diagnostics.map((d) => d.code)).toEqual(["E0009"]);
    expect(inc.update('plan "x"\nsymbol A\non 5m close > 1 enter long\n').diagnostics).toEqual([]);
  });

  it("10,000 levels of parentheses", () => {
    const r = analyze(`plan "x"\nsymbol A\non 5m ${"(".repeat(10_000)}close${")".repeat(10_000)} > 1 enter long\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0003"]);
    expect(format(`on 5m ${"(".repeat(10_000)}close${")".repeat(10_000)} > 1 enter long\n`).ok).toBe(false);
  });

  it("unterminated strings, unknown characters, CRLF, tabs, a BOM, NUL bytes", () => {
    expect(analyze('plan "unterminated\nsymbol A\n').diagnostics.map((d) => d.code)).toEqual(["E0002"]);
    expect(analyze('plan "x"\nsymbol A\non 5m close > 1 enter long €\n').diagnostics.map((d) => d.code)).toEqual([
      "E0001",
    ]);
    const crlf = '\ufeffplan "x"\r\nsymbol A\r\n\ton 5m\tclose > 1\tenter long\r\n';
    expect(analyze(crlf).diagnostics).toEqual([]);
    const f = format(crlf);
    expect(f.ok && f.text).toBe('plan "x"\nsymbol A\n\non 5m close > 1 enter long\n');
    expect(analyze("\u0000\u0000plan\u0000").diagnostics.length).toBeGreaterThan(0);
  });

  it("empty and whitespace-only files", () => {
    for (const src of ["", " ", "\n\n", "\t\r\n", "# only a comment\n"]) {
      expect(() => analyze(src)).not.toThrow();
      expect(format(src).ok).toBe(true);
    }
  });
});
