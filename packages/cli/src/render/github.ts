import type { Diagnostic } from "@tradeplan/dsl";
import type { FileReport } from "./report.js";

/**
 * GitHub Actions workflow commands (`::error file=...::message`), which the
 * Actions runner turns into annotations on the pull request. Escaping follows
 * the runner's rules: `%`, CR and LF everywhere, and also `:` and `,` in
 * property values.
 */

export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function githubCommand(d: Diagnostic, file: string): string {
  const props = [
    `file=${escapeProperty(file)}`,
    `line=${d.span.start.line}`,
    `col=${d.span.start.column}`,
    `endLine=${d.span.end.line}`,
    `endColumn=${d.span.end.column}`,
    `title=${escapeProperty(d.code)}`,
  ].join(",");
  const message = d.hint ? `${d.message}\nhelp: ${d.hint}` : d.message;
  return `::${d.severity === "error" ? "error" : "warning"} ${props}::${escapeData(message)}`;
}

export function renderGithub(reports: readonly FileReport[]): string {
  const lines = reports.flatMap((r) => r.diagnostics.map((d) => githubCommand(d, r.file.display)));
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
