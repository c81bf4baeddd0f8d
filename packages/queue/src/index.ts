/**
 * @packageDocumentation
 * Parameter sweeps over several machines (`tradeplan optimize --queue`,
 * `tradeplan worker`, docs/scale-out.md): the columnar bar cache
 * (`tradeplan data import`), and a pg-boss job queue on PostgreSQL with a
 * coordinator ({@link QueueRunner}, a `VariantRunner`) and workers
 * ({@link runWorker}).
 *
 * @module @tradeplan/queue
 */

export { connectProblem } from "@tradeplan/postgres";
export {
  type BarCache,
  CACHE_EXTENSION,
  CACHE_FORMAT,
  type CacheHeader,
  CacheHeaderSchema,
  type CacheSource,
  cacheFileName,
  columnsChecksum,
  isCachePath,
  readBarCache,
  readBarCacheHeader,
  writeBarCache,
} from "./cache/format.js";
export { parseQueueUrl, type QueueTarget } from "./connection.js";
export { QueueError, type QueueErrorCode } from "./errors.js";
export { DEAD_LETTER_QUEUE, decodeResult, encodeResult, parseSweepJob, SWEEP_QUEUE, type SweepJob } from "./job.js";
export { RESULTS_TABLE } from "./results.js";
export {
  DEFAULT_JOB_SECONDS,
  DEFAULT_RETRY_LIMIT,
  EXPIRY_FACTOR,
  MIN_EXPIRY_SECONDS,
  QueueRunner,
  type QueueRunnerOptions,
  type QueueRunnerStats,
} from "./runner.js";
export { runWorker, type WorkerOptions, type WorkerStopSignal, type WorkerSummary } from "./worker.js";
