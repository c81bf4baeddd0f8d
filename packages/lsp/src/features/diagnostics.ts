import { codeDocUrl, type Diagnostic as PlanDiagnostic } from "@tradeplan/dsl";
import { type Diagnostic, DiagnosticSeverity, type Range } from "vscode-languageserver";
import { toRange } from "../convert.js";

/** The `source` of every diagnostic this server publishes. */
export const DIAGNOSTIC_SOURCE = "tradeplan";

/** A machine-applicable fix carried in `Diagnostic.data`, applied by the code-action feature. */
export interface DiagnosticFixData {
  readonly fix: { readonly range: Range; readonly newText: string; readonly title: string };
}

/**
 * The message an editor shows: the CLI's message, and its `help:` line when
 * there is one (the same text `tradeplan check --format sarif` reports).
 */
export function diagnosticMessage(d: PlanDiagnostic): string {
  return d.hint ? `${d.message}\nhelp: ${d.hint}` : d.message;
}

/** One checker diagnostic as an LSP diagnostic: same code, range, severity and related locations as `tradeplan check`. */
export function toLspDiagnostic(d: PlanDiagnostic, uri: string, docsUrl: string): Diagnostic {
  const out: Diagnostic = {
    range: toRange(d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    codeDescription: { href: codeDocUrl(d.code, docsUrl) },
    source: DIAGNOSTIC_SOURCE,
    message: diagnosticMessage(d),
  };
  if (d.related && d.related.length > 0) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri, range: toRange(r.span) }, message: r.message }));
  }
  if (d.fix) {
    const data: DiagnosticFixData = { fix: { range: toRange(d.fix.span), newText: d.fix.text, title: d.fix.title } };
    out.data = data;
  }
  return out;
}

export function toLspDiagnostics(ds: readonly PlanDiagnostic[], uri: string, docsUrl: string): Diagnostic[] {
  return ds.map((d) => toLspDiagnostic(d, uri, docsUrl));
}
