/** Stable codes of Interactive Brokers adapter errors. */
export type IbErrorCode =
  | "IB_CONNECT_TIMEOUT"
  | "IB_CONNECT_FAILED"
  | "IB_CLIENT_ID_IN_USE"
  | "IB_NOT_CONNECTED"
  | "IB_STOPPED"
  | "IB_REQUEST_FAILED"
  | "IB_REQUEST_TIMEOUT"
  | "IB_PACING"
  | "IB_BAD_MESSAGE"
  | "IB_SYNC_TIMEOUT"
  | "IB_SYNC_INCOMPLETE";

/** An error of the IBKR adapter; `code` is stable, the message says where and why. */
export class IbError extends Error {
  override readonly name = "IbError";
  constructor(
    readonly code: IbErrorCode,
    message: string,
    /** The TWS error code behind this error, when there is one. */
    readonly twsCode?: number,
  ) {
    super(`${code}: ${message}`);
  }
}
