import { createToken, type IToken, Lexer, type TokenType } from "#chevrotain";
import { LineIndex } from "./line-index.js";

/**
 * Tokens of the `.plan` language. Keywords are lower case and case-sensitive
 * (documented in docs/language.md): tickers such as `ON` or `LOW` stay plain
 * identifiers, and the parser turns `Enter` into E0103 with a hint.
 *
 * Order matters: Chevrotain tries patterns in order (first match wins), so
 * times (`10:00`) and timeframes (`5m`) come before plain numbers, and
 * `BadNumber` catches anything else that starts with a digit so that `5min`
 * is one clear E0005 instead of a cascade.
 */

const IDENT_TAIL = "(?![A-Za-z0-9_.])";
/** After a number or money amount: as `IDENT_TAIL`, except that `..` (a param's range, `3600..3800`) may follow. */
const NUMBER_TAIL = "(?![A-Za-z0-9_]|\\.(?!\\.))";

/**
 * Longest line lexed, in characters without its line break (E0007). A
 * regular expression run over one token of millions of characters (a
 * string, a number with digit groups) exhausts the engine's backtracking
 * stack and throws; a longer line is therefore never given to the lexer: it
 * becomes one {@link LongLine} token, which the parser reports and skips.
 */
export const MAX_LINE_CHARS = 65_536;

/** Longest string, number or name, in characters (E0008): past it the statement is skipped. */
export const MAX_TOKEN_CHARS = 4096;

/** Largest file checked, in characters (E0009): a bigger one is not parsed at all. */
export const MAX_SOURCE_CHARS = 16 * 1024 * 1024;

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: "comments" });
export const NL = createToken({ name: "NL", label: "end of line", pattern: /\r\n|\r|\n/, line_breaks: true });

export const StringLit = createToken({ name: "StringLit", label: "string", pattern: /"(?:[^"\\\r\n]|\\.)*"/ });
/** A whole line longer than {@link MAX_LINE_CHARS}, made by `tokenizeSlice` instead of lexing it (E0007). */
export const LongLine = createToken({ name: "LongLine", label: "line too long", pattern: Lexer.NA });

/** An opening quote with no closing one on the same line; reported as E0002. */
export const BadString = createToken({
  name: "BadString",
  label: "unterminated string",
  pattern: /"(?:[^"\\\r\n]|\\.)*/,
});

export const Money = createToken({
  name: "Money",
  label: "money amount",
  pattern: /\$(?:\d{1,3}(?:,\d{3})+|\d[\d_]*)(?:\.\d+)?[KMB]?(?![A-Za-z0-9_,]|\.(?!\.))/,
  start_chars_hint: ["$"],
});
export const Time = createToken({
  name: "Time",
  label: "time of day",
  pattern: new RegExp(`\\d{1,2}:\\d{2}${IDENT_TAIL}`),
  start_chars_hint: [..."0123456789"],
});
export const TimeframeTok = createToken({
  name: "Timeframe",
  label: "timeframe",
  pattern: new RegExp(`\\d+[smhd]${IDENT_TAIL}`),
  start_chars_hint: [..."0123456789"],
});
export const PercentTok = createToken({
  name: "Percent",
  label: "percent",
  pattern: /\d[\d_]*(?:\.[\d_]+)?%/,
  start_chars_hint: [..."0123456789"],
});
export const NumberTok = createToken({
  name: "Number",
  label: "number",
  pattern: new RegExp(`\\d[\\d_]*(?:\\.[\\d_]+)?[KMB]?${NUMBER_TAIL}`),
  start_chars_hint: [..."0123456789"],
});
/** Anything else starting with a digit (`5min`, `1.`, `2x`): one E0005. */
export const BadNumber = createToken({
  name: "BadNumber",
  label: "invalid number",
  pattern: /[\d$][\w.,$]*/,
  start_chars_hint: [..."0123456789$"],
});

/**
 * A run of characters that can start no token (`;`, `@`, control bytes, any
 * non-ASCII). Matching them as one token keeps binary garbage linear: left to
 * Chevrotain's error path, every such character would be retried against
 * every pattern. The parser reports it as E0001 and drops it.
 */
