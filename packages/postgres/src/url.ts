/** TLS modes accepted in `sslmode` (libpq's names; `pg` reads them from the URL). */
export const SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"] as const;

/** How long connecting may take before a start fails (ms). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** A checked PostgreSQL connection string, and how messages show it. */
export interface PostgresTarget {
  /** The URL as given (it carries no password). */
  readonly url: string;
  /** `postgres://user@host:port/db`, for messages. */
  readonly label: string;
}

/** Whether a string names a PostgreSQL server (`postgres://` or `postgresql://`), not a file. */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target.trim());
}

/**
 * Checks a connection string: `postgres://[USER@]HOST[:PORT]/DB[?sslmode=...]`.
 * A password in it is refused: connection strings end up in shell
 * histories, process lists and config files under version control; the
 * password goes in `PGPASSWORD` or a password file (`PGPASSFILE`, default
 * `~/.pgpass`), which `pg` reads. `bad` turns the one line saying what to
 * fix into the caller's error (the store's `AuditError`, the queue's
 * `QueueError`), which is thrown.
 */
export function checkPostgresUrl(text: string, bad: (why: string) => Error): PostgresTarget {
  const example = "write postgres://USER@HOST:PORT/DATABASE";
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw bad(`\`${text}\` is not a connection string; ${example}`);
  }
  if (!/^postgres(ql)?:$/i.test(u.protocol)) throw bad(`\`${u.protocol}\` is not postgres:; ${example}`);
  if (u.password !== "" || u.searchParams.has("password"))
    throw bad(
      "the connection string carries a password; remove it and set PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass)",
    );
  if (u.hostname === "") throw bad(`names no host; ${example}`);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (db === "" || db.includes("/")) throw bad(`names no database; ${example}`);
  const mode = u.searchParams.get("sslmode");
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode))
    throw bad(`sslmode=${mode} is not one of ${SSL_MODES.join(", ")}`);
  const user = u.username === "" ? "" : `${decodeURIComponent(u.username)}@`;
  return { url: text.trim(), label: `postgres://${user}${u.host}/${db}` };
}

/** What went wrong connecting (an error of `pg` or of the socket), and what to do about it, in one line. */
export function connectProblem(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : String(e);
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running, on that host and port?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "unknown host (check the host name)";
    case "ETIMEDOUT":
      return "timed out (check the host, the port and the firewall)";
    case "28P01":
    case "28000":
      return `authentication failed (${msg}); set PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass)`;
    case "3D000":
      return `${msg} (create it: createdb, or CREATE DATABASE)`;
  }
  if (/password/i.test(msg) && /SASL|client password/i.test(msg))
    return "the server asks for a password: set PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass)";
  if (/timeout/i.test(msg))
    return `timed out after ${CONNECT_TIMEOUT_MS / 1000} s (check the host, the port and the firewall)`;
  return msg;
}
