/** Stable codes of {@link LiveError}. */
export type LiveErrorCode =
  | "LIVE_NO_PLAN"
  | "LIVE_DUPLICATE_PLAN"
  /** Plans with different sessions or time zones cannot share one bar-close detector. */
  | "LIVE_MIXED_SESSIONS"
  /** The feed could not deliver the history the restart needs. */
  | "LIVE_HISTORY"
  /** A feed or broker choice that this build cannot provide. */
  | "LIVE_UNAVAILABLE"
  /** Feed settings that cannot work (no data, symbol not in the plans). */
  | "LIVE_BAD_FEED"
  /** `instruments:` / `fx:` do not fit the plans (a symbol no plan trades, currencies without rates). */
  | "LIVE_BAD_INSTRUMENTS"
  /** The session was stopped (a signal) before its start-up was done: nothing was decided. */
  | "LIVE_STOPPED";

/** A live session could not be set up or started. */
export class LiveError extends Error {
  override readonly name = "LiveError";
  constructor(
    readonly code: LiveErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
