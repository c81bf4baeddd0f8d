import { EOF, type IRecognitionException, type IToken, type TokenType, tokenMatcher } from "#chevrotain";
import type * as A from "./ast.js";
import { type Diagnostic, DiagnosticCollector, MAX_DIAGNOSTICS } from "./diagnostics.js";
import { FAILED, PlanGrammar } from "./grammar.js";
import {
  Assign,
  BadNumber,
  BadString,
  BarFieldCat,
  False,
  Identifier,
  KEYWORDS,
  LBracket,
  Let,
  type LexError,
  LongLine,
  LParen,
  MAX_LINE_CHARS,
  MAX_SOURCE_CHARS,
  MAX_TOKEN_CHARS,
  Minus,
  Money,
  NL,
  Not,
  NumberTok,
  On,
  PercentTok,
  RBracket,
  RParen,
  StringLit,
  TimeframeTok,
  True,
  tokenizeSlice,
  Unknown,
} from "./lexer.js";
import { LineIndex } from "./line-index.js";
import { LinePositions } from "./positions.js";
import { joinSpans } from "./precedence.js";

/** Deepest nesting of `(`, `[`, `not` and unary `-` in one statement (see E0003). */
export const MAX_NESTING = 64;
/** Most tokens in one statement (see E0003). */
export const MAX_STATEMENT_TOKENS = 4096;

/**
 * The two instances of the grammar, one for the whole process each, built on first use: building one
 * (Chevrotain's self-analysis) is the expensive part. The recovering one is built only once a line needs it (see
 * `parseStatement`).
 */
let fastGrammar: PlanGrammar | undefined;
function getFast(): PlanGrammar {
  fastGrammar ??= new PlanGrammar({ recovery: false });
  return fastGrammar;
}
let recoveringGrammar: PlanGrammar | undefined;
function getRecovering(): PlanGrammar {
  recoveringGrammar ??= new PlanGrammar({ recovery: true });
  return recoveringGrammar;
}

/** The tokens that may follow `preceding` (the start of a statement), with the grammar rules they would be in. */
export function expectedAfter(preceding: IToken[]): ReturnType<PlanGrammar["expectedAfter"]> {
  return getFast().expectedAfter(preceding);
}

const ZERO: A.Position = { offset: 0, line: 1, column: 1 };

/** Characters lexed at a time (the slice ends at the next line start): see `parse`. */
const SLICE_CHARS = 16 * 1024;

/**
 * Parse a whole file into a `PlanFile`, reporting lexical and syntax
 * problems. Total: any string gives an AST (possibly empty) and diagnostics.
 *
 * Statements end at a line break, so the token stream is cut into lines and
 * each line is parsed on its own: a mistake on one line never hides the
 * next, and pathological lines are refused before they can recurse deeply.
 *
 * The file is lexed a slice of lines at a time, and each slice parsed before
 * the next is lexed: a large file's tokens then die young instead of all
 * living until the end (copying them between heap spaces was a large part
 * of the garbage collector's work). The diagnostics come out as if the
 * whole file had been lexed first — every E0001, then the lexer's errors,
 * then the statements' problems, which matters once the cap (E0004) drops
 * some — because statement diagnostics are held back and replayed
 * (`HeldDiagnostics`).
 *
 * Each line is first given to the grammar without error recovery, which
 * builds its AST and gives up on any problem; only a line it gives up on (a
 * syntax error, a literal the lexer or the conversion reports) is parsed
 * again by the same grammar with recovery, which explains it and keeps what
 * it can. Both give the same AST for the lines the first accepts
 * (`parseFull` is the reference).
 */
export function parse(source: string, diagnostics: DiagnosticCollector): A.PlanFile {
  return parseWith(source, diagnostics, true);
}

/**
 * `parse` with every line going through the recovering instance of the
 * grammar instead of the one without recovery first: the reference the
 * fast path must match exactly, which tests compare it with.
 */
export function parseFull(source: string, diagnostics: DiagnosticCollector): A.PlanFile {
  return parseWith(source, diagnostics, false);
}

