import type { IToken } from "#chevrotain";
import type { Position, Span } from "./ast.js";
import type { LineIndex } from "./line-index.js";

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
