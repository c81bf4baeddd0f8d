import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTradeplanConfig } from "@tradeplan/live";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { slugOf } from "../src/plantest/scaffold.js";
import { cli, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const FILES = [
  "plans/opening-drive.plan",
  "plans/opening-drive.plan.test.yaml",
  "tradeplan.yaml",
  ".github/workflows/tradeplan.yml",
];

describe("tradeplan init", () => {
  it("scaffolds a project on which check, fmt --check and test pass", async () => {
    const r = await cli(["init", "proj", "--name", "Opening drive"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("created proj/plans/opening-drive.plan\n");
    // How to run tradeplan again depends on how it was started (see invocation.test.ts and the e2e tests).
    expect(r.out).toMatch(/next: cd proj && \S+ check plans && \S+ fmt --check plans && \S+ test plans\n/);
    const root = join(dir, "proj");
    for (const f of FILES) expect(existsSync(join(root, f)), f).toBe(true);
    expect(readFileSync(join(root, "plans/opening-drive.plan"), "utf8")).toContain('plan "Opening drive"\n');

    const check = await cli(["check", "plans"], root);
    expect(check.code, check.out).toBe(0);
    const fmt = await cli(["fmt", "--check", "plans"], root);
    expect(fmt.code, fmt.out).toBe(0);
    const test = await cli(["test", "plans", "--min-coverage", "100"], root);
    expect(test.code, test.out + test.err).toBe(0);
    expect(test.out).toContain("tests: 3 passed (3 cases in 1 file)");
  });

  it("writes a tradeplan.yaml the config schema accepts and a workflow that parses", async () => {
    await cli(["init", "--name", "x"], dir);
    const config = parseTradeplanConfig(readFileSync(join(dir, "tradeplan.yaml"), "utf8"));
    expect(config.broker.type).toBe("paper");
    expect(config.risk).toEqual({ maxPositionShares: 1000, maxDailyLoss: 5000 });
    const wf = parse(readFileSync(join(dir, ".github/workflows/tradeplan.yml"), "utf8")) as {
      jobs: { plans: { steps: { uses?: string; run?: string }[] } };
    };
    const steps = wf.jobs.plans.steps;
    expect(steps.some((s) => s.run?.includes("check plans --format sarif"))).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith("github/codeql-action/upload-sarif"))).toBe(true);
    expect(steps.some((s) => s.run?.includes("fmt --check plans"))).toBe(true);
    expect(steps.some((s) => s.run?.includes("test plans --format junit"))).toBe(true);
  });

  it("refuses to overwrite, naming the files and writing nothing; --force overwrites", async () => {
    writeFileSync(join(dir, "tradeplan.yaml"), "# mine\n");
    const r = await cli(["init", "--name", "Opening drive"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe("error: not overwriting `tradeplan.yaml` (use --force to replace)\n");
    expect(existsSync(join(dir, "plans"))).toBe(false);
    const forced = await cli(["init", "--name", "Opening drive", "--force"], dir);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, "tradeplan.yaml"), "utf8")).not.toBe("# mine\n");
  });

  it("rejects bad names and a file as the directory", async () => {
    const bad = await cli(["init", "--name", 'a "quoted" name'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("error: invalid --name: may hold letters, digits, spaces");
    writeFileSync(join(dir, "file"), "");
    const notDir = await cli(["init", "file"], dir);
    expect(notDir.code).toBe(2);
    expect(notDir.err).toBe("error: `file` is not a directory\n");
  });

  it("names files after the plan name", () => {
    expect(slugOf("Opening drive")).toBe("opening-drive");
    expect(slugOf("  ÄÖ  ")).toBe("plan");
    expect(slugOf("SPY/QQQ trend (v2)")).toBe("spy-qqq-trend-v2");
  });
});
