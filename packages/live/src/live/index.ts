// The hot standby (--ha) lives beside the session it guards.
export * from "../ha/index.js";
export { breakerGuard } from "./breaker-guard.js";
export { canHold, type HoldableClock } from "./clock-hold.js";
export { LiveError, type LiveErrorCode } from "./errors.js";
export {
  type BrokerKind,
  type BrokerSetup,
  createBroker,
  createFeed,
  createGuard,
  type FeedKind,
  type FeedSetup,
  type FeedSetupInput,
  symbolList,
} from "./factory.js";
export { FastClock, type FastClockOptions } from "./fast-clock.js";
export {
  closedStreamBars,
  fetchStreamHistory,
  fetchWarmUpHistory,
  historyStart,
  type StreamNeed,
  type WarmUpHistory,
} from "./history.js";
export { type ReplayBars, type ReplayCsv, ReplayFeed } from "./replay-feed.js";
export { combineObservers, SessionResultRecorder } from "./result-recorder.js";
export { ScaledClock, type ScaledClockOptions } from "./scaled-clock.js";
export { ArraySchedule, type BarSchedule, ScheduledFeed, type ScheduledFeedOptions } from "./scheduled-feed.js";
export {
  type BatchSink,
  LiveSession,
  type LiveSessionOptions,
  type SessionControl,
  type SessionFeed,
  type SessionGuard,
  type SessionLog,
  type SessionLogLevel,
  type SessionObserver,
  type SessionStats,
} from "./session.js";
export { SimFeed, type SimFeedSpec } from "./sim-feed.js";
export { SimMarket, type SimMarketSpec, type TimeframeWant } from "./sim-market.js";
export { StreamBarBuilder } from "./stream-bars.js";
export { TimeSlicer } from "./time-slice.js";
