import { CLI_PACKAGE } from "../invocation.js";
import { VERSION } from "../version.js";

/**
 * Where the JSON Schemas of tradeplan's files are: generated from the zod
 * schemas by `scripts/gen-json-schemas.ts` into this folder of the CLI
 * package, which ships it (`files` in its package.json), so each published
 * version has the schemas of exactly the files it reads and writes.
 */
export const SCHEMAS_DIR = "schemas";

/** The JSON Schema files in {@link SCHEMAS_DIR}, by the file they describe. */
export const SCHEMA_FILES = {
  /** `tradeplan.yaml`, the configuration of `tradeplan run`. */
  config: "tradeplan.schema.json",
  /** `NAME.plan.test.yaml`, a plan's tests. */
  planTest: "plan-test.schema.json",
  /** The compiled plan `tradeplan compile` writes and the runtime loads. */
  compiledPlan: "compiled-plan.schema.json",
} as const;

export type SchemaFile = (typeof SCHEMA_FILES)[keyof typeof SCHEMA_FILES];

/**
 * A schema of the published CLI package, on unpkg: pinned to `version`
 * (the one that writes the reference) as the CI workflow's `npx` is, so an
 * editor checks a file against the schema of the tradeplan that reads it.
 */
export function schemaUrl(file: SchemaFile, version: string = VERSION): string {
  return `https://unpkg.com/${CLI_PACKAGE}@${version}/${SCHEMAS_DIR}/${file}`;
}

/** A YAML file's first line that points the YAML language server (VS Code, Neovim, ...) at its schema. */
export function schemaModeline(file: SchemaFile, version: string = VERSION): string {
  return `# yaml-language-server: $schema=${schemaUrl(file, version)}`;
}
