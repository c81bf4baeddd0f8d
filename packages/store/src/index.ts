/**
 * @packageDocumentation
 * tradeplan's store: the hash-chained audit journal and the live session's
 * saved state, on SQLite (better-sqlite3, loaded on first use).
 *
 * @module @tradeplan/store
 */

export * from "./audit/index.js";
export * from "./persistence/index.js";
export * from "./postgres/index.js";
export { openSqlite, SqliteUnavailableError, sqlite } from "./sqlite/load.js";
