import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { type Diagnostic, DiagnosticCollector, MAX_DIAGNOSTICS } from "../src/diagnostics.js";
import { tokenize, tokenizeSlice } from "../src/lexer.js";
import { parse } from "../src/parser.js";

/**
 * The parser lexes a file a slice of lines at a time (so that tokens die
 * young); these tests pin that this changes nothing: the same tokens as one
 * whole-file pass, and diagnostics reported as if every E0001 came first.
 */

const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));
const examples = ["plans", "failing"].flatMap((d) =>
  readdirSync(join(EXAMPLES, d))
    .filter((f) => f.endsWith(".plan"))
    .map((f) => readFileSync(join(EXAMPLES, d, f), "utf8")),
);

/** Offsets at which each line starts (`\r\n`, `\r` and `\n` end lines). */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] !== "\n")) out.push(i + 1);
  }
  return out;
}

function shape(r: ReturnType<typeof tokenize>) {
  return {
    tokens: r.tokens.map((t) => [t.image, t.startOffset, t.endOffset, t.tokenType.name]),
    comments: r.comments.map((t) => [t.image, t.startOffset, t.endOffset]),
    errors: r.errors,
  };
}

describe("lexing by slices of lines", () => {
  const mixed =
    'plan "x"\r\non 5m close > 1 enter long # c\rlet a = @@ ; 5min\u2028 "open\n\nOn 1m Close above $1,00 enter\r\n';
  it.each([...examples.map((e, i) => [`example ${i}`, e]), ["mixed line breaks and bad input", mixed]])(
    "%s: slices at line starts give the whole file's tokens",
    (_, text) => {
      const whole = shape(tokenize(text));
      const starts = lineStarts(text);
      for (const step of [1, 2, 3]) {
        const parts = { tokens: [] as unknown[], comments: [] as unknown[], errors: [] as unknown[] };
        for (let i = 0; i < starts.length; i += step) {
          const r = shape(tokenizeSlice(text, starts[i] as number, starts[i + step] ?? text.length));
          parts.tokens.push(...r.tokens);
          parts.comments.push(...r.comments);
          parts.errors.push(...r.errors);
        }
        expect(parts).toEqual(whole);
      }
    },
  );

  it("keywords are told from names exactly as their own patterns would", () => {
    const names = tokenize("on onx close closes _close Close crosses crossesabove x1 of of1").tokens.map(
      (t) => t.tokenType.name,
    );
    expect(names).toEqual([
      "Kw_on",
      "Identifier",
      "Kw_close",
      "Identifier",
      "Identifier",
      "Identifier",
      "Kw_crosses",
      "Identifier",
      "Identifier",
      "Kw_of",
      "Identifier",
    ]);
  });
});

describe("diagnostics of a file lexed by slices", () => {
  // 60 KiB: many slices. Unknown characters only at the end, statement errors from the start.
  const pairs = Array.from(
    { length: 1000 },
    (_, i) => `on 5m close above ${i} enter long\non 5m close > ${i} enter lng`,
  );
  const unknowns = Array.from({ length: 150 }, (_, i) => `@ ${i}`);
  const text = `symbol AAPL\n${pairs.join("\n")}\n${unknowns.join("\n")}\n`;

  it("reports every E0001 before any statement problem", () => {
    const order: Diagnostic[] = [];
    class Recorder extends DiagnosticCollector {
      override report(d: Diagnostic): void {
        order.push(d);
      }
    }
    const ast = parse(text, new Recorder());
    const codes = order.map((d) => d.code);
    expect(codes.lastIndexOf("E0001")).toBe(149);
    expect(codes.slice(150).every((c) => c === "E0101")).toBe(true);
    // Each broken rule, and each `@ N` line's left-over number, is one E0101.
    expect(codes.length).toBe(150 + 1000 + 150);
    // An uncapped collector is never full: every statement is parsed.
    expect(ast.statements.length).toBe(1001);
  });

  it("stops at the cap where the whole-file order would, and keeps only the statements parsed before it", () => {
    const diagnostics = new DiagnosticCollector();
    const ast = parse(text, diagnostics);
    const all = diagnostics.toArray();
    const count = (code: string) => all.filter((d) => d.code === code).length;
    expect(count("E0001")).toBe(150);
    expect(count("E0101")).toBe(MAX_DIAGNOSTICS - 150);
    // `symbol AAPL`, then a valid rule before each of the 50 broken lines that were parsed.
    expect(ast.statements.length).toBe(1 + 50);
    expect(analyze(text).diagnostics.at(-1)?.code).toBe("E0004");
  });
});
