import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { runBacktestCsv } from "../packages/runtime/src/backtest/runner.js";

const SHARED = join(import.meta.dirname, "../../shared/data");

function compile(source: string): CompiledPlan {
  const r = analyze(source);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.compiled!;
}

describe.skipIf(!existsSync(SHARED))("backtests on the shared real data (skipped without ../shared/data)", () => {
  it("runs a 5m breakout with a trailing stop over the 1-minute index future (close stamps, Berlin time)", async () => {
    const plan = compile(
      [
        'plan "FDAX breakout"',
        "symbol FDAX",
        'timezone "Europe/Berlin"',
        "session always",
        "on 5m close crosses above highest(high, 12)[1] enter long size 1 shares",
        "on 1m trailing stop 0.3%",
        "",
      ].join("\n"),
    );
    const run = () =>
      runBacktestCsv({
        plan,
        file: join(SHARED, "index-future-2006-1m.csv"),
        csv: { symbol: "FDAX", timezone: "Europe/Berlin", timestamps: "close" },
      });
    const a = await run();
    expect(a.csv).toMatchObject({ bars: 30_889, rejected: 0, timeframe: "1m" });
    expect(a.result.bars).toBe(30_889);
    expect(a.result.stats.trades).toBeGreaterThan(10);
    // 5m closes fall on 5-minute boundaries of Berlin time.
    const fiveMinute = a.result.signals.filter((s) => s.timeframe === "5m");
    expect(fiveMinute.length).toBeGreaterThan(0);
    for (const s of fiveMinute) expect(new Date(s.time).getUTCMinutes() % 5).toBe(0);
    for (const t of a.result.trades) expect(Date.parse(t.exitTime)).toBeGreaterThanOrEqual(Date.parse(t.entryTime));
    const b = await run();
    expect(JSON.stringify(b.result)).toBe(JSON.stringify(a.result));
  });

  it("runs a daily plan over NVDA with an always session", async () => {
    const plan = compile(
      [
        'plan "NVDA trend"',
        "symbol NVDA",
        "session always",
        "on 1d close crosses above sma(close, 50) enter long size 100 shares",
        "on 1d close crosses below sma(close, 50) exit long",
        "",
      ].join("\n"),
    );
    const { result } = await runBacktestCsv({
      plan,
      file: join(SHARED, "nvda-1999-2014-1d.csv"),
      csv: { symbol: "NVDA" },
    });
    expect(result.bars).toBe(4_012);
    expect(result.stats.trades).toBeGreaterThan(20);
    expect(result.signals[0]?.timeframe).toBe("1d");
  });

  it("rows in years the NYSE calendar does not cover are bad rows with file:line; the other years run", async () => {
    const plan = compile(['plan "NVDA"', "symbol NVDA", "on 1d close above 10 enter long", ""].join("\n"));
    const file = join(SHARED, "nvda-1999-2014-1d.csv");
    const rejected: { line: number; code: string; reason: string }[] = [];
    const { result } = await runBacktestCsv({
      plan,
      file,
      csv: { symbol: "NVDA" },
      onReject: (r) => rejected.push(r),
    });
    const in1999 = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("1999-")).length;
    expect(in1999).toBeGreaterThan(200);
    expect(result.rejectedByReason).toEqual({ CSV_OUT_OF_CALENDAR: in1999 });
    expect(rejected[0]).toMatchObject({
      code: "CSV_OUT_OF_CALENDAR",
      reason: expect.stringMatching(/2000-2030; 1999/),
    });
    expect(result.bars).toBeGreaterThan(3_500);
  });
});