function parseWith(source: string, diagnostics: DiagnosticCollector, direct: boolean): A.PlanFile {
  const lines = new LineIndex(source);
  if (source.length > MAX_SOURCE_CHARS) {
    diagnostics.error(
      "E0009",
      lines.span(0, 1),
      `file too large: ${source.length} characters (at most ${MAX_SOURCE_CHARS}); nothing was checked`,
      { label: "the file starts here", hint: "split the plan into several files, one per strategy" },
    );
    return {
      type: "PlanFile",
      statements: [],
      comments: [],
      span: { start: ZERO, end: lines.position(source.length) },
    };
  }
  const held = new HeldDiagnostics();
  const statements: A.Statement[] = [];
  const positions = new LinePositions(lines);
  const fast = direct ? getFast() : undefined;
  fast?.begin(positions);
  const lexErrors: LexError[] = [];
  const comments: A.Comment[] = [];
  /** The current line's tokens; one array reused for every line (neither parser keeps it). */
  const line: IToken[] = [];
  /** The line holds a literal the lexer pass already reported: only the full parser knows how to echo it. */
  let lineReported = false;
  /** The line is past a length limit (E0007, E0008): reported, not parsed. */
  let dropLine = false;
  const plainCollector = diagnostics.constructor === DiagnosticCollector;
  let unknowns = 0;
  let stopped = false;

  const flush = (): void => {
    if (line.length === 0 || stopped) return;
    // Past the diagnostics cap the file is garbage; parsing the rest would only cost time. `diagnostics` holds
    // less than the whole-file order would have reported by now (that order has every E0001 first), and so does
    // the count for a plain collector, so stopping here never parses less than that order would. (A subclass may
    // count differently — an uncapped list, say — so only its own `isFull` decides.)
    if (diagnostics.isFull || (plainCollector && unknowns + lexErrors.length + held.size >= MAX_DIAGNOSTICS)) {
      stopped = true;
      line.length = 0;
      return;
    }
    const from = held.size;
    const stmt = dropLine ? undefined : parseStatement(line, lineReported ? undefined : fast, positions, lines, held);
    held.statement(from, statements.length);
    if (stmt) statements.push(stmt);
    line.length = 0;
    lineReported = false;
  };

  for (let start = 0; start < source.length; ) {
    const end = lines.lineStartAtOrAfter(start + SLICE_CHARS);
    const lexed = tokenizeSlice(source, start, end);
    start = end;
    const tokens = lexed.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as IToken;
      if (t.tokenType === Unknown) {
        unknowns++;
        reportUnknown(source, t.startOffset, t.image.length, lines, diagnostics);
      } else if (t.tokenType === LongLine) {
        unknowns++;
        diagnostics.error(
          "E0007",
          lines.span(t.startOffset, t.startOffset + 1),
          `line too long: ${t.image.length} characters (at most ${MAX_LINE_CHARS}); it was skipped`,
          {
            label: "this line",
            hint: "break the line up: statements are short, and long values belong in `let` names",
          },
        );
      }
    }
    for (const e of lexed.errors) lexErrors.push(e);
    for (const c of lexed.comments)
      comments.push({ type: "Comment", text: c.image.slice(1), span: lines.tokenSpan(c) });

    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as IToken;
      const type = t.tokenType;
      if (type === Unknown) continue;
      if (type === NL) {
        flush();
        dropLine = false;
        continue;
      }
      if (type === LongLine) {
        // Reported above; a long line is one token, nothing else of it was lexed.
        dropLine = true;
        continue;
      }
      if (t.image.length > MAX_TOKEN_CHARS) {
        if (!dropLine)
          held.error(
            "E0008",
            lines.span(t.startOffset, t.startOffset + 1),
            `${tokenWhat(type)} too long: ${t.image.length} characters (at most ${MAX_TOKEN_CHARS}); the statement was skipped`,
            { label: `this ${tokenWhat(type)}` },
          );
        dropLine = true;
        continue;
      }
      if (type === BadString) {
        held.error("E0002", lines.tokenSpan(t), "unterminated string", {
          label: 'this string has no closing `"`',
          hint: 'close the string with `"` before the end of the line',
        });
        // Parse on as if it were closed, so the line gets no second, echoing error.
        line.push(retype(t, StringLit));
        lineReported = true;
        continue;
      }
      if (type === BadNumber) {
        reportBadNumber(t, lines, held);
        line.push(retype(t, t.image.startsWith("$") ? Money : NumberTok));
        lineReported = true;
        continue;
      }
      line.push(t);
    }
  }
  flush();

  for (const e of lexErrors) reportUnknown(source, e.offset, e.length, lines, diagnostics);
  statements.length = held.replay(diagnostics, statements.length);
  return { type: "PlanFile", statements, comments, span: { start: ZERO, end: lines.position(source.length) } };
}

