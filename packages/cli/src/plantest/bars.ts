import { type BarData, CsvBarReader, CsvFormatError, type RejectedRow, timeframeSeconds } from "@tradeplan/core";
import type { Diagnostic } from "@tradeplan/dsl";
import { TEST_CODES } from "./codes.js";
import { ArrayRow, ObjectRow, RangeRow } from "./schema.js";
import type { TestClock } from "./times.js";
import { validateAt, type YamlPath, type YamlSource } from "./yaml-source.js";

/** Most bars one range row may expand to: a typo in `until` must not allocate without end. */
export const MAX_RANGE_BARS = 100_000;

export interface InlineBarsContext {
  readonly source: YamlSource;
  /** Path of the `bars` list. */
  readonly path: YamlPath;
  readonly clock: TestClock;
  readonly date: string | undefined;
  readonly symbol: string;
  readonly timeframe: string;
  readonly timestamps: "open" | "close";
  /** File name for messages. */
  readonly file: string;
}

interface Line {
  readonly row: number;
  readonly time: number;
  readonly text: string;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * Turns inline rows into bars through the runtime's CSV reader, so that
 * they get exactly the validation CSV files get (prices, ranges, order,
 * duplicates); a rejected row becomes a diagnostic at that row.
 */
export function inlineBars(
  rows: readonly unknown[],
  ctx: InlineBarsContext,
): { bars: BarData[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const lines: Line[] = [];
  const stepMs = (timeframeSeconds(ctx.timeframe) ?? 60) * 1000;
  let date = ctx.date;
  const at = (i: number, ...rest: PropertyKey[]) => [...ctx.path, i, ...rest];
  const fail = (path: YamlPath, message: string, hint?: string) =>
    diagnostics.push({
      code: TEST_CODES.badBar,
      severity: "error",
      message,
      span: ctx.source.spanAt(path),
      ...(hint ? { hint } : {}),
    });
  const time = (i: number, key: PropertyKey, text: string): number | undefined => {
    const r = ctx.clock.parse(text, date);
    if (!r.ok) {
      fail(at(i, key), `bar row ${i + 1}: ${r.reason}`);
      return undefined;
    }
    date = r.date;
    return r.time;
  };
  let lastClose: number | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (Array.isArray(row)) {
      const v = validateAt(ctx.source, at(i), ArrayRow, row);
      if (!v.ok) {
        diagnostics.push(...v.diagnostics);
        continue;
      }
      const [t, o, h, l, c, vol] = v.value;
      const tm = time(i, 0, t);
      if (tm !== undefined) lines.push({ row: i, time: tm, text: `${tm},${o},${h},${l},${c},${vol}` });
      lastClose = c;
      continue;
    }
    if (row !== null && typeof row === "object" && "until" in row) {
      const v = validateAt(ctx.source, at(i), RangeRow, row);
      if (!v.ok) {
        diagnostics.push(...v.diagnostics);
        continue;
      }
      const from = time(i, "t", v.value.t);
      const until = time(i, "until", v.value.until);
      if (from === undefined || until === undefined) continue;
      if (until < from) {
        fail(at(i, "until"), `bar row ${i + 1}: \`until\` is before \`t\``);
        continue;
      }
      const n = Math.floor((until - from) / stepMs) + 1;
      if (n > MAX_RANGE_BARS) {
        fail(at(i, "until"), `bar row ${i + 1}: expands to ${n} bars, more than ${MAX_RANGE_BARS}`);
        continue;
      }
      const [a, b] = typeof v.value.c === "number" ? [v.value.c, v.value.c] : v.value.c;
      let open = typeof v.value.c === "number" ? a : (lastClose ?? a);
      for (let k = 0; k < n; k++) {
        const c = round(n === 1 ? b : a + ((b - a) * k) / (n - 1));
        const tm = from + k * stepMs;
        const wick = v.value.wick ?? 0;
        const high = round(Math.max(open, c) + wick);
        const low = round(Math.min(open, c) - wick);
        lines.push({ row: i, time: tm, text: `${tm},${open},${high},${low},${c},${v.value.v}` });
        open = c;
      }
      lastClose = open;
      continue;
    }
    if (row !== null && typeof row === "object") {
      const v = validateAt(ctx.source, at(i), ObjectRow, row);
      if (!v.ok) {
        diagnostics.push(...v.diagnostics);
        continue;
      }
      const { t, o, h, l, c, v: vol } = v.value;
      const tm = time(i, "t", t);
      if (tm !== undefined) lines.push({ row: i, time: tm, text: `${tm},${o},${h},${l},${c},${vol}` });
      lastClose = c;
      continue;
    }
    fail(
      at(i),
      `bar row ${i + 1} must be [time, open, high, low, close, volume], { t, o, h, l, c, v } or { t, until, c, v, wick }`,
    );
  }
  if (diagnostics.length > 0) return { bars: [], diagnostics };
  if (lines.length === 0) {
    fail(ctx.path, "`bars` holds no rows");
    return { bars: [], diagnostics };
  }
  const bars: BarData[] = [];
  const onReject = (r: RejectedRow) => {
    // Line 1 is the header; line k + 2 is lines[k].
    const idx = r.line - 2;
    const line = lines[idx];
    const prev = lines[idx - 1];
    const row = line?.row ?? 0;
    const show = (t: number) => ctx.clock.show(t);
    if ((r.code === "CSV_OUT_OF_ORDER" || r.code === "CSV_DUPLICATE_TIME") && line && prev) {
      const what = r.code === "CSV_OUT_OF_ORDER" ? "is before" : "is at the same time as";
      fail(
        at(row),
        `bar row ${row + 1}: its bar (${show(line.time)}) ${what} the previous bar (${show(prev.time)})`,
        "rows must be in time order, one bar per time",
      );
    } else fail(at(row), `bar row ${row + 1}: ${r.reason}`);
  };
  try {
    const reader = new CsvBarReader(
      {
        symbol: ctx.symbol,
        timezone: ctx.clock.zone,
        timestamps: ctx.timestamps,
        timeframe: ctx.timeframe,
        file: ctx.file,
      },
      (b) => bars.push(b),
      onReject,
    );
    reader.push(`timestamp,open,high,low,close,volume\n${lines.map((l) => l.text).join("\n")}\n`);
    reader.end();
  } catch (e) {
    if (!(e instanceof CsvFormatError)) throw e;
    fail(ctx.path, e.message);
  }
  return diagnostics.length > 0 ? { bars: [], diagnostics } : { bars, diagnostics };
}
