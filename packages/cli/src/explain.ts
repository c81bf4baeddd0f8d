import { analyze, CODES, type CodeInfo, type Diagnostic, LineIndex } from "@tradeplan/dsl";
import { renderPretty } from "./render/pretty.js";
import { sourceFile } from "./source.js";

/**
 * The long form of a diagnostic code, shared by `tradeplan explain` and the
 * generated docs/diagnostics.md: the wrong example is really checked, so the
 * diagnostics shown are the ones the checker produces today.
 */

/** Example file name shown in rendered diagnostics. */
export const EXAMPLE_FILE = "example.plan";
/** Example lines shown before the rest is elided (E0004's example is 200 lines long). */
const MAX_EXAMPLE_LINES = 8;
/** Diagnostics shown for an example before the rest is counted. */
const MAX_EXAMPLE_DIAGNOSTICS = 3;

/** Characters of an example line shown before the rest is elided (E0007's example line has 65,538). */
const MAX_EXAMPLE_LINE_CHARS = 200;

/** An example's text for display, with very long examples and lines cut. */
export function shownExample(source: string): string {
  const lines = new LineIndex(source);
  // A final line break ends the last line; it does not start a shown one.
  const count =
    lines.lineCount > 1 && source.length === lines.lineStart(lines.lineCount - 1)
      ? lines.lineCount - 1
      : lines.lineCount;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(count, MAX_EXAMPLE_LINES); i++) {
    const l = lines.lineText(i);
    shown.push(
      l.length <= MAX_EXAMPLE_LINE_CHARS
        ? l
        : `${l.slice(0, 40)} ... (${l.length.toLocaleString("en-US")} characters in all)`,
    );
  }
  const rest = count - shown.length;
  return rest > 0 ? `${shown.join("\n")}\n# ... ${rest.toLocaleString("en-US")} more lines` : shown.join("\n");
}

/**
 * What checking `source` reports, rendered without color (empty when it is
 * clean). Long lists are cut to a few, keeping those with `code` (E0004's
 * example has 200 others before it) in source order.
 */
export function exampleDiagnostics(source: string, code?: string): { text: string; diagnostics: Diagnostic[] } {
  const { diagnostics } = analyze(source, { fileName: EXAMPLE_FILE });
  const file = sourceFile(EXAMPLE_FILE, "/", source);
  const indexed = diagnostics.map((d, i) => ({ d, i }));
  const chosen = [...indexed.filter((x) => x.d.code === code), ...indexed.filter((x) => x.d.code !== code)]
    .slice(0, MAX_EXAMPLE_DIAGNOSTICS)
    .sort((a, b) => a.i - b.i);
  const shown = chosen.map((x) => renderPretty(x.d, file, { color: false }));
  const rest = diagnostics.length - shown.length;
  const text = shown.join("\n") + (rest > 0 ? `\n... and ${rest} more\n` : "");
  return { text, diagnostics };
}

function indent(text: string): string {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => (l === "" ? "" : `    ${l}`))
    .join("\n");
}

/** Greedy word wrap for terminal output; code spans are never split because they hold no spaces in practice. */
export function wrap(text: string, width = 80): string {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out.join("\n");
}

/** The plain-text long form printed by `tradeplan explain`. */
export function renderExplanation(info: CodeInfo): string {
  const checked = exampleDiagnostics(info.wrong, info.code);
  const parts = [
    `${info.code}: ${info.title} (${info.severity})`,
    "",
    wrap(info.explanation),
    "",
    "Wrong:",
    "",
    indent(shownExample(info.wrong)),
    "",
    checked.diagnostics.length > 0 ? "Checking it reports:" : "Checking it reports no problems.",
  ];
  if (checked.diagnostics.length > 0) parts.push("", indent(checked.text));
  parts.push("", "Right:", "", indent(shownExample(info.right)), "");
  return parts.join("\n");
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * Codes close to what the user typed: by edit distance for code-like input
 * (`E0299`, `e21`), by title words otherwise (`unknown name`). At most three.
 */
export function closestCodes(query: string): string[] {
  const q = query.trim().toUpperCase();
  const m = /^([EW]?)0*(\d{1,4})$/.exec(q);
  if (m) {
    const digits = (m[2] ?? "").padStart(4, "0");
    const wanted = `${m[1] || "E"}${digits}`;
    return CODES.map((c) => ({
      code: c.code,
      d: levenshtein(wanted, c.code),
      n: Math.abs(Number(c.code.slice(1)) - Number(digits)),
    }))
      .sort((a, b) => a.d - b.d || a.n - b.n)
      .slice(0, 3)
      .map((x) => x.code);
  }
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  return CODES.map((c: CodeInfo) => ({
    code: c.code,
    hits: words.filter((w) => c.title.toLowerCase().includes(w)).length,
  }))
    .filter((x) => x.hits > 0)
    .sort((a, b) => b.hits - a.hits)
    .slice(0, 3)
    .map((x) => x.code);
}
