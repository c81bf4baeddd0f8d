import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { issueLines, RegistryError } from "./errors.js";

/** A function name: lower snake case. */
export const FUNCTION_NAME_RE = /^[a-z][a-z0-9_]*$/;

/** Per-function settings. */
export const FunctionConfigSchema = z
  .object({
    /** A disabled function cannot be instantiated (default true). */
    enabled: z.boolean().default(true),
    /** Most distinct pooled instances (distinct parameter sets) of the function. */
    max_instances: z.number().int().positive().optional(),
  })
  .strict();

/** The registry's configuration file: `execution_functions: { close_above: { enabled: true, max_instances: 100 } }`. */
export const RegistryConfigSchema = z
  .object({
    execution_functions: z.record(
      z.string().regex(FUNCTION_NAME_RE, "a function name in lower snake case"),
      FunctionConfigSchema,
    ),
  })
  .strict();

export type FunctionConfig = z.infer<typeof FunctionConfigSchema>;
export type RegistryConfig = z.infer<typeof RegistryConfigSchema>;

/** Validates a configuration object; throws `REG_INVALID_CONFIG` with `key.path: message` per issue. */
export function parseRegistryConfig(value: unknown): RegistryConfig {
  const r = RegistryConfigSchema.safeParse(value);
  if (r.success) return r.data;
  const issues = issueLines(r.error.issues);
  throw new RegistryError("REG_INVALID_CONFIG", `invalid registry configuration: ${issues.join("; ")}`, issues);
}

/** Parses YAML text and validates it; YAML syntax errors report line and column. */
export function parseRegistryConfigYaml(text: string): RegistryConfig {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : "unknown position";
      const first = err.message.split("\n")[0];
      throw new RegistryError("REG_INVALID_CONFIG", `registry configuration is not valid YAML (${where}): ${first}`, [
        `${where}: ${first}`,
      ]);
    }
    throw err;
  }
  return parseRegistryConfig(value);
}
