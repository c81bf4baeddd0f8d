/**
 * Every export of the core's modules, for tradeplan's own packages (store,
 * ibkr, live, queue, cli, playground): the building blocks they share beyond
 * the public API of `@tradeplan/core` (index.ts). **Outside the semver
 * promise** (docs/packages.md): any release may change or remove what is
 * here and not in the public entry.
 *
 * @module @tradeplan/core/internal
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
