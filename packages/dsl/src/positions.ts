import type { IToken } from "#chevrotain";
import type { Position, Span } from "./ast.js";

/**
 * Offsets to 1-based line/column positions. The lexer and parser track only
 * offsets (Chevrotain's `onlyOffset`), which halves the lexer's work and
 * drops a location object from every CST node; positions are computed here,
 * only for the nodes that keep one. Line breaks are `\r\n`, `\r` and `\n`,
 * as for the `NL` token; columns count UTF-16 units like offsets do.
 */
export class LineIndex {
  /** Offset at which each line starts; `starts[0] = 0`. */
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (source.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** The 0-based index of the line holding `offset` (the last line for offsets past the end). */
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

  /** Offset at which line `index` (0-based) starts. */
  lineStart(index: number): number {
    return this.starts[index] as number;
  }

  /** Offset at which the line after `index` starts, or `Infinity` for the last line. */
  nextLineStart(index: number): number {
    return this.starts[index + 1] ?? Number.POSITIVE_INFINITY;
  }

  position(offset: number): Position {
    const lo = this.lineIndex(offset);
    return { offset, line: lo + 1, column: offset - (this.starts[lo] as number) + 1 };
  }

  /** The span `[start, end)`. */
  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }

  /** A token's span (Chevrotain's `endOffset` is inclusive). */
  tokenSpan(t: IToken): Span {
    return this.span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
  }
}

/** Slots of `LinePositions`' cache: more than the distinct token boundaries a typical statement spans. */
const CACHE_SLOTS = 256;

/**
 * Positions within one line at a time, for the AST builder. A statement
 * never crosses a line break, so its positions need no search; and the same
 * offset (a token's end, which is also its node's end) gets one shared,
 * immutable `Position` object rather than one per span: the AST of a large
 * plan holds hundreds of thousands of them. Offsets outside the current
 * line (never produced by a well-formed statement) fall back to the index.
 */
export class LinePositions {
  private line = 1;
  /** The current line is `[start, next)`; empty until `setLine`. */
  private start = 0;
  private next = 0;
  /** Direct-mapped by offset; an entry is valid when its offset matches (one parse, one source). */
  private readonly cache: (Position | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);

  constructor(readonly lines: LineIndex) {}

  /** Moves to the line holding `offset`. */
  setLine(offset: number): void {
    if (offset >= this.start && offset < this.next) return;
    const i = this.lines.lineIndex(offset);
    this.line = i + 1;
    this.start = this.lines.lineStart(i);
    this.next = this.lines.nextLineStart(i);
  }

  position(offset: number): Position {
    if (!(offset >= this.start && offset < this.next)) return this.lines.position(offset);
    const slot = offset & (CACHE_SLOTS - 1);
    const known = this.cache[slot];
    if (known !== undefined && known.offset === offset) return known;
    const p: Position = { offset, line: this.line, column: offset - this.start + 1 };
    this.cache[slot] = p;
    return p;
  }

  /** The span `[start, end)`. */
  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }

  /** A token's span (Chevrotain's `endOffset` is inclusive). */
  tokenSpan(t: IToken): Span {
    return this.span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
  }
}
