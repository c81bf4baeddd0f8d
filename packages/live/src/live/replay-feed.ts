import type { FeedBar, MarketCalendar, RejectedRow } from "@tradeplan/core";
import { sessionCalendar } from "@tradeplan/core/internal";
import { readCsvFile } from "../files/csv-file.js";
import { ScheduledFeed, type ScheduledFeedOptions } from "./scheduled-feed.js";

/** A CSV file of one symbol's bars, as `backtest --data` reads it. */
export interface ReplayCsv {
  readonly file: string;
  readonly symbol: string;
  /** Zone of naive times in the file. */
  readonly timezone: string;
  readonly timestamps: "open" | "close";
  /** Maps daily rows onto sessions. */
  readonly calendar: MarketCalendar;
}

/** The bars of a replay file, the rows the reader rejected, and the file's timeframe. */
export interface ReplayBars {
  readonly bars: FeedBar[];
  readonly rejected: readonly RejectedRow[];
  readonly timeframe: string;
}

/**
 * Bars of a CSV file released on a clock (a {@link ScaledClock} replays them
 * on a real clock at any speed). Rows the CSV reader cannot use are listed
 * in `rejected`; bars that read but are bad (out of order, inconsistent) are
 * left to the session's bar validator, as from any feed.
 */
export class ReplayFeed extends ScheduledFeed {
  constructor(source: ReplayBars & { readonly symbol: string }, options: Omit<ScheduledFeedOptions, "baseTimeframe">) {
    super(new Map([[source.symbol, source.bars]]), { ...options, baseTimeframe: source.timeframe });
    this.rejected = source.rejected;
  }

  readonly rejected: readonly RejectedRow[];

  /** Reads a CSV file; rejects with `CsvFormatError` when it cannot be read as bars at all. */
  static async load(csv: ReplayCsv): Promise<ReplayBars> {
    const bars: FeedBar[] = [];
    const rejected: RejectedRow[] = [];
    const summary = await readCsvFile(
      csv.file,
      { symbol: csv.symbol, timezone: csv.timezone, timestamps: csv.timestamps },
      (b) => bars.push(b),
      (r) => rejected.push(r),
      sessionCalendar(csv.calendar),
    );
    return { bars, rejected, timeframe: summary.timeframe };
  }
}
