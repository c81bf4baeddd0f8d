/** Stable codes of {@link StateError}. */
export type StateErrorCode =
  /** The database holds state of another schema version. */
  | "STATE_SCHEMA_VERSION"
  /** A saved row does not have the shape it must have (edited or damaged database). */
  | "STATE_CORRUPT"
  /** The database cannot be opened, read or written. */
  | "STATE_IO";

/** The state store could not load or save; the message names the table and row. */
export class StateError extends Error {
  override readonly name = "StateError";
  constructor(
    readonly code: StateErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
