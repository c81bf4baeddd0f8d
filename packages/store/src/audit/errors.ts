import { accessSync, constants } from "node:fs";
import { dirname } from "node:path";

/** Stable codes of audit journal failures (not tamper findings: see `AuditProblemCode`). */
export type AuditErrorCode =
  /** The disk (or the database's page limit) is full: the batch was not written. */
  | "AUDIT_DISK_FULL"
  /** The database file or its directory cannot be written. */
  | "AUDIT_READONLY"
  /** The file cannot be opened at all (missing directory, permissions). */
  | "AUDIT_CANTOPEN"
  /** The file is not an SQLite database, or is damaged. */
  | "AUDIT_CORRUPT"
  /** Another connection holds the write lock longer than the busy timeout. */
  | "AUDIT_BUSY"
  /** Any other SQLite or I/O failure. */
  | "AUDIT_IO"
  /** The database holds no audit journal (tables missing). */
  | "AUDIT_NOT_A_JOURNAL"
  /** The journal was written by a newer, unknown schema version. */
  | "AUDIT_SCHEMA_VERSION"
  /** On open: the stored chain head does not match the last record, so appending would extend a damaged chain. */
  | "AUDIT_HEAD_MISMATCH"
  /** An entry, option or query filter failed validation. */
  | "AUDIT_BAD_INPUT"
  /** The journal was closed. */
  | "AUDIT_CLOSED"
  /** An earlier write failed; the journal refuses new records until a `flush()` succeeds. */
  | "AUDIT_FAILED"
  /** With `--ha`: this process no longer holds the account's lease (expired, taken over, or a key already committed). */
  | "AUDIT_LEASE_LOST"
  /** On PostgreSQL: more batches wait for the server than the bound (`maxQueued`); trading halts, the queue still commits. */
  | "AUDIT_BACKLOG";

/** A journal failure with a stable code; `cause` holds the underlying SQLite error when there is one. */
export class AuditError extends Error {
  override readonly name = "AuditError";
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The SQLite result code of an error from better-sqlite3 (`SQLITE_FULL`, ...), if it is one. */
function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? code : undefined;
}

/**
 * Why a database file cannot be written (`its directory cannot be written
 * (EROFS)`), or undefined when nothing says so. SQLite reports a read-only
 * file system as "unable to open database file" when WAL's `-shm` file
 * cannot be created; this names the cause.
 */
export function unwritable(file: string): string | undefined {
  if (file === "" || file === ":memory:") return undefined;
  for (const [path, what] of [
    [file, "the file"],
    [dirname(file), "its directory"],
  ] as const) {
    try {
      accessSync(path, constants.W_OK);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "EROFS" || code === "EACCES" || code === "EPERM") return `${what} cannot be written (${code})`;
    }
  }
  return undefined;
}

/**
 * Maps an SQLite error to an {@link AuditError} naming what failed and where.
 * `doing` says what the journal was doing ("writing a batch of 12 records").
 */
export function toAuditError(e: unknown, doing: string, file: string): AuditError {
  if (e instanceof AuditError) return e;
  const code = sqliteCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  const where = `audit journal \`${file}\``;
  if (code === "SQLITE_FULL")
    return new AuditError("AUDIT_DISK_FULL", `${where}: disk full while ${doing} (${detail})`, { cause: e });
  const readOnly =
    code?.startsWith("SQLITE_READONLY") || code?.startsWith("SQLITE_CANTOPEN") ? unwritable(file) : undefined;
  if (code?.startsWith("SQLITE_READONLY") || readOnly !== undefined)
    return new AuditError(
      "AUDIT_READONLY",
      `${where} is read-only${readOnly ? ` (${readOnly})` : ""}; failed while ${doing} (${detail})`,
      { cause: e },
    );
  if (code?.startsWith("SQLITE_CANTOPEN"))
    return new AuditError("AUDIT_CANTOPEN", `${where} cannot be opened (${detail})`, { cause: e });
  if (code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB" || code?.startsWith("SQLITE_CORRUPT_"))
    return new AuditError("AUDIT_CORRUPT", `${where} is not a valid database (${detail})`, { cause: e });
  if (code?.startsWith("SQLITE_BUSY") || code?.startsWith("SQLITE_LOCKED"))
    return new AuditError("AUDIT_BUSY", `${where} is locked by another connection while ${doing} (${detail})`, {
      cause: e,
    });
  return new AuditError("AUDIT_IO", `${where}: failed while ${doing}: ${detail}`, { cause: e });
}

/**
 * Tells the host of a store's first fatal failure (the journal and the
 * PostgreSQL store call it once, when they halt). The callback's own
 * failure must not hide the store's, so it is swallowed.
 */
export function notifyFatal(err: AuditError, onFatal: ((err: AuditError) => void) | undefined): void {
  if (!onFatal) return;
  try {
    onFatal(err);
  } catch {
    // The store's failure is the one to report.
  }
}
