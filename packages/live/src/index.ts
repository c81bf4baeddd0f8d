/**
 * @packageDocumentation
 * tradeplan on Node: the live session (replay, simulation, IB), the
 * `tradeplan.yaml` configuration, logging, metrics, and reading CSV files
 * and the chart library from disk.
 *
 * @module @tradeplan/live
 */

export * from "./config/index.js";
export { type CsvBacktestOptions, runBacktestCsv } from "./files/backtest-csv.js";
export { chartLibrarySource } from "./files/chart-library.js";
export { readCsvFile } from "./files/csv-file.js";
export { type FeedFilesOptions, feedCsvFiles, type SymbolFile } from "./files/feed-files.js";
export * from "./live/index.js";
export * from "./logging/index.js";
export * from "./metrics/index.js";
