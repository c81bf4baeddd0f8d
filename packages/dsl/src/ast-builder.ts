import type { IToken } from "#chevrotain";
import type * as A from "./ast.js";
import type { DiagnosticCollector } from "./diagnostics.js";
import type { LinePositions } from "./positions.js";
import { joinSpans } from "./precedence.js";

/** A token the parser made up in error recovery (single token insertion): it stands for nothing in the source. */
export function isInserted(t: IToken): boolean {
  return t.isInsertedInRecovery === true;
}

/** Set on a malformed literal the parser already reported, so that converting it reports nothing more. */
type Reported = IToken & { reported?: boolean };

const NUMBER_RE = /^(\d+(?:_\d+)*)(?:\.(\d+(?:_\d+)*))?([KMB])?$/;
const SCALE: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9 };

/**
 * The value of the common literal shapes (`150`, `100.25`, `1M`: digits, an
 * optional fraction, an optional suffix, no `_`) without a regular
 * expression; undefined for anything else, which `NUMBER_RE` then handles.
 * Agrees with `NUMBER_RE` on every text it accepts.
 */
function plainNumber(text: string): number | undefined {
  let end = text.length;
  let scale = 1;
  const last = text.charCodeAt(end - 1);
  if (last === 75 /* K */) scale = 1e3;
  else if (last === 77 /* M */) scale = 1e6;
  else if (last === 66 /* B */) scale = 1e9;
  if (scale !== 1) end--;
  let dot = -1;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (dot >= 0 || i === 0 || i === end - 1) return undefined;
      dot = i;
    } else if (c < 48 || c > 57) return undefined;
  }
  if (end === 0) return undefined;
  return Number(scale === 1 ? text : text.slice(0, end)) * scale;
}

/**
 * The AST's leaves and spans: literal values (reporting E0005 for malformed
 * digits), names, and the statement-wide span that stands in for a piece
 * error recovery left without any source (an `ErrorExpr` where no token of
 * an expression was read).
 */
export class AstBuilder {
  /** The statement's first and last tokens; their span is built only when recovery needs it. */
  private first: IToken | undefined;
  private last: IToken | undefined;
  private fallbackSpan: A.Span | undefined;

  constructor(
    private lines: LinePositions,
    private readonly diagnostics: DiagnosticCollector,
  ) {}

  /** Starts a file whose positions `lines` gives. */
  setLines(lines: LinePositions): void {
    this.lines = lines;
  }

  /** Starts a statement: `first` and `last` are its first and last tokens (one line). */
  setStatement(first: IToken, last: IToken): void {
    this.lines.setLine(first.startOffset);
    this.first = first;
    this.last = last;
    this.fallbackSpan = undefined;
  }

  /** The span of the statement's tokens, used where recovery left a node without any token of its own. */
  get fallback(): A.Span {
    if (!this.fallbackSpan) {
      const zero = this.lines.position(0);
      this.fallbackSpan =
        this.first && this.last
          ? joinSpans(this.tokenSpan(this.first), this.tokenSpan(this.last))
          : { start: zero, end: zero };
    }
    return this.fallbackSpan;
  }

  tokenSpan(t: IToken): A.Span {
    return this.lines.tokenSpan(t);
  }

  /** From the start of `first` to the end of `last`. */
  span(first: IToken, last: IToken): A.Span {
    return this.lines.span(first.startOffset, (last.endOffset as number) + 1);
  }

  error(span: A.Span): A.ErrorExpr {
    return { type: "ErrorExpr", span };
  }

  /** Parses `1_000`, `1.5M`; reports E0005 for malformed digits. */
  number(t: IToken): A.NumberLit {
    return { type: "Number", value: this.numericValue(t.image, t), raw: t.image, span: this.tokenSpan(t) };
  }

