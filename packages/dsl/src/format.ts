import type * as A from "./ast.js";
import { type Diagnostic, DiagnosticCollector } from "./diagnostics.js";
import { firstDifference, sameStructure } from "./format/equal.js";
import { layout } from "./format/layout.js";
import { printComment } from "./format/print.js";
import { LineIndex } from "./line-index.js";
import { parse } from "./parser.js";

export { sameStructure } from "./format/equal.js";
export { printComment, printExpr, printStatement } from "./format/print.js";

/** The formatter's answer: the canonical text, or why it refused. */
export type FormatResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** The code the formatter reports when its self-check fails (see codes.ts). */
export const FORMAT_CHANGED_MEANING = "E0006";

/**
 * Formats a plan into the canonical layout (see docs/cli.md, `fmt`).
 *
 * Refuses input with syntax errors, returning the lexer and parser
 * diagnostics; checker errors (unknown names, kinds, ...) do not matter.
 * The output is re-parsed and compared with the input's AST ignoring
 * positions; any difference (a formatter bug) is reported as E0006 instead
 * of returning text that would change the plan. CRLF input gives LF output,
 * a byte order mark is dropped, and formatting is idempotent.
 */
export function format(source: string): FormatResult {
  const collector = new DiagnosticCollector();
  const ast = parse(source, collector);
  if (collector.hasErrors) return { ok: false, diagnostics: collector.toArray() };
  const lines = new LineIndex(source);
  const lost = unparsedLine(lines, ast);
  if (lost !== undefined) {
    return {
      ok: false,
      diagnostics: [changedMeaning(lineSpan(lines, lost), `line ${lost} has no statement in the parse`)],
    };
  }
  const text = layout(ast);
  const problem = verify(ast, text);
  return problem ? { ok: false, diagnostics: [problem] } : { ok: true, text };
}

/**
 * The formatter's self-check: `text` must parse without errors to the same
 * statements and comments as `original`, and formatting it again must not
 * change it. Returns the E0006 diagnostic when it does not hold.
 */
export function verify(original: A.PlanFile, text: string): Diagnostic | undefined {
  const collector = new DiagnosticCollector();
  const again = parse(text, collector);
  const fileSpan = original.span;
  if (collector.hasErrors) {
    const first = collector.toArray()[0];
    return changedMeaning(fileSpan, `its output does not parse${first ? ` (${first.code}: ${first.message})` : ""}`);
  }
  const at = firstDifference(original.statements, again.statements);
  if (at !== undefined) {
    const st = original.statements[at] ?? original.statements[original.statements.length - 1];
    return changedMeaning(st?.span ?? fileSpan, `statement ${at + 1} reads differently after formatting`);
  }
  const before = original.comments.map((c) => printComment(c.text));
  const after = again.comments.map((c) => printComment(c.text));
  if (!sameStructure(before, after)) return changedMeaning(fileSpan, "comments were lost or changed");
  if (layout(again) !== text) return changedMeaning(fileSpan, "formatting its own output changes it again");
  return undefined;
}

function changedMeaning(span: A.Span, why: string): Diagnostic {
  return {
    code: FORMAT_CHANGED_MEANING,
    severity: "error",
    span,
    message: `formatter changed the meaning: ${why}`,
    label: "formatting stopped here",
    hint: "the file was left unchanged; this is a bug in tradeplan, please report it with this file",
  };
}

/**
 * The first line that holds something other than blanks and a comment but
 * starts no statement. The parser reports every line it cannot read, so this
 * only guards against a statement being dropped silently, which would make
 * the formatter delete source text.
 */
function unparsedLine(lines: LineIndex, ast: A.PlanFile): number | undefined {
  const starts = new Set(ast.statements.map((s) => s.span.start.line));
  const commentColumn = new Map(ast.comments.map((c) => [c.span.start.line, c.span.start.column]));
  const texts = lines.lineTexts();
  for (let i = 0; i < texts.length; i++) {
    const lineNo = i + 1;
    if (starts.has(lineNo)) continue;
    const col = commentColumn.get(lineNo);
    const code = (texts[i] ?? "").slice(0, col === undefined ? undefined : col - 1);
    if (/[^\s\ufeff]/.test(code)) return lineNo;
  }
  return undefined;
}

/** Line `line` (1-based) without its line break. */
function lineSpan(lines: LineIndex, line: number): A.Span {
  return lines.span(lines.lineStart(line - 1), lines.lineEnd(line - 1));
}
