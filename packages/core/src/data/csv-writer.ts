import { DateTime } from "luxon";
import type { BarData } from "../models.js";

/** Header the writer emits; `CsvBarReader` reads it back (with `timestamps: "open"`). */
export const CSV_HEADER = "Date,Time,Open,High,Low,Close,Volume";

/**
 * Formats bars as `Date,Time,Open,High,Low,Close,Volume` rows, each stamped
 * with the bar's open time as a naive wall time in `zone`. Prices keep two
 * decimals so the text is stable for byte-level comparisons.
 */
export function barsToCsv(bars: Iterable<BarData>, zone: string): string {
  const out: string[] = [CSV_HEADER];
  for (const b of bars) {
    const local = DateTime.fromMillis(b.time, { zone }).toFormat("yyyy-MM-dd,HH:mm:ss");
    out.push(
      `${local},${b.open.toFixed(2)},${b.high.toFixed(2)},${b.low.toFixed(2)},${b.close.toFixed(2)},${b.volume}`,
    );
  }
  return `${out.join("\n")}\n`;
}
