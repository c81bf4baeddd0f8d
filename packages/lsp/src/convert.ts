import type { Position as PlanPosition, Span } from "@tradeplan/dsl";
import type { Position, Range } from "vscode-languageserver";

/**
 * Plan positions (the dsl's `LineIndex`) are 1-based lines and columns
 * counted in UTF-16 units with the same line breaks (`\r\n`, `\r`, `\n`) as
 * LSP, so conversion is a shift.
 */
export function toPosition(p: PlanPosition): Position {
  return { line: p.line - 1, character: p.column - 1 };
}

export function toRange(span: Span): Range {
  return { start: toPosition(span.start), end: toPosition(span.end) };
}

/** Whether `offset` lies in `span`; the end counts, so a cursor just after a word is on it. */
export function spanContains(span: Span, offset: number): boolean {
  return span.start.offset <= offset && offset <= span.end.offset;
}
