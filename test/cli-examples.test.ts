import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli as runCli } from "../packages/cli/test/helpers.js";

const root = join(import.meta.dirname, "..");

function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCli(argv, root);
}

describe("the issue's done-when, through the CLI", () => {
  it("`tradeplan check examples/plans` exits 0", async () => {
    const r = await cli(["check", "examples/plans"]);
    expect(r.err + r.out).toContain("ok:");
    expect(r.code).toBe(0);
  });

  it("`tradeplan fmt --check examples/plans` exits 0", async () => {
    const r = await cli(["fmt", "--check", "examples/plans"]);
    expect(r.code).toBe(0);
  });

  const failing = readdirSync(join(root, "examples/failing")).filter((f) => f.endsWith(".plan"));
  it.each(failing)("`tradeplan check examples/failing/%s` exits 1 with exactly its code", async (f) => {
    const r = await cli(["check", "--format", "json", `examples/failing/${f}`]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as { files: { diagnostics: { code: string }[] }[] };
    expect([...new Set(report.files.flatMap((x) => x.diagnostics.map((d) => d.code)))]).toEqual([f.slice(0, 5)]);
  });

  it("a plan with five mistakes gets five precise diagnostics in one run", async () => {
    const r = await cli(["check", "--format", "json", "test/fixtures/five-mistakes.plan"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as {
      files: { diagnostics: { code: string; range: { start: { line: number } } }[] }[];
    };
    const ds = report.files[0]?.diagnostics ?? [];
    expect(ds.map((d) => `${d.code}@${d.range.start.line}`)).toEqual([
      "E0305@3",
      "E0201@6",
      "E0202@7",
      "E0208@8",
      "E0103@9",
    ]);
  });
});
