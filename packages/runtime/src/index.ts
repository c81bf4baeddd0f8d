/**
 * @packageDocumentation
 * The tradeplan runtime: execution functions and their registry, bar series
 * and indicators, the market calendar, aggregation and bar-close detection,
 * and the engine with risk checks, brokers, CSV data, backtests and reports.
 */

export * from "./aggregator/index.js";
export * from "./audit/index.js";
export * from "./backtest/index.js";
export * from "./bars/ring-buffer.js";
export * from "./bars/series.js";
export * from "./breaker/index.js";
export * from "./brokers/index.js";
export * from "./calendar/index.js";
export * from "./clock/index.js";
export * from "./config/index.js";
export * from "./context.js";
export * from "./data/index.js";
export * from "./detector/index.js";
export * from "./engine/index.js";
export * from "./feeds/index.js";
export * from "./functions/index.js";
export * from "./ib/index.js";
export * from "./indicators/index.js";
export * from "./ir/index.js";
export * from "./live/index.js";
export * from "./logging/index.js";
export * from "./metrics/index.js";
export * from "./models.js";
export * from "./persistence/index.js";
export * from "./portfolio/index.js";
export * from "./registry/index.js";
export * from "./report/index.js";
export * from "./risk/index.js";
export { openSqlite, SqliteUnavailableError, sqlite } from "./sqlite/load.js";
export * from "./validation/index.js";
