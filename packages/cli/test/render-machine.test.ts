import { CODES, type Diagnostic } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { escapeData, escapeProperty, githubCommand, renderGithub } from "../src/render/github.js";
import { renderJson } from "../src/render/json.js";
import type { FileReport } from "../src/render/report.js";
import { artifactUri, DIAGNOSTICS_DOC_URL, FINGERPRINT_KEY, region, renderSarif } from "../src/render/sarif.js";
import { sourceFile } from "../src/source.js";

const pos = (line: number, column: number, offset: number) => ({ line, column, offset });

const error: Diagnostic = {
  code: "E0201",
  severity: "error",
  message: "unknown name `brekout`",
  hint: "did you mean `breakout`?",
  span: { start: pos(3, 19, 39), end: pos(3, 26, 46) },
};
const warning: Diagnostic = {
  code: "W0601",
  severity: "warning",
  message: "`x` is never used",
  span: { start: pos(2, 5, 13), end: pos(2, 6, 14) },
  related: [{ span: { start: pos(1, 1, 0), end: pos(1, 2, 1) }, message: "see here" }],
};
const SRC = 'plan "x"\nlet x = 1\non 5m close above brekout enter long\n';
const reports: FileReport[] = [
  { file: sourceFile("/work/plans/a b.plan", "/work", SRC), diagnostics: [error, warning] },
  { file: sourceFile("/work/clean.plan", "/work", 'plan "c"\n'), diagnostics: [] },
];

const PositionSchema = z
  .object({ line: z.number().int().min(1), column: z.number().int().min(1), offset: z.number().int().min(0) })
  .strict();
const JsonSchema = z
  .object({
    version: z.literal(1),
    files: z.array(
      z
        .object({
          file: z.string(),
          diagnostics: z.array(
            z
              .object({
                code: z.string().regex(/^[EW]\d{4}$/),
                severity: z.enum(["error", "warning"]),
                message: z.string(),
                hint: z.string().optional(),
                range: z.object({ start: PositionSchema, end: PositionSchema }).strict(),
              })
              .strict(),
          ),
        })
        .strict(),
    ),
    errorCount: z.number().int(),
    warningCount: z.number().int(),
  })
  .strict();

describe("json renderer", () => {
  it("has the documented shape, with every file and arrays always present", () => {
    const doc = JsonSchema.parse(JSON.parse(renderJson(reports)));
    expect(doc.errorCount).toBe(1);
    expect(doc.warningCount).toBe(1);
    expect(doc.files.map((f) => f.file)).toEqual(["plans/a b.plan", "clean.plan"]);
    expect(doc.files[1]?.diagnostics).toEqual([]);
    expect(doc.files[0]?.diagnostics[0]).toEqual({
      code: "E0201",
      severity: "error",
      message: "unknown name `brekout`",
      hint: "did you mean `breakout`?",
      range: { start: { line: 3, column: 19, offset: 39 }, end: { line: 3, column: 26, offset: 46 } },
    });
    expect(doc.files[0]?.diagnostics[1]).not.toHaveProperty("hint");
  });

  it("renders an empty run as an empty file list", () => {
    expect(JSON.parse(renderJson([]))).toEqual({ version: 1, files: [], errorCount: 0, warningCount: 0 });
  });
});

/** The SARIF 2.1.0 fields GitHub code scanning requires (and those we promise). */
const RegionSchema = z.object({
  startLine: z.number().int().min(1),
  startColumn: z.number().int().min(1),
  endLine: z.number().int().min(1),
  endColumn: z.number().int().min(1),
});
const SarifSchema = z.object({
  $schema: z.string().url(),
  version: z.literal("2.1.0"),
  runs: z
    .array(
      z.object({
        tool: z.object({
          driver: z.object({
            name: z.literal("tradeplan"),
            version: z.string().min(1),
            informationUri: z.string().url(),
            rules: z.array(
              z.object({
                id: z.string(),
                name: z.string().min(1),
                shortDescription: z.object({ text: z.string().min(1) }),
                fullDescription: z.object({ text: z.string().min(1) }),
                helpUri: z.string().url(),
                defaultConfiguration: z.object({ level: z.enum(["error", "warning", "note"]) }),
              }),
            ),
          }),
        }),
        results: z.array(
          z.object({
            ruleId: z.string(),
            ruleIndex: z.number().int().min(0),
            level: z.enum(["error", "warning", "note"]),
            message: z.object({ text: z.string().min(1) }),
            locations: z
              .array(
                z.object({
                  physicalLocation: z.object({
                    artifactLocation: z.object({ uri: z.string().min(1) }),
                    region: RegionSchema,
                  }),
                }),
              )
              .length(1),
            partialFingerprints: z.record(z.string(), z.string().min(1)),
          }),
        ),
      }),
    )
    .length(1),
});

