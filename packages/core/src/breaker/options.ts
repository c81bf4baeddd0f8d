import { z } from "zod";

const PositiveInt = z.number().int().positive();

/** Settings of the market-data {@link CircuitBreaker}. */
export const CircuitBreakerOptionsSchema = z
  .object({
    /** Opens when no bar arrived for this long while data is expected. */
    noDataTimeoutMs: PositiveInt.default(30_000),
    /** A bar counts as fresh (live, not backfill) when its close is at most this old on arrival. */
    maxBarAgeMs: PositiveInt.default(15_000),
    /** Opens when `maxRejectedBars` bars were rejected within this window. */
    rejectedBarsWindowMs: PositiveInt.default(60_000),
    maxRejectedBars: PositiveInt.default(5),
    /**
     * Fresh bars needed in half-open (with the backfill complete) to close; 0 for a feed whose bars are
     * current by construction (a replay or simulation on its own clock).
     */
    freshBarsToClose: z.number().int().min(0).default(2),
    /** Wait in open before trying half-open; grows by `backoffFactor` per consecutive opening. */
    openBackoffMs: PositiveInt.default(5_000),
    maxOpenBackoffMs: PositiveInt.default(300_000),
    backoffFactor: z.number().min(1).max(10).default(2),
    /** Trading state while not closed: HALTED (nothing new) or REDUCING (exits only). */
    whileOpen: z.enum(["HALTED", "REDUCING"]).default("HALTED"),
  })
  .strict()
  .refine((o) => o.maxOpenBackoffMs >= o.openBackoffMs, {
    message: "maxOpenBackoffMs must be >= openBackoffMs",
    path: ["maxOpenBackoffMs"],
  });

export type CircuitBreakerOptions = z.infer<typeof CircuitBreakerOptionsSchema>;
export type CircuitBreakerInput = z.input<typeof CircuitBreakerOptionsSchema>;
