import { keywordOf, type TokenKind, tokenize, tokenKind, Unknown } from "./lexer.js";
import { expectedAfter } from "./parser.js";

/** A token the grammar allows at some point of a statement. */
export interface ExpectedToken {
  readonly kind: TokenKind;
  /** The keyword, for keywords and bar fields (`enter`, `close`); none where any field would do. */
  readonly word?: string;
  /** The grammar rules the token would be part of, outermost (`statement`) first, e.g. `rule`, `conditionRule`. */
  readonly rules: readonly string[];
}

/**
 * The tokens that may come next after `text`, the beginning of a statement
 * (a line up to the cursor), as the grammar itself says (Chevrotain's
 * content assist): what the language server completes from. Empty when
 * `text` does not start a statement (it holds a syntax error or a character
 * that is not part of the language).
 */
export function expectedTokens(text: string): ExpectedToken[] {
  const lexed = tokenize(text);
  if (lexed.errors.length > 0 || lexed.tokens.some((t) => t.tokenType === Unknown)) return [];
  const seen = new Set<string>();
  const out: ExpectedToken[] = [];
  for (const path of expectedAfter(lexed.tokens)) {
    const type = path.nextTokenType;
    const word = keywordOf(type);
    const key = `${type.name} ${path.ruleStack.join(" ")}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      word === undefined
        ? { kind: tokenKind(type), rules: path.ruleStack }
        : { kind: tokenKind(type), word, rules: path.ruleStack },
    );
  }
  return out;
}
