/**
 * @packageDocumentation
 * tradeplan's core, which runs anywhere JavaScript runs (Node, a browser, a
 * worker): execution functions and their registry, bar series and
 * indicators, market calendars, aggregation and bar-close detection, the
 * engine with risk checks, the book of positions, the paper broker,
 * backtests and the report model. No Node API is imported here (a test
 * guards it); files, databases, brokers and servers live in
 * `@tradeplan/store`, `@tradeplan/ibkr` and `@tradeplan/live`.
 *
 * @module @tradeplan/core
 */

export * from "./aggregator/index.js";
export * from "./backtest/index.js";
export { foldIntoBar, OpenBar, type OpenBarFields } from "./bars/open-bar.js";
export * from "./bars/ring-buffer.js";
export * from "./bars/series.js";
export * from "./breaker/index.js";
export * from "./brokers/index.js";
export * from "./calendar/index.js";
export * from "./clock/index.js";
export * from "./context.js";
export * from "./data/index.js";
export * from "./detector/index.js";
export * from "./engine/index.js";
export * from "./feeds/index.js";
export * from "./functions/index.js";
export * from "./indicators/index.js";
export * from "./ir/index.js";
export * from "./models.js";
export * from "./optimize/index.js";
export * from "./portfolio/index.js";
export * from "./registry/index.js";
export * from "./report/index.js";
export * from "./risk/index.js";
export * from "./validation/index.js";
