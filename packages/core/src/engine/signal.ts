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
 * Whether a frozen value certainly satisfies {@link ExecutionSignalSchema}.
 * Conservative: it only says yes for a plain object whose keys, types and
 * ranges match exactly; anything unusual (another prototype, a symbol key in
 * the metadata, an own `constructor`) says no and goes to zod, which then
 * decides — and words the error. Frozen objects only: the schema's parse
 * returns a copy, which matters for a mutable result and not for a frozen one.
 */
function isPlainFrozenSignal(value: unknown): value is ExecutionSignal {
  if (typeof value !== "object" || value === null || !Object.isFrozen(value)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const s = value as Record<string, unknown>;
  for (const key in s) {
    if (key !== "action" && key !== "confidence" && key !== "reasoning" && key !== "exitSide" && key !== "metadata")
      return false;
  }
  const action = s.action;
  if (action !== "NONE" && action !== "ENTER_LONG" && action !== "ENTER_SHORT" && action !== "EXIT") return false;
  const confidence = s.confidence;
  if (typeof confidence !== "number" || !(confidence >= 0 && confidence <= 1)) return false;
  if (typeof s.reasoning !== "string") return false;
  const exitSide = s.exitSide;
  if (exitSide !== undefined && exitSide !== "long" && exitSide !== "short") return false;
  return isPlainRecord(s.metadata);
}

/** A plain object with string keys only (what `z.record(z.string(), ...)` accepts), conservatively. */
function isPlainRecord(m: unknown): boolean {
  if (typeof m !== "object" || m === null) return false;
  const proto = Object.getPrototypeOf(m);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.hasOwn(m, "constructor")) return false;
  return Object.getOwnPropertySymbols(m).length === 0;
}

/**
 * Validates function results. The built-in functions return frozen plain
 * objects (reused NONE signals, or a new signal per firing); those are
 * checked by hand in a few comparisons. Everything else — mutable results,
 * other shapes, and whatever the hand check is not sure of — is parsed by
 * the zod schema, which gives the precise error.
 */
export class SignalValidator {
  /** The signal, or the first problem as `path: message`. */
  validate(value: unknown): { ok: true; signal: ExecutionSignal } | { ok: false; message: string } {
    if (isPlainFrozenSignal(value)) return { ok: true, signal: value };
    const r = ExecutionSignalSchema.safeParse(value);
    if (!r.success) {
      const i = r.error.issues[0];
      const path = i && i.path.length > 0 ? `${i.path.map(String).join(".")}: ` : "";
      return { ok: false, message: `${path}${i?.message ?? "not a signal"}` };
    }
    if (typeof value === "object" && value !== null && Object.isFrozen(value)) {
      return { ok: true, signal: value as ExecutionSignal };
    }
    return { ok: true, signal: r.data };
  }
}