const UNKNOWN_ASCII = [..."%&'.:;?@\\^`{|}~"].concat(
  Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).filter((c) => !/\s/.test(c)),
  [String.fromCharCode(127)],
);
export const Unknown = createToken({
  name: "Unknown",
  label: "unknown character",
  pattern: /[^\s\w"#$()[\],=!<>+\-*/]+/,
  // One code per 256-code bucket above ASCII is how Chevrotain indexes first characters.
  start_chars_hint: [
    ...UNKNOWN_ASCII,
    ...Array.from({ length: 128 }, (_, i) => 128 + i).filter((c) => !/\s/.test(String.fromCharCode(c))),
    ...Array.from({ length: 255 }, (_, i) => (i + 1) * 256),
  ],
});

export const Identifier = createToken({ name: "Identifier", label: "name", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

/** All keywords by their text. */
export const KEYWORDS: Record<string, TokenType> = {};

function kw(word: string, categories?: TokenType[]): TokenType {
  const t = createToken({
    name: `Kw_${word}`,
    label: `\`${word}\``,
    pattern: new RegExp(`${word}(?![A-Za-z0-9_])`),
    longer_alt: Identifier,
    start_chars_hint: [word[0] as string],
    ...(categories ? { categories } : {}),
  });
  KEYWORDS[word] = t;
  return t;
}

/** Category token: any bar field. */
export const BarFieldCat = createToken({ name: "BarField", label: "bar field", pattern: Lexer.NA });

export const Plan = kw("plan");
export const SymbolKw = kw("symbol");
export const Symbols = kw("symbols");
export const Timezone = kw("timezone");
export const Session = kw("session");
export const Regular = kw("regular");
export const Extended = kw("extended");
export const Always = kw("always");
export const Let = kw("let");
export const Param = kw("param");
export const In = kw("in");
export const Step = kw("step");
export const Risk = kw("risk");
export const On = kw("on");
export const With = kw("with");
export const Between = kw("between");
export const And = kw("and");
export const Or = kw("or");
export const Not = kw("not");
export const Above = kw("above");
export const Below = kw("below");
export const Crosses = kw("crosses");
export const Enter = kw("enter");
export const Exit = kw("exit");
export const Long = kw("long");
export const Short = kw("short");
export const Size = kw("size");
export const Shares = kw("shares");
export const Of = kw("of");
export const Equity = kw("equity");
export const Confidence = kw("confidence");
export const Medium = kw("medium");
export const Stop = kw("stop");
export const Target = kw("target");
export const Trailing = kw("trailing");
export const Activate = kw("activate");
export const At = kw("at");
export const True = kw("true");
export const False = kw("false");
export const Open = kw("open", [BarFieldCat]);
export const High = kw("high", [BarFieldCat]);
export const Low = kw("low", [BarFieldCat]);
export const Close = kw("close", [BarFieldCat]);
export const Volume = kw("volume", [BarFieldCat]);

export const LParen = createToken({ name: "LParen", label: "`(`", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", label: "`)`", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", label: "`[`", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", label: "`]`", pattern: /\]/ });
export const Comma = createToken({ name: "Comma", label: "`,`", pattern: /,/ });
/** `..` between a param's bounds (`in 3600..3800`). */
export const DotDot = createToken({ name: "DotDot", label: "`..`", pattern: /\.\./ });
export const EqEq = createToken({ name: "EqEq", label: "`==`", pattern: /==/ });
export const NotEq = createToken({ name: "NotEq", label: "`!=`", pattern: /!=/ });
export const GtEq = createToken({ name: "GtEq", label: "`>=`", pattern: />=/ });
export const LtEq = createToken({ name: "LtEq", label: "`<=`", pattern: /<=/ });
export const Gt = createToken({ name: "Gt", label: "`>`", pattern: />/ });
export const Lt = createToken({ name: "Lt", label: "`<`", pattern: /</ });
export const Assign = createToken({ name: "Assign", label: "`=`", pattern: /=/ });
export const Plus = createToken({ name: "Plus", label: "`+`", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", label: "`-`", pattern: /-/ });
export const Star = createToken({ name: "Star", label: "`*`", pattern: /\*/ });
export const Slash = createToken({ name: "Slash", label: "`/`", pattern: /\// });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  NL,
  StringLit,
  BadString,
  Money,
  Time,
  TimeframeTok,
  PercentTok,
  NumberTok,
  BadNumber,
  ...Object.values(KEYWORDS),
  BarFieldCat,
  Identifier,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  DotDot,
  EqEq,
  NotEq,
  GtEq,
  LtEq,
  Gt,
  Lt,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
  Unknown,
];

/**
 * What a token is to a reader of the token stream (the language server's
 * highlighting, what completion offers where the grammar expects a token):
 * the one classification of the tokens above.
 */
export type TokenKind =
  | "keyword"
  | "field"
  | "name"
  | "number"
  | "percent"
  | "money"
  | "timeframe"
  | "time"
  | "string"
  | "operator"
  | "punctuation"
  | "comment"
  | "other";

const KINDS: ReadonlyMap<TokenType, TokenKind> = new Map<TokenType, TokenKind>([
  [Comment, "comment"],
  [StringLit, "string"],
  [BadString, "string"],
  [Money, "money"],
  [Time, "time"],
  [TimeframeTok, "timeframe"],
  [PercentTok, "percent"],
  [NumberTok, "number"],
  [BadNumber, "number"],
  [Identifier, "name"],
  ...[BarFieldCat, Open, High, Low, Close, Volume].map((t): [TokenType, TokenKind] => [t, "field"]),
  ...[EqEq, NotEq, GtEq, LtEq, Gt, Lt, Assign, Plus, Minus, Star, Slash].map((t): [TokenType, TokenKind] => [
    t,
    "operator",
  ]),
  ...[LParen, RParen, LBracket, RBracket, Comma, DotDot].map((t): [TokenType, TokenKind] => [t, "punctuation"]),
]);

export function tokenKind(type: TokenType): TokenKind {
  return KINDS.get(type) ?? (KEYWORD_TYPE_SET.has(type) ? "keyword" : "other");
}

/** The keyword a token type writes (`enter` for `Kw_enter`), or undefined for other tokens. */
export function keywordOf(type: TokenType): string | undefined {
  return KEYWORD_WORDS.get(type);
}

/**
 * Chevrotain's lexer, making offset-only tokens that also carry `endOffset`
 * (the CST's node locations are computed from it). Chevrotain 11 builds
 * every token through `createOffsetOnlyToken` in this mode; overriding it
 * puts `endOffset` in the token object itself instead of adding it
 * afterwards, which would give each of a large file's tokens a second
 * (property) object. The hook also gives keywords their type (see
 * `KEYWORD_TYPES`) and shifts offsets by `base`; `finish` does both
 * afterwards for a Chevrotain that does not call it.
 */
class PlanLexer extends Lexer {
  /** Added to every offset: `tokenizeSlice` lexes a slice of a file and reports offsets in the whole file. */
  base = 0;

  createOffsetOnlyToken(image: string, startOffset: number, tokenTypeIdx: number, tokenType: TokenType): IToken {
    const offset = startOffset + this.base;
    const end = offset + image.length - 1;
    if (tokenTypeIdx === Identifier.tokenTypeIdx) {
      const kw = KEYWORD_TYPES.get(image);
      if (kw !== undefined)
        return { image, startOffset: offset, endOffset: end, tokenTypeIdx: kw.tokenTypeIdx as number, tokenType: kw };
    }
    return { image, startOffset: offset, endOffset: end, tokenTypeIdx, tokenType };
  }
}

/**
 * Keywords by text, for the lexer. A keyword's pattern matches exactly when
 * the longest name at that point is the keyword itself (the pattern refuses
 * a following name character, and `Identifier` is its `longer_alt`), so
 * the lexer matches one `Identifier` and looks its text up here instead of
 * trying up to four keyword patterns before it: the same tokens, less
 * regular expression work.
 */
const KEYWORD_TYPES: ReadonlyMap<string, TokenType> = new Map(Object.entries(KEYWORDS));
const KEYWORD_TYPE_SET: ReadonlySet<TokenType> = new Set(KEYWORD_TYPES.values());
const KEYWORD_WORDS: ReadonlyMap<TokenType, string> = new Map([...KEYWORD_TYPES].map(([word, t]) => [t, word]));

/**
 * A new lexer. `validate` runs Chevrotain's checks of the token definitions
 * (unreachable or conflicting patterns), which cost more than the rest of
 * building it: the lexer test runs them, the shared instance skips them.
 */
export function createPlanLexer(validate = false): Lexer & { base: number } {
  return new PlanLexer(
    allTokens.filter((t) => !KEYWORD_TYPE_SET.has(t)),
    {
      positionTracking: "onlyOffset",
      ensureOptimizations: true,
      skipValidations: !validate,
      // Diagnostics carry their own positions; Chevrotain's message text is replaced anyway.
      errorMessageProvider: {
        buildUnexpectedCharactersMessage: (text, startOffset, length) => text.slice(startOffset, startOffset + length),
        buildUnableToPopLexerModeMessage: () => "",
      },
    },
  );
}

/** One shared lexer instance, built on first use: building one is too slow to repeat per call, or to do on import. */
let planLexer: (Lexer & { base: number }) | undefined;

export interface LexError {
  readonly offset: number;
  readonly length: number;
}

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  readonly errors: LexError[];
}

/** Tokenize a whole file. Never throws: unknown characters come back as errors. */
export function tokenize(source: string): LexResult {
  return tokenizeSlice(source, 0, source.length);
}

/**
 * Tokenize `source` from `start` to `end`, with offsets in the whole of
 * `source`. Only valid when `start` and `end` are line starts (or the
 * ends of the text): no token spans a line break except `NL` itself, so
 * lexing a file slice by slice gives exactly the tokens of lexing it whole.
 */
export function tokenizeSlice(source: string, start: number, end: number): LexResult {
  // Only a slice longer than the cap can hold a line longer than it.
  if (end - start > MAX_LINE_CHARS) return tokenizeLongSlice(source, start, end);
  return lexSlice(source, start, end);
}

/** `tokenizeSlice` of a slice that may hold lines longer than the cap: each of those is one `LongLine` token. */
function tokenizeLongSlice(source: string, start: number, end: number): LexResult {
  const tokens: IToken[] = [];
  const comments: IToken[] = [];
  const errors: LexError[] = [];
  const add = (r: LexResult) => {
    for (const t of r.tokens) tokens.push(t);
    for (const c of r.comments) comments.push(c);
    for (const e of r.errors) errors.push(e);
  };
  // [from, lineStart) is lexed as usual; it starts at a line break or at `start`, so it is a valid slice.
  let from = start;
  // The slice's own lines: a `\r\n` cut by `end` is a lone `\r` here, as when the slice is lexed.
  const lines = new LineIndex(source.slice(start, end));
  for (let k = 0; k < lines.lineCount; k++) {
    const lineStart = start + lines.lineStart(k);
    const lineEnd = start + lines.lineEnd(k);
    if (lineEnd - lineStart <= MAX_LINE_CHARS) continue;
    if (lineStart > from) add(lexSlice(source, from, lineStart));
    tokens.push({
      image: source.slice(lineStart, lineEnd),
      startOffset: lineStart,
      endOffset: lineEnd - 1,
      tokenTypeIdx: LongLine.tokenTypeIdx as number,
      tokenType: LongLine,
    });
    from = lineEnd;
  }
  if (end > from) add(lexSlice(source, from, end));
  return { tokens, comments, errors };
}

function lexSlice(source: string, start: number, end: number): LexResult {
  const text = start === 0 && end === source.length ? source : source.slice(start, end);
  planLexer ??= createPlanLexer();
  planLexer.base = start;
  let r: ReturnType<Lexer["tokenize"]>;
  try {
    r = planLexer.tokenize(text);
  } finally {
    planLexer.base = 0;
  }
  const comments = r.groups.comments ?? [];
  finish(r.tokens, start);
  finish(comments, start);
  return {
    tokens: r.tokens,
    comments,
    errors: r.errors.map((e) => ({ offset: e.offset + start, length: e.length })),
  };
}

/** What `PlanLexer.createOffsetOnlyToken` does, for tokens a Chevrotain without that hook made (no `endOffset`). */
function finish(tokens: IToken[], base: number): void {
  if (tokens[0] === undefined || tokens[0].endOffset !== undefined) return;
  for (const t of tokens) {
    t.startOffset += base;
    t.endOffset = t.startOffset + t.image.length - 1;
    const kw = t.tokenType === Identifier ? KEYWORD_TYPES.get(t.image) : undefined;
    if (kw !== undefined) {
      t.tokenType = kw;
      t.tokenTypeIdx = kw.tokenTypeIdx as number;
    }
  }
}
