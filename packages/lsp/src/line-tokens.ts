import { lineBoundsAt, tokenize } from "@tradeplan/dsl";

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

/**
 * Lexes only the line holding `offset`: statements are lines, so completion,
 * signature help and hover need no more, and a keystroke in a large file
 * costs one line's lexing.
 */
export function lexLine(text: string, offset: number): LineLex {
  const { start, end } = lineBoundsAt(text, offset);
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
