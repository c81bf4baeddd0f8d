import { CompiledPlanSchema } from "@tradeplan/dsl";
import { TradeplanConfigSchema } from "@tradeplan/live";
import { z } from "zod";
import { PlanTestFileSchema } from "../plantest/schema.js";
import { SCHEMA_FILES, type SchemaFile } from "./locations.js";

/**
 * The JSON Schemas of tradeplan's files, generated from the zod schemas
 * that validate them (zod's `toJSONSchema`), so an editor checks a file by
 * the same definition as tradeplan does. What JSON Schema cannot say is
 * left out, so these accept a little more than tradeplan: refinements
 * (a real IANA time zone, `min` not above `max`, a loopback `host`) are
 * checked only when tradeplan reads the file. Written by
 * `scripts/gen-json-schemas.ts`; a test fails when they are stale.
 */

/** One schema file and the zod schema it comes from. */
export interface SchemaSource {
  readonly file: SchemaFile;
  readonly title: string;
  readonly description: string;
  readonly schema: z.ZodType;
  /**
   * `input` for a file people write: a key with a default is optional and
   * shows its default; `output` for a file a program writes, every key as
   * the program writes it.
   */
  readonly io: "input" | "output";
}

export const SCHEMA_SOURCES: readonly SchemaSource[] = [
  {
    file: SCHEMA_FILES.config,
    title: "tradeplan.yaml",
    description:
      "The configuration of `tradeplan run` (and `tradeplan backtest --config`). Every section and key is optional; unknown keys are errors. Reference: docs/run.md.",
    schema: TradeplanConfigSchema,
    io: "input",
  },
  {
    file: SCHEMA_FILES.planTest,
    title: "tradeplan test file",
    description:
      "A plan's tests (NAME.plan.test.yaml): cases of bars fed to the plan and what its rules must do. Reference: docs/testing.md.",
    schema: PlanTestFileSchema,
    io: "input",
  },
  {
    file: SCHEMA_FILES.compiledPlan,
    title: "tradeplan compiled plan",
    description:
      "The JSON `tradeplan compile` writes and the runtime loads (format tradeplan/compiled-plan). Reference: docs/architecture.md.",
    schema: CompiledPlanSchema,
    io: "output",
  },
];

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `z.preprocess(fill, object)` turns into the inner object's schema, with
 * the inner object's defaults; but the defaults that apply are what `fill`
 * puts in (`bar_close_detection.grace_ms` is 2,000 in tradeplan.yaml, 0 in
 * the detector's own schema). They are what the whole pipe makes of `{}`.
 */
function preprocessedDefaults(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonObject }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type !== "pipe" || def.in._zod.def.type !== "transform") return;
  const filled = z.safeParse(ctx.zodSchema, {});
  const properties = ctx.jsonSchema.properties;
  if (!filled.success || !isObject(filled.data) || !isObject(properties)) return;
  for (const [key, value] of Object.entries(filled.data)) {
    const property = properties[key];
    if (isObject(property) && "default" in property) property.default = value;
  }
}

/** The JSON Schema (draft-07, which editors' YAML and JSON language servers support best) of one source. */
export function jsonSchemaOf(source: SchemaSource): JsonObject {
  const generated: JsonObject = z.toJSONSchema(source.schema, {
    target: "draft-07",
    io: source.io,
    unrepresentable: "throw",
    override: preprocessedDefaults,
  });
  return { $schema: generated.$schema, title: source.title, description: source.description, ...generated };
}

/** The text of a schema file as committed: two-space JSON and a final newline. */
export function jsonSchemaText(source: SchemaSource): string {
  return `${JSON.stringify(jsonSchemaOf(source), null, 2)}\n`;
}