describe("sarif renderer", () => {
  const sarif = () => SarifSchema.parse(JSON.parse(renderSarif(reports, { version: "1.2.3" })));

  it("has the structure code scanning requires", () => {
    const doc = sarif();
    const run = doc.runs[0];
    expect(run?.tool.driver.version).toBe("1.2.3");
    expect(run?.results).toHaveLength(2);
  });

  it("has one rule per code with stable ids, levels and doc anchors", () => {
    const rules = sarif().runs[0]?.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).toEqual(CODES.map((c) => c.code));
    const e0201 = rules.find((r) => r.id === "E0201");
    expect(e0201?.helpUri).toBe(`${DIAGNOSTICS_DOC_URL}#e0201`);
    expect(e0201?.defaultConfiguration.level).toBe("error");
    expect(rules.find((r) => r.id === "W0601")?.defaultConfiguration.level).toBe("warning");
  });

  it("points results at their rule and region, with a relative forward-slash uri", () => {
    const [r0, r1] = sarif().runs[0]?.results ?? [];
    expect(r0?.ruleId).toBe("E0201");
    expect(sarif().runs[0]?.tool.driver.rules[r0?.ruleIndex ?? -1]?.id).toBe("E0201");
    expect(r0?.level).toBe("error");
    expect(r1?.level).toBe("warning");
    expect(r0?.message.text).toBe("unknown name `brekout`\nhelp: did you mean `breakout`?");
    expect(r0?.locations[0]?.physicalLocation.artifactLocation.uri).toBe("plans/a%20b.plan");
    expect(r0?.locations[0]?.physicalLocation.region).toEqual({
      startLine: 3,
      startColumn: 19,
      endLine: 3,
      endColumn: 26,
    });
  });

  it("widens an empty span to one column", () => {
    expect(region({ start: pos(2, 7, 9), end: pos(2, 7, 9) })).toEqual({
      startLine: 2,
      startColumn: 7,
      endLine: 2,
      endColumn: 8,
    });
    expect(region({ start: pos(2, 7, 9), end: pos(3, 1, 12) })).toEqual({
      startLine: 2,
      startColumn: 7,
      endLine: 3,
      endColumn: 1,
    });
  });

  it("uses an absolute file URI for files outside the working directory", () => {
    expect(artifactUri("/elsewhere/x.plan", "/elsewhere/x.plan")).toBe("file:///elsewhere/x.plan");
  });

  it("fingerprints stay when the line moves or is re-indented, and differ by file or code", () => {
    const fp = (src: string, line: number, file = "/work/a.plan", code = "E0201") => {
      const d: Diagnostic = { ...error, code, span: { start: pos(line, 1, 0), end: pos(line, 2, 1) } };
      const doc = SarifSchema.parse(
        JSON.parse(renderSarif([{ file: sourceFile(file, "/work", src), diagnostics: [d] }], { version: "1" })),
      );
      return doc.runs[0]?.results[0]?.partialFingerprints[FINGERPRINT_KEY];
    };
    const a = fp("on 5m x enter long\n", 1);
    expect(a).toMatch(/^[0-9a-f]{32}:1$/);
    expect(fp('plan "p"\n\n   on  5m x enter long\n', 3)).toBe(a);
    expect(fp("on 5m x enter long\n", 1, "/work/b.plan")).not.toBe(a);
    expect(fp("on 5m x enter long\n", 1, "/work/a.plan", "E0202")).not.toBe(a);
  });

  it("numbers identical findings on identical lines", () => {
    const src = "on 5m x enter long\non 5m x enter long\n";
    const d = (line: number): Diagnostic => ({ ...error, span: { start: pos(line, 7, 0), end: pos(line, 8, 1) } });
    const doc = SarifSchema.parse(
      JSON.parse(
        renderSarif([{ file: sourceFile("/work/a.plan", "/work", src), diagnostics: [d(1), d(2)] }], { version: "1" }),
      ),
    );
    const [f1, f2] = (doc.runs[0]?.results ?? []).map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    expect(f1?.endsWith(":1")).toBe(true);
    expect(f2?.endsWith(":2")).toBe(true);
    expect(f1?.split(":")[0]).toBe(f2?.split(":")[0]);
  });

  it("takes another docs location", () => {
    const doc = SarifSchema.parse(
      JSON.parse(renderSarif(reports, { version: "1", docsUrl: "https://example.com/d.md" })),
    );
    expect(doc.runs[0]?.tool.driver.rules[0]?.helpUri).toBe("https://example.com/d.md#e0001");
  });
});

describe("github renderer", () => {
  it("escapes %, CR and LF in messages, and also : and , in properties", () => {
    expect(escapeData("50% done\r\nnext")).toBe("50%25 done%0D%0Anext");
    expect(escapeProperty("a:b,c%\n")).toBe("a%3Ab%2Cc%25%0A");
  });

  it("writes one workflow command per diagnostic", () => {
    expect(githubCommand(error, "plans/a,b:c.plan")).toBe(
      "::error file=plans/a%2Cb%3Ac.plan,line=3,col=19,endLine=3,endColumn=26,title=E0201::unknown name `brekout`%0Ahelp: did you mean `breakout`?",
    );
    expect(githubCommand(warning, "x.plan")).toBe(
      "::warning file=x.plan,line=2,col=5,endLine=2,endColumn=6,title=W0601::`x` is never used",
    );
    expect(renderGithub(reports).split("\n")).toHaveLength(3);
    expect(renderGithub([])).toBe("");
  });
});
