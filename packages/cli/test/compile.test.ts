import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CompiledPlanSchema } from "@tradeplan/dsl";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLEAN_PLAN, cli, ERROR_PLAN, tempDir, WARNING_PLAN } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(join(dir, "clean.plan"), CLEAN_PLAN);
  writeFileSync(join(dir, "error.plan"), ERROR_PLAN);
  writeFileSync(join(dir, "warning.plan"), WARNING_PLAN);
  writeFileSync(join(dir, "bare.plan"), "on 5m close above 150 enter long\n");
});
afterEach(() => cleanup());

describe("compile", () => {
  it("writes a valid compiled plan to stdout", async () => {
    const r = await cli(["compile", "clean.plan"], dir);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const plan = CompiledPlanSchema.parse(JSON.parse(r.out));
    expect(plan.name).toBe("clean");
    expect(plan.symbols).toEqual(["AAPL"]);
    expect(plan.functions).toHaveLength(1);
  });

  it("writes to -o FILE", async () => {
    const r = await cli(["compile", "clean.plan", "-o", "out/../clean.json"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(r.err).toBe("compiled `clean.plan` to `clean.json`\n");
    expect(CompiledPlanSchema.parse(JSON.parse(readFileSync(join(dir, "clean.json"), "utf8"))).name).toBe("clean");
  });

  it("refuses a plan with errors: exit 1, pretty diagnostics on stderr, nothing on stdout", async () => {
    const r = await cli(["compile", "error.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("error[E0201]: unknown name `brekout`");
    expect(r.err).toContain("error: `error.plan` was not compiled because of the errors above");
  });

  it("compiles with warnings, showing them on stderr", async () => {
    const r = await cli(["compile", "warning.plan"], dir);
    expect(r.code).toBe(0);
    expect(r.err).toContain("warning[W0601]");
    expect(CompiledPlanSchema.safeParse(JSON.parse(r.out)).success).toBe(true);
  });

  it("takes the symbol of a bare rule list from --symbol", async () => {
    expect((await cli(["compile", "bare.plan"], dir)).code).toBe(1);
    const r = await cli(["compile", "--symbol", "MSFT", "bare.plan"], dir);
    expect(r.code).toBe(0);
    const plan = CompiledPlanSchema.parse(JSON.parse(r.out));
    expect(plan.symbols).toEqual(["MSFT"]);
    expect(plan.name).toBe("bare");
  });

  it("exits 2 for a missing file, a directory, an unwritable output and bad flags", async () => {
    expect(await cli(["compile", "nope.plan"], dir)).toMatchObject({
      code: 2,
      err: "error: `nope.plan`: no such file or directory\n",
    });
    expect(await cli(["compile", "."], dir)).toMatchObject({ code: 2, err: "error: `.` is not a file\n" });
    const denied = Object.assign(new Error("EACCES"), { code: "EACCES" });
    const w = await cli(["compile", "clean.plan", "-o", "x.json"], dir, {
      fs: { writeFile: () => Promise.reject(denied) },
    });
    expect(w).toMatchObject({ code: 2, err: "error: cannot write `x.json`: permission denied\n" });
    expect((await cli(["compile"], dir)).code).toBe(2);
    expect((await cli(["compile", "clean.plan", "--symbol", ""], dir)).err).toBe(
      "error: invalid --symbol: must not be empty\n",
    );
  });

  it("handles binary input as diagnostics (exit 1)", async () => {
    writeFileSync(join(dir, "bin.plan"), Buffer.from([0, 0xff, 0x10, 0x0a, 0x80]));
    const r = await cli(["compile", "bin.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[E0001]");
  });
});
