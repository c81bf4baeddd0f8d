import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AnalyzeOptions, analyze } from "../src/analyze.js";
import { createIncrementalAnalyzer } from "../src/incremental.js";
import { tokenSoup, validPlan } from "./arbitraries.js";
import { snapshot } from "./incremental-helpers.js";

/**
 * The incremental analyzer's guarantee: after every edit of any sequence,
 * `update(text)` equals `analyze(text)` with the same options — AST,
 * diagnostics (order and spans), semantic model and compiled plan.
 */

/** Whole lines an edit may insert or put in place of another: every statement kind, broken ones, comments, blanks. */
const LINES = [
  "",
  "   ",
  "# a comment",
  'plan "edited"',
  'plan "second"',
  "symbol AAPL",
  "symbols MSFT, aapl, AAPL",
  'timezone "Europe/Berlin"',
  'timezone "America/New_Yrok"',
  "session extended",
  "session always",
  "risk max position 500 shares",
  "risk max daily loss 150%",
  "let level = 150",
  "let level = 151",
  "let fast = sma(close, 10)",
  "let up = fast > sma(close, 30) and heavy",
  "let heavy = volume > 1.5 * sma(volume, 20)",
  "let loop = loop and up",
  "let sma = close",
  "let _spare = 3",
  "let base = 150",
  "let base = volume",
  "let over = close > base",
  "on 5m over exit",
  "on 5m close above level enter long size 100 shares stop 2% target 160",
  "on 5m close above 150 enter short",
  "on 5m close above 150 enter long",
  "on 1m up between 10:00 and 15:30 enter long confidence high",
  "on 5m close > 150 and close < 140 enter long",
  "on 5m crosses above enter long",
  "on 7s close > open exit",
  "on 1h close[-1] > open exit long",
  "on 1m trailing stop 2% activate at level",
  "on 1m trailing stop 0%",
  "on 5m sma(close, 2000) > close exit",
  "on 5m close above levle exit",
  "on 5m rsi(close, 14) > close exit",
  "on 5m close > 150 between 07:00 and 08:00 enter long stop close",
  "on 5m close > open enter long size 0 shares confidence 1.5",
  "on 5m close > 1 ; enter long",
  'on 5m close > "open enter long',
  "Enter long",
  "on 5m close > 150 enter long # trailing comment",
];

/** Characters an edit may type, including every kind of line break. */
const CHARS = ["a", "e", "1", "0", " ", "(", ")", '"', "#", "%", "$", ",", ".", "-", "=", "\n", "\r", "\r\n", ";", "é"];

type Edit =
  | { kind: "insertLine"; at: number; line: string; crlf: boolean }
  | { kind: "deleteLine"; at: number }
  | { kind: "replaceLine"; at: number; line: string }
  | { kind: "type"; at: number; text: string }
  | { kind: "erase"; at: number; length: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant("insertLine" as const),
    at: fc.nat(),
    line: fc.constantFrom(...LINES),
    crlf: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("deleteLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replaceLine" as const), at: fc.nat(), line: fc.constantFrom(...LINES) }),
  fc.record({
    kind: fc.constant("type" as const),
    at: fc.nat(),
    text: fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 3 }).map((cs) => cs.join("")),
  }),
  fc.record({ kind: fc.constant("erase" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
);

/** Line starts and ends (without the break) of `text`, breaks as the parser reads them. */
function lineRanges(text: string): { start: number; end: number; next: number }[] {
  const out: { start: number; end: number; next: number }[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\n" && c !== "\r") continue;
    const next = c === "\r" && text[i + 1] === "\n" ? i + 2 : i + 1;
    out.push({ start, end: i, next });
    start = next;
    i = next - 1;
  }
  out.push({ start, end: text.length, next: text.length });
  return out;
}

export function applyEdit(text: string, e: Edit): string {
  const lines = lineRanges(text);
  switch (e.kind) {
    case "insertLine": {
      const l = lines[e.at % lines.length] as { start: number };
      return `${text.slice(0, l.start)}${e.line}${e.crlf ? "\r\n" : "\n"}${text.slice(l.start)}`;
    }
    case "deleteLine": {
      const l = lines[e.at % lines.length] as { start: number; next: number };
      return text.slice(0, l.start) + text.slice(l.next);
    }
    case "replaceLine": {
      const l = lines[e.at % lines.length] as { start: number; end: number };
      return text.slice(0, l.start) + e.line + text.slice(l.end);
    }
    case "type": {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + e.text + text.slice(at);
    }
    case "erase": {
      const at = e.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + e.length);
    }
  }
}

const startText = fc.oneof(
  validPlan.map((p) => p.source),
  tokenSoup,
  fc.array(fc.constantFrom(...LINES), { maxLength: 12 }).map((ls) => ls.join("\n")),
  fc.constant(""),
);

const optionSets: AnalyzeOptions[] = [
  {},
  { symbol: "SPY", fileName: "plans/edited.plan" },
  { compile: false },
  { barCacheSize: 50 },
];

function checkSequence(start: string, edits: readonly Edit[], options: AnalyzeOptions): void {
  const inc = createIncrementalAnalyzer(options);
  let text = start;
  expect(snapshot(inc.update(text))).toStrictEqual(snapshot(analyze(text, options)));
  for (const e of edits) {
    text = applyEdit(text, e);
    expect(snapshot(inc.update(text))).toStrictEqual(snapshot(analyze(text, options)));
  }
}

describe("incremental analysis equals analyze after every edit", () => {
  for (const [i, options] of optionSets.entries()) {
    it(`random edit sequences, options set ${i}: ${JSON.stringify(options)}`, () => {
      fc.assert(
        fc.property(startText, fc.array(edit, { minLength: 1, maxLength: 12 }), (start, edits) =>
          checkSequence(start, edits, options),
        ),
        { numRuns: 120 },
      );
    });
  }

  it("large documents (parsed as one file when opened), edited", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...LINES), { minLength: 110, maxLength: 220 }),
        fc.boolean(),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        (lines, crlf, edits) => checkSequence(lines.join(crlf ? "\r\n" : "\n"), edits, { symbol: "X" }),
      ),
      { numRuns: 40 },
    );
  });

  it("CRLF documents edited line by line", () => {
    fc.assert(
      fc.property(validPlan, fc.array(edit, { minLength: 1, maxLength: 10 }), (p, edits) =>
        checkSequence(p.source.replace(/\n/g, "\r\n"), edits, {}),
      ),
      { numRuns: 80 },
    );
  });
});
