export { Decimator } from "./decimator.js";
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
  sessionDailyBounds,
} from "./runner.js";
export { EquityTracker, tradeStats } from "./stats.js";
