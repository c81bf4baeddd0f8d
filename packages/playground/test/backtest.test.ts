import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { calendarFor, DEMO_DATA, parseCsvText, runBacktest } from "@tradeplan/core";
import { sessionDailyBounds } from "@tradeplan/core/internal";
import { analyze } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { demoBars, runPlaygroundBacktest } from "../src/backtest.js";

const EXAMPLES = new URL("../../../examples/", import.meta.url);
const DEMO_PLAN = readFileSync(fileURLToPath(new URL("plans/demo.plan", EXAMPLES)), "utf8");

describe("the playground's in-browser backtest", () => {
  it("generates exactly the bars of examples/data/demo-1m.csv for DEMO", () => {
    const text = readFileSync(fileURLToPath(new URL("data/demo-1m.csv", EXAMPLES)), "utf8");
    const calendar = calendarFor("regular");
    const fromFile = parseCsvText(
      text,
      { symbol: DEMO_DATA.symbol, timezone: DEMO_DATA.timezone },
      sessionDailyBounds(calendar),
    );
    expect(fromFile.rejected).toEqual([]);
    expect(demoBars([DEMO_DATA.symbol])).toEqual(fromFile.bars);
  });

  it("gives the demo plan the same result as a backtest of the bundled CSV (what `tradeplan demo` runs)", () => {
    const run = runPlaygroundBacktest(DEMO_PLAN);
    if (!run.ok) throw new Error(run.message);
    const plan = analyze(DEMO_PLAN).compiled!;
    const text = readFileSync(fileURLToPath(new URL("data/demo-1m.csv", EXAMPLES)), "utf8");
    const { bars } = parseCsvText(text, { symbol: "DEMO" }, sessionDailyBounds(calendarFor("regular")));
    const reference = runBacktest({ plan }, bars);
    expect(run.outcome.result.trades).toEqual(reference.result.trades);
    expect(run.outcome.result.stats).toEqual(reference.result.stats);
    expect(run.outcome.result.trades.length).toBeGreaterThan(0);
    expect(run.outcome.charts.equity.length).toBeGreaterThan(0);
    expect(run.dataLabel).toContain("20 NYSE sessions");
  });

  it("gives other symbols their own series, every symbol's bars in time order", () => {
    const bars = demoBars(["DEMO", "AAPL"]);
    const demo = bars.filter((b) => b.symbol === "DEMO");
    const aapl = bars.filter((b) => b.symbol === "AAPL");
    expect(demo.length).toBe(aapl.length);
    expect(aapl.map((b) => b.close)).not.toEqual(demo.map((b) => b.close));
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.time).toBeGreaterThanOrEqual(bars[i - 1]!.time);
  });

  it("runs a bare rule list on the DEMO symbol", () => {
    const run = runPlaygroundBacktest("on 5m close above 100 enter long\non 15m close below 99 exit\n");
    expect(run.ok).toBe(true);
    if (run.ok) expect(run.plan.symbols).toEqual(["DEMO"]);
  });

  it("refuses a plan with errors, naming the first one and where", () => {
    const run = runPlaygroundBacktest('plan "x"\nsymbol DEMO\non 5m close above brekout enter long\n');
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.code).toBe("PG_PLAN_ERRORS");
    expect(run.message).toContain("E0201 at line 3");
    expect(run.diagnostics.map((d) => d.code)).toContain("E0201");
  });

  it("reports a plan the 1-minute data cannot serve instead of throwing", () => {
    const run = runPlaygroundBacktest('plan "x"\nsymbol DEMO\non 10s close above 100 enter long\n');
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.code).toBe("PG_BACKTEST_FAILED");
    expect(run.message).toMatch(/^the backtest stopped: .+/);
  });

  it("refuses garbage without throwing", () => {
    const run = runPlaygroundBacktest("\u0000\u0001 ;;; )))(((");
    expect(run.ok).toBe(false);
  });
});
