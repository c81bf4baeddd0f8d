import type { BacktestOptions } from "@tradeplan/core";
import { Backtest, type BacktestOutcome, type CsvOptions, type CsvSummary, type RejectedRow } from "@tradeplan/core";
import { sessionCalendar } from "@tradeplan/core/internal";
import { readCsvFile } from "./csv-file.js";

export interface CsvBacktestOptions extends BacktestOptions {
  readonly file: string;
  readonly csv: Omit<CsvOptions, "file">;
  /** Called for every rejected row (the CLI prints `file:line: reason`). */
  readonly onReject?: (row: RejectedRow) => void;
  readonly onProgress?: (bytesRead: number) => void;
}

/** Streams a CSV file through a backtest. Rejects with `CsvFormatError` when the file cannot be read as bars. */
export async function runBacktestCsv(options: CsvBacktestOptions): Promise<BacktestOutcome & { csv: CsvSummary }> {
  const bt = new Backtest(options);
  const csv = await readCsvFile(
    options.file,
    options.csv,
    (b) => bt.feed(b),
    (r) => {
      bt.reject(r);
      options.onReject?.(r);
    },
    sessionCalendar(bt.calendar),
    options.onProgress,
  );
  return { ...bt.finish(), csv };
}
