import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyze } from "@tradeplan/dsl";
import { parseTradeplanConfig } from "@tradeplan/live";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { jsonSchemaText, SCHEMA_SOURCES } from "../src/json-schemas/generate.js";
import { SCHEMA_FILES, SCHEMAS_DIR, type SchemaFile, schemaUrl } from "../src/json-schemas/locations.js";
import { configTemplate, scaffoldFiles, testTemplate } from "../src/plantest/scaffold.js";
import { PlanTestFileSchema } from "../src/plantest/schema.js";
import { VERSION } from "../src/version.js";

const PACKAGE = fileURLToPath(new URL("../", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));
const committed = (file: string): string => readFileSync(join(PACKAGE, SCHEMAS_DIR, file), "utf8");

/**
 * A validator of a committed JSON Schema file, read as JSON text only (so
 * it checks what editors get, not the zod schema it came from). zod's
 * `fromJSONSchema` interprets draft-07; ajv would do as well.
 */
function validatorOf(file: SchemaFile): (value: unknown) => boolean {
  const schema = z.fromJSONSchema(JSON.parse(committed(file)));
  return (value) => schema.safeParse(value).success;
}

const yamlFiles = (dir: string): string[] =>
  readdirSync(join(EXAMPLES, dir))
    .filter((f) => f.endsWith(".plan.test.yaml"))
    .map((f) => join(EXAMPLES, dir, f));

/** `value` with `path` set to `to` (a deep copy): one mistake in an otherwise valid file. */
function withValue(value: unknown, path: readonly (string | number)[], to: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (to === undefined) delete node[last];
  else node[last] = to;
  return copy;
}

