import { AuditError } from "../audit/errors.js";

/** Whether a `storage.database` (or an `audit` command's argument) names a PostgreSQL server, not an SQLite file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target.trim());
}

/** TLS modes accepted in `sslmode` (libpq's names; `pg` reads them from the URL). */
const SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"] as const;

/** Names of the account (one hash chain, one saved state): letters, digits and `._-`, 1 to 100 long. */
export const ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A checked PostgreSQL connection string, and how to show it. */
export interface PostgresTarget {
  /** The URL as given (it carries no password). */
  readonly url: string;
  /** `postgres://user@host:port/db` for messages. */
  readonly label: string;
}

/**
 * Checks a PostgreSQL connection string: `postgres://[USER@]HOST[:PORT]/DB[?sslmode=...]`.
 * A password in it is refused: connection strings end up in shell histories,
 * process lists and config files under version control; the password goes in
 * `PGPASSWORD` or a password file (`PGPASSFILE`, default `~/.pgpass`), which
 * `pg` reads. Throws `AUDIT_BAD_INPUT` with one line saying what to fix.
 */
export function parsePostgresUrl(text: string, where: string): PostgresTarget {
  const bad = (why: string) => new AuditError("AUDIT_BAD_INPUT", `${where}: ${why}`);
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw bad("is not a valid connection string; write postgres://USER@HOST:PORT/DATABASE");
  }
  if (u.password !== "")
    throw bad(
      "the connection string carries a password; remove it and set PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass)",
    );
  if (u.hostname === "") throw bad("names no host; write postgres://USER@HOST:PORT/DATABASE");
  const db = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (db === "" || db.includes("/")) throw bad("names no database; write postgres://USER@HOST:PORT/DATABASE");
  const mode = u.searchParams.get("sslmode");
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode))
    throw bad(`sslmode=${mode} is not one of ${SSL_MODES.join(", ")}`);
  for (const k of u.searchParams.keys())
    if (k === "password") throw bad("the connection string carries a password; set PGPASSWORD or PGPASSFILE instead");
  const user = u.username === "" ? "" : `${decodeURIComponent(u.username)}@`;
  return { url: text.trim(), label: `postgres://${user}${u.host}/${db}` };
}

/** Checks an account name (`storage.account`, `--account`). */
export function checkAccount(account: string, where: string): string {
  if (!ACCOUNT_PATTERN.test(account))
    throw new AuditError(
      "AUDIT_BAD_INPUT",
      `${where}: account \`${account}\` must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  return account;
}
