import type { Backtest, BarData, CsvOptions, CsvSummary, RejectedRow } from "@tradeplan/core";
import { mergeByClose, sessionCalendar } from "@tradeplan/core/internal";
import { readCsvFile } from "./csv-file.js";

/** One CSV file of a backtest and the symbol its bars are for. */
export interface SymbolFile {
  readonly symbol: string;
  /** Path to read. */
  readonly file: string;
}

export interface FeedFilesOptions {
  /** Layout of every file (zone, timestamps, adjust); the symbol and file name come from each {@link SymbolFile}. */
  readonly csv: Omit<CsvOptions, "file" | "symbol" | "tickSize">;
  /** Tick size of a symbol's instrument, for the off-tick check (`CsvSummary.offTick`). */
  readonly tickSize?: (symbol: string) => number | undefined;
  /** Every rejected row, file by file. */
  readonly onReject?: (row: RejectedRow) => void;
  /** Bytes read so far of all files. */
  readonly onProgress?: (bytesRead: number) => void;
}

/**
 * Feeds the bars of one or more CSV files, one per symbol, into `bt`: one
 * account, shared cash. One file is streamed (constant memory). Several
 * files are read whole first (a bad row is reported file by file), then
 * their bars are merged and fed in order of close time, ties in order of
 * symbol name (`AAPL` before `MSFT` at the same close), so every symbol's
 * bar closing at an instant is processed before any bar of a later one.
 * Returns each symbol's CSV summary. Rejects with `CsvFormatError` when a
 * file cannot be read as bars; nothing is fed then (with several files).
 */
export async function feedCsvFiles(
  bt: Backtest,
  files: readonly SymbolFile[],
  options: FeedFilesOptions,
): Promise<Record<string, CsvSummary>> {
  const reject = (r: RejectedRow) => {
    bt.reject(r);
    options.onReject?.(r);
  };
  const calendar = sessionCalendar(bt.calendar);
  const csvOf = (f: SymbolFile): CsvOptions => {
    const tick = options.tickSize?.(f.symbol);
    return { ...options.csv, symbol: f.symbol, ...(tick !== undefined ? { tickSize: tick } : {}) };
  };
  const only = files.length === 1 ? files[0] : undefined;
  if (only !== undefined) {
    const summary = await readCsvFile(only.file, csvOf(only), (b) => bt.feed(b), reject, calendar, options.onProgress);
    return { [only.symbol]: summary };
  }
  const ordered = [...files].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const lists: BarData[][] = [];
  const rows: RejectedRow[] = [];
  const summaries: Record<string, CsvSummary> = {};
  let done = 0;
  for (const f of ordered) {
    const bars: BarData[] = [];
    const start = done;
    summaries[f.symbol] = await readCsvFile(
      f.file,
      csvOf(f),
      (b) => bars.push(b),
      (r) => rows.push(r),
      calendar,
      (bytes) => {
        done = start + bytes;
        options.onProgress?.(done);
      },
    );
    lists.push(bars);
  }
  // Every file could be read: only now does the run begin (a file that cannot be read runs nothing).
  for (const r of rows) reject(r);
  mergeByClose(lists, (b) => bt.feed(b));
  return summaries;
}
