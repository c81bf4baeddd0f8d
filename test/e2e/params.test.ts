import { describe, expect, it } from "vitest";
import { THRESHOLD_PLAN as PLAN } from "../support/sweep-fixtures.js";
import { sharedFile, tradeplan, workdir, writeFiles } from "./harness.js";

/** Params through the installed `tradeplan`: check, backtest with `--set` on the real 1-minute file, bad input. */

interface Result {
  plan: { params?: Record<string, number> };
  signals: { time: string; price: number }[];
  stats: { trades: number; netPnl: number };
}

describe("params in the installed tradeplan", () => {
  const dir = workdir();
  writeFiles(dir, {
    "threshold.plan": PLAN,
    "bad.plan": PLAN.replace("3700 in 3600..3800 step 10", "3700 in 3600..3800 step 30"),
  });

  it("checks a plan with params, and reports a step that does not divide its range (E0215)", async () => {
    const ok = await tradeplan(["check", "threshold.plan"], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stdout: "ok: 1 file checked\n" });
    const bad = await tradeplan(["check", "bad.plan"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("error[E0215]: the step 30 does not divide the range 3600..3800 of `threshold`");
    expect(bad.stdout).toContain("--> bad.plan:7:43");
    const explained = await tradeplan(["explain", "E0215"], { cwd: dir });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain("param step does not divide its range");
  });

  it("lists the params in the compiled plan", async () => {
    const r = await tradeplan(["compile", "threshold.plan"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { params: unknown };
    expect(plan.params).toEqual([
      { name: "threshold", kind: "number", default: 3700, min: 3600, max: 3800, step: 10, integer: false, value: 3700 },
      { name: "length", kind: "number", default: 20, min: 10, max: 50, step: 5, integer: true, value: 20 },
    ]);
  });

  const real = sharedFile("index-future-2006-1m.csv");
  const backtest = (data: string, ...extra: string[]) =>
    tradeplan(
      [
        "backtest",
        "threshold.plan",
        "--data",
        data,
        "--timestamps",
        "close",
        "--tz",
        "Europe/Berlin",
        "--format",
        "json",
        ...extra,
      ],
      { cwd: dir },
    );

  it.skipIf(!real)("--set changes the backtest on the real 1-minute file, and the result records it", async () => {
    if (!real) return;
    const base = await backtest(real);
    expect(base.code, base.stderr).toBe(0);
    const set = await backtest(real, "--set", "threshold=3650", "--set", "length=40");
    expect(set.code, set.stderr).toBe(0);
    const a = JSON.parse(base.stdout) as Result;
    const b = JSON.parse(set.stdout) as Result;
    expect(a.plan.params).toEqual({ threshold: 3700, length: 20 });
    expect(b.plan.params).toEqual({ threshold: 3650, length: 40 });
    expect(a.stats.trades).toBeGreaterThan(0);
    expect(b.stats.trades).toBeGreaterThan(0);
    expect(b.signals.map((s) => s.time)).not.toEqual(a.signals.map((s) => s.time));
    expect(b.stats.netPnl).not.toBe(a.stats.netPnl);
    // Setting a param to its default is the plan as written.
    const same = await backtest(real, "--set", "threshold=3700");
    expect((JSON.parse(same.stdout) as Result).signals).toEqual(a.signals);
  });

  it.each([
    [
      "threshhold=3650",
      "error: invalid --set for `threshold.plan`: unknown param `threshhold`; did you mean `threshold`?",
    ],
    [
      "threshold=3900",
      "error: invalid --set for `threshold.plan`: param `threshold` = 3900 is outside its range 3600..3800",
    ],
    [
      "threshold=3655",
      "error: invalid --set for `threshold.plan`: param `threshold` = 3655 is not on its step: 3600 plus a multiple of 10",
    ],
    [
      "threshold",
      "error: invalid --set `threshold`: write NAME=VALUE with a param of the plan, e.g. --set threshold=3650",
    ],
  ])("a bad --set %s exits 2 with one line, before reading any data", async (set, line) => {
    // The data file does not exist: the --set is refused first.
    const r = await backtest("no-such.csv", "--set", set);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${line}\n`);
  });
});
