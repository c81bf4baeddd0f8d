import type { Diagnostic, Span } from "@tradeplan/dsl";
import pc from "picocolors";
import type { SourceFile } from "../source.js";
import { type CellLine, cellOfColumn, sanitize, toCells } from "./text.js";

/**
 * The rustc-style human format:
 *
 * ```
 * error[E0201]: unknown name `brekout`
 *  --> plans/a.plan:6:19
 *   |
 * 6 | on 5m close above brekout enter long
 *   |                   ^^^^^^^ not a `let`, bar field or indicator
 *   |
 *   = help: did you mean `breakout`?
 * ```
 *
 * Related locations are marked with `-` under their own line. A span over
 * several lines is shown on its first line; lines longer than
 * `MAX_LINE_CELLS` are cut to a window around the mark.
 */

/** Widest source line shown before it is windowed. */
export const MAX_LINE_CELLS = 120;
/** Cells kept before the mark when a long line is windowed. */
const WINDOW_LEAD = 40;
const ELLIPSIS = "...";

export interface PrettyOptions {
  readonly color: boolean;
}

type Colors = ReturnType<typeof pc.createColors>;

interface Mark {
  readonly span: Span;
  readonly primary: boolean;
  readonly label: string;
}

/** One diagnostic in the human format, ending with a newline. */
export function renderPretty(d: Diagnostic, file: SourceFile, options: PrettyOptions): string {
  const c = pc.createColors(options.color);
  const severityColor = d.severity === "error" ? c.red : c.yellow;
  const out: string[] = [];
  out.push(`${c.bold(severityColor(`${d.severity}[${d.code}]`))}${c.bold(`: ${sanitize(d.message)}`)}`);

  const marks: Mark[] = [
    { span: d.span, primary: true, label: d.label ?? "" },
    ...(d.related ?? []).map((r) => ({ span: r.span, primary: false, label: r.message })),
  ];
  const lineNumbers = [...new Set(marks.map((m) => m.span.start.line))].sort((a, b) => a - b);
  const width = String(lineNumbers[lineNumbers.length - 1] ?? 1).length;
  const pad = " ".repeat(width);
  const gutter = c.bold(c.blue(`${pad} |`));

  out.push(`${pad}${c.bold(c.blue("-->"))} ${file.display}:${d.span.start.line}:${d.span.start.column}`);
  out.push(gutter);
  let previous: number | undefined;
  for (const n of lineNumbers) {
    if (previous !== undefined && n > previous + 1) out.push(c.bold(c.blue("...")));
    previous = n;
    const onLine = marks.filter((m) => m.span.start.line === n);
    out.push(...renderLine(n, file.lines[n - 1] ?? "", onLine, width, c, severityColor));
  }
  if (d.hint) {
    out.push(gutter);
    out.push(`${pad} ${c.bold(c.blue("="))} ${c.bold("help")}: ${sanitize(d.hint)}`);
  }
  return `${out.join("\n")}\n`;
}

function renderLine(
  lineNo: number,
  text: string,
  marks: readonly Mark[],
  width: number,
  c: Colors,
  severityColor: (s: string) => string,
): string[] {
  const line = toCells(text);
  const ranges = marks.map((m) => ({ mark: m, ...cellRange(line, m.span) }));
  const anchor = ranges.find((r) => r.mark.primary) ?? ranges[0];
  const win = windowFor(line.cells.length, anchor?.start ?? 0);
  const shown = `${win.start > 0 ? ELLIPSIS : ""}${line.cells.slice(win.start, win.end).join("")}${win.end < line.cells.length ? ELLIPSIS : ""}`;
  const shift = (win.start > 0 ? ELLIPSIS.length : 0) - win.start;
  const gutter = c.bold(c.blue(`${" ".repeat(width)} |`));
  const out = [`${c.bold(c.blue(`${String(lineNo).padStart(width)} |`))} ${shown}`.trimEnd()];
  for (const r of ranges) {
    // Marks outside the window are pinned to its edges so that they stay visible.
    const visibleEnd = win.end < line.cells.length ? win.end : Math.max(win.end, r.end);
    const start = Math.min(Math.max(r.start, win.start), visibleEnd);
    const end = Math.max(Math.min(r.end, visibleEnd), start + 1);
    const marker = (r.mark.primary ? "^" : "-").repeat(end - start);
    const paint = r.mark.primary ? (s: string) => c.bold(severityColor(s)) : (s: string) => c.bold(c.blue(s));
    const label = r.mark.label ? ` ${paint(sanitize(r.mark.label))}` : "";
    out.push(`${gutter} ${" ".repeat(start + shift)}${paint(marker)}${label}`);
  }
  return out;
}

/** The cells a span covers on its first line; a span over several lines runs to the end of the first. */
function cellRange(line: CellLine, span: Span): { start: number; end: number } {
  const start = cellOfColumn(line, span.start.column);
  const end =
    span.end.line === span.start.line ? cellOfColumn(line, span.end.column) : Math.max(line.cells.length, start + 1);
  return { start, end: Math.max(end, start + 1) };
}

function windowFor(length: number, anchor: number): { start: number; end: number } {
  if (length <= MAX_LINE_CELLS) return { start: 0, end: length };
  const size = MAX_LINE_CELLS - 2 * ELLIPSIS.length;
  let start = Math.max(0, anchor - WINDOW_LEAD);
  let end = start + size;
  if (end > length) {
    end = length;
    start = Math.max(0, length - size);
  }
  return { start, end };
}

/** The last line of `check`: `ok: 6 files checked` or `error: 2 errors, 1 warning in 3 files`. */
export function renderSummary(
  counts: { files: number; filesWithProblems: number; errors: number; warnings: number; failOnWarnings: boolean },
  color: boolean,
): string {
  const c = pc.createColors(color);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (counts.errors === 0 && counts.warnings === 0)
    return `${c.bold(c.green("ok"))}: ${plural(counts.files, "file")} checked\n`;
  const parts = [
    counts.errors > 0 ? plural(counts.errors, "error") : "",
    counts.warnings > 0 ? plural(counts.warnings, "warning") : "",
  ];
  const failed = counts.errors > 0 || counts.failOnWarnings;
  const head = failed ? c.bold(c.red("error")) : c.bold(c.yellow("warning"));
  return `${head}: ${parts.filter(Boolean).join(", ")} in ${plural(counts.filesWithProblems, "file")}\n`;
}
