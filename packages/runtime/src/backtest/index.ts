export { buildResult, type ResultInput, RunCollector } from "./collector.js";
export { Decimator } from "./decimator.js";
export { type FeedFilesOptions, feedCsvFiles, mergeByClose, type SymbolFile } from "./portfolio-feed.js";
export { ReplayAggregator, ReplayTimeframeError } from "./replay-aggregator.js";
export type {
  BacktestResult,
  BacktestStats,
  OpenPositionRecord,
  SignalRecord,
  TradeRecord,
} from "./result.js";
export {
  Backtest,
  type BacktestCharts,
  type BacktestOptions,
  type BacktestOutcome,
  type CsvBacktestOptions,
  runBacktest,
  runBacktestCsv,
  sessionCalendar,
  sessionDailyBounds,
} from "./runner.js";
export { EquityTracker, tradeStats } from "./stats.js";
export { type SymbolStats, symbolStats } from "./symbol-stats.js";
