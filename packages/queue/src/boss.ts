import type pg from "pg";
import PgBoss from "pg-boss";
import { QueueError } from "./errors.js";
import { DEAD_LETTER_QUEUE, SWEEP_QUEUE } from "./job.js";
import { ensureResultsTable } from "./results.js";

/**
 * How often every coordinator and worker offers to run pg-boss's
 * maintenance (seconds). Maintenance is what fails an expired job (a
 * killed worker's) into a retry, and pg-boss runs it at most once per
 * interval over all processes, so this bounds how long a dead worker's job
 * waits beyond its expiry.
 */
export const MAINTENANCE_SECONDS = 2;

/**
 * A started pg-boss on `pool` (its queries go through our pool: one set of
 * connections per process), with the sweep queue and its dead-letter queue
 * created (idempotent), and the results table. pg-boss installs or migrates its schema (`pgboss`)
 * on first start.
 */
export async function startBoss(pool: pg.Pool, label: string): Promise<PgBoss> {
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
    supervise: true,
    maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
    schedule: false,
  });
  // pg-boss reports failures of its background work as events; an unhandled 'error' event would end the process.
  boss.on("error", () => undefined);
  try {
    await setUpOnce(pool, async () => {
      await ensureResultsTable(pool);
      await boss.start();
      await boss.createQueue(DEAD_LETTER_QUEUE);
      await boss.createQueue(SWEEP_QUEUE, { name: SWEEP_QUEUE, deadLetter: DEAD_LETTER_QUEUE });
    });
  } catch (e) {
    await boss.stop({ graceful: false, close: false, wait: true }).catch(() => undefined);
    throw new QueueError(
      "QUEUE_CONNECT",
      `${label}: cannot set up the job queue: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return boss;
}

/** The advisory lock key that serialises set-up (any constant: it only has to be the same in every process). */
const SETUP_LOCK = 0x7470_7175; // "tpqu"

/**
 * Runs `setUp` holding a session advisory lock: two workers starting at
 * once on a fresh database would both create pg-boss's schema and one
 * would fail on the catalogue's unique index.
 */
async function setUpOnce(pool: pg.Pool, setUp: () => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK]);
    try {
      await setUp();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** Stops pg-boss's timers and workers; the pool is the caller's to end. */
export async function stopBoss(boss: PgBoss): Promise<void> {
  await boss.stop({ graceful: false, close: false, wait: true }).catch(() => undefined);
}
