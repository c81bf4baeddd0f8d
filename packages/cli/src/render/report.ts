import type { Diagnostic } from "@tradeplan/dsl";
import type { SourceFile } from "../source.js";

/** The diagnostics of one checked file. */
export interface FileReport {
  readonly file: SourceFile;
  readonly diagnostics: readonly Diagnostic[];
}

export function countSeverity(reports: readonly FileReport[], severity: Diagnostic["severity"]): number {
  return reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === severity).length, 0);
}