/** What a token is, for E0008 (keywords are never that long). */
function tokenWhat(type: TokenType): string {
  if (type === StringLit || type === BadString) return "string";
  return type === Identifier ? "name" : "number";
}

/**
 * Statement-level diagnostics held back until every E0001 of the file is
 * known, then replayed in the order a whole-file lexer would have reported
 * them — including where that order would have reached the cap and stopped
 * parsing, which decides which statements the AST keeps.
 */
class HeldDiagnostics extends DiagnosticCollector {
  private readonly held: Diagnostic[] = [];
  /** Per parsed statement, three numbers: where its diagnostics start and end in `held`, its index in the statements. */
  private readonly marks: number[] = [];

  override report(d: Diagnostic): void {
    this.held.push(d);
  }

  /** Diagnostics held so far. */
  get size(): number {
    return this.held.length;
  }

  /** Marks the diagnostics from `from` to now as those of the statement parsed as number `index`. */
  statement(from: number, index: number): void {
    this.marks.push(from, this.held.length, index);
  }

  /**
   * Reports the held diagnostics into `into` in order. Where `into` is full
   * at the start of a statement, the whole-file order would not have parsed
   * that statement nor any after it: their diagnostics are skipped (the
   * token-level ones in between still count toward E0004). Returns how many
   * statements to keep.
   */
  replay(into: DiagnosticCollector, statementCount: number): number {
    const marks = this.marks;
    let keep = statementCount;
    let cut = false;
    let m = 0;
    let skipFrom = Number.POSITIVE_INFINITY;
    let skipTo = 0;
    for (let i = 0; i < this.held.length; i++) {
      while (m < marks.length && marks[m] === i) {
        if (!cut && into.isFull) {
          cut = true;
          keep = marks[m + 2] as number;
        }
        if (cut) {
          skipFrom = marks[m] as number;
          skipTo = marks[m + 1] as number;
        }
        m += 3;
      }
      if (i < skipFrom || i >= skipTo) into.report(this.held[i] as Diagnostic);
    }
    // A statement after the last held diagnostic: it may still be the first the whole-file order would not parse.
    if (!cut && m < marks.length && into.isFull) keep = marks[m + 2] as number;
    return keep;
  }
}

/** A copy of `t` as another token type; `reported` tells the AST builder its problem was already reported. */
function retype(t: IToken, type: TokenType): IToken {
  return Object.assign({}, t, { tokenType: type, tokenTypeIdx: type.tokenTypeIdx, reported: true });
}

function reportUnknown(
  source: string,
  offset: number,
  length: number,
  lines: LineIndex,
  diagnostics: DiagnosticCollector,
): void {
  const text = source.slice(offset, offset + length);
  const span = lines.span(offset, offset + length);
  const shown = text.length > 20 ? `${text.slice(0, 20)}…` : text;
  diagnostics.error("E0001", span, `unexpected character${text.length > 1 ? "s" : ""} \`${printable(shown)}\``, {
    label: "not part of the language",
    ...(text.startsWith(";") ? { hint: "statements end at a line break; remove the `;`" } : {}),
    ...(text.startsWith("'") ? { hint: 'strings use double quotes: `"..."`' } : {}),
  });
}

function printable(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? `\\u{${c.toString(16)}}` : ch;
  }
  return out;
}

