export { ConfigError, type ConfigErrorCode, type ConfigIssue, formatIssue } from "./errors.js";
export { loadTradeplanConfig, parseTradeplanConfig } from "./load.js";
export {
  type BreakerConfig,
  BreakerSectionSchema,
  BrokerSectionSchema,
  EngineSectionSchema,
  FeedSectionSchema,
  type MetricsConfig,
  MetricsSectionSchema,
  type ReplayFeedConfig,
  ReplayFeedSchema,
  type SimFeedConfig,
  SimFeedSchema,
  StorageSectionSchema,
  type TradeplanConfig,
  type TradeplanConfigInput,
  TradeplanConfigSchema,
} from "./schema.js";
