import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { runBacktestCsv } from "@tradeplan/live";
import { describe, expect, it } from "vitest";

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

  it.each([
    ["nvda-1999-2014-1d.csv", "NVDA", "1999-01-22"],
    ["orcl-1995-2014-1d.csv", "ORCL", "1995-01-03"],
    ["yhoo-1996-2014-1d.csv", "YHOO", "1996-04-12"],
  ])(
    "%s backtests from its first row under the default session (the NYSE table reaches back to 1990)",
    async (name, symbol, first) => {
      const plan = compile([`plan "${symbol}"`, `symbol ${symbol}`, "on 1d close above 1 enter long", ""].join("\n"));
      const file = join(SHARED, name);
      const rows = readFileSync(file, "utf8").trim().split("\n").length - 1;
      expect(readFileSync(file, "utf8").split("\n")[1]?.slice(0, 10)).toBe(first);
      const { result } = await runBacktestCsv({ plan, file, csv: { symbol } });
      expect(result.rejectedByReason).toEqual({});
      expect(result.bars).toBe(rows);
      expect(result.signals[0]?.time.slice(0, 10)).toBe(first);
    },
  );

  it("rows in years the NYSE calendar does not cover are bad rows with file:line saying what to do; the other years run", async () => {
    const plan = compile(['plan "NVDA"', "symbol NVDA", "on 1d close above 10 enter long", ""].join("\n"));
    const dir = mkdtempSync(join(tmpdir(), "tp-years-"));
    const real = readFileSync(join(SHARED, "nvda-1999-2014-1d.csv"), "utf8").trim().split("\n");
    // Two rows from 1989, before the table's first year, ahead of the real file.
    const file = join(dir, "nvda.csv");
    writeFileSync(file, [real[0], "1989-12-28,1,1,1,1,1,100", "1989-12-29,1,1,1,1,1,100", ...real.slice(1)].join("\n"));
    const rejected: { line: number; code: string; reason: string }[] = [];
    const { result } = await runBacktestCsv({ plan, file, csv: { symbol: "NVDA" }, onReject: (r) => rejected.push(r) });
    expect(result.rejectedByReason).toEqual({ CSV_OUT_OF_CALENDAR: 2 });
    expect(rejected.map((r) => r.line)).toEqual([2, 3]);
    expect(rejected[0]).toMatchObject({
      code: "CSV_OUT_OF_CALENDAR",
      reason: "the XNYS calendar covers 1990-2030; 1989 is outside it (`session always` runs data of any year)",
    });
    expect(result.bars).toBe(real.length - 1);
  });
});
