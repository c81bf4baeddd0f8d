import { randomUUID } from "node:crypto";
import {
  runVariantTask,
  type StopSignal,
  type VariantContext,
  type VariantResult,
  type VariantRunner,
  type VariantSetup,
  type VariantTask,
} from "@tradeplan/core";
import type pg from "pg";
import type PgBoss from "pg-boss";
import { startBoss, stopBoss } from "./boss.js";
import { connectPool, type QueueTarget } from "./connection.js";
import { QueueError } from "./errors.js";
import { JOB_VERSION, SWEEP_QUEUE, type SweepJob } from "./job.js";
import { type ReadResult, readResults, writeResults } from "./results.js";

/** Work a job should hold (s): long enough that fetching, writing and completing it cost ≤ 2 % of it. */
export const DEFAULT_JOB_SECONDS = 30;
/** A job expires (and is retried) after this many times its expected run time... */
export const EXPIRY_FACTOR = 3;
/** ...but never sooner than this (s): a first variant timed fast on a warm coordinator must not expire a cold worker. */
export const MIN_EXPIRY_SECONDS = 5;
/** Jobs kept waiting in the queue per worker seen: a worker that finishes a job finds the next at once. */
export const WAITING_JOBS_PER_WORKER = 2;
/** ...and never fewer than this, before any worker has written a result. */
export const MIN_WAITING_JOBS = 4;
/** Attempts of a job after its first (a SIGTERMed or killed worker costs one) before it goes to the dead-letter queue. */
export const DEFAULT_RETRY_LIMIT = 5;

/** Options of a {@link QueueRunner}. */
export interface QueueRunnerOptions {
  readonly target: QueueTarget;
  /** The sweep's context in this process: the first variant is run and timed here to size the jobs. */
  readonly context: VariantContext;
  /** What every task shares, sent with each job. */
  readonly setup: VariantSetup;
  /** The bar cache the workers read (a path every worker machine sees) and its checksum. */
  readonly cache: { readonly path: string; readonly checksum: string };
  /** Work per job (s); default {@link DEFAULT_JOB_SECONDS}. */
  readonly jobSeconds?: number;
  readonly retryLimit?: number;
  /** How often the results table is read (ms); default 250. */
  readonly pollMs?: number;
  /**
   * A known run time of one bar of one variant (ms), e.g. from an earlier
   * sweep of the same plan and data: the first jobs are cut with it and no
   * variant is timed here. Default: timed probes.
   */
  readonly msPerBar?: number;
  /** The sweep's id (the results table's key); default a fresh UUID. */
  readonly sweepId?: string;
}

/** What the coordinator measured, for the benchmark and the summary line. */
export interface QueueRunnerStats {
  /** Run time of one bar of one variant (ms) that the next job is cut with: the coordinator's probes, then the workers' timings. */
  msPerBar: number | undefined;
  /** The coordinator's own estimate from its timed probes (ms a bar). */
  probeMsPerBar: number | undefined;
  /** Workers that have written results (the coordinator excluded). */
  workers: number;
  jobs: number;
  tasks: number;
}

/** The workers' own timings, summed as their results come in. */
interface Timings {
  ms: number;
  bars: number;
  /** Results seen per worker: each worker's first is left out (it pays for V8 compiling the backtest). */
  readonly seen: Map<string, number>;
}

interface SentJob {
  readonly id: string;
  readonly indexes: readonly number[];
}

/**
 * Runs a sweep's variants as pg-boss jobs that `tradeplan worker`
 * processes (any number, on any machine) take: `optimize --queue`.
 *
 * Job size: the first task of the first `run` (to warm up) and two more
 * spread over the sweep are run here and timed (the two are the first
 * estimate); the rest are cut, in task order, into batches of about
 * {@link DEFAULT_JOB_SECONDS} s of estimated work (time per bar x bars of
 * each task). Jobs are sent in waves, a few more than the workers can take
 * at once, so that once workers write results, later jobs are cut from the
 * workers' own time per bar instead of the coordinator's (a coordinator
 * busier or slower than the workers would otherwise make every job too
 * small, and the queue's cost per job a larger share). Each job expires after {@link EXPIRY_FACTOR} x its estimate
 * (at least {@link MIN_EXPIRY_SECONDS} s), so a killed worker's job is
 * retried seconds after, up to a retry limit, then dead-lettered. Workers
 * upsert results keyed by (sweep id, task index), so a job run twice
 * writes the same rows; this runner reads them back and reports each
 * task once. `optimize` reduces them in variant order, and calls `run` per
 * walk-forward phase, so a window's out-of-sample job is sent only once
 * its in-sample jobs are done.
 */
export class QueueRunner implements VariantRunner {
  readonly sweepId: string;
  readonly stats: QueueRunnerStats = { msPerBar: undefined, probeMsPerBar: undefined, workers: 0, jobs: 0, tasks: 0 };
  private readonly timings: Timings = { ms: 0, bars: 0, seen: new Map() };
  private readonly jobMs: number;
  private readonly pollMs: number;
  private readonly retryLimit: number;
  private readonly worker = `coordinator ${process.pid}`;
  private readonly used = new Set<number>();

