import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeTws, startFakeTws } from "../fake-tws/index.js";
import { e2eEnv, ROOT, tradeplanBinDir, workdir } from "./harness.js";

/**
 * The packages' README examples (examples/embed/*.mjs), run as an embedder
 * runs them: plain `node` in a project whose node_modules is the installed
 * packages (the tarballs `npm install -g` put in the e2e prefix), never the
 * workspace's sources.
 */
const run = promisify(execFile);

let project: string;
let tws: FakeTws | undefined;

beforeAll(() => {
  const dir = workdir("tradeplan-embed-");
  project = join(dir, "project");
  mkdirSync(join(project, "embed"), { recursive: true });
  mkdirSync(join(project, "plans"));
  mkdirSync(join(project, "data"));
  // bin/ and lib/node_modules/ sit side by side in an npm prefix.
  const installed = join(dirname(tradeplanBinDir()), "lib", "node_modules");
  expect(existsSync(join(installed, "@tradeplan", "core", "package.json"))).toBe(true);
  symlinkSync(installed, join(project, "node_modules"), "dir");
  for (const f of ["core-backtest.mjs", "store-journal.mjs", "ibkr-account.mjs", "live-csv-report.mjs"]) {
    copyFileSync(join(ROOT, "examples", "embed", f), join(project, "embed", f));
  }
  copyFileSync(join(ROOT, "examples", "plans", "demo.plan"), join(project, "plans", "demo.plan"));
  copyFileSync(join(ROOT, "examples", "data", "demo-1m.csv"), join(project, "data", "demo-1m.csv"));
});

afterAll(async () => {
  await tws?.close();
});

const node = (args: string[]) => run(process.execPath, args, { cwd: project, env: e2eEnv(), timeout: 60_000 });

describe("embedding the installed packages (examples/embed)", () => {
  it("@tradeplan/core: compile a plan, backtest generated bars, read the result", async () => {
    const { stdout } = await node(["embed/core-backtest.mjs"]);
    expect(stdout).toMatch(/^16 trades, net 126\.87, max drawdown 0\.84%$/m);
  });

  it("@tradeplan/store: a backtest journalled in SQLite verifies OK", async () => {
    const db = join(project, "journal.db");
    const { stdout } = await node(["embed/store-journal.mjs", db]);
    expect(stdout).toMatch(/^16 trades; .*journal\.db: OK, \d+ records$/m);
    expect(existsSync(db)).toBe(true);
  });

  it("@tradeplan/live: a CSV file on disk backtested and its HTML report written", async () => {
    const out = join(project, "report.html");
    const { stdout } = await node(["embed/live-csv-report.mjs", "data/demo-1m.csv", out]);
    expect(stdout).toContain("7800 bars read, 0 rejected");
    const html = readFileSync(out, "utf8");
    expect(html).toContain("LightweightCharts");
    expect(html).toContain("Demo breakout");
  });

  it("@tradeplan/ibkr: connects to (fake) TWS, reads the account and stops", async () => {
    tws = await startFakeTws();
    const { stdout } = await node(["embed/ibkr-account.mjs", String(tws.port), "23"]);
    expect(stdout).toMatch(/^connected to \d+: cash [\d.]+, equity [\d.]+$/m);
  });
});
