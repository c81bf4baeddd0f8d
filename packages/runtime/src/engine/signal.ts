import { z } from "zod";
import type { ExecutionSignal } from "../models.js";

/** The shape every function result must have; anything else is a garbage return. */
export const ExecutionSignalSchema = z
  .object({
    action: z.enum(["NONE", "ENTER_LONG", "ENTER_SHORT", "EXIT"]),
    confidence: z.number().min(0).max(1),
    reasoning: z.string(),
    exitSide: z.enum(["long", "short"]).optional(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .strict();

/**
 * Validates function results. Functions return frozen, reused NONE signals on
 * the hot path, so a frozen object that passed once is remembered and not
 * parsed again (a frozen object cannot change afterwards).
 */
export class SignalValidator {
  private readonly known = new WeakSet<object>();

  /** The signal, or the first problem as `path: message`. */
  validate(value: unknown): { ok: true; signal: ExecutionSignal } | { ok: false; message: string } {
    if (typeof value === "object" && value !== null && this.known.has(value)) {
      return { ok: true, signal: value as ExecutionSignal };
    }
    const r = ExecutionSignalSchema.safeParse(value);
    if (!r.success) {
      const i = r.error.issues[0];
      const path = i && i.path.length > 0 ? `${i.path.map(String).join(".")}: ` : "";
      return { ok: false, message: `${path}${i?.message ?? "not a signal"}` };
    }
    if (typeof value === "object" && value !== null && Object.isFrozen(value)) {
      this.known.add(value);
      return { ok: true, signal: value as ExecutionSignal };
    }
    return { ok: true, signal: r.data };
  }
}
