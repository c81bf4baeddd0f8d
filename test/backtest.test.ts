import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsvText, runBacktest } from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { runBacktestCsv } from "@tradeplan/live";
import { describe, expect, it } from "vitest";

function compile(source: string): CompiledPlan {
  const r = analyze(source);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors).toEqual([]);
  if (!r.compiled) throw new Error("plan did not compile");
  return r.compiled;
}

const z = (hhmm: string) => `2024-01-02T${hhmm}:00.000Z`;

describe("golden backtest: 5m breakout entry, 1m exit, fills at the next open", () => {
  const plan = compile(
    [
      'plan "golden"',
      "symbol TEST",
      "session regular",
      "on 5m close above 101 enter long size 10 shares",
      "on 1m close below 100 exit long",
      "",
    ].join("\n"),
  );
  // 2024-01-02, New York (UTC-5): 09:30 local = 14:30Z. Rows carry the bar open time.
  const rows = [
    "09:30,100,100.2,99.9,100",
    "09:31,100,100.6,100,100.5",
    "09:32,100.5,101.1,100.4,101",
    "09:33,101,101.3,100.9,101.2",
    "09:34,101.2,101.6,101.1,101.5", // 5m bar 09:30-09:35 closes at 101.5 > 101: enter
    "09:35,101.6,101.7,100.9,101", // entry fills at this open: 101.6
    "09:36,101,101.1,100.4,100.5",
    "09:37,100.5,100.6,99.7,99.8", // close 99.8 < 100: exit
    "09:38,99.7,100,99.6,99.9", // exit fills at 99.7; close 99.9 < 100 again, but no position: nothing to do
    "09:39,99.9,100.2,99.8,100.1",
    "09:40,100.1,102.2,100,102",
    "09:41,102,102.1,101.9,102",
    "09:42,102,102.1,101.9,102",
    "09:43,102,102.1,101.9,102",
    "09:44,102,102.1,101.9,102", // 5m bar 09:40-09:45 closes at 102: enter, but no bar follows to fill it
  ];
  const csv = `Date,Time,Open,High,Low,Close,Volume\n${rows.map((r) => `2024-01-02,${r},1000`).join("\n")}\n2024-01-02,09:45,1,1,1,x,1\n`;

  it("produces the hand-computed signals, fills, P&L and stats", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tp-golden-"));
    const file = join(dir, "golden.csv");
    writeFileSync(file, csv);
    const rejected: string[] = [];
    const { result, csv: summary } = await runBacktestCsv({
      plan,
      file,
      csv: { symbol: "TEST", timezone: "America/New_York" },
      broker: { initialCash: 100_000, commissionPerShare: 0.005, commissionMinimum: 1, slippageBps: 0 },
      onReject: (r) => rejected.push(`${r.line}: ${r.code}`),
    });
    expect(summary).toMatchObject({ bars: 15, rejected: 1 });
    expect(rejected).toEqual(["17: CSV_BAD_NUMBER"]);
    expect(result.bars).toBe(15);
    expect(result.rejected).toBe(1);
    expect(result.signals.map((s) => [s.time, s.timeframe, s.rule, s.action, s.price])).toEqual([
      [z("14:35"), "5m", 4, "ENTER_LONG", 101.5],
      [z("14:38"), "1m", 5, "EXIT", 99.8],
      [z("14:45"), "5m", 4, "ENTER_LONG", 102],
    ]);
    expect(result.signals[0]?.reasoning).toContain("close 101.5");
    // Entry 10 @ 101.6 (commission max(1, 10 x 0.005) = 1), exit 10 @ 99.7 (1): 10 x (99.7 - 101.6) - 2 = -21.
    expect(result.trades).toHaveLength(1);
    const t = result.trades[0]!;
    expect(t).toMatchObject({
      symbol: "TEST",
      side: "long",
      quantity: 10,
      entryTime: z("14:35"),
      exitTime: z("14:38"),
      entryRule: 4,
      exitRule: 5,
      commission: 2,
    });
    expect(t.entryPrice).toBeCloseTo(101.6, 10);
    expect(t.exitPrice).toBeCloseTo(99.7, 10);
    expect(t.pnl).toBeCloseTo(-21, 10);
    expect(result.openPositions).toEqual([]);
    const s = result.stats;
    expect(s.netPnl).toBeCloseTo(-21, 9);
    expect(s.endEquity).toBeCloseTo(99_979, 9);
    expect(s).toMatchObject({
      trades: 1,
      wins: 0,
      losses: 1,
      winRate: 0,
      profitFactor: 0,
      sharpe: null,
      ruleErrors: 0,
      barsOutsideSession: 0,
    });
    // Equity marks: 100000 x5, 99993, 99988, 99981, 99979...: the deepest fall is the final 21.
    expect(s.maxDrawdown).toBeCloseTo(21, 9);
    expect(s.maxDrawdownPercent).toBeCloseTo(0.021, 9);
    // A position was open at the close of 3 of 15 bars (09:35, 09:36, 09:37).
    expect(s.exposure).toBeCloseTo(20, 9);
    // The 09:39 exit with no position is the one suppression; the last entry was sent, then cancelled at the end of data.
    expect(s.suppressed).toBe(1);
  });

  it("is deterministic: the same input gives the same JSON", () => {
    const { bars } = parseCsvText(csv, { symbol: "TEST", timezone: "America/New_York" });
    const a = runBacktest({ plan }, bars);
    const b = runBacktest({ plan }, bars);
    expect(JSON.stringify(a.result)).toBe(JSON.stringify(b.result));
  });

  it("skips bars outside the regular session", () => {
    const pre = `Date,Time,Open,High,Low,Close,Volume\n2024-01-02,09:00,200,200,200,200,1\n${rows.map((r) => `2024-01-02,${r},1000`).join("\n")}\n`;
    const { bars } = parseCsvText(pre, { symbol: "TEST", timezone: "America/New_York" });
    const { result } = runBacktest(
      { plan, broker: { commissionMinimum: 1, commissionPerShare: 0.005, slippageBps: 0 } },
      bars,
    );
    expect(result.stats.barsOutsideSession).toBe(1);
    expect(result.bars).toBe(15);
    expect(result.trades[0]?.pnl).toBeCloseTo(-21, 10);
  });
});

