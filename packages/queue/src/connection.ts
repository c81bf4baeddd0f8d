import { CONNECT_TIMEOUT_MS, checkPostgresUrl, connectProblem, type PostgresTarget } from "@tradeplan/postgres";
import pg from "pg";
import { QueueError } from "./errors.js";

/** A checked `--queue` connection string, and how messages show it. */
export type QueueTarget = PostgresTarget;

/**
 * Checks a `--queue` URL: `postgres://[USER@]HOST[:PORT]/DB[?sslmode=...]`.
 * A password in it is refused (a command line is visible to every user of
 * the machine): it goes in `PGPASSWORD` or a password file (`PGPASSFILE`,
 * default `~/.pgpass`), which `pg` reads: the rules of `@tradeplan/postgres`,
 * the same as the store's `storage.database`.
 *
 * @throws QueueError QUEUE_URL, one line saying what to fix.
 */
export function parseQueueUrl(text: string): QueueTarget {
  return checkPostgresUrl(text, (why) => new QueueError("QUEUE_URL", `--queue: ${why}`));
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
