import { format } from "@tradeplan/dsl";
import type { TextEdit } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";

/**
 * The edits that give the canonical layout (`tradeplan fmt`'s formatter):
 * one edit replacing the whole text, none when it is formatted already or
 * cannot be formatted (syntax errors, shown as diagnostics anyway).
 */
export function formatDocument(doc: TextDocument): TextEdit[] {
  const text = doc.getText();
  const r = format(text);
  if (!r.ok || r.text === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: r.text }];
}
