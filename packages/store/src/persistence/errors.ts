import { unwritable } from "../audit/errors.js";

/** Stable codes of {@link StateError}. */
export type StateErrorCode =
  /** The database holds state of another schema version. */
  | "STATE_SCHEMA_VERSION"
  /** A saved row does not have the shape it must have (edited or damaged database). */
  | "STATE_CORRUPT"
  /** The database file, or the file system it is on, cannot be written. */
  | "STATE_READONLY"
  /** The disk (or the database's page limit) is full. */
  | "STATE_DISK_FULL"
  /** The database cannot be opened, read or written for another reason. */
  | "STATE_IO";

/** The state store could not load or save; the message names the file, and the table and row when one is bad. */
export class StateError extends Error {
  override readonly name = "StateError";
  constructor(
    readonly code: StateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/**
 * Maps a failure of the state database to a {@link StateError} naming the
 * file and what was being done (`saving the session state`); a
 * `StateError` passes through unchanged.
 */
export function toStateError(e: unknown, doing: string, file: string): StateError {
  if (e instanceof StateError) return e;
  const code = (e as { code?: unknown } | undefined)?.code;
  const sqlite = typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
  const detail = e instanceof Error ? e.message : String(e);
  const where = `state database \`${file}\``;
  const readOnly =
    sqlite === undefined || sqlite.startsWith("SQLITE_READONLY") || sqlite.startsWith("SQLITE_CANTOPEN")
      ? unwritable(file)
      : undefined;
  if (sqlite?.startsWith("SQLITE_READONLY") || readOnly !== undefined)
    return new StateError(
      "STATE_READONLY",
      `${where} is read-only${readOnly ? ` (${readOnly})` : ""}; failed while ${doing} (${detail})`,
      { cause: e },
    );
  if (sqlite === "SQLITE_FULL")
    return new StateError("STATE_DISK_FULL", `${where}: disk full while ${doing} (${detail})`, { cause: e });
  return new StateError("STATE_IO", `${where}: failed while ${doing}: ${detail}`, { cause: e });
}
