/**
 * @packageDocumentation
 * tradeplan's core, which runs anywhere JavaScript runs (Node, a browser, a
 * worker): backtests over bars and their results, reading and generating
 * bars, market calendars, the engine with its execution functions and risk
 * checks, the Portfolio and the paper broker, clocks and bar-close
 * detection for a live engine, the report model, and parameter sweeps. No
 * Node API is imported here (a test guards it); files, databases, brokers
 * and servers live in `@tradeplan/store`, `@tradeplan/ibkr` and
 * `@tradeplan/live`.
 *
 * This entry is the public API, under the semver promise of
 * docs/packages.md: what a program embedding tradeplan uses. The building
 * blocks the sibling packages share besides (aggregation, the circuit
 * breaker, the IR, the schemas of the configuration's sections, ...) are in
 * `@tradeplan/core/internal`, which may change in any release.
 *
 * @module @tradeplan/core
 */

// Bars: reading CSV text, generating a seeded walk, timeframes, columns for sweeps
export { parseTimeframe, type Timeframe, TimeframeError } from "./aggregator/index.js";
// Backtests over bars, their results and the explanation of a decision
export {
  Backtest,
  type BacktestCharts,
  type BacktestOptions,
  type BacktestOutcome,
  type BacktestResult,
  type BacktestStats,
  type Candle,
  type CandleSeries,
  type ExitReason,
  type ExplainedRule,
  ExplainSink,
  type MonthlyReturn,
  type OpenPositionRecord,
  runBacktest,
  type SignalRecord,
  type SuppressedRecord,
  type SymbolStats,
  type TradeRecord,
} from "./backtest/index.js";
export type { BarView } from "./bars/ring-buffer.js";
// The book and the brokers: Portfolio, the paper broker, instruments
export {
  type Broker,
  type BrokerEvent,
  type BrokerListener,
  type BrokerOrder,
  type Fill,
  type OrderAck,
  type OrderStatus,
  PaperBroker,
  type PaperBrokerConfig,
  type PaperBrokerOptions,
} from "./brokers/index.js";
// Market calendars
export {
  AlwaysCalendar,
  CalendarError,
  calendarFor,
  calendarForPlan,
  FixedHoursCalendar,
  type FixedHoursConfig,
  type MarketCalendar,
  NyseCalendar,
  type Session,
  type SessionKind,
} from "./calendar/index.js";
// Clocks, feeds and bar-close detection, for a live engine
export { type Clock, RealClock, type TimerHandle, VirtualClock } from "./clock/index.js";
export {
  BarColumns,
  BarColumnsBuilder,
  type BarColumnsTransfer,
  barsToCsv,
  CsvBarReader,
  CsvFormatError,
  type CsvOptions,
  type CsvRejectCode,
  type CsvSummary,
  DEMO_DATA,
  type GeneratorOptions,
  generateBars,
  parseCsvText,
  type RejectedRow,
  type SessionBounds,
  timeframeSeconds,
  tradingSessions,
} from "./data/index.js";
export { BarCloseDetector, type DetectorOptions } from "./detector/index.js";
// The engine, its execution functions and risk checks
export { combineSinks, Engine, type EngineEvent, type EngineEventSink, type EngineOptions } from "./engine/index.js";
export type { FeedBar, FeedEvent, FeedListener, MarketDataFeed } from "./feeds/index.js";
export type {
  AccountInfo,
  BarCloseEvent,
  BarData,
  ExecutionSignal,
  OrderRequest,
  OrderSide,
  PositionSide,
  PositionState,
  SignalAction,
} from "./models.js";
// Parameter sweeps and walk-forward
export {
  DEFAULT_MAX_VARIANTS,
  DEFAULT_MIN_TRADES,
  DEFAULT_OBJECTIVE,
  DEFAULT_SEED,
  gridVariants,
  InProcessRunner,
  OBJECTIVES,
  type ObjectiveName,
  OptimizeInputError,
  type OptimizeOutcome,
  type OptimizeRequest,
  optimize,
  type ParamSpace,
  type ParamValues,
  parseWalkForward,
  randomVariants,
  runVariantTask,
  type StopSignal,
  type SweepSummary,
  VariantContext,
  type VariantResult,
  type VariantRunner,
  type VariantSetup,
  type VariantStats,
  type VariantTask,
  type WalkForwardSummary,
  type WindowOutcome,
  walkForwardWindows,
} from "./optimize/index.js";
export {
  type FillEvent,
  type FxConfig,
  type InstrumentConfig,
  type InstrumentSpec,
  Instruments,
  type OpenPosition,
  Portfolio,
  type PortfolioState,
  resolveInstruments,
  type Trade,
} from "./portfolio/index.js";
export { createDefaultRegistry, type DefaultRegistryOptions, ExecutionFunctionRegistry } from "./registry/index.js";

// The report: HTML, chart data and the interactive chart
export {
  buildChartData,
  type ChartLibrarySource,
  type ChartMarker,
  LocalTime,
  type MountedChart,
  mountBacktestChart,
  type ReportChartData,
  type ReportInput,
  renderReport,
} from "./report/index.js";
export { type RiskConfig, type RiskDecision, RiskValidator, type TradingState } from "./risk/index.js";