describe("golden backtest: trailing stop, exit and re-entry on one close, fills at the close", () => {
  const plan = compile(
    [
      'plan "trail"',
      "symbol TEST",
      "session regular",
      "on 1m close above 100 enter long size 10 shares",
      "on 1m trailing stop 2%",
      "",
    ].join("\n"),
  );
  const closes = [99, 100.5, 102, 104, 103, 101.9, 101.5];
  const csv = `Date,Time,Open,High,Low,Close,Volume\n${closes.map((c, i) => `2024-01-02,09:3${i},${c},${c},${c},${c},500`).join("\n")}\n`;

  it("exits at the trail and re-enters on the same close", () => {
    const { bars } = parseCsvText(csv, { symbol: "TEST", timezone: "America/New_York" });
    const { result } = runBacktest(
      { plan, broker: { fillAt: "close", commissionPerShare: 0, commissionMinimum: 0, slippageBps: 0 } },
      bars,
    );
    // Enter at 100.5; best close 104; stop 104 x 0.98 = 101.92; the 101.9 close exits, and the entry rule re-enters.
    expect(result.signals.map((s) => [s.time, s.rule, s.action, s.price])).toEqual([
      [z("14:32"), 4, "ENTER_LONG", 100.5],
      [z("14:36"), 5, "EXIT", 101.9],
      [z("14:36"), 4, "ENTER_LONG", 101.9],
    ]);
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]).toMatchObject({ entryPrice: 100.5, exitPrice: 101.9, entryRule: 4, exitRule: 5 });
    expect(result.trades[0]?.pnl).toBeCloseTo(14, 10);
    // The new position trails from its own entry close (101.9), so 101.5 does not stop it out.
    expect(result.openPositions).toEqual([
      {
        symbol: "TEST",
        side: "long",
        quantity: 10,
        avgPrice: 101.9,
        lastPrice: 101.5,
        unrealizedPnl: expect.closeTo(-4, 9),
      },
    ]);
    expect(result.stats.netPnl).toBeCloseTo(10, 9);
    expect(result.stats.winRate).toBe(100);
  });
});

describe("the result document reads the book: open positions are valued by the account's rule", () => {
  const plan = compile(
    ['plan "open"', "symbol TEST", "session regular", "on 1m close above 100 enter long size 100 shares", ""].join(
      "\n",
    ),
  );
  const closes = [99, 100.5, 101, 102];
  const csv = `Date,Time,Open,High,Low,Close,Volume\n${closes.map((c, i) => `2024-01-02,09:3${i},${c},${c},${c},${c},500`).join("\n")}\n`;

  it("nets the entry commission the position still holds, so the P&L figures add up to the equity", () => {
    const { bars } = parseCsvText(csv, { symbol: "TEST", timezone: "America/New_York" });
    const { result } = runBacktest(
      { plan, broker: { fillAt: "close", commissionPerShare: 0.02, commissionMinimum: 1, slippageBps: 0 } },
      bars,
    );
    // Entered at the 100.5 close, paying 100 x 0.02 = 2; marked at 102.
    expect(result.trades).toEqual([]);
    expect(result.openPositions).toEqual([
      { symbol: "TEST", side: "long", quantity: 100, avgPrice: 100.5, lastPrice: 102, unrealizedPnl: 150 - 2 },
    ]);
    const s = result.stats;
    expect(s.endEquity).toBeCloseTo(100_000 + 148, 9);
    const pnl =
      result.trades.reduce((a, t) => a + t.pnl, 0) + result.openPositions.reduce((a, p) => a + p.unrealizedPnl, 0);
    expect(s.netPnl).toBeCloseTo(pnl, 9);
  });
});
