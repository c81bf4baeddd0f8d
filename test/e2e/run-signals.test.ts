import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, start, tradeplan, workdir, writeFiles } from "./harness.js";

const PLAN = `plan "run"
symbol DEMO

on 1m close crosses above sma(close, 5) enter long size 10 shares
on 1m close crosses below sma(close, 5) exit long
`;

describe("tradeplan run (installed): signals", () => {
  const dir = workdir();
  copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
  // A replay on a real clock (one market minute per second), so the run is still going when the signal comes.
  writeFiles(dir, {
    "run.plan": PLAN,
    "tradeplan.yaml": "feed:\n  type: replay\n  replay:\n    file: bars.csv\n    speed: 60\n",
  });

  it("SIGTERM shuts down gracefully within 2 s: exit 0, summary on stdout, the journal verifies", async () => {
    const run = start(["run", "run.plan", "--audit", "term.db"], { cwd: dir });
    await run.waitFor(/session ACTIVE/);
    const sent = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("session stopped: SIGTERM received");
    expect(JSON.parse(r.stdout)).toMatchObject({ state: "ACTIVE" });
    const verify = await tradeplan(["audit", "verify", "term.db"], { cwd: dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^audit journal `term\.db`: OK, \d+ records/);
  });
});
