export { StateError, type StateErrorCode } from "./errors.js";
export { type SessionTradingState, SessionTradingStateSchema, STATE_SCHEMA_VERSION } from "./schema.js";
export {
  type BrokerSnapshot,
  type OrderOrigin,
  type SessionState,
  type SessionStore,
  StateStore,
  type StreamProgress,
} from "./store.js";