  private numericValue(text: string, t: IToken): number {
    const plain = plainNumber(text);
    if (plain !== undefined) return plain;
    const m = NUMBER_RE.exec(text);
    if (!m) {
      // The parser already explained a malformed literal it let through; NaN marks it for the checker to skip.
      if ((t as Reported).reported) return Number.NaN;
      this.diagnostics.error("E0005", this.tokenSpan(t), `invalid number literal \`${t.image}\``, {
        label: "not a number",
        hint: "write digits with at most one `_` between them, e.g. `1_000`, and a suffix `K`, `M` or `B`",
      });
      return Number.NaN;
    }
    const digits = `${(m[1] ?? "").replace(/_/g, "")}${m[2] ? `.${m[2].replace(/_/g, "")}` : ""}`;
    return Number(digits) * (m[3] ? (SCALE[m[3]] ?? 1) : 1);
  }

  percent(t: IToken): A.PercentLit {
    return {
      type: "Percent",
      value: this.numericValue(t.image.slice(0, -1), t),
      raw: t.image,
      span: this.tokenSpan(t),
    };
  }

  money(t: IToken): A.MoneyLit {
    return {
      type: "Money",
      value: this.numericValue(t.image.slice(1).replace(/,/g, ""), t),
      raw: t.image,
      span: this.tokenSpan(t),
    };
  }

  timeframe(t: IToken): A.Timeframe {
    const unit = t.image.slice(-1) as A.Timeframe["unit"];
    const amount = Number(t.image.slice(0, -1));
    const per = unit === "s" ? 1 : unit === "m" ? 60 : unit === "h" ? 3600 : 86400;
    return { type: "Timeframe", raw: t.image, amount, unit, seconds: amount * per, span: this.tokenSpan(t) };
  }

  time(t: IToken): A.TimeOfDay {
    const [h, m] = t.image.split(":");
    return { type: "Time", raw: t.image, hour: Number(h), minute: Number(m), span: this.tokenSpan(t) };
  }

  string(t: IToken): A.StringLit {
    // An unterminated string (already reported as E0002) has no closing quote to strip.
    const closed = !(t as Reported).reported;
    const body = t.image.slice(1, closed ? -1 : undefined).replace(/\\(.)/g, "$1");
    return { type: "String", value: body, span: this.tokenSpan(t) };
  }

  ident(t: IToken): A.Ident {
    return { type: "Ident", name: t.image, span: this.tokenSpan(t) };
  }

  /**
   * `target[N]...` from the index suffixes' tokens, four per suffix (`[`,
   * the `-` or `undefined`, the number, `]`); the last suffix may be cut
   * short by a syntax error. A number or `]` made up in error recovery counts
   * as missing, and the suffixes are then paired with the numbers and `]`s
   * that are there, in order, the first suffix without a number ending the
   * chain.
   */
  indexChain(target: A.Expr, parts: readonly (IToken | undefined)[], from: number, to: number): A.Expr {
    let e = target;
    let whole = (to - from) % 4 === 0;
    for (let i = from + 2; whole && i < to; i += 4) {
      const value = parts[i] as IToken;
      const end = parts[i + 1] as IToken;
      if (isInserted(value) || isInserted(end)) whole = false;
    }
    if (whole) {
      for (let i = from; i < to; i += 4) {
        e = {
          type: "Index",
          target: e,
          index: this.number(parts[i + 2] as IToken),
          negative: parts[i + 1] !== undefined,
          span: { start: e.span.start, end: this.lines.position(((parts[i + 3] as IToken).endOffset as number) + 1) },
        };
      }
      return e;
    }
    const opens: IToken[] = [];
    const minuses: IToken[] = [];
    const values: IToken[] = [];
    const ends: IToken[] = [];
    for (let i = from; i < to; i++) {
      const t = parts[i];
      if (t === undefined || isInserted(t)) continue;
      const slot = (i - from) % 4;
      (slot === 0 ? opens : slot === 1 ? minuses : slot === 2 ? values : ends).push(t);
    }
    for (let i = 0; i < opens.length; i++) {
      const open = opens[i] as IToken;
      const value = values[i];
      if (!value) break;
      const end = ends[i] ?? value;
      const negative = minuses.some((m) => m.startOffset > open.startOffset && m.startOffset < value.startOffset);
      e = {
        type: "Index",
        target: e,
        index: this.number(value),
        negative,
        span: joinSpans(e.span, this.tokenSpan(end)),
      };
    }
    return e;
  }
}
