import { createHash } from "node:crypto";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { CODES, codeDocUrl, DIAGNOSTICS_DOC_URL, type Diagnostic, type Span } from "@tradeplan/dsl";
import type { FileReport } from "./report.js";

/**
 * SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).
 * Every code of the table is a rule with a stable id; results carry a
 * partial fingerprint so that an alert keeps its identity when lines move.
 */

/** Where the long form of each code lives (the dsl's `codeDocUrl` links each code's section there). */
export { DIAGNOSTICS_DOC_URL };
/** Key of our fingerprint in `partialFingerprints`; bump the suffix if its recipe changes. */
export const FINGERPRINT_KEY = "tradeplanDiagnostic/v1";

export interface SarifOptions {
  readonly version: string;
  /** Overrides `DIAGNOSTICS_DOC_URL` (e.g. a fork's or a pinned tag's docs). */
  readonly docsUrl?: string;
}

type Level = "error" | "warning";

export function sarifLevel(severity: Diagnostic["severity"]): Level {
  return severity === "error" ? "error" : "warning";
}

/** The `uri` of a file: relative to the working directory with `/`, percent-encoded; absolute `file:` URI outside it. */
export function artifactUri(display: string, absolute: string): string {
  if (isAbsolute(display)) return pathToFileURL(absolute).href;
  return display.split("/").map(encodeURIComponent).join("/");
}

/** Whitespace-insensitive text of a line, so re-indenting a rule keeps its alerts. */
function normalisedLine(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

/** A SARIF region; an empty span (a point such as "the line ends here") is widened to one column so viewers can show it. */
export function region(span: Span): { startLine: number; startColumn: number; endLine: number; endColumn: number } {
  const empty = span.end.line === span.start.line && span.end.column <= span.start.column;
  return {
    startLine: span.start.line,
    startColumn: span.start.column,
    endLine: span.end.line,
    endColumn: empty ? span.start.column + 1 : span.end.column,
  };
}

export function fingerprint(code: string, file: string, lineText: string, occurrence: number): string {
  const h = createHash("sha256")
    .update(`${code}\u0000${file}\u0000${normalisedLine(lineText)}`)
    .digest("hex");
  return `${h.slice(0, 32)}:${occurrence}`;
}

export function sarifReport(reports: readonly FileReport[], options: SarifOptions): unknown {
  const docs = options.docsUrl ?? DIAGNOSTICS_DOC_URL;
  const ruleIndex = new Map(CODES.map((c, i) => [c.code, i]));
  const rules = CODES.map((c) => ({
    id: c.code,
    name: c.title.replace(/`/g, ""),
    shortDescription: { text: c.title.replace(/`/g, "") },
    fullDescription: { text: c.explanation },
    helpUri: codeDocUrl(c.code, docs),
    help: { text: c.explanation, markdown: `${c.explanation}\n\nSee [${c.code}](${codeDocUrl(c.code, docs)}).` },
    defaultConfiguration: { level: sarifLevel(c.severity) },
    properties: { tags: ["tradeplan"] },
  }));

  const results = reports.flatMap((r) => {
    const uri = artifactUri(r.file.display, r.file.path);
    const seen = new Map<string, number>();
    return r.diagnostics.map((d) => {
      const lineText = r.file.lines[d.span.start.line - 1] ?? "";
      const key = `${d.code}\u0000${normalisedLine(lineText)}`;
      const occurrence = (seen.get(key) ?? 0) + 1;
      seen.set(key, occurrence);
      const index = ruleIndex.get(d.code);
      return {
        ruleId: d.code,
        ...(index !== undefined ? { ruleIndex: index } : {}),
        level: sarifLevel(d.severity),
        message: { text: d.hint ? `${d.message}\nhelp: ${d.hint}` : d.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri, ...(uri.startsWith("file:") ? {} : { uriBaseId: "%SRCROOT%" }) },
              region: region(d.span),
            },
          },
        ],
        ...(d.related && d.related.length > 0
          ? {
              relatedLocations: d.related.map((rel, id) => ({
                id,
                message: { text: rel.message },
                physicalLocation: {
                  artifactLocation: { uri, ...(uri.startsWith("file:") ? {} : { uriBaseId: "%SRCROOT%" }) },
                  region: region(rel.span),
                },
              })),
            }
          : {}),
        partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(d.code, r.file.display, lineText, occurrence) },
      };
    });
  });

  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "tradeplan",
            version: options.version,
            semanticVersion: options.version,
            informationUri: docs,
            rules,
          },
        },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

export function renderSarif(reports: readonly FileReport[], options: SarifOptions): string {
  return `${JSON.stringify(sarifReport(reports, options), null, 2)}\n`;
}