function reportBadNumber(t: IToken, lines: LineIndex, diagnostics: DiagnosticCollector): void {
  const img = t.image;
  let hint = "write digits with an optional fraction and a suffix `K`, `M` or `B`, e.g. `1.5M`";
  const tf = /^(\d+)(sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|day|days)$/i.exec(img);
  if (tf) {
    const unit = (tf[2] ?? "").toLowerCase()[0] === "h" ? "h" : ((tf[2] ?? "m").toLowerCase()[0] as string);
    hint = `timeframes are written with one letter: \`${tf[1]}${unit}\``;
  } else if (img.startsWith("$")) {
    hint = "write money as `$2000` or `$2,000` (groups of three digits)";
  } else if (/^\d+\.$/.test(img)) {
    hint = `write \`${img.slice(0, -1)}\` or \`${img}0\``;
  }
  diagnostics.error(
    "E0005",
    lines.tokenSpan(t),
    `invalid number literal \`${img.length > 30 ? `${img.slice(0, 30)}…` : img}\``,
    {
      label: "not a number",
      hint,
    },
  );
}

/** Nesting depth and length limits, checked before recursive descent can be asked to recurse. */
function checkLimits(line: IToken[], lines: LineIndex, diagnostics: DiagnosticCollector): boolean {
  const tokenSpan = (t: IToken): A.Span => lines.tokenSpan(t);
  if (line.length > MAX_STATEMENT_TOKENS) {
    const span = joinSpans(tokenSpan(line[0] as IToken), tokenSpan(line[line.length - 1] as IToken));
    diagnostics.error(
      "E0003",
      { start: span.start, end: tokenSpan(line[0] as IToken).end },
      `statement too long: ${line.length} tokens (at most ${MAX_STATEMENT_TOKENS})`,
      {
        label: "this statement was skipped",
        hint: "split the condition into `let` names",
      },
    );
    return false;
  }
  // Only deep lines need the exact count below; most lines have fewer tokens than the limit.
  if (line.length <= MAX_NESTING) return true;
  let depth = 0;
  let prefix = 0;
  let prev: IToken | undefined;
  for (const t of line) {
    const type = t.tokenType;
    if (type === LParen || type === LBracket) depth++;
    else if (type === RParen || type === RBracket) depth = Math.max(0, depth - 1);
    else if (type === Not || (type === Minus && !endsValue(prev))) prefix++;
    if (depth + prefix > MAX_NESTING) {
      diagnostics.error("E0003", tokenSpan(t), `statement nested too deeply (more than ${MAX_NESTING} levels)`, {
        label: "this statement was skipped",
        hint: "split the condition into `let` names",
      });
      return false;
    }
    prev = t;
  }
  return true;
}

/** Tokens that can end a value (besides the bar fields): after one, `-` is a binary minus. */
const VALUE_END: ReadonlySet<TokenType> = new Set([
  NumberTok,
  PercentTok,
  Money,
  Identifier,
  RParen,
  RBracket,
  TimeframeTok,
  True,
  False,
]);

function endsValue(t: IToken | undefined): boolean {
  return t !== undefined && (VALUE_END.has(t.tokenType) || tokenMatcher(t, BarFieldCat));
}

/**
 * One line's statement: from `fast` (the grammar without recovery, when
 * given) if it parses the line cleanly, else from the grammar with
 * recovery, which reports the line's problems and keeps what it can.
 */
