/**
 * Every real file in ../shared/data backtests through the installed
 * `tradeplan`, each with the defaults of its kind (the daily US files under
 * the default NYSE session from their first row, the European index and
 * its future on Eurex's calendar), and each run's trade count and final
 * equity are pinned: a change of either is a change of behaviour someone
 * must explain. Each pin is also checked against the run's own trade list
 * (final equity = start + the closed trades' P&L + the open position's
 * unrealized P&L), so a pin never stands for a result nothing checks.
 * Skipped with a message when ../shared/data is absent (a user's clone).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SHARED_DATA, tradeplan, workdir, writeFiles } from "./harness.js";

const haveData = existsSync(SHARED_DATA);
if (!haveData) console.warn(`e2e real-data pins: ${SHARED_DATA} is absent; skipped`);

const DAILY = (symbol: string): string =>
  [
    `plan "${symbol} trend"`,
    `symbol ${symbol}`,
    "",
    "on 1d close crosses above sma(close, 50) enter long size 100 shares",
    "on 1d close crosses below sma(close, 50) exit long",
    "",
  ].join("\n");

const INDEX_5M = [
  'plan "index 5m breakout"',
  "symbol IDX",
  'timezone "Europe/Berlin"',
  'session regular "XEUR"',
  "",
  "on 5m close crosses above highest(high, 12)[1] enter long size 1 shares",
  "on 5m close crosses below sma(close, 20) exit long",
  "",
].join("\n");

interface Result {
  readonly bars: number;
  readonly rejected: number;
  readonly trades: readonly { pnl: number }[];
  readonly openPositions: readonly { unrealizedPnl: number }[];
  readonly stats: { startEquity: number; endEquity: number; trades: number };
}

interface Case {
  readonly file: string;
  readonly plan: string;
  readonly args: readonly string[];
  readonly trades: number;
  readonly endEquity: number;
}

const CASES: readonly Case[] = [
  { file: "nvda-1999-2014-1d.csv", plan: "NVDA.plan", args: [], trades: 127, endEquity: 104_262.44 },
  { file: "orcl-1995-2014-1d.csv", plan: "ORCL.plan", args: [], trades: 189, endEquity: 98_265.08 },
  { file: "yhoo-1996-2014-1d.csv", plan: "YHOO.plan", args: [], trades: 156, endEquity: 104_339.74 },
  {
    file: "index-2006-5m.csv",
    plan: "index5m.plan",
    args: ["--timestamps", "close"],
    trades: 64,
    endEquity: 99_812.88,
  },
  {
    file: "index-future-2006-1m.csv",
    plan: join(ROOT, "examples", "plans", "european-index.plan"),
    args: ["--timestamps", "close"],
    trades: 49,
    endEquity: 99_928.77,
  },
];

describe.skipIf(!haveData)("every real file backtests from the installed tradeplan, its result pinned", () => {
  const dir = workdir("tradeplan-e2e-pins-");
  writeFiles(dir, {
    "NVDA.plan": DAILY("NVDA"),
    "ORCL.plan": DAILY("ORCL"),
    "YHOO.plan": DAILY("YHOO"),
    "index5m.plan": INDEX_5M,
  });

  it.each(CASES)("$file: every row read, $trades trades, final equity $endEquity", async (c) => {
    const file = join(SHARED_DATA, c.file);
    const rows = readFileSync(file, "utf8").trim().split("\n").length - 1;
    const r = await tradeplan(["backtest", c.plan, "--data", file, ...c.args, "--format", "json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.bars).toBe(rows);
    expect(result.rejected).toBe(0);
    expect(result.stats.trades).toBe(c.trades);
    expect(result.trades).toHaveLength(c.trades);
    expect(result.stats.endEquity).toBeCloseTo(c.endEquity, 2);
    const closed = result.trades.reduce((a, t) => a + t.pnl, 0);
    const open = result.openPositions.reduce((a, p) => a + p.unrealizedPnl, 0);
    expect(result.stats.startEquity + closed + open).toBeCloseTo(result.stats.endEquity, 6);
  });
});
