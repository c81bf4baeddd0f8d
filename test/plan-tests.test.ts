import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { npxCommand } from "../packages/cli/src/invocation.js";
import { workflowTemplate } from "../packages/cli/src/plantest/scaffold.js";
import { VERSION } from "../packages/cli/src/version.js";
import { cli as runCli } from "../packages/cli/test/helpers.js";
import { parseYaml as parse } from "../packages/cli/test/plantest-fixtures.js";

const root = join(import.meta.dirname, "..");
const cli = (argv: string[]) => runCli(argv, root);

interface Report {
  files: {
    file: string;
    errors: unknown[];
    cases: { name: string; status: string; failures: { code: string; message: string }[] }[];
  }[];
  summary: { cases: number; passed: number };
  coverage?: { totals: { ruleRate: number; conditionRate: number } };
}

describe("every example plan ships with passing tests", () => {
  const plans = readdirSync(join(root, "examples/plans")).filter((f) => f.endsWith(".plan"));

  it.each(plans)("examples/plans/%s has a test file", (plan) => {
    expect(readdirSync(join(root, "examples/plans"))).toContain(`${plan}.test.yaml`);
  });

  it("`tradeplan test examples/plans --min-coverage 95` passes every case", async () => {
    const r = await cli(["test", "examples/plans", "--format", "json", "--min-coverage", "95"]);
    const report = JSON.parse(r.out) as Report;
    const notPassed = report.files.flatMap((f) =>
      f.cases.filter((c) => c.status !== "passed").map((c) => `${f.file}: ${c.name}`),
    );
    expect(notPassed).toEqual([]);
    expect(report.files).toHaveLength(plans.length);
    expect(report.summary.cases).toBeGreaterThanOrEqual(plans.length * 2);
    expect(report.coverage?.totals.ruleRate).toBe(100);
    expect(r.code).toBe(0);
  });
});

describe("examples/failing-tests fail with the code in their name", () => {
  const files = readdirSync(join(root, "examples/failing-tests")).filter((f) => f.endsWith(".plan.test.yaml"));

  it.each(files)("%s", async (f) => {
    const r = await cli(["test", "--format", "json", `examples/failing-tests/${f}`]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out) as Report;
    const codes = report.files.flatMap((x) => x.cases.flatMap((c) => c.failures.map((y) => y.code)));
    expect([...new Set(codes)]).toEqual([f.slice(0, 5)]);
  });

  it("their messages say what went wrong", async () => {
    const r = await cli(["test", "--format", "json", "examples/failing-tests"]);
    const report = JSON.parse(r.out) as Report;
    const messages = Object.fromEntries(
      report.files.map((x) => [x.file.split("/").pop()?.slice(0, 5), x.cases[0]?.failures[0]?.message]),
    );
    expect(messages).toEqual({
      T0101:
        "rule 15 `on 5m close above breakout with volume > 1M enter long size 100 shares` did not fire at 2024-03-01 09:35",
      T0102:
        "rule 15 `on 5m close above breakout with volume > 1M enter long size 100 shares` fired enter_long at 2024-03-01 09:40, not enter_short",
      T0103:
        "rule 18 `on 15m close below 145 exit long` fired at 2024-03-01 09:45 but the engine's outcome was NO_POSITION, not acted",
      T0104: "rule 18 `on 15m close below 145 exit long` must never fire, but fired 1 time",
      T0105: "the final position is flat, not long 100",
      T0106: "0 closed trades, expected 1",
      T0107: "net P&L -$4.88, expected at least $0.00",
    });
  });
});

describe("examples/ci", () => {
  it("the GitHub Actions workflow is the one `tradeplan init` writes, and runs check (SARIF), fmt --check and test (JUnit)", () => {
    const text = readFileSync(join(root, "examples/ci/github-actions.yml"), "utf8");
    expect(text).toBe(workflowTemplate(npxCommand()));
    // Pinned to the version that wrote it, by the package name users install.
    expect(text).toContain(`TRADEPLAN: npx --yes @tradeplan/cli@${VERSION}\n`);
    const wf = parse(text) as {
      permissions: Record<string, string>;
      jobs: Record<string, { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }>;
    };
    expect(wf.permissions["security-events"]).toBe("write");
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
    const sarif = steps.find((s) => s.run?.includes("check plans --format sarif > tradeplan.sarif"));
    const upload = steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
    const junit = steps.find(
      (s) => s.run?.includes("test plans --format junit") && s.run.includes("> tradeplan-junit.xml"),
    );
    const reporter = steps.find((s) => s.with?.path === "tradeplan-junit.xml" && s.with?.reporter === "java-junit");
    expect([sarif, upload, junit, reporter].every(Boolean)).toBe(true);
    expect(upload?.with?.sarif_file).toBe("tradeplan.sarif");
    expect(steps.some((s) => s.run?.includes("fmt --check plans"))).toBe(true);
  });

  it("the GitLab CI file runs the same steps with junit and codequality reports", () => {
    const ci = parse(readFileSync(join(root, "examples/ci/gitlab-ci.yml"), "utf8")) as Record<
      string,
      { script?: string[]; artifacts?: { reports?: Record<string, string>; paths?: string[] } }
    >;
    const jobs = Object.values(ci).filter((j) => Array.isArray(j?.script));
    const script = jobs.flatMap((j) => j.script ?? []).join("\n");
    expect((ci as unknown as { variables: Record<string, string> }).variables.TRADEPLAN).toBe(npxCommand());
    expect(script).toContain("check plans --format json");
    expect(script).toContain("check plans --format sarif");
    expect(script).toContain("fmt --check plans");
    expect(script).toContain("test plans --format junit");
    const reports = Object.assign({}, ...jobs.map((j) => j.artifacts?.reports ?? {}));
    expect(reports).toEqual({ codequality: "gl-code-quality-report.json", junit: "tradeplan-junit.xml" });
  });

  it("tradeplan-codequality.mjs turns check JSON into Code Climate issues, and refuses other input", async () => {
    const check = await cli([
      "check",
      "--format",
      "json",
      "examples/failing/E0201-unknown-name.plan",
      "examples/failing",
    ]);
    const script = join(root, "examples/ci/tradeplan-codequality.mjs");
    const out = execFileSync(process.execPath, [script], { input: check.out, encoding: "utf8" });
    const issues = JSON.parse(out) as {
      check_name: string;
      severity: string;
      fingerprint: string;
      location: { path: string; lines: { begin: number } };
    }[];
    expect(issues.length).toBeGreaterThan(5);
    expect(issues[0]).toMatchObject({
      check_name: "E0201",
      severity: "major",
      location: { path: "examples/failing/E0201-unknown-name.plan", lines: { begin: 7 } },
    });
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(issues.length);
    const bad = spawnSync(process.execPath, [script], { input: '{"files": 3}', encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("error: stdin is not a `tradeplan check --format json` report (version 1)\n");
  });
});
