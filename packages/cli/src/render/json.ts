import type { Diagnostic, Position } from "@tradeplan/dsl";
import { countSeverity, type FileReport } from "./report.js";

/** Version of the JSON output's shape (documented in docs/cli.md); bumped on incompatible changes. */
export const JSON_REPORT_VERSION = 1;

interface JsonPosition {
  line: number;
  column: number;
  offset: number;
}

export interface JsonDiagnostic {
  code: string;
  severity: Diagnostic["severity"];
  message: string;
  hint?: string;
  range: { start: JsonPosition; end: JsonPosition };
}

export interface JsonReport {
  version: typeof JSON_REPORT_VERSION;
  files: { file: string; diagnostics: JsonDiagnostic[] }[];
  errorCount: number;
  warningCount: number;
}

function position(p: Position): JsonPosition {
  return { line: p.line, column: p.column, offset: p.offset };
}

/** The machine-readable report: every file checked appears, with an empty list when it is clean. */
export function jsonReport(reports: readonly FileReport[]): JsonReport {
  return {
    version: JSON_REPORT_VERSION,
    files: reports.map((r) => ({
      file: r.file.display,
      diagnostics: r.diagnostics.map((d) => ({
        code: d.code,
        severity: d.severity,
        message: d.message,
        ...(d.hint !== undefined ? { hint: d.hint } : {}),
        range: { start: position(d.span.start), end: position(d.span.end) },
      })),
    })),
    errorCount: countSeverity(reports, "error"),
    warningCount: countSeverity(reports, "warning"),
  };
}

export function renderJson(reports: readonly FileReport[]): string {
  return `${JSON.stringify(jsonReport(reports), null, 2)}\n`;
}
