import pg from "pg";
import { QueueError } from "./errors.js";

/** TLS modes accepted in `sslmode` (libpq's names; `pg` reads them from the URL). */
const SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"] as const;
/** How long connecting may take before the start fails (ms). */
export const CONNECT_TIMEOUT_MS = 10_000;

/** A checked `--queue` connection string, and how messages show it. */
export interface QueueTarget {
  /** The URL as given (it carries no password). */
  readonly url: string;
  /** `postgres://user@host:port/db`. */
  readonly label: string;
}

/**
 * Checks a `--queue` URL: `postgres://[USER@]HOST[:PORT]/DB[?sslmode=...]`.
 * A password in it is refused (a command line is visible to every user of
 * the machine): it goes in `PGPASSWORD` or a password file (`PGPASSFILE`,
 * default `~/.pgpass`), which `pg` reads. The same rules as the store's
 * `storage.database` (packages/store/src/postgres/url.ts), which the
 * package graph keeps this package from importing.
 *
 * @throws QueueError QUEUE_URL, one line saying what to fix.
 */
export function parseQueueUrl(text: string): QueueTarget {
  const bad = (why: string) => new QueueError("QUEUE_URL", `--queue: ${why}`);
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

/** What went wrong connecting, and what to do about it. */
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

/**
 * A pool of connections to `target`, checked by one round trip so a bad
 * host or login fails the start with one line.
 *
 * @throws QueueError QUEUE_CONNECT.
 */
export async function connectPool(target: QueueTarget, applicationName: string, max = 2): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: target.url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    max,
  });
  // An idle connection the server dropped must not crash the process: the next query reports it.
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new QueueError("QUEUE_CONNECT", `cannot connect to ${target.label}: ${connectProblem(e)}`);
  }
  return pool;
}
