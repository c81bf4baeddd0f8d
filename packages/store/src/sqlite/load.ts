import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";

/** A better-sqlite3 connection: the type every SQLite user in the runtime shares. */
export type SqliteDatabase = BetterSqlite3.Database;
/** better-sqlite3's open options. */
export type SqliteOptions = BetterSqlite3.Options;

/**
 * better-sqlite3 is a native module, compiled when it is installed (its
 * prebuilt binaries come from a host many machines cannot reach) and an
 * optional dependency of the runtime, so that an install without a C++
 * toolchain still gives `check`, `fmt`, `explain`, `compile` and `test`.
 * It is therefore loaded on first use, never at import time, and a missing or
 * unbuilt module is one line saying what to install.
 */
export class SqliteUnavailableError extends Error {
  override readonly name = "SqliteUnavailableError";
  readonly code = "SQLITE_UNAVAILABLE";
  constructor(cause: unknown) {
    super(
      `the SQLite module (better-sqlite3) ${
        (cause as { code?: unknown }).code === "MODULE_NOT_FOUND" ? "is not installed" : "cannot be loaded"
      }: install a C++ toolchain (python3, make, g++) and reinstall tradeplan so that npm can build it (${firstLine(cause)})`,
      { cause },
    );
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
}

let loaded: typeof BetterSqlite3 | undefined;

/** better-sqlite3's `Database` class, loaded on first call; throws {@link SqliteUnavailableError}. */
export function sqlite(): typeof BetterSqlite3 {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;
  } catch (e) {
    throw new SqliteUnavailableError(e);
  }
  return loaded;
}

/** Opens a database file (or `:memory:`) with better-sqlite3. */
export function openSqlite(file: string, options?: SqliteOptions): SqliteDatabase {
  const Database = sqlite();
  return new Database(file, options);
}
