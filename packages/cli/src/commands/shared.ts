import { type Diagnostic, errorCount } from "@tradeplan/dsl";
import { z } from "zod";
import { UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { renderPretty } from "../render/pretty.js";
import type { SourceFile } from "../source.js";

/**
 * Whether to color output: only on a terminal, never with `--no-color` or a
 * non-empty `NO_COLOR` (https://no-color.org).
 */
export function useColor(io: CliIO, colorFlag: boolean | undefined): boolean {
  return io.isTTY && colorFlag !== false && !io.env.NO_COLOR;
}

/** `--symbol`: a ticker as the plan would write it, validated before it reaches the checker. */
export const SymbolOption = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(32, "is longer than 32 characters")
  .regex(/^[A-Za-z0-9._\-/^=]+$/, "may hold only letters, digits and `. _ - / ^ =`")
  .optional();

/**
 * Validates a command's options (commander has already parsed them); a bad
 * value becomes a `UsageError` naming the flag, e.g. `invalid --symbol: must not be empty`.
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = String(issue?.path[0] ?? "option");
  const flag = `--${key.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
  throw new UsageError(`invalid ${flag}: ${issue?.message ?? "invalid value"}`);
}

/** Every diagnostic of a file in the human format, separated by blank lines. */
export function renderPrettyAll(diagnostics: readonly Diagnostic[], file: SourceFile, color: boolean): string {
  return diagnostics.map((d) => renderPretty(d, file, { color })).join("\n");
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return errorCount(diagnostics) > 0;
}
