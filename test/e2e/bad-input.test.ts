import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tradeplan, tradeplanBin, workdir, writeFiles } from "./harness.js";

const PLAN = `plan "bad input"
symbol DEMO

on 1m close crosses above sma(close, 5) enter long size 10 shares
on 1m close crosses below sma(close, 5) exit long
`;

/** A failed start: exit 2 with exactly one line on stderr. */
function expectOneLineFailure(r: { code: number | null; stderr: string; stdout: string }): string {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0] as string;
}

describe("tradeplan run (installed): a database it may not write", () => {
  // Tests run as root, which may write anything: the run is started as `nobody` with runuser.
  const dir = workdir();
  chmodSync(dir, 0o755);
  copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
  writeFiles(dir, {
    "run.plan": PLAN,
    "tradeplan.yaml": "feed:\n  type: replay\n  replay:\n    file: bars.csv\n    speed: max\n",
  });
  mkdirSync(join(dir, "locked"), { mode: 0o755 });
  writeFileSync(join(dir, "locked", "existing.db"), "");
  for (const f of ["run.plan", "tradeplan.yaml", "bars.csv"]) chmodSync(join(dir, f), 0o644);
  const asNobody = (args: string[]) =>
    tradeplan(["-u", "nobody", "--", tradeplanBin(), ...args], { cwd: dir, command: "runuser" });

  it("a folder it cannot write: exit 2, one line naming the file and the cause, nothing created", async () => {
    const line = expectOneLineFailure(await asNobody(["run", "run.plan", "--audit", "locked/new.db"]));
    expect(line).toMatch(/^error: .*locked\/new\.db.*(cannot be written|read-only).*EACCES/);
    expect(readdirSync(join(dir, "locked"))).toEqual(["existing.db"]);
  });

  it("a file it cannot write: exit 2, one line naming it, the file untouched", async () => {
    const line = expectOneLineFailure(await asNobody(["run", "run.plan", "--audit", "locked/existing.db"]));
    expect(line).toMatch(/^error: .*locked\/existing\.db.*(cannot be written|read-only)/);
    expect(statSync(join(dir, "locked", "existing.db")).size).toBe(0);
    expect(existsSync(join(dir, "locked", "existing.db-wal"))).toBe(false);
  });
});

describe("tradeplan run (installed): bad configuration", () => {
  const dir = workdir();
  copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
  writeFiles(dir, { "run.plan": PLAN });

  it("a config with a misspelt key: exit 2, the file, line and column, nothing written", async () => {
    writeFiles(dir, { "typo.yaml": "feed:\n  type: replay\n  replay:\n    file: bars.csv\n    sped: max\n" });
    const r = await tradeplan(["run", "run.plan", "--config", "typo.yaml", "--audit", "typo.db"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("typo.yaml:5:5: feed.replay.sped: unknown key");
    expect(existsSync(join(dir, "typo.db"))).toBe(false);
  });

  it("a replay file that does not exist: exit 2, one line naming it, no database left behind", async () => {
    writeFiles(dir, { "missing.yaml": "feed:\n  type: replay\n  replay:\n    file: nowhere.csv\n" });
    const line = expectOneLineFailure(
      await tradeplan(["run", "run.plan", "--config", "missing.yaml", "--audit", "missing.db"], { cwd: dir }),
    );
    expect(line).toContain("nowhere.csv");
    expect(readdirSync(dir).filter((f) => f.startsWith("missing.db"))).toEqual([]);
  });
});