function parseStatement(
  line: IToken[],
  fast: PlanGrammar | undefined,
  positions: LinePositions,
  lines: LineIndex,
  diagnostics: DiagnosticCollector,
): A.Statement | undefined {
  if (!checkLimits(line, lines, diagnostics)) return undefined;
  if (fast) {
    let stmt: A.Statement | undefined | typeof FAILED = FAILED;
    try {
      stmt = fast.parseLine(line);
    } catch {
      // Too deep for the engine's stack (or any other failure of the fast path): the recovering parse below takes
      // the line, and reports what it meets there.
    }
    if (stmt !== FAILED) return stmt;
  }
  const first = line[0] as IToken;
  const p = getRecovering();
  p.begin(positions);
  let stmt: A.Statement | undefined;
  try {
    const parsed = p.parseLine(line);
    stmt = parsed === FAILED ? undefined : parsed;
  } catch (e) {
    // Recursion past the engine's stack despite the limits above; keep going with the next line.
    diagnostics.error(
      "E0003",
      lines.tokenSpan(first),
      `statement could not be parsed: ${e instanceof Error ? e.message : String(e)}`,
      {
        label: "this statement was skipped",
      },
    );
    return undefined;
  }
  const errors = p.errors;
  if (errors.length > 0) {
    // The first error of a line is the real one; later ones are usually its echo.
    reportSyntaxError(errors[0] as IRecognitionException, line, lines, diagnostics);
  }
  // The values the statement's literals and comparisons could not be given, after the syntax error and in source
  // order; what recovery dropped reports nothing.
  if (stmt !== undefined) {
    // (Array sort is stable: problems at one offset keep the order they were found in.)
    const found = [...p.lineDiagnostics].sort((a, b) => a.span.start.offset - b.span.start.offset);
    for (const d of found) diagnostics.report(d);
  }
  if (errors.length > 0 && stmt?.type === "ConditionRule" && stmt.condition.type === "ErrorExpr") return undefined;
  return stmt;
}

const KEYWORD_TYPES: ReadonlySet<TokenType> = new Set(Object.values(KEYWORDS));

function reportSyntaxError(
  err: IRecognitionException,
  line: IToken[],
  lines: LineIndex,
  diagnostics: DiagnosticCollector,
): void {
  const t = err.token;
  const atEnd = !t || t.tokenType === EOF || Number.isNaN(t.startOffset);
  const lastTok = line[line.length - 1] as IToken;
  const end = lines.tokenSpan(lastTok).end;
  const span = atEnd ? { start: end, end } : lines.tokenSpan(t);
  // A malformed literal was already reported by the lexer pass; its echo here would only add noise.
  if (!atEnd && (t as IToken & { reported?: boolean }).reported) return;
  const ruleStack = err.context?.ruleStack ?? [];
  const inRule = (name: string): boolean => ruleStack.includes(name);

  // `Enter long`: a keyword written in the wrong case.
  if (!atEnd && t.tokenType === Identifier) {
    const lower = t.image.toLowerCase();
    if (lower !== t.image && KEYWORDS[lower]) {
      diagnostics.error("E0103", span, `keyword \`${t.image}\` must be written in lower case`, {
        label: "keywords are case-sensitive",
        hint: `write \`${lower}\``,
        fix: { span, text: lower, title: `Replace with \`${lower}\`` },
      });
      return;
    }
  }

  // A condition rule that stops before its action.
  if (atEnd && inRule("conditionRule") && /action|enter|exit/.test(err.message)) {
    diagnostics.error("E0102", span, "rule has no action", {
      label: "expected `enter long`, `enter short` or `exit` here",
      hint: "end the rule with an action, e.g. `enter long`",
    });
    return;
  }

  let hint: string | undefined;
  let fix: { span: A.Span; text: string; title: string } | undefined;
  const isRuleTimeframeSlot = line[0]?.tokenType === On && line[1] === t;
  if (!atEnd && t.tokenType === TimeframeTok && /m$/.test(t.image) && !isRuleTimeframeSlot) {
    const upper = `${t.image.slice(0, -1)}M`;
    hint = `\`${t.image}\` is a timeframe; for ${t.image.slice(0, -1)} million write \`${upper}\``;
    fix = { span, text: upper, title: `Replace with \`${upper}\`` };
  } else if (!atEnd && isRuleTimeframeSlot) {
    hint = "a rule starts with a timeframe: `on 5m ...`";
  } else if (!atEnd && t.tokenType === Assign) {
    hint = "compare with `==`; `=` only appears in `let NAME = ...`";
    fix = { span, text: "==", title: "Replace with `==`" };
  } else if (!atEnd && KEYWORD_TYPES.has(t.tokenType) && line[0]?.tokenType === Let && line[1] === t) {
    hint = `\`${t.image}\` is a keyword; choose another name`;
  }
  diagnostics.error("E0101", span, err.message, {
    label: atEnd ? "the line ends here" : "unexpected here",
    ...(hint ? { hint } : {}),
    ...(fix ? { fix } : {}),
  });
}
