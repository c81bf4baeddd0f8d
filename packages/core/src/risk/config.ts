import { z } from "zod";

const PositiveFinite = z.number().refine((v) => Number.isFinite(v) && v > 0, "must be a positive finite number");

/**
 * Limits the risk validator enforces. Every limit is optional: an absent
 * limit is not checked. The plan's `risk` section is merged over the
 * config file's (the plan wins, because the plan author knows the strategy).
 */
export const RiskConfigSchema = z
  .object({
    /** Largest absolute position, in shares, an order may leave behind. */
    maxPositionShares: z.number().int().positive().optional(),
    /** Largest notional (quantity x reference price) of one order. */
    maxOrderValue: PositiveFinite.optional(),
    /** Largest loss in one session day, in account currency, before trading halts. */
    maxDailyLoss: PositiveFinite.optional(),
    /** Largest loss in one session day, in percent of the equity at the start of that day. */
    maxDailyLossPercent: z
      .number()
      .refine((v) => Number.isFinite(v) && v > 0 && v <= 100, "in (0, 100]")
      .optional(),
    /** Most orders accepted in any sliding 60-second window. */
    maxOrdersPerMinute: z.number().int().positive().optional(),
  })
  .strict();

export type RiskConfig = z.infer<typeof RiskConfigSchema>;

/** Thrown (with a stable code) when a risk configuration fails validation. */
export class RiskConfigError extends Error {
  readonly code = "RISK_CONFIG_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "RiskConfigError";
  }
}

/**
 * Validates both sources and merges them. Every setting is a maximum, and
 * the operator's config is a ceiling the plan can tighten but never loosen:
 * where both set a limit the smaller wins. Throws `RiskConfigError` naming
 * the bad field.
 */
export function mergeRiskConfig(fromConfig: unknown, fromPlan: unknown): RiskConfig {
  const parse = (what: string, v: unknown): RiskConfig => {
    const r = RiskConfigSchema.safeParse(v ?? {});
    if (!r.success) {
      const issue = r.error.issues[0];
      const path = issue?.path.join(".") || "(root)";
      throw new RiskConfigError(`invalid risk settings in ${what}: ${path}: ${issue?.message ?? "invalid"}`);
    }
    return r.data;
  };
  const base = parse("config", fromConfig);
  const plan = parse("plan", fromPlan);
  const merged: RiskConfig = { ...base };
  for (const [k, v] of Object.entries(plan) as [keyof RiskConfig, number | undefined][]) {
    if (v !== undefined) merged[k] = Math.min(v, merged[k] ?? v);
  }
  return merged;
}
