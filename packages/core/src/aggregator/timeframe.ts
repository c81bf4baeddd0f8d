import { z } from "zod";

/** A timeframe the aggregator can build. */
export interface Timeframe {
  /** Canonical label, e.g. `5m`. */
  readonly label: string;
  /** Length in ms (for `1d`, a nominal 86 400 000; daily bars are whole sessions). */
  readonly ms: number;
  /** True for `1d`: one bar per session rather than fixed-length slices. */
  readonly daily: boolean;
}

const PATTERN = /^([1-9][0-9]*)([smhd])$/;

/** `Ns` (N a multiple of 5), `Nm`, `Nh`, or `1d`. */
export const TimeframeSchema = z
  .string()
  .regex(PATTERN, { message: "expected Ns, Nm, Nh or 1d (N a positive integer)" })
  .refine((tf) => !tf.endsWith("s") || Number(tf.slice(0, -1)) % 5 === 0, {
    message: "second timeframes must be a multiple of 5s (the base feed is 5-second bars)",
  })
  .refine((tf) => !tf.endsWith("d") || tf === "1d", { message: "the only day timeframe is 1d" })
  .refine((tf) => !tf.endsWith("h") || Number(tf.slice(0, -1)) <= 24, { message: "hour timeframes are at most 24h" });

/** Stable code of timeframe errors. */
export class TimeframeError extends Error {
  override readonly name = "TimeframeError";
  readonly code = "TIMEFRAME_INVALID";
  constructor(message: string) {
    super(`TIMEFRAME_INVALID: ${message}`);
  }
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses a timeframe string; throws {@link TimeframeError} with the reason when it cannot be built. */
export function parseTimeframe(tf: string): Timeframe {
  const parsed = TimeframeSchema.safeParse(tf);
  if (!parsed.success) {
    throw new TimeframeError(`"${String(tf)}": ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  }
  const m = PATTERN.exec(parsed.data)!;
  const unit = m[2] as keyof typeof UNIT_MS;
  return Object.freeze({ label: parsed.data, ms: Number(m[1]) * UNIT_MS[unit], daily: unit === "d" });
}
