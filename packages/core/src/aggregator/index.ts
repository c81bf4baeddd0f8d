export {
  type AggregatorOptions,
  AggregatorOptionsSchema,
  type AggregatorStats,
  BarAggregator,
  type BarUpdate,
} from "./aggregator.js";
export { Bucketer } from "./bucketer.js";
export { parseTimeframe, type Timeframe, TimeframeError, TimeframeSchema } from "./timeframe.js";
