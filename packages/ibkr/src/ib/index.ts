export {
  type AdoptedOrder,
  type AdoptedPosition,
  type Adoption,
  type IbSyncWarning,
  type IbSyncWarningCode,
  planAdoption,
} from "./adopt.js";
export { Backoff } from "./backoff.js";
export { IbBroker, type IbBrokerDeps, type IbBrokerOptions, IbBrokerOptionsSchema } from "./broker.js";
export {
  IbConnection,
  type IbConnectionDeps,
  type IbConnectionEvent,
  type IbConnectionListener,
  type IbConnectionState,
  type IbConnectionStats,
} from "./connection.js";
export { type StockContractOptions, StockContractOptionsSchema, stockContract } from "./contract.js";
export { classifyTwsCode, type TwsCodeAction } from "./error-codes.js";
export { IbError, type IbErrorCode, type IbErrorDetails } from "./errors.js";
export { IbFeed, type IbFeedDeps, type IbFeedOptions, IbFeedOptionsSchema } from "./feed.js";
export { GapFreeFeed, type GapFreeFeedOptions } from "./gap-free-feed.js";
export {
  type BackoffOptions,
  BackoffOptionsSchema,
  type IbConnectionInput,
  type IbConnectionOptions,
  IbConnectionOptionsSchema,
  sameApiSession,
} from "./options.js";
export { loadTwsOrders, type OrderFate, orderFate, type TwsOrderBook } from "./order-book.js";
export {
  loadTwsAccount,
  type TwsAccountSnapshot,
  type TwsOpenOrder,
  type TwsPosition,
} from "./sync.js";
export { TokenBucket } from "./token-bucket.js";
