import type {
  StopSignal,
  VariantContext,
  VariantResult,
  VariantRunner,
  VariantSetup,
  VariantTask,
} from "@tradeplan/core";
import type { BarCache, QueueRunner } from "@tradeplan/queue";
import { UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { displayPath } from "../source.js";

/**
 * Work per queued job, seconds (default 30, see @tradeplan/queue's
 * DEFAULT_JOB_SECONDS): smaller jobs spread a small sweep over more workers
 * at the cost of more queue overhead.
 */
export const JOB_SECONDS_ENV = "TRADEPLAN_QUEUE_JOB_SECONDS";

/**
 * `--data` read as a bar cache when it names one (`tradeplan data
 * import`), else undefined (a CSV, read by the caller). With `--queue` a
 * CSV is refused before anything is read: workers read only caches.
 */
export async function barCacheOf(
  file: string,
  symbol: string,
  queue: string | undefined,
  io: CliIO,
): Promise<BarCache | undefined> {
  // The cache's own module: a local sweep does not load pg or pg-boss.
  const { isCachePath } = await import("@tradeplan/queue/cache");
  if (isCachePath(file)) return readCacheData(file, symbol, io);
  if (queue !== undefined) throw new UsageError(CSV_WITH_QUEUE);
  return undefined;
}

const CSV_WITH_QUEUE =
  "--queue: workers read bars from a bar cache, not a CSV: run `tradeplan data import FILE.csv --out DIR`, then --data DIR/SYMBOL.tpbars (a folder every worker mounts at the same path)";

/**
 * Reads `--data` when it is a bar cache: checked against its checksum, and
 * against the symbol the sweep is for.
 *
 * @throws UsageError (exit 2, one line) when it is missing, damaged or for another symbol.
 */
async function readCacheData(file: string, symbol: string, io: CliIO): Promise<BarCache> {
  const { readBarCache, QueueError } = await import("@tradeplan/queue/cache");
  try {
    const cache = await readBarCache(file);
    if (cache.header.symbol !== symbol)
      throw new UsageError(
        `--data \`${displayPath(file, io.cwd)}\` holds ${cache.header.symbol}'s bars, not ${symbol}'s (name the symbol's file, or --symbol ${cache.header.symbol})`,
      );
    return cache;
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message.replace(file, displayPath(file, io.cwd)));
    throw e;
  }
}

/**
 * `optimize --queue URL`: the sweep's variants go to a pg-boss queue on
 * PostgreSQL as jobs for `tradeplan worker`s; the data must be a bar cache
 * on a path every worker sees. Failures to start (bad URL, a password in
 * it, an unreachable server) and a job that failed for good (a worker's
 * cache of another version) are one-line usage errors.
 */
export async function queueRunnerFor(
  url: string,
  options: { readonly jobs: number | undefined; readonly env: Readonly<Record<string, string | undefined>> },
  context: VariantContext,
  setup: VariantSetup,
  cache: BarCache | undefined,
): Promise<VariantRunner & { close(): Promise<void> }> {
  const { parseQueueUrl, QueueRunner, QueueError } = await import("@tradeplan/queue");
  if (options.jobs !== undefined)
    throw new UsageError(
      "--jobs runs a sweep on this machine; with --queue, start workers: tradeplan worker --queue URL --jobs N",
    );
  if (cache === undefined) throw new UsageError(CSV_WITH_QUEUE);
  const jobSeconds = jobSecondsFrom(options.env);
  try {
    const runner = await QueueRunner.open({
      target: parseQueueUrl(url),
      context,
      setup,
      cache: { path: cache.path, checksum: cache.header.checksum },
      ...(jobSeconds !== undefined ? { jobSeconds } : {}),
    });
    return new UsageErrors(runner, QueueError);
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message);
    throw e;
  }
}

function jobSecondsFrom(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env[JOB_SECONDS_ENV];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${JOB_SECONDS_ENV}=${raw}: must be a number of seconds above 0, e.g. 30`);
  return n;
}

/** The queue's runner, with its failures (a job failed on every attempt) turned into one-line usage errors. */
class UsageErrors implements VariantRunner {
  constructor(
    private readonly runner: QueueRunner,
    private readonly queueError: new (...args: never[]) => Error,
  ) {}

  async run(tasks: readonly VariantTask[], onResult: (r: VariantResult) => void, signal?: StopSignal): Promise<void> {
    try {
      await this.runner.run(tasks, onResult, signal);
    } catch (e) {
      if (e instanceof this.queueError) throw new UsageError(e.message);
      throw e;
    }
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
