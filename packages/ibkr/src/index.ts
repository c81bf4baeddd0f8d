/**
 * @packageDocumentation
 * tradeplan's Interactive Brokers adapter on `@stoqey/ib`: the connection
 * with its watchdogs, the live bar feed and the broker that books
 * executions in the core's Portfolio.
 *
 * @module @tradeplan/ibkr
 */

export { negativeFrameLength } from "./ib/guard.js";
export * from "./ib/index.js";
