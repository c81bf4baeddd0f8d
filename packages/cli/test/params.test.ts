import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseSets } from "../src/commands/shared.js";
import { UsageError } from "../src/errors.js";
import { cli, tempDir } from "./helpers.js";

/** `--set NAME=VALUE` on backtest and test: binding, the result document, and every bad input (exit 2, one line). */

const PLAN = [
  'plan "levels"',
  "symbol TEST",
  'timezone "UTC"',
  "session always",
  "param level = 105 in 100..120 step 1",
  "param length = 3 in 2..10",
  "on 1m close crosses above level enter long size 1 shares",
  "on 1m close crosses below sma(close, length) exit long",
  "",
].join("\n");

/** One-minute bars stamped with their close, a wave between 100 and 120 (period 40 minutes), 400 bars. */
function csv(): string {
  const rows = ["Date,Time,Open,High,Low,Close,Volume"];
  let prev = 110;
  for (let i = 1; i <= 400; i++) {
    const close = 110 + 10 * Math.sin((2 * Math.PI * i) / 40);
    const t = new Date(Date.UTC(2024, 0, 2, 0, i));
    const hhmm = t.toISOString().slice(11, 19);
    rows.push(
      `2024-01-02,${hhmm},${prev.toFixed(2)},${(Math.max(prev, close) + 0.1).toFixed(2)},${(Math.min(prev, close) - 0.1).toFixed(2)},${close.toFixed(2)},1000`,
    );
    prev = close;
  }
  return `${rows.join("\n")}\n`;
}

const TEST_FILE = [
  "timeframe: 1m",
  "cases:",
  "  - name: a close above the level enters",
  "    date: 2024-01-02",
  "    bars:",
  '      - { t: "00:00", until: "00:09", c: 101, v: 1000 }',
  '      - ["00:10", 101, 106.2, 101, 106, 1000]',
  "    expect:",
  "      fires:",
  '        - { rule: "crosses above level", at: "00:11", action: enter_long, outcome: acted }',
  "",
].join("\n");

describe("--set NAME=VALUE", () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  writeFileSync(join(dir, "levels.plan"), PLAN);
  writeFileSync(join(dir, "bars.csv"), csv());
  writeFileSync(join(dir, "levels.plan.test.yaml"), TEST_FILE);
  const backtest = (...extra: string[]) =>
    cli(["backtest", "levels.plan", "--data", "bars.csv", "--timestamps", "close", "--format", "json", ...extra], dir);

  it("changes the backtest, and the result document records the values used", async () => {
    const base = await backtest();
    expect(base.code, base.err).toBe(0);
    const set = await backtest("--set", "level=115", "--set", "length=5");
    expect(set.code, set.err).toBe(0);
    const a = JSON.parse(base.out) as { plan: { params: unknown }; signals: { price: number }[] };
    const b = JSON.parse(set.out) as { plan: { params: unknown }; signals: { price: number }[] };
    expect(a.plan.params).toEqual({ level: 105, length: 3 });
    expect(b.plan.params).toEqual({ level: 115, length: 5 });
    // Entries happen where the close crosses the level, so the first entry's price moves with it.
    expect(a.signals[0]?.price).toBeGreaterThan(105);
    expect(a.signals[0]?.price).toBeLessThan(108);
    expect(b.signals[0]?.price).toBeGreaterThan(115);
  });

  it("shows the values in the human summary, marking the ones set", async () => {
    const r = await cli(
      ["backtest", "levels.plan", "--data", "bars.csv", "--timestamps", "close", "--set", "level=110"],
      dir,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out.split("\n")[1]).toBe("  params level=110 (set), length=3");
  });

  it.each([
    [["--set", "levle=110"], "error: invalid --set for `levels.plan`: unknown param `levle`; did you mean `level`?"],
    [["--set", "zzz=1"], "error: invalid --set for `levels.plan`: unknown param `zzz` (its params are level, length)"],
    [
      ["--set", "level=130"],
      "error: invalid --set for `levels.plan`: param `level` = 130 is outside its range 100..120",
    ],
    [
      ["--set", "level=110.5"],
      "error: invalid --set for `levels.plan`: param `level` = 110.5 is not on its step: 100 plus a multiple of 1",
    ],
    [
      ["--set", "length=4.5"],
      "error: invalid --set for `levels.plan`: param `length` = 4.5 must be a whole number: it is an indicator period",
    ],
    [
      ["--set", "level=ten"],
      "error: invalid --set for `levels.plan`: param `level` = `ten` is not a number (write e.g. 20 or 1.5)",
    ],
    [
      ["--set", "level"],
      "error: invalid --set `level`: write NAME=VALUE with a param of the plan, e.g. --set threshold=3650",
    ],
  ])("backtest %j exits 2 with one line", async (args, line) => {
    const r = await backtest(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`${line}\n`);
  });

  it("binds the values in `tradeplan test` too, and refuses a bad one before running anything", async () => {
    const ok = await cli(["test", "levels.plan.test.yaml"], dir);
    expect(ok.code, ok.out + ok.err).toBe(0);
    // With the level at 110 the 106 close crosses nothing: the expected entry is missing.
    const moved = await cli(["test", "levels.plan.test.yaml", "--set", "level=110"], dir);
    expect(moved.code, moved.out).toBe(1);
    const bad = await cli(["test", "levels.plan.test.yaml", "--set", "level=99"], dir);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("");
    expect(bad.err).toBe("error: invalid --set for `levels.plan`: param `level` = 99 is outside its range 100..120\n");
  });
});

describe("parseSets", () => {
  it("reads NAME=VALUE pairs, the last value of a repeated name winning", () => {
    expect([...parseSets(["a=1", " b = 2.5% ", "a=3"])]).toEqual([
      ["a", "3"],
      ["b", "2.5%"],
    ]);
  });

  it.each(["", "=1", "a=", "1a=2", "a b=1", "a"])("refuses %j as a UsageError", (text) => {
    expect(() => parseSets([text])).toThrow(UsageError);
  });
});
