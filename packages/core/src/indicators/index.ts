/**
 * @packageDocumentation
 * Streaming indicators: O(1) per bar, NaN until warm, textbook definitions.
 */
export { Atr } from "./atr.js";
export { Change } from "./change.js";
export { Ema } from "./ema.js";
export { Highest, Lowest } from "./extremum.js";
export { Rsi } from "./rsi.js";
export { Sma } from "./sma.js";
export { checkPeriod, type HLCV, IndicatorError, type IndicatorErrorCode, type ValueIndicator } from "./types.js";
export { Vwap } from "./vwap.js";
