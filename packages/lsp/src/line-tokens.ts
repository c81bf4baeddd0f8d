import { tokenize } from "@tradeplan/dsl";

/** A token of one line, with offsets into the whole document. */
export interface LineToken {
  /** Chevrotain's token type name: `Identifier`, `Number`, `Kw_on`, `LParen`, ... */
  readonly type: string;
  readonly image: string;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** A line's tokens and comment (if any), and where the line starts in the document. */
export interface LineLex {
  readonly lineStart: number;
  readonly lineText: string;
  readonly tokens: readonly LineToken[];
  /** Start offset of a `#` comment on the line, if any. */
  readonly commentStart?: number;
}

/** The bounds `[start, end)` of the line holding `offset` (without its line break). */
export function lineBounds(text: string, offset: number): { start: number; end: number } {
  let start = offset;
  while (start > 0) {
    const c = text.charCodeAt(start - 1);
    if (c === 10 || c === 13) break;
    start--;
  }
  let end = offset;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c === 10 || c === 13) break;
    end++;
  }
  return { start, end };
}

/**
 * Lexes only the line holding `offset`: statements are lines, so completion,
 * signature help and hover need no more, and a keystroke in a large file
 * costs one line's lexing.
 */
export function lexLine(text: string, offset: number): LineLex {
  const { start, end } = lineBounds(text, offset);
  const lineText = text.slice(start, end);
  const r = tokenize(lineText);
  const tokens = r.tokens
    .filter((t) => t.tokenType.name !== "NL")
    .map((t) => ({
      type: t.tokenType.name,
      image: t.image,
      start: start + t.startOffset,
      end: start + t.startOffset + t.image.length,
    }));
  const comment = r.comments[0];
  return comment
    ? { lineStart: start, lineText, tokens, commentStart: start + comment.startOffset }
    : { lineStart: start, lineText, tokens };
}

/** The token containing `offset` (its end included, so a cursor right after a word is on it); prefers a word over punctuation. */
export function tokenAt(tokens: readonly LineToken[], offset: number): LineToken | undefined {
  let hit: LineToken | undefined;
  for (const t of tokens) {
    if (t.start <= offset && offset <= t.end) {
      if (!hit || /^[A-Za-z_0-9$]/.test(t.image)) hit = t;
    }
  }
  return hit;
}

/** The keyword a token is (`on`, `enter`), or undefined for other tokens. */
export function keywordOf(t: LineToken): string | undefined {
  return t.type.startsWith("Kw_") ? t.type.slice(3) : undefined;
}
