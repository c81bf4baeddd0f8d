import type { IToken } from "chevrotain";
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

  position(offset: number): Position {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((s[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - (s[lo] as number) + 1 };
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
