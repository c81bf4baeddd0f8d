import { z } from "zod";
import type { AnalyzeOptions } from "../analyze.js";

/** The bar cache size the runtime uses unless configured otherwise (see E0306). */
export const DEFAULT_BAR_CACHE_SIZE = 1000;

const OptionsSchema = z.object({
  symbol: z.string().trim().min(1, "must not be empty").optional(),
  fileName: z.string().optional(),
  compile: z.boolean().optional(),
  barCacheSize: z.number().int("must be a whole number").positive("must be positive").optional(),
});

/** Checker options after validation, with defaults applied. */
export interface CheckOptions {
  readonly symbol?: string;
  readonly fileName?: string;
  readonly barCacheSize: number;
}

/**
 * Validates the options a caller (CLI, language server) passes in. They come
 * from flags and configuration, not from the plan, so a bad value is the
 * caller's bug: it is refused with a RangeError naming the option and why,
 * instead of being silently replaced by a default.
 */
export function validateOptions(options: AnalyzeOptions): CheckOptions {
  const r = OptionsSchema.safeParse(options);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.join(".") || "options";
    throw new RangeError(`invalid analyze option \`${where}\`: ${issue?.message ?? "invalid value"}`);
  }
  const o = r.data;
  return {
    ...(o.symbol !== undefined ? { symbol: o.symbol } : {}),
    ...(o.fileName !== undefined ? { fileName: o.fileName } : {}),
    barCacheSize: o.barCacheSize ?? DEFAULT_BAR_CACHE_SIZE,
  };
}

/** The file name without directories and extensions: `plans/aapl.plan` -> `aapl`. Empty when nothing is left. */
export function fileStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? "";
  // A leading dot belongs to the name (`.hidden.plan` -> `.hidden`), later dots start extensions.
  const dot = base.indexOf(".", 1);
  return (dot === -1 ? base : base.slice(0, dot)).trim();
}
