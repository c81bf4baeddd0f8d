import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tradeplan, workdir } from "./harness.js";

const PLAN = join(ROOT, "examples/plans/demo.plan");
const DATA = join(ROOT, "examples/data/demo-1m.csv");

interface Signal {
  readonly time: string;
  readonly rule: number;
  readonly action: string;
  readonly why?: readonly { expr: string; result: boolean; comparisons: { result: boolean }[] }[];
}

describe("why it fired, on the installed tradeplan with the bundled demo", () => {
  const dir = workdir();

  it("the JSON result carries each entry's trace, and --explain of its close shows the same decision", async () => {
    const json = await tradeplan(["backtest", PLAN, "--data", DATA, "--format", "json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const signals = (JSON.parse(json.stdout) as { signals: Signal[] }).signals;
    const entry = signals.find((s) => s.action === "ENTER_LONG");
    expect(entry?.why?.map((t) => [t.expr, t.result])).toEqual([
      ["close crosses above highest(high, 20)[1]", true],
      ["volume > 1.2 * sma(volume, 20)", true],
    ]);
    // The plan's zone is America/New_York: the close as a person there reads it.
    const local = new Intl.DateTimeFormat("sv-SE", {
      timeZone: "America/New_York",
      dateStyle: "short",
      timeStyle: "short",
    }).format(new Date(entry!.time));
    const r = await tradeplan(["backtest", PLAN, "--data", DATA, "--explain", local], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`rules evaluated at the close ${local} (America/New_York):`);
    expect(r.stdout).toMatch(/line 12 cross_above on DEMO 5m: fired ENTER_LONG\n {4}close [\d,.]+ crosses above /);
    expect(r.stdout).toMatch(/ {4}with volume [\d,.]+ > 1\.2 \* sma\(volume, 20\) [\d,.]+ ✓; sma\(volume, 20\) = /);
  });

  it("--explain of a time that is not a close of the data exits 2 with one line", async () => {
    const r = await tradeplan(["backtest", PLAN, "--data", DATA, "--explain", "2024-02-20 03:00"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining("--explain 2024-02-20 03:00: no rule")]);
    const bad = await tradeplan(["backtest", PLAN, "--data", DATA, "--explain", "10:35"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
  });
});
