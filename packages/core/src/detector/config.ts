import { IANAZone } from "luxon";
import { z } from "zod";

/**
 * Detector settings. A bar's close is detected at `boundary + grace_ms`
 * (the timer is armed `schedule_advance_ms` early and re-armed from the
 * clock until within `accuracy_ms` of that instant), or earlier by data.
 * `accuracy_ms` may not exceed `grace_ms`, so no bar ever closes before its
 * boundary.
 */
export const DetectorConfigSchema = z
  .object({
    /** How early a timer may count as due (timers are coarse); at most `grace_ms`. */
    accuracy_ms: z.number().int().min(0).max(1000).default(0),
    /** Arm boundary timers this much early to absorb timer latency. */
    schedule_advance_ms: z.number().int().min(0).max(10_000).default(0),
    /** How long after the boundary updates for the closing bar are still accepted. */
    grace_ms: z.number().int().min(0).max(300_000).default(0),
    /** Zone of the midnight alignment when `market_hours_only` is false. */
    timezone: z
      .string()
      .refine((zone) => IANAZone.isValidZone(zone), { message: "unknown IANA time zone" })
      .default("America/New_York"),
    /** Close bars only inside the calendar's sessions (early closes end the last bar early). */
    market_hours_only: z.boolean().default(true),
  })
  .strict()
  .refine((c) => c.accuracy_ms <= c.grace_ms, {
    message: "accuracy_ms must not exceed grace_ms (a bar would close before its boundary)",
    path: ["accuracy_ms"],
  });

export type DetectorConfigInput = z.input<typeof DetectorConfigSchema>;
export type DetectorConfig = z.output<typeof DetectorConfigSchema>;
