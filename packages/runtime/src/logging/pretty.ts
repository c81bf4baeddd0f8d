/** Where pretty lines go: anything with a `write(text)` (process.stdout, a test buffer). */
export interface TextOut {
  write(text: string): unknown;
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

const LEVEL_COLORS: Record<number, string> = { 40: "\u001b[33m", 50: "\u001b[31m", 60: "\u001b[35m" };

/** Fields every line has, shown in the fixed part of a pretty line. */
const FIXED = new Set(["level", "time", "msg", "pid", "hostname"]);

function value(v: unknown): string {
  if (typeof v === "string") return /^[^\s="]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * One pino JSON line as a readable line: `12:30:05.123 INFO  msg key=value ...`
 * (UTC time). A line that is not JSON is passed through unchanged.
 */
export function prettyLine(line: string, color = false): string {
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      return line.endsWith("\n") ? line : `${line}\n`;
    rec = parsed as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const level = typeof rec.level === "number" ? rec.level : 30;
  const time = typeof rec.time === "number" ? new Date(rec.time).toISOString().slice(11, 23) : "--:--:--.---";
  const name = (LEVEL_NAMES[level] ?? String(level)).padEnd(5);
  const shown = color && LEVEL_COLORS[level] ? `${LEVEL_COLORS[level]}${name}\u001b[39m` : name;
  const extra = Object.entries(rec)
    .filter(([k]) => !FIXED.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  return `${time} ${shown} ${[msg, ...extra].filter((s) => s !== "").join(" ")}\n`;
}

/** A pino destination writing pretty lines to `out` (pino hands it one JSON line per write). */
export function prettyStream(out: TextOut, options: { color?: boolean } = {}): { write(line: string): void } {
  return {
    write(line) {
      out.write(prettyLine(line.trimEnd(), options.color === true));
    },
  };
}
