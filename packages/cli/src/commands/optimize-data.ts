import { type BarColumns, BarColumnsBuilder, CsvFormatError, calendarForPlan, type RejectedRow } from "@tradeplan/core";
import { sessionCalendar } from "@tradeplan/core/internal";
import type { CompiledPlan } from "@tradeplan/dsl";
import { readCsvFile } from "@tradeplan/live";
import { UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { displayPath } from "../source.js";
import { MAX_REJECTS_SHOWN } from "./backtest.js";

/** How the CSV is laid out (as `tradeplan backtest` reads it). */
export interface CsvLayout {
  readonly symbol: string;
  readonly timezone: string;
  readonly timestamps: "open" | "close";
  readonly adjust: boolean;
  readonly tickSize?: number;
}

/**
 * Reads one symbol's CSV file once into columns (a `SharedArrayBuffer` the
 * pool's workers share), as `tradeplan backtest` would read it: the same
 * reader, calendar and rejected rows (the first 50 printed as
 * `file:line: reason`, the rest counted).
 *
 * @throws UsageError when the file cannot be read as bars.
 */
export async function readBarColumns(
  file: string,
  layout: CsvLayout,
  plan: CompiledPlan,
  io: CliIO,
): Promise<BarColumns> {
  const builder = new BarColumnsBuilder(1 << 15);
  const shown = displayPath(file, io.cwd);
  let rejected = 0;
  const onReject = (r: RejectedRow) => {
    if (rejected++ < MAX_REJECTS_SHOWN) io.stderr.write(`${shown}:${r.line}: ${r.reason}\n`);
  };
  try {
    const summary = await readCsvFile(
      file,
      {
        symbol: layout.symbol,
        timezone: layout.timezone,
        timestamps: layout.timestamps,
        adjust: layout.adjust,
        ...(layout.tickSize !== undefined ? { tickSize: layout.tickSize } : {}),
      },
      (b) => builder.add(b),
      onReject,
      sessionCalendar(calendarForPlan(plan)),
    );
    if (rejected > MAX_REJECTS_SHOWN)
      io.stderr.write(`... ${rejected - MAX_REJECTS_SHOWN} more rows rejected (${rejected} in all)\n`);
    return builder.finish(
      { rows: summary.rows, rejected: summary.rejected, rejectedByReason: summary.rejectedByReason },
      { symbol: layout.symbol, timeframe: summary.timeframe },
    );
  } catch (e) {
    if (e instanceof CsvFormatError) throw new UsageError(e.message.replace(file, shown));
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(CALENDAR|BT|TIMEFRAME)_/.test(code))
      throw new UsageError(e instanceof Error ? e.message : String(e));
    throw e;
  }
}
