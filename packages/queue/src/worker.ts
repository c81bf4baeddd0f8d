import { hostname } from "node:os";
import { runVariantTask, VariantContext, type VariantTask } from "@tradeplan/core";
import type pg from "pg";
import type PgBoss from "pg-boss";
import { startBoss, stopBoss } from "./boss.js";
import { readBarCache } from "./cache/format.js";
import { connectPool, type QueueTarget } from "./connection.js";
import { parseSweepJob, SWEEP_QUEUE, type SweepJob } from "./job.js";
import { type ResultRow, writeResults, writtenIndexes } from "./results.js";

/** Whether the worker should stop: an `AbortSignal` is one. */
export interface WorkerStopSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface WorkerOptions {
  readonly target: QueueTarget;
  /** Aborted on SIGTERM: the worker finishes the variant it is on, writes what it has and gives the job back. */
  readonly signal: WorkerStopSignal;
  /** How long to wait between looks at an empty queue (ms); default 250. */
  readonly idleMs?: number;
  /** Results are written at least this often while a job runs (ms); default 1,000. */
  readonly flushMs?: number;
  /** Called with one line per job done or given back. */
  readonly log?: (line: string) => void;
  /** Called when the worker is connected and waiting for jobs. */
  readonly onReady?: () => void;
}

/** What a worker did, for its last line and the benchmark. */
export interface WorkerSummary {
  jobs: number;
  variants: number;
  /** Time in the backtests (ms). */
  computeMs: number;
  /** Time from taking each job to completing it (ms): compute plus the queue's and the results table's share. */
  jobMs: number;
  /** Jobs failed (a bad job, a cache that does not match) or given back on a stop. */
  failed: number;
}

/** The sweep a worker last set up: its context is reused by the sweep's next jobs. */
interface Prepared {
  readonly key: string;
  readonly context: VariantContext;
}

