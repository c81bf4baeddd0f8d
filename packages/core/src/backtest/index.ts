export { CANDLE_LADDER_SECONDS, type Candle, CandleCollector, type CandleSeries, MAX_CANDLES } from "./candles.js";
export { buildResult, type ResultInput, RunCollector } from "./collector.js";
export { Decimator } from "./decimator.js";
export { type ExplainedRule, ExplainSink } from "./explain.js";
export { mergeByClose } from "./portfolio-feed.js";
export { type ClosedBar, ClosedBars, ReplayAggregator, ReplayTimeframeError } from "./replay-aggregator.js";
export type {
  BacktestResult,
  BacktestStats,
  ExitReason,
  MonthlyReturn,
  OpenPositionRecord,
  SignalRecord,
  SuppressedRecord,
  TradeRecord,
} from "./result.js";
export { monthlyReturns, SUPPRESSED_LISTED_PER_REASON } from "./result.js";
export {
  Backtest,
  type BacktestCharts,
  type BacktestOptions,
  type BacktestOutcome,
  type BacktestPath,
  type BarRows,
  runBacktest,
  sessionCalendar,
  sessionDailyBounds,
} from "./runner.js";
export { EquityTracker, tradeStats } from "./stats.js";
export { type SymbolStats, symbolStats } from "./symbol-stats.js";
