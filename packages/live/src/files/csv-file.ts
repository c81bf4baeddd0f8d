import { createReadStream } from "node:fs";
import {
  type BarData,
  CsvBarReader,
  CsvFormatError,
  type CsvOptions,
  type CsvSummary,
  type RejectedRow,
} from "@tradeplan/core";
import type { CsvCalendar, DailyBounds } from "@tradeplan/core/internal";

/**
 * Streams a CSV file through a `CsvBarReader` in 256 KiB chunks. Resolves
 * with the summary; rejects with `CsvFormatError` (CSV_IO, CSV_HEADER, ...)
 * when the file cannot be read as bars at all.
 */
export async function readCsvFile(
  path: string,
  options: CsvOptions,
  onBar: (bar: BarData) => void,
  onReject: (row: RejectedRow) => void,
  calendar?: DailyBounds | CsvCalendar,
  onProgress?: (bytesRead: number) => void,
): Promise<CsvSummary> {
  const reader = new CsvBarReader({ file: path, ...options }, onBar, onReject, calendar);
  let bytes = 0;
  // 256 KiB, about 5,000 rows: large enough that the per-chunk promise costs nothing, small enough that a
  // chunk stays in the caches while its rows are parsed (1 MiB measured slower).
  const stream = createReadStream(path, { highWaterMark: 1 << 18 });
  const chunks = stream[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<unknown>;
    // Only failures of the read itself are I/O errors; errors thrown by the callbacks pass through unchanged.
    try {
      next = await chunks.next();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new CsvFormatError("CSV_IO", `${path}: cannot read the file: ${msg}`);
    }
    if (next.done) break;
    const buf = next.value as Buffer;
    bytes += buf.length;
    try {
      reader.push(buf);
    } catch (e) {
      stream.destroy();
      throw e;
    }
    onProgress?.(bytes);
  }
  return reader.end();
}
