export { ConfigError, type ConfigErrorCode, type ConfigIssue, formatIssue } from "./errors.js";
export { configIssuesError, loadTradeplanConfig, parseTradeplanConfig } from "./load.js";
export {
  type BreakerConfig,
  BreakerSectionSchema,
  BrokerSectionSchema,
  EngineSectionSchema,
  FeedSectionSchema,
  LIVE_GRACE_MS,
  type MetricsConfig,
  MetricsSectionSchema,
  type ReplayFeedConfig,
  ReplayFeedSchema,
  type SimFeedConfig,
  SimFeedSchema,
  SpeedSchema,
  StorageSectionSchema,
  type TradeplanConfig,
  type TradeplanConfigInput,
  TradeplanConfigSchema,
} from "./schema.js";
