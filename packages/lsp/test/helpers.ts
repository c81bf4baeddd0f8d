import { analyze } from "@tradeplan/dsl";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { DocumentAnalysis } from "../src/analysis.js";

export const TEST_URI = "file:///plans/test.plan";

/** A document and its analysis, as the server would hold them. */
export function analysed(text: string, uri = TEST_URI): { analysis: DocumentAnalysis; doc: TextDocument } {
  const doc = TextDocument.create(uri, "tradeplan", 1, text);
  return { analysis: { uri, version: 1, text, result: analyze(text, { fileName: "test.plan" }) }, doc };
}

/** The offset of the `n`-th occurrence (0-based) of `needle` in `text`, plus `delta`. */
export function offsetOf(text: string, needle: string, delta = 0, n = 0): number {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`\`${needle}\` not found ${n + 1} times`);
  }
  return at + delta;
}

/** The text with a cursor marker `|` removed, and the cursor's offset. */
export function cursor(textWithBar: string): { text: string; offset: number } {
  const offset = textWithBar.indexOf("|");
  if (offset < 0) throw new Error("no | cursor marker");
  return { text: textWithBar.slice(0, offset) + textWithBar.slice(offset + 1), offset };
}

export const HEAD = 'plan "test"\nsymbol AAPL\n';
