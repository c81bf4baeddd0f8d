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

/** How a pretty line shows instants (epoch ms). */
export interface LineTimes {
  /** The line's own time; default UTC `12:30:05.123`. */
  readonly time?: (time: number) => string;
  /**
   * Instants among the fields (`barTime`, `closeTime`, `detectedAt`: keys
   * ending in `Time` or `At`, ISO strings or epoch ms); default: as logged.
   */
  readonly instant?: (time: number) => string;
}

const utcTime = (t: number) => new Date(t).toISOString().slice(11, 23);
const INSTANT_KEY = /(?:Time|At)$/;

function instantOf(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v) && v > 1e11) return v;
  if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/**
 * One pino JSON line as a readable line: `12:30:05.123 INFO  msg key=value ...`
 * (UTC time unless `time` says otherwise: the run console shows the exchange's
 * local time). A line that is not JSON is passed through unchanged.
 */
export function prettyLine(line: string, color = false, times: LineTimes = {}): string {
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
  const shownTime = typeof rec.time === "number" ? (times.time ?? utcTime)(rec.time) : "--:--:--";
  const name = (LEVEL_NAMES[level] ?? String(level)).padEnd(5);
  const shown = color && LEVEL_COLORS[level] ? `${LEVEL_COLORS[level]}${name}\u001b[39m` : name;
  const extra = Object.entries(rec)
    .filter(([k]) => !FIXED.has(k))
    .map(([k, v]) => {
      const t = times.instant && INSTANT_KEY.test(k) ? instantOf(v) : undefined;
      return `${k}=${t === undefined ? value(v) : value((times.instant as (time: number) => string)(t))}`;
    });
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  return `${shownTime} ${shown} ${[msg, ...extra].filter((s) => s !== "").join(" ")}\n`;
}

/** A pino destination writing pretty lines to `out` (pino hands it one JSON line per write). */
export function prettyStream(
  out: TextOut,
  options: { color?: boolean } & LineTimes = {},
): { write(line: string): void } {
  return {
    write(line) {
      out.write(prettyLine(line.trimEnd(), options.color === true, options));
    },
  };
}
