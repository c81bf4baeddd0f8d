import { openSqlite, type SqliteDatabase as Sqlite, SqliteUnavailableError } from "../sqlite/load.js";
import { AuditError, toAuditError } from "./errors.js";
import { GENESIS_HASH } from "./record.js";

/** Schema version stored in `audit_meta`; a journal from a newer version is refused. */
export const AUDIT_SCHEMA_VERSION = 1;

/** A better-sqlite3 connection (the journal shares its file with the runtime's state tables). */
export type SqliteDatabase = Sqlite;

/**
 * Append-only by construction: triggers refuse UPDATE and DELETE on the
 * records, except DELETE while `prune()` has set the `pruning` flag inside
 * its own transaction. They guard against mistakes, not attackers (who can
 * drop them); the hash chain and signed checkpoints are what detect tampering.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_records (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  function TEXT,
  rule TEXT,
  symbol TEXT,
  timeframe TEXT,
  bar_time INTEGER,
  context_digest TEXT,
  context TEXT,
  action TEXT,
  reasoning TEXT,
  duration_ms REAL,
  payload TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_symbol ON audit_records(symbol, seq);
CREATE INDEX IF NOT EXISTS audit_records_rule ON audit_records(rule, seq);
CREATE INDEX IF NOT EXISTS audit_records_function ON audit_records(function, seq);
CREATE INDEX IF NOT EXISTS audit_records_action ON audit_records(action, seq);
CREATE INDEX IF NOT EXISTS audit_records_kind ON audit_records(kind, seq);
CREATE INDEX IF NOT EXISTS audit_records_bar_time ON audit_records(bar_time);
CREATE TABLE IF NOT EXISTS audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  checkpoints INTEGER NOT NULL,
  hmac TEXT
);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit_records is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
WHEN (SELECT value FROM audit_meta WHERE key = 'pruning') IS NOT '1'
BEGIN SELECT RAISE(ABORT, 'audit_records is append-only; use prune()'); END;
`;

/** The label of a connection for messages: its file name. */
export function dbLabel(db: SqliteDatabase): string {
  return db.memory ? ":memory:" : db.name;
}

/** Opens (creating if needed) a database file for writing, mapping failures to stable codes. */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): SqliteDatabase {
  try {
    return openSqlite(file, {
      readonly: options.readonly === true,
      fileMustExist: options.readonly === true,
      // Another connection (the runtime's state store) may hold the write lock for a moment.
      timeout: 5000,
    });
  } catch (e) {
    if (e instanceof SqliteUnavailableError) throw e;
    // better-sqlite3 checks the directory itself and throws a plain TypeError.
    if (!(typeof (e as { code?: unknown }).code === "string"))
      throw new AuditError(
        "AUDIT_CANTOPEN",
        `audit journal \`${file}\` cannot be opened: ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
        },
      );
    throw toAuditError(e, "opening it", file);
  }
}

/** Whether the audit tables exist on a connection. */
export function hasJournal(db: SqliteDatabase): boolean {
  const row = db
    .prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('audit_meta', 'audit_records', 'audit_head')",
    )
    .get() as { n: number };
  return row.n === 3;
}

/** Refuses a journal written by a newer schema. */
export function checkSchemaVersion(db: SqliteDatabase): void {
  const row = db.prepare("SELECT value FROM audit_meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  const v = row ? Number(row.value) : Number.NaN;
  if (!Number.isInteger(v) || v < 1 || v > AUDIT_SCHEMA_VERSION) {
    throw new AuditError(
      "AUDIT_SCHEMA_VERSION",
      `audit journal \`${dbLabel(db)}\` has schema version ${row?.value ?? "(none)"}; this tradeplan reads versions 1..${AUDIT_SCHEMA_VERSION}`,
    );
  }
}

/** Creates the tables, indexes and head row if missing (idempotent, one transaction). */
export function createSchema(db: SqliteDatabase, now: number): void {
  db.transaction(() => {
    db.exec(DDL);
    db.prepare("INSERT OR IGNORE INTO audit_meta (key, value) VALUES ('schema_version', ?)").run(
      String(AUDIT_SCHEMA_VERSION),
    );
    db.prepare("INSERT OR IGNORE INTO audit_meta (key, value) VALUES ('created_at', ?)").run(String(now));
    db.prepare("INSERT OR IGNORE INTO audit_head (id, seq, hash, checkpoints, hmac) VALUES (1, 0, ?, 0, NULL)").run(
      GENESIS_HASH,
    );
  })();
}

/** Checks a connection holds a journal of a known version; for readers (verify, query). */
export function requireJournal(db: SqliteDatabase): void {
  let present: boolean;
  try {
    present = hasJournal(db);
  } catch (e) {
    throw toAuditError(e, "reading its tables", dbLabel(db));
  }
  if (!present)
    throw new AuditError("AUDIT_NOT_A_JOURNAL", `\`${dbLabel(db)}\` holds no audit journal (no audit_records table)`);
  checkSchemaVersion(db);
}