describe("JSON Schemas", () => {
  it("are committed exactly as generated from the zod schemas, and nothing else is", () => {
    // After changing a schema: npx tsx --conditions=@tradeplan/source scripts/gen-json-schemas.ts
    for (const source of SCHEMA_SOURCES) expect(committed(source.file), source.file).toBe(jsonSchemaText(source));
    const files = readdirSync(join(PACKAGE, SCHEMAS_DIR)).sort();
    expect(files).toEqual(SCHEMA_SOURCES.map((s) => s.file).sort());
  });

  it("ship in the CLI package", () => {
    const manifest = z
      .object({ files: z.array(z.string()) })
      .parse(JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")));
    expect(manifest.files).toContain(SCHEMAS_DIR);
  });

  describe("tradeplan.yaml", () => {
    const valid = validatorOf(SCHEMA_FILES.config);
    const example = parseYaml(readFileSync(join(EXAMPLES, "tradeplan.yaml"), "utf8")) as unknown;

    it("accepts the documented example, the file init writes and an empty file", () => {
      expect(valid(example)).toBe(true);
      expect(valid(parseYaml(configTemplate("1.2.3")))).toBe(true);
      expect(valid({})).toBe(true);
    });

    it("rejects what tradeplan rejects: unknown keys, wrong types, values out of range", () => {
      const bad: [string, unknown][] = [
        ["unknown section", { brokers: {} }],
        ["unknown key", withValue(example, ["broker", "prot"], 1)],
        ["a string for a number", withValue(example, ["feed", "sim", "seed"], "x")],
        ["an unknown broker", withValue(example, ["broker", "type"], "tws")],
        ["a port out of range", withValue(example, ["metrics", "port"], 70_000)],
        ["a speed that is neither a number nor max", withValue(example, ["feed", "sim", "speed"], "fast")],
        ["a malformed interval", withValue(example, ["feed", "sim", "interval"], "1 minute")],
      ];
      for (const [why, value] of bad) {
        expect(valid(value), why).toBe(false);
        expect(() => parseTradeplanConfig(JSON.stringify(value)), why).toThrow();
      }
    });

    it("shows the defaults tradeplan applies, also where a section fills in its own", () => {
      const schema = JSON.parse(committed(SCHEMA_FILES.config));
      const grace = schema.properties.bar_close_detection.properties.grace_ms.default;
      expect(grace).toBe(parseTradeplanConfig("").bar_close_detection.grace_ms);
      expect(grace).toBe(parseTradeplanConfig("bar_close_detection: {}").bar_close_detection.grace_ms);
      expect(schema.properties.engine.properties.budget_ms.default).toBe(parseTradeplanConfig("").engine.budget_ms);
      // Keys with defaults are optional in the file people write.
      expect(schema.required).toBeUndefined();
    });
  });

  describe("*.plan.test.yaml", () => {
    const valid = validatorOf(SCHEMA_FILES.planTest);
    const files = [...yamlFiles("plans"), ...yamlFiles("failing-tests")];
    const first = parseYaml(readFileSync(files[0] as string, "utf8")) as unknown;

    it("accepts every example test file (passing and failing ones) and the file init writes", () => {
      expect(files.length).toBeGreaterThan(10);
      for (const f of files) {
        const value = parseYaml(readFileSync(f, "utf8")) as unknown;
        expect(valid(value), f).toBe(true);
        expect(PlanTestFileSchema.safeParse(value).success, f).toBe(true);
      }
      expect(valid(parseYaml(testTemplate("x", "1.2.3")))).toBe(true);
    });

    it("rejects keys, rows and values the loader rejects", () => {
      const row = ["09:30", 1, 2, 0.5, 1.5, 100];
      const bad: [string, unknown][] = [
        ["no cases", {}],
        ["no case", { cases: [] }],
        ["an unknown top-level key", withValue(first, ["case"], [])],
        ["an unknown key in a case", withValue(first, ["cases", 0, "expected"], {})],
        ["a case without bars", withValue(first, ["cases", 0, "bars"], undefined)],
        ["a row of five values", withValue(first, ["cases", 0, "bars"], [row.slice(0, 5)])],
        ["a row with a bad time", withValue(first, ["cases", 0, "bars"], [["9h30", ...row.slice(1)]])],
        [
          "a range row with open",
          withValue(first, ["cases", 0, "bars"], [{ t: "09:30", until: "09:40", c: 1, v: 1, o: 1 }]),
        ],
        ["no rows", withValue(first, ["cases", 0, "bars"], [])],
        ["a CSV without a file", withValue(first, ["cases", 0, "bars"], { from: "2024-01-02" })],
        [
          "an unknown action",
          withValue(first, ["cases", 0, "expect", "fires"], [{ rule: 1, at: "09:35", action: "buy" }]),
        ],
        ["a bad position", withValue(first, ["cases", 0, "expect", "final_position"], "long some")],
        ["bad timestamps", withValue(first, ["cases", 0, "timestamps"], "middle")],
      ];
      for (const [why, value] of bad) {
        expect(valid(value), why).toBe(false);
        expect(PlanTestFileSchema.safeParse(value).success, why).toBe(false);
      }
    });
  });

  describe("the compiled plan", () => {
    const valid = validatorOf(SCHEMA_FILES.compiledPlan);
    const plans = readdirSync(join(EXAMPLES, "plans"))
      .filter((f) => f.endsWith(".plan"))
      .map((f) => {
        const r = analyze(readFileSync(join(EXAMPLES, "plans", f), "utf8"), { fileName: f });
        if (!r.compiled) throw new Error(`${f} does not compile`);
        return r.compiled;
      });

    it("accepts what the compiler writes for every example plan", () => {
      expect(plans.length).toBeGreaterThan(5);
      for (const p of plans) expect(valid(p), p.name).toBe(true);
    });

    it("rejects another version, an unknown function, a stray key and a malformed expression", () => {
      const p = plans.find((x) => x.functions.some((f) => f.name === "condition" || f.name.startsWith("cross")));
      expect(p).toBeDefined();
      const at = p?.functions.findIndex((f) => f.name === "condition" || f.name.startsWith("cross")) ?? -1;
      const exprKey = p?.functions[at]?.name === "condition" ? "condition" : "left";
      const bad: [string, unknown][] = [
        ["version 2", withValue(p, ["version"], 2)],
        ["an unknown function", withValue(p, ["functions", at, "name"], "close_near")],
        ["a stray key", withValue(p, ["extra"], true)],
        [
          "an expression of an unknown kind",
          withValue(p, ["functions", at, "params", exprKey], { k: "call", fn: "x" }),
        ],
        ["a short source hash", withValue(p, ["sourceHash"], "abc")],
      ];
      for (const [why, value] of bad) expect(valid(value), why).toBe(false);
    });
  });

  describe("references", () => {
    it("init writes a schema line first in tradeplan.yaml and the test file, pinned to its version", () => {
      const files = new Map(scaffoldFiles("My plan").map((f) => [f.path, f.text]));
      expect(files.get("tradeplan.yaml")?.split("\n")[0]).toBe(
        `# yaml-language-server: $schema=https://unpkg.com/@tradeplan/cli@${VERSION}/schemas/tradeplan.schema.json`,
      );
      expect(files.get("plans/my-plan.plan.test.yaml")?.split("\n")[0]).toBe(
        `# yaml-language-server: $schema=https://unpkg.com/@tradeplan/cli@${VERSION}/schemas/plan-test.schema.json`,
      );
    });

    it("point at files the package ships, by their path in the package", () => {
      for (const file of Object.values(SCHEMA_FILES)) {
        const path = new URL(schemaUrl(file, "9.9.9")).pathname.replace("/@tradeplan/cli@9.9.9/", "");
        expect(existsSync(join(PACKAGE, path)), path).toBe(true);
      }
    });
  });
});
