import { type AnalyzeOptions, analyze } from "../src/analyze.js";
import type { Diagnostic } from "../src/diagnostics.js";

/** The plan header most tests start with. */
export const HEAD = 'plan "t"\nsymbol AAPL\n';

/** Checks `source` end to end (lexer, parser, checker; no compilation). */
export function run(source: string, options: AnalyzeOptions = {}) {
  return analyze(source, { ...options, compile: false });
}

/** The diagnostics' codes, in position order. */
export function codes(source: string, options: AnalyzeOptions = {}): string[] {
  return run(source, options).diagnostics.map((d) => d.code);
}

/** The one diagnostic with `code` (fails the test when there is not exactly one). */
export function only(source: string, code: string, options: AnalyzeOptions = {}): Diagnostic {
  const ds = run(source, options).diagnostics;
  const hits = ds.filter((d) => d.code === code);
  if (hits.length !== 1) {
    throw new Error(`expected one ${code}, got: ${ds.map((d) => `${d.code} ${d.message}`).join("; ") || "none"}`);
  }
  return hits[0] as Diagnostic;
}

/** The source text a diagnostic's span covers. */
export function spanText(source: string, d: { span: Diagnostic["span"] }): string {
  return source.slice(d.span.start.offset, d.span.end.offset);
}