  private constructor(
    private readonly options: QueueRunnerOptions,
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
  ) {
    this.sweepId = options.sweepId ?? randomUUID();
    this.jobMs = (options.jobSeconds ?? DEFAULT_JOB_SECONDS) * 1000;
    this.pollMs = options.pollMs ?? 250;
    this.retryLimit = options.retryLimit ?? DEFAULT_RETRY_LIMIT;
    if (options.msPerBar !== undefined) this.stats.msPerBar = options.msPerBar;
  }

  /**
   * Connects and sets up the queue and the results table.
   * @throws QueueError QUEUE_CONNECT when the server cannot be reached or set up.
   */
  static async open(options: QueueRunnerOptions): Promise<QueueRunner> {
    const pool = await connectPool(options.target, "tradeplan optimize --queue", 4);
    try {
      const boss = await startBoss(pool, options.target.label);
      return new QueueRunner(options, pool, boss);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
  }

  async run(
    tasks: readonly VariantTask[],
    onResult: (result: VariantResult) => void,
    signal?: StopSignal,
  ): Promise<void> {
    for (const t of tasks) {
      // Results are keyed by (sweep, index): an index run twice in one sweep would read the first run's result.
      if (this.used.has(t.index))
        throw new Error(`sweep ${this.sweepId} already ran task ${t.index}: a QueueRunner serves one optimize call`);
      this.used.add(t.index);
    }
    let rest = tasks;
    if (this.stats.msPerBar === undefined && rest.length > 0) {
      rest = await this.timeFirst(rest, onResult);
    }
    if (rest.length === 0 || signal?.aborted) return;
    try {
      await this.feed(rest, onResult, signal);
    } catch (e) {
      if (e instanceof QueueError) throw e;
      // The server went away mid-sweep: the jobs and written results stay; nothing here can go on.
      const why = e instanceof Error ? e.message : String(e);
      throw new QueueError(
        "QUEUE_CONNECT",
        `${this.options.target.label}: lost the queue mid-sweep (${why}); run the sweep again`,
      );
    }
  }

  /**
   * Sends the tasks in waves and reads results until every task has one, a
   * job has failed for good, or `signal` is aborted. A wave tops the jobs
   * that no worker has started on (no result written yet) up to
   * {@link WAITING_JOBS_PER_WORKER} per worker seen, at least
   * {@link MIN_WAITING_JOBS}, cut with the estimate of the moment.
   */
  private async feed(
    tasks: readonly VariantTask[],
    onResult: (result: VariantResult) => void,
    signal: StopSignal | undefined,
  ): Promise<void> {
    const bars = new Map(tasks.map((t) => [t.index, barsOf(t)]));
    const sent: SentJob[] = [];
    const missing = new Set<number>();
    let next = 0;
    let lastJobCheck = Date.now();
    for (;;) {
      if (signal?.aborted) {
        await this.cancel(sent, missing);
        return;
      }
      if (next < tasks.length) {
        const waiting = sent.filter((j) => j.indexes.every((i) => missing.has(i))).length;
        const want = Math.max(MIN_WAITING_JOBS, WAITING_JOBS_PER_WORKER * this.timings.seen.size);
        if (waiting < want) next = await this.send(tasks, next, want - waiting, sent, missing);
      }
      for (const r of await readResults(this.pool, this.sweepId, [...missing])) {
        if (!missing.delete(r.result.index)) continue;
        this.learn(r, bars.get(r.result.index) ?? 1);
        onResult(r.result);
      }
      if (missing.size === 0 && next >= tasks.length) return;
      // A failed job writes no results: look at the jobs themselves now and then.
      if (Date.now() - lastJobCheck >= 1000) {
        await this.checkJobs(sent, missing);
        lastJobCheck = Date.now();
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  /** Adds a worker's result to the timings that size the next jobs. */
  private learn(read: ReadResult, bars: number): void {
    if (read.worker === this.worker) return;
    const seen = this.timings.seen.get(read.worker) ?? 0;
    this.timings.seen.set(read.worker, seen + 1);
    this.stats.workers = this.timings.seen.size;
    if (seen === 0) return;
    this.timings.ms += read.computeMs;
    this.timings.bars += bars;
    this.stats.msPerBar = this.timings.ms / this.timings.bars;
  }

  /**
   * Runs a few tasks here, timed, to size the jobs: the first (it pays for
   * V8 compiling the backtest's code, several times a warm variant's time,
   * so it is not used) and probes spread over the sweep (a variant's cost
   * depends on its params: a tight stop trades far more than a loose one),
   * whose mean time per bar is the estimate. Their results are written
   * like a worker's.
   */
  private async timeFirst(
    tasks: readonly VariantTask[],
    onResult: (result: VariantResult) => void,
  ): Promise<readonly VariantTask[]> {
    const n = tasks.length;
    const picks = n >= 6 ? [0, Math.floor(n / 3), Math.floor((2 * n) / 3)] : n >= 2 ? [0, 1] : [0];
    let probeMs = 0;
    let probeBars = 0;
    for (const [k, i] of picks.entries()) {
      const task = tasks[i] as VariantTask;
      const started = performance.now();
      const result = runVariantTask(this.options.context, task);
      const ms = performance.now() - started;
      if (k > 0 || picks.length === 1) {
        probeMs += ms;
        probeBars += Math.max(1, task.to - task.from);
      }
      await writeResults(this.pool, this.sweepId, this.worker, [{ result, computeMs: ms }]);
      onResult(result);
      this.stats.tasks++;
    }
    this.stats.msPerBar = probeMs / probeBars;
    this.stats.probeMsPerBar = this.stats.msPerBar;
    const picked = new Set(picks);
    return tasks.filter((_, i) => !picked.has(i));
  }

  /** Estimated run time of a task (ms). */
  private estimate(task: VariantTask): number {
    return (this.stats.msPerBar ?? 0) * barsOf(task);
  }

  /**
   * Cuts up to `count` jobs of about the target's work from `tasks`, in
   * order from `from`, sends them in one insert, and returns where the
   * next wave starts.
   */
  private async send(
    tasks: readonly VariantTask[],
    from: number,
    count: number,
    sent: SentJob[],
    missing: Set<number>,
  ): Promise<number> {
    const { setup, cache } = this.options;
    const jobs: PgBoss.JobInsert<SweepJob>[] = [];
    let batch: VariantTask[] = [];
    let ms = 0;
    const flush = () => {
      if (batch.length === 0) return;
      const id = randomUUID();
      const data: SweepJob = { version: JOB_VERSION, sweep: this.sweepId, setup, cache, tasks: batch, expectedMs: ms };
      jobs.push({
        id,
        name: SWEEP_QUEUE,
        data,
        expireInSeconds: Math.max(MIN_EXPIRY_SECONDS, Math.ceil((EXPIRY_FACTOR * ms) / 1000)),
        retryLimit: this.retryLimit,
        retryDelay: 0,
      });
      sent.push({ id, indexes: batch.map((t) => t.index) });
      batch = [];
      ms = 0;
    };
    let next = from;
    while (next < tasks.length && jobs.length < count) {
      const task = tasks[next++] as VariantTask;
      batch.push(task);
      missing.add(task.index);
      ms += this.estimate(task);
      if (ms >= this.jobMs) flush();
    }
    flush();
    // One statement per thousand jobs keeps each insert's JSON parameter a few MB at most.
    for (let i = 0; i < jobs.length; i += 1000) await this.boss.insert(jobs.slice(i, i + 1000));
    this.stats.jobs += jobs.length;
    this.stats.tasks += next - from;
    return next;
  }

  /** Throws when a job with missing results failed on its last attempt (or was cancelled elsewhere). */
  private async checkJobs(sent: readonly SentJob[], missing: ReadonlySet<number>): Promise<void> {
    for (const job of sent) {
      if (!job.indexes.some((i) => missing.has(i))) continue;
      const found = await this.boss.getJobById(SWEEP_QUEUE, job.id);
      if (found === null) continue;
      if (found.state === "failed" || found.state === "cancelled") {
        await this.cancel(sent, missing);
        const why = messageOf(found.output);
        throw new QueueError(
          "QUEUE_JOB_FAILED",
          found.state === "failed"
            ? `sweep ${this.sweepId}: job ${job.id} failed ${found.retryCount + 1} times; the last error: ${why}`
            : `sweep ${this.sweepId}: job ${job.id} was cancelled`,
        );
      }
    }
  }

  /** Cancels the jobs that still have tasks to run (a stopped or failed sweep leaves no work behind). */
  private async cancel(sent: readonly SentJob[], missing: ReadonlySet<number>): Promise<void> {
    const ids = sent.filter((j) => j.indexes.some((i) => missing.has(i))).map((j) => j.id);
    if (ids.length > 0) await this.boss.cancel(SWEEP_QUEUE, ids).catch(() => undefined);
  }

  /** Stops pg-boss and closes the connections. */
  async close(): Promise<void> {
    await stopBoss(this.boss);
    await this.pool.end().catch(() => undefined);
  }
}

/** Bars a task runs over (at least 1: a task costs something however short). */
function barsOf(task: VariantTask): number {
  return Math.max(1, task.to - task.from);
}

/** The message of a failed job's output (pg-boss keeps what the worker failed it with). */
export function messageOf(output: unknown): string {
  if (output !== null && typeof output === "object") {
    const o = output as { message?: unknown; value?: { message?: unknown } };
    if (typeof o.message === "string") return o.message;
    if (typeof o.value?.message === "string") return o.value.message;
  }
  return JSON.stringify(output);
}
