import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseYaml } from "../../packages/cli/test/plantest-fixtures.js";
import { ROOT, tradeplan, workdir } from "./harness.js";
import { type LocalRegistry, startRegistry } from "./registry.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")) as { version: string })
  .version;

interface Workflow {
  readonly env: Record<string, string>;
  readonly jobs: Record<string, { steps: { name?: string; run?: string; uses?: string }[] }>;
}

describe("the CI workflow `tradeplan init` writes, against a real npm registry on loopback", () => {
  const dir = workdir("tradeplan-registry-");
  let registry: LocalRegistry;
  /** npm pointed at the registry for the @tradeplan scope, a fresh cache, and no tradeplan on the PATH. */
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    registry = await startRegistry(join(dir, "registry"));
    env = {
      HOME: join(dir, "home"),
      PATH: [dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(delimiter),
      NO_COLOR: "1",
      npm_config_userconfig: registry.npmrc,
      npm_config_cache: join(dir, "npm-cache"),
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
      npm_config_loglevel: "warn",
    };
    mkdirSync(join(dir, "home"));
    for (const t of inject("tarballs")) execFileSync("npm", ["publish", t], { cwd: dir, env, stdio: "pipe" });
  }, 300_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it("publishes every package under the name the workflow installs", () => {
    for (const name of [
      "@tradeplan/cli",
      "@tradeplan/dsl",
      "@tradeplan/core",
      "@tradeplan/store",
      "@tradeplan/ibkr",
      "@tradeplan/live",
      "@tradeplan/postgres",
      "@tradeplan/queue",
      "@tradeplan/lsp",
    ]) {
      const shown = execFileSync("npm", ["view", name, "dist-tags.latest", "dist.tarball"], { env, encoding: "utf8" });
      expect(shown, name).toContain(`dist-tags.latest = '${VERSION}'`);
      expect(shown, name).toContain(registry.url);
    }
  });

  it("`npx --yes @tradeplan/cli@VERSION` scaffolds a project, and the workflow's check, fmt --check and test pass", async () => {
    const work = join(dir, "work");
    mkdirSync(work);
    // No tradeplan on this PATH: what runs below is what npx fetched from the registry.
    expect(() => execFileSync("sh", ["-c", "command -v tradeplan"], { env, stdio: "pipe" })).toThrow();
    const npx = `npx --yes @tradeplan/cli@${VERSION}`;
    const init = await tradeplan(["-c", `${npx} init proj --name "Opening drive"`], {
      cwd: work,
      command: "sh",
      env,
      exactEnv: true,
      timeoutMs: 280_000,
    });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(
      `next: cd proj && ${npx} check plans && ${npx} fmt --check plans && ${npx} test plans`,
    );

    const project = join(work, "proj");
    const wf = parseYaml(readFileSync(join(project, ".github/workflows/tradeplan.yml"), "utf8")) as Workflow;
    expect(wf.env.TRADEPLAN).toBe(npx);
    const runs = Object.values(wf.jobs)
      .flatMap((j) => j.steps)
      .filter((s) => s.run !== undefined);
    expect(runs.map((s) => s.name)).toEqual(["tradeplan check", "tradeplan fmt --check", "tradeplan test"]);
    for (const step of runs) {
      const r = await tradeplan(["-eo", "pipefail", "-c", step.run as string], {
        cwd: project,
        command: "bash",
        env: { ...env, TRADEPLAN: wf.env.TRADEPLAN },
        exactEnv: true,
        timeoutMs: 120_000,
      });
      expect(r.code, `${step.name}: ${r.stderr}`).toBe(0);
    }
    const sarif = JSON.parse(readFileSync(join(project, "tradeplan.sarif"), "utf8")) as {
      version: string;
      runs: { results: unknown[] }[];
    };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]?.results).toEqual([]);
    const junit = readFileSync(join(project, "tradeplan-junit.xml"), "utf8");
    expect(junit).toMatch(/<testsuites[^>]* tests="3"[^>]* failures="0"/);
  });
});
