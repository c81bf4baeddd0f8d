import type { Position, Span } from "./ast.js";

/** Whether a UTF-16 code unit is a line break character (`\n` or `\r`). */
function isLineBreak(code: number): boolean {
  return code === 10 || code === 13;
}

/** An object with the offsets of a Chevrotain token: `endOffset` is inclusive. */
export interface TokenOffsets {
  readonly startOffset: number;
  readonly endOffset?: number | undefined;
}

/**
 * The one rule for lines, used by every package (the parser and the
 * formatter, the CLI's code frames and SARIF, the test runner's and the
 * configuration's YAML positions, the language server):
 *
 * - `\r\n`, a lone `\r` and `\n` each end a line, as for the lexer's `NL`
 *   token and the Language Server Protocol;
 * - a text with n line breaks has n + 1 lines: the empty text is one empty
 *   line, and a text ending with a break ends with an empty line;
 * - offsets and columns count UTF-16 code units (JavaScript string
 *   indices), LSP's default position encoding: a character outside the
 *   Basic Multilingual Plane (`😀`) is two columns wide;
 * - `Position`s are 1-based in line and column; the methods taking or
 *   returning a line `index` are 0-based.
 *
 * Built in one pass; each look-up is then a binary search. Pure and free
 * of Node APIs: it runs in a browser or a web worker.
 */
export class LineIndex {
  /** Offset at which each line starts; `starts[0] = 0`. */
  private readonly starts: number[] = [0];
  private texts: string[] | undefined;

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** Number of lines (at least 1). */
  get lineCount(): number {
    return this.starts.length;
  }

  /** The 0-based index of the line holding `offset` (0 before the start, the last line past the end). */
  lineIndex(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((s[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Offset at which line `index` starts. */
  lineStart(index: number): number {
    return this.starts[index] as number;
  }

  /** Offset at which the line after `index` starts, or `Infinity` for the last line. */
  nextLineStart(index: number): number {
    return this.starts[index + 1] ?? Number.POSITIVE_INFINITY;
  }

  /** Offset just past the text of line `index`: where its line break starts, or the end of the text. */
  lineEnd(index: number): number {
    const next = this.starts[index + 1];
    if (next === undefined) return this.text.length;
    const crlf = next >= 2 && this.text.charCodeAt(next - 1) === 10 && this.text.charCodeAt(next - 2) === 13;
    return next - (crlf ? 2 : 1);
  }

  /** The text of line `index`, without its line break. */
  lineText(index: number): string {
    return this.text.slice(this.lineStart(index), this.lineEnd(index));
  }

  /** Every line's text without its line break, in order (computed once). */
  lineTexts(): readonly string[] {
    if (this.texts === undefined) {
      const texts: string[] = new Array(this.starts.length);
      for (let i = 0; i < texts.length; i++) texts[i] = this.lineText(i);
      this.texts = texts;
    }
    return this.texts;
  }

  /** The first line start at or after `offset`, or the end of the text when no line starts there. */
  lineStartAtOrAfter(offset: number): number {
    if (offset >= this.text.length) return this.text.length;
    const i = this.lineIndex(offset);
    if (this.lineStart(i) === offset) return offset;
    return Math.min(this.nextLineStart(i), this.text.length);
  }

  /** The position of `offset`: 1-based line and column. */
  position(offset: number): Position {
    const lo = this.lineIndex(offset);
    return { offset, line: lo + 1, column: offset - (this.starts[lo] as number) + 1 };
  }

  /** The span `[start, end)`. */
  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }

  /** A token's span (Chevrotain's `endOffset` is inclusive). */
  tokenSpan(t: TokenOffsets): Span {
    return this.span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
  }
}

/**
 * The bounds `[start, end)` of the line holding `offset`, without its line
 * break, found by scanning around `offset` rather than indexing the whole
 * text: for one look-up per request in a large document (the language
 * server's completion and hover). Equal to `LineIndex`'s `lineStart` and
 * `lineEnd` of `lineIndex(offset)` at every offset but the one between the
 * `\r` and the `\n` of a `\r\n`, where no position lies.
 */
export function lineBoundsAt(text: string, offset: number): { start: number; end: number } {
  let start = offset;
  while (start > 0 && !isLineBreak(text.charCodeAt(start - 1))) start--;
  let end = offset;
  while (end < text.length && !isLineBreak(text.charCodeAt(end))) end++;
  return { start, end };
}
