import { CODES, type CodeInfo, codeAnchor } from "@tradeplan/dsl";
import { exampleDiagnostics, shownExample } from "./explain.js";

/**
 * docs/diagnostics.md, generated from the code table (`pnpm docs:diagnostics`).
 * A test regenerates it and fails when the committed file differs, so the
 * page always shows what the checker reports today.
 */

function fence(lang: string, text: string): string {
  // A fence longer than any backtick run inside keeps examples intact.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n$/, "")}\n${f}`;
}

function section(info: CodeInfo): string {
  const checked = exampleDiagnostics(info.wrong, info.code);
  const lines = [
    `<a id="${codeAnchor(info.code)}"></a>`,
    "",
    `## ${info.code}: ${info.title}`,
    "",
    `Severity: **${info.severity}**`,
    "",
    info.explanation,
    "",
    "Wrong:",
    "",
    fence("plan", shownExample(info.wrong)),
    "",
  ];
  if (checked.diagnostics.length > 0) lines.push("`tradeplan check` reports:", "", fence("text", checked.text), "");
  else lines.push("`tradeplan check` reports no problems for it.", "");
  lines.push("Right:", "", fence("plan", shownExample(info.right)), "");
  return lines.join("\n");
}

/** The whole page. */
export function diagnosticsMarkdown(): string {
  const index = CODES.map(
    (c) => `| [${c.code}](#${codeAnchor(c.code)}) | ${c.severity} | ${c.title.replace(/\|/g, "\\|")} |`,
  );
  return [
    "# Diagnostics",
    "",
    "<!-- Generated from packages/dsl/src/codes.ts by scripts/gen-diagnostics-doc.ts: do not edit, run `pnpm docs:diagnostics`. -->",
    "",
    "Every problem tradeplan reports has a stable code: `E` codes are errors, `W` codes warnings.",
    "Codes are never renumbered. `tradeplan explain CODE` prints the same text in the terminal.",
    "",
    "Ranges: E00xx lexical and limits, E01xx syntax, E02xx names and kinds, E03xx timeframes, times,",
    "sessions and zones, E04xx rule logic, E05xx plan header, symbols and risk, W06xx warnings.",
    "",
    "| code | severity | title |",
    "| --- | --- | --- |",
    ...index,
    "",
    ...CODES.map(section),
  ].join("\n");
}
