import { lineBoundsAt, type Diagnostic as PlanDiagnostic } from "@tradeplan/dsl";
import { type CodeAction, CodeActionKind, type Diagnostic, type Range } from "vscode-languageserver";
import type { DocumentAnalysis } from "../analysis.js";
import { statementOnLine } from "../ast-query.js";
import { toRange } from "../convert.js";
import { DIAGNOSTIC_SOURCE } from "./diagnostics.js";

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range["start"], q: Range["start"]): boolean =>
    p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function sameRange(a: Range, b: Range): boolean {
  return (
    a.start.line === b.start.line &&
    a.start.character === b.start.character &&
    a.end.line === b.end.line &&
    a.end.character === b.end.character
  );
}

/** The client's copy of a diagnostic, so that the action lists it (clients use this to pair them). */
function clientDiagnostic(context: readonly Diagnostic[], d: PlanDiagnostic): Diagnostic[] {
  const range = toRange(d.span);
  return context.filter((c) => c.source === DIAGNOSTIC_SOURCE && c.code === d.code && sameRange(c.range, range));
}

/** Deletes a whole line and its line break (the last line: its text only). */
function deleteLineRange(text: string, offset: number, line: number): Range {
  const { start, end } = lineBoundsAt(text, offset);
  if (end < text.length) return { start: { line, character: 0 }, end: { line: line + 1, character: 0 } };
  return { start: { line, character: 0 }, end: { line, character: end - start } };
}

/**
 * Quick fixes for the diagnostics in `range`, from the fresh analysis (not
 * from what the client sends back): every machine-applicable fix the
 * checker attached (`did you mean`), and removing an unused `let` (W0601).
 */
export function codeActions(analysis: DocumentAnalysis, range: Range, context: readonly Diagnostic[]): CodeAction[] {
  const result = analysis.result;
  if (!result) return [];
  const out: CodeAction[] = [];
  for (const d of result.diagnostics) {
    const dRange = toRange(d.span);
    if (!overlaps(dRange, range)) continue;
    const diagnostics = clientDiagnostic(context, d);
    // W0601's own fix empties the statement; removing its whole line (below) leaves no blank line behind.
    if (d.fix && d.code !== "W0601") {
      out.push({
        title: d.fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics,
        isPreferred: true,
        edit: { changes: { [analysis.uri]: [{ range: toRange(d.fix.span), newText: d.fix.text }] } },
      });
    }
    if (d.code === "W0601") {
      const s = statementOnLine(result.ast, dRange.start.line);
      if (s?.type === "LetDecl") {
        out.push({
          title: `Remove unused \`let ${s.name.name}\``,
          kind: CodeActionKind.QuickFix,
          diagnostics,
          edit: {
            changes: {
              [analysis.uri]: [
                { range: deleteLineRange(analysis.text, s.span.start.offset, dRange.start.line), newText: "" },
              ],
            },
          },
        });
      }
    }
  }
  return out;
}