/**
 * Runs sweep jobs until `signal` is aborted: takes one job at a time,
 * checks its bar cache against the job's checksum (a mismatch fails the job
 * with the reason: this machine has another version of the file), runs the
 * variants not yet in the results table (a retried job skips what an
 * earlier attempt wrote), upserts the results every second and at the end,
 * and completes the job. On a stop it finishes the current variant, writes
 * what it has and fails the job as given back (it is retried at once,
 * elsewhere or here, from where it stopped).
 *
 * @throws QueueError QUEUE_CONNECT when the server cannot be reached or set up.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const pool = await connectPool(options.target, "tradeplan worker", 3);
  let boss: PgBoss | undefined;
  const summary: WorkerSummary = { jobs: 0, variants: 0, computeMs: 0, jobMs: 0, failed: 0 };
  try {
    boss = await startBoss(pool, options.target.label);
    options.onReady?.();
    const name = `${hostname()}:${process.pid}`;
    let prepared: Prepared | undefined;
    const { signal } = options;
    let down: string | undefined;
    while (!signal.aborted) {
      const started = performance.now();
      let job: PgBoss.Job<unknown> | undefined;
      try {
        [job] = await boss.fetch<unknown>(SWEEP_QUEUE, { batchSize: 1 });
      } catch (e) {
        // The server restarted or the connection dropped: wait and try again (a job we held expires and is retried).
        const why = e instanceof Error ? e.message : String(e);
        if (down === undefined) options.log?.(`cannot reach the queue (${why}); retrying every second`);
        down = why;
        await sleep(1000, signal);
        continue;
      }
      if (down !== undefined) options.log?.("the queue is back");
      down = undefined;
      if (job === undefined) {
        await sleep(options.idleMs ?? 250, signal);
        continue;
      }
      let parsed: SweepJob;
      try {
        parsed = parseSweepJob(job.data);
        const key = `${parsed.sweep} ${parsed.cache.checksum}`;
        if (prepared?.key !== key) {
          prepared = undefined;
          const cache = await readBarCache(parsed.cache.path, parsed.cache.checksum);
          prepared = { key, context: VariantContext.create(parsed.setup, cache.columns) };
        }
      } catch (e) {
        summary.failed++;
        const message = `worker ${name}: ${e instanceof Error ? e.message : String(e)}`;
        // If even that fails, the job expires and is retried.
        await boss.fail(SWEEP_QUEUE, job.id, { message }).catch(() => undefined);
        options.log?.(`job ${job.id} failed: ${message}`);
        continue;
      }
      let done: Awaited<ReturnType<typeof runJob>>;
      try {
        done = await runJob(pool, parsed, prepared.context, name, options, summary);
      } catch (e) {
        // Results could not be written: leave the job to expire and be retried (from what was written).
        options.log?.(`job ${job.id} abandoned: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      const ms = performance.now() - started;
      summary.jobMs += ms;
      const settle = done.complete ? "complete" : "give back";
      try {
        await settleJob(boss, job.id, done, ms, name, summary, options);
      } catch (e) {
        options.log?.(
          `job ${job.id}: could not ${settle} it (${e instanceof Error ? e.message : String(e)}); it expires and is retried`,
        );
      }
    }
    return summary;
  } finally {
    if (boss) await stopBoss(boss);
    await pool.end().catch(() => undefined);
  }
}

/** Completes a job whose variants all ran, or gives it back (failed, to be retried) when the worker was stopped. */
async function settleJob(
  boss: PgBoss,
  id: string,
  done: { readonly complete: boolean; readonly ran: number; readonly computeMs: number },
  ms: number,
  name: string,
  summary: WorkerSummary,
  options: WorkerOptions,
): Promise<void> {
  if (done.complete) {
    await boss.complete(SWEEP_QUEUE, id, { variants: done.ran, computeMs: done.computeMs, jobMs: ms });
    summary.jobs++;
    options.log?.(
      `job ${id}: ${done.ran} variants in ${(ms / 1000).toFixed(1)} s (${(done.computeMs / 1000).toFixed(1)} s in backtests)`,
    );
  } else {
    summary.failed++;
    const message = `worker ${name} stopped after ${done.ran} of the job's variants; retried from there`;
    await boss.fail(SWEEP_QUEUE, id, { message });
    options.log?.(`job ${id} given back: ${message}`);
  }
}

/** Runs a job's variants that have no result yet; stops between variants when asked. */
async function runJob(
  pool: pg.Pool,
  job: SweepJob,
  context: VariantContext,
  name: string,
  options: WorkerOptions,
  summary: WorkerSummary,
): Promise<{ complete: boolean; ran: number; computeMs: number }> {
  const written = await writtenIndexes(
    pool,
    job.sweep,
    job.tasks.map((t) => t.index),
  );
  const todo: VariantTask[] = job.tasks.filter((t) => !written.has(t.index));
  const flushMs = options.flushMs ?? 1000;
  let pending: ResultRow[] = [];
  let lastFlush = performance.now();
  let computeMs = 0;
  let ran = 0;
  let lastYield = performance.now();
  for (const task of todo) {
    // Backtests run synchronously: let SIGTERM's handler in now and then.
    if (performance.now() - lastYield >= 50) {
      await new Promise((r) => setImmediate(r));
      lastYield = performance.now();
    }
    if (options.signal.aborted) break;
    const t0 = performance.now();
    const result = runVariantTask(context, task);
    const ms = performance.now() - t0;
    computeMs += ms;
    pending.push({ result, computeMs: ms });
    ran++;
    if (performance.now() - lastFlush >= flushMs) {
      await writeResults(pool, job.sweep, name, pending);
      pending = [];
      lastFlush = performance.now();
    }
  }
  await writeResults(pool, job.sweep, name, pending);
  summary.variants += ran;
  summary.computeMs += computeMs;
  return { complete: ran === todo.length, ran, computeMs };
}

/** Waits `ms`, or less when `signal` is aborted. */
function sleep(ms: number, signal: WorkerStopSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
