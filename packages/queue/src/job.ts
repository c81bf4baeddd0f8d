import type { VariantResult, VariantSetup, VariantTask } from "@tradeplan/core";
import { z } from "zod";

/** The pg-boss queue sweep jobs go to. */
export const SWEEP_QUEUE = "tradeplan-sweep";
/** Where a job goes after its last failed attempt (kept for a look; nothing reads it automatically). */
export const DEAD_LETTER_QUEUE = "tradeplan-sweep-dead";
/** The version of {@link SweepJob}; a worker refuses another. */
export const JOB_VERSION = 1;

const ParamsSchema = z.record(z.string(), z.number());

const TaskSchema = z.object({
  index: z.number().int().nonnegative(),
  params: ParamsSchema,
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  equity: z.boolean().optional(),
});

/**
 * The set-up as a job carries it. Only what a worker must read is checked
 * here (the plan's text and name); the broker, risk and instrument settings
 * are checked by the backtest that takes them, as for a local run.
 */
const SetupSchema = z
  .object({ source: z.string(), fileName: z.string().min(1), symbol: z.string().min(1).optional() })
  .passthrough();

/** One job: a batch of a sweep's variants, with everything a worker needs to run them alone. */
export const SweepJobSchema = z.object({
  version: z.literal(JOB_VERSION),
  /** The sweep (the results table's key, with each task's index). */
  sweep: z.string().uuid(),
  setup: SetupSchema,
  /** The bar cache on the shared folder, and the checksum the coordinator read from it. */
  cache: z.object({ path: z.string().min(1), checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/) }),
  tasks: z.array(TaskSchema).min(1),
  /** The coordinator's estimate of the batch's run time (ms), from its first timed variant. */
  expectedMs: z.number().nonnegative(),
});

/** A job as the coordinator sends it. */
export interface SweepJob {
  readonly version: typeof JOB_VERSION;
  readonly sweep: string;
  readonly setup: VariantSetup;
  readonly cache: { readonly path: string; readonly checksum: string };
  readonly tasks: readonly VariantTask[];
  readonly expectedMs: number;
}

/** A job as a worker reads it, checked; its set-up is typed as the coordinator wrote it. */
export function parseSweepJob(data: unknown): SweepJob {
  const parsed = SweepJobSchema.parse(data);
  // The schema checked the fields a worker reads; the rest is the VariantSetup the coordinator serialised.
  const setup: VariantSetup = parsed.setup as VariantSetup;
  return { ...parsed, setup };
}

/** A non-finite number in a result, as JSON cannot write one. */
interface NonFinite {
  readonly $num: "NaN" | "Infinity" | "-Infinity";
}

/**
 * A result as the results table keeps it: JSON, with NaN and the
 * infinities kept (JSON would make them null), so a queued sweep's results
 * are exactly a local one's.
 */
export function encodeResult(result: VariantResult): string {
  return JSON.stringify(result, (_key, value: unknown) =>
    typeof value === "number" && !Number.isFinite(value) ? ({ $num: String(value) } as NonFinite) : value,
  );
}

/** The other way of {@link encodeResult}. */
export function decodeResult(text: string): VariantResult {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === "object" && "$num" in value) {
      const n = (value as NonFinite).$num;
      return n === "NaN" ? Number.NaN : n === "Infinity" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    }
    return value;
  }) as VariantResult;
}
