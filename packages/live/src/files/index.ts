/**
 * Reading from disk what a backtest needs: CSV bar files and the report's
 * chart library. Also published as `@tradeplan/live/files`, which loads
 * these modules and the core only, not the live session, IB, logging or
 * metrics: a one-off `tradeplan backtest` starts without them.
 *
 * @module
 */
export { type CsvBacktestOptions, runBacktestCsv } from "./backtest-csv.js";
export { chartLibrarySource } from "./chart-library.js";
export { readCsvFile } from "./csv-file.js";
export { type FeedFilesOptions, feedCsvFiles, type SymbolFile } from "./feed-files.js";
