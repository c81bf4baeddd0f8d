/**
 * @packageDocumentation
 * tradeplan on Node: the live session (replay, simulation, IB), the
 * `tradeplan.yaml` configuration, logging, metrics, and reading CSV files
 * and the chart library from disk.
 *
 * @module @tradeplan/live
 */

export * from "./config/index.js";
export * from "./files/index.js";
export * from "./live/index.js";
export * from "./logging/index.js";
export * from "./metrics/index.js";
