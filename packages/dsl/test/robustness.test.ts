import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { format } from "../src/format.js";

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

  it("a line of 100,000 characters", () => {
    const r = analyze(`plan "x"\nsymbol A\nlet ${"a".repeat(100_000)} = 1\non 5m close > 1 enter long\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0601"]);
    expect(analyze(`on 5m close > ${"9".repeat(100_000)} enter long`, { symbol: "A" }).ast.statements).toHaveLength(1);
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
