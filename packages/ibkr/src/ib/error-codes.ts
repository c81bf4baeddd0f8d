/**
 * How the adapter reacts to a TWS message code. TWS sends errors, warnings
 * and plain notices through one channel; @stoqey/ib routes those with
 * request id -1 to its `info` event and the rest to `error`, so the adapter
 * classifies by code, whichever event carried it.
 */
export type TwsCodeAction =
  /** TWS lost its connection to IB: no data, no orders until 1101/1102. */
  | "link_lost"
  /** Connection to IB restored; market data subscriptions were lost and must be renewed. */
  | "link_restored_data_lost"
  /** Connection to IB restored with subscriptions kept. */
  | "link_restored"
  /** Another client holds this client id: fatal, never retried. */
  | "client_id_in_use"
  /** The socket to TWS could not be opened or is gone. */
  | "socket_failed"
  /** Too many requests: retry later with backoff. */
  | "pacing"
  /** An order was rejected. */
  | "order_rejected"
  /** An order was cancelled. */
  | "order_cancelled"
  /** A notice that needs no action (data farm connected, ...). */
  | "notice"
  /** Anything else: reported, request-scoped when it has a request id. */
  | "error";

const TABLE: ReadonlyMap<number, TwsCodeAction> = new Map<number, TwsCodeAction>([
  [1100, "link_lost"],
  [1101, "link_restored_data_lost"],
  [1102, "link_restored"],
  [1300, "socket_failed"],
  [326, "client_id_in_use"],
  [502, "socket_failed"],
  [504, "socket_failed"],
  [100, "pacing"],
  [420, "pacing"],
  [201, "order_rejected"],
  [203, "order_rejected"],
  [110, "order_rejected"],
  [103, "order_rejected"],
  [202, "order_cancelled"],
  [2103, "notice"],
  [2104, "notice"],
  [2105, "notice"],
  [2106, "notice"],
  [2107, "notice"],
  [2108, "notice"],
  [2119, "notice"],
  [2157, "notice"],
  [2158, "notice"],
  [399, "notice"],
]);

/**
 * The action for a TWS code. 162 is the historical-data service's code for
 * both "pacing violation" and "no data", so its message decides.
 */
export function classifyTwsCode(code: number, message: string): TwsCodeAction {
  if (code === 162) return /pacing/i.test(message) ? "pacing" : "error";
  return TABLE.get(code) ?? "error";
}
