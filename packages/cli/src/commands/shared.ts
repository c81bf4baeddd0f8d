import {
  type AnalyzeResult,
  type CompiledPlan,
  compile,
  type Diagnostic,
  DiagnosticCollector,
  errorCount,
  type ParamSpec,
  ParamValueError,
  parseParamValue,
  unknownParam,
} from "@tradeplan/dsl";
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

/** Commander's collector for a repeatable `--set NAME=VALUE`: every occurrence, in order. */
export function collectSet(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--set` as the commands' zod schemas take it (commander gives an array of the texts, or nothing). */
export const SetOption = z.array(z.string()).default([]);

/**
 * The `--set NAME=VALUE` texts as name -> value text, in order (a name set
 * twice keeps the last value, as repeated flags usually do).
 *
 * @throws UsageError for a text that is not `NAME=VALUE` with a plan name.
 */
export function parseSets(sets: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of sets) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S(?:.*\S)?)\s*$/.exec(raw);
    if (!m?.[1] || m[2] === undefined)
      throw new UsageError(
        `invalid --set \`${raw}\`: write NAME=VALUE with a param of the plan, e.g. --set threshold=3650`,
      );
    out.set(m[1], m[2]);
  }
  return out;
}

/**
 * The plan compiled again with the `--set` values bound to its params (no
 * parse or check: `analysis` is the checked plan). Every name set must be
 * a param of this plan, and every value one it accepts (in its range, on
 * its step, whole for a period).
 *
 * @throws UsageError naming the first value that is not accepted, with the closest param name for an unknown one.
 */
export function bindSets(
  analysis: AnalyzeResult & { readonly compiled: CompiledPlan },
  source: string,
  sets: ReadonlyMap<string, string>,
  planShown: string,
): CompiledPlan {
  if (sets.size === 0) return analysis.compiled;
  const specs: readonly ParamSpec[] = analysis.compiled.params ?? [];
  const values: Record<string, number> = {};
  try {
    for (const [name, text] of sets) {
      const spec = specs.find((p) => p.name === name);
      if (!spec) throw unknownParam(name, specs);
      const value = parseParamValue(text, spec.kind);
      if (value === undefined) {
        const example = spec.kind === "percent" ? "2.5 or 2.5%" : spec.kind === "money" ? "150 or $150" : "20 or 1.5";
        throw new ParamValueError(`param \`${name}\` = \`${text}\` is not a number (write e.g. ${example})`, name);
      }
      values[name] = value;
    }
    const plan = compile(analysis.ast, analysis.semantic, source, new DiagnosticCollector(), { params: values });
    // The plan compiled with its defaults, and a param only ever replaces a constant.
    if (!plan) throw new UsageError(`\`${planShown}\` does not compile with these --set values`);
    return plan;
  } catch (e) {
    if (e instanceof ParamValueError) throw new UsageError(`invalid --set for \`${planShown}\`: ${e.message}`);
    throw e;
  }
}

/** The values a compiled plan's params were bound to, by name (empty when it declares none), for result documents. */
export function paramValues(plan: CompiledPlan): Record<string, number> {
  return Object.fromEntries((plan.params ?? []).map((p) => [p.name, p.value]));
}
