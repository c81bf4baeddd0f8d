import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineIndex, lineBoundsAt } from "../src/index.js";

/** The rule written as a regular expression, the reference the index must agree with. */
const reference = (text: string): string[] => text.split(/\r\n|\r|\n/);

/** Texts made of the pieces where line rules differ: every break, astral and plain characters. */
const texts = fc
  .array(fc.constantFrom("a", "bc", "\n", "\r", "\r\n", "😀", " ", "\u2028"), { maxLength: 40 })
  .map((parts) => parts.join(""));

describe("LineIndex", () => {
  it("has one empty line for empty input", () => {
    const lines = new LineIndex("");
    expect(lines.lineCount).toBe(1);
    expect(lines.lineTexts()).toEqual([""]);
    expect(lines.position(0)).toEqual({ offset: 0, line: 1, column: 1 });
    expect(lines.lineEnd(0)).toBe(0);
    expect(lines.lineStartAtOrAfter(0)).toBe(0);
  });

  it("ends a line at \\r\\n, a lone \\r and \\n alike", () => {
    const lines = new LineIndex("a\r\nb\rc\nd");
    expect(lines.lineTexts()).toEqual(["a", "b", "c", "d"]);
    expect([0, 1, 2, 3].map((i) => lines.lineStart(i))).toEqual([0, 3, 5, 7]);
    expect([0, 1, 2, 3].map((i) => lines.lineEnd(i))).toEqual([1, 4, 6, 8]);
    expect(lines.position(3)).toEqual({ offset: 3, line: 2, column: 1 });
    expect(lines.position(5)).toEqual({ offset: 5, line: 3, column: 1 });
    // The break belongs to the line it ends.
    expect(lines.position(1)).toEqual({ offset: 1, line: 1, column: 2 });
    expect(lines.position(2)).toEqual({ offset: 2, line: 1, column: 3 });
  });

  it("counts a lone \\r at the very end as a break, and \\n\\r as two", () => {
    expect(new LineIndex("a\r").lineTexts()).toEqual(["a", ""]);
    expect(new LineIndex("a\n\rb").lineTexts()).toEqual(["a", "", "b"]);
  });

  it("keeps a final line without a line break, and an empty last line after one", () => {
    const open = new LineIndex("x\ny");
    expect(open.lineCount).toBe(2);
    expect(open.lineText(1)).toBe("y");
    expect(open.position(3)).toEqual({ offset: 3, line: 2, column: 2 });
    const closed = new LineIndex("x\ny\n");
    expect(closed.lineCount).toBe(3);
    expect(closed.lineText(2)).toBe("");
    expect(closed.position(4)).toEqual({ offset: 4, line: 3, column: 1 });
    expect(closed.nextLineStart(2)).toBe(Number.POSITIVE_INFINITY);
  });

  it("counts columns in UTF-16 code units, as LSP does: an astral character is two wide", () => {
    const lines = new LineIndex("a😀b\n😀c");
    // a (1) 😀 (2, 3) b (4); the second line starts at offset 5.
    expect(lines.position(3)).toEqual({ offset: 3, line: 1, column: 4 });
    expect(lines.position(7)).toEqual({ offset: 7, line: 2, column: 3 });
    expect(lines.lineText(1)).toBe("😀c");
    // U+2028 (line separator) is no line break: LSP names only \r\n, \r and \n.
    expect(new LineIndex("a\u2028b").lineCount).toBe(1);
  });

  it("finds the first line start at or after an offset, also inside a \\r\\n", () => {
    const lines = new LineIndex("ab\r\ncd\ne");
    expect(lines.lineStartAtOrAfter(0)).toBe(0);
    expect(lines.lineStartAtOrAfter(1)).toBe(4);
    expect(lines.lineStartAtOrAfter(3)).toBe(4);
    expect(lines.lineStartAtOrAfter(4)).toBe(4);
    expect(lines.lineStartAtOrAfter(5)).toBe(7);
    expect(lines.lineStartAtOrAfter(7)).toBe(7);
    expect(lines.lineStartAtOrAfter(8)).toBe(8);
    expect(lines.lineStartAtOrAfter(50)).toBe(8);
  });

  it("finds that line start as a scan from the offset would", () => {
    // The parser's scan for the end of a lexing slice, before it asked the index.
    const scan = (source: string, offset: number): number => {
      if (offset >= source.length) return source.length;
      for (let i = offset - 1; i < source.length; i++) {
        const c = source.charCodeAt(i);
        if (c === 10) return i + 1;
        if (c === 13 && source.charCodeAt(i + 1) !== 10) return i + 1;
      }
      return source.length;
    };
    fc.assert(
      fc.property(texts, (text) => {
        const lines = new LineIndex(text);
        for (let offset = 1; offset <= text.length + 1; offset++) {
          expect(lines.lineStartAtOrAfter(offset)).toBe(scan(text, offset));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("gives a token's span with Chevrotain's inclusive end offset", () => {
    const lines = new LineIndex("on 5m\nclose");
    expect(lines.tokenSpan({ startOffset: 6, endOffset: 10 })).toEqual({
      start: { offset: 6, line: 2, column: 1 },
      end: { offset: 11, line: 2, column: 6 },
    });
  });

  it("agrees with the rule's regular expression on every text", () => {
    fc.assert(
      fc.property(texts, (text) => {
        const lines = new LineIndex(text);
        const expected = reference(text);
        expect(lines.lineTexts()).toEqual(expected);
        expect(lines.lineCount).toBe(expected.length);
        for (let i = 0; i < lines.lineCount; i++) {
          expect(text.slice(lines.lineStart(i), lines.lineEnd(i))).toBe(expected[i]);
        }
        // Every offset maps to a line and column from which it can be found again.
        for (let offset = 0; offset <= text.length; offset++) {
          const p = lines.position(offset);
          expect(lines.lineStart(p.line - 1) + p.column - 1).toBe(offset);
          expect(offset).toBeLessThan(lines.nextLineStart(p.line - 1));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("lineBoundsAt", () => {
  it("finds the line around an offset like the index does, everywhere but inside a \\r\\n", () => {
    fc.assert(
      fc.property(texts, (text) => {
        const lines = new LineIndex(text);
        for (let offset = 0; offset <= text.length; offset++) {
          if (text[offset - 1] === "\r" && text[offset] === "\n") continue;
          const i = lines.lineIndex(offset);
          expect(lineBoundsAt(text, offset)).toEqual({ start: lines.lineStart(i), end: lines.lineEnd(i) });
        }
      }),
      { numRuns: 500 },
    );
  });
});
