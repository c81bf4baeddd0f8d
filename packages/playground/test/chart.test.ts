import type { BacktestOutcome } from "@tradeplan/core";
import { describe, expect, it } from "vitest";
import { chartModel } from "../src/chart.js";

const points = (vs: number[]) => vs.map((v, i) => ({ t: 1000 * (i + 1), v }));

function outcome(trades: { entry: number; exit: number; pnl: number }[]): BacktestOutcome {
  const prices = points([10, 11, 12, 11, 13]);
  const iso = (t: number) => new Date(t).toISOString();
  return {
    result: {
      format: "tradeplan/backtest-result",
      version: 1,
      plan: { name: "p", sourceHash: "h", symbols: ["X"], timezone: "America/New_York" },
      bars: 5,
      rejected: 0,
      rejectedByReason: {},
      signals: [],
      trades: trades.map((t) => ({
        symbol: "X",
        side: "long",
        quantity: 1,
        entryTime: iso(t.entry),
        entryPrice: 11,
        exitTime: iso(t.exit),
        exitPrice: 12,
        commission: 0,
        pnl: t.pnl,
        entryRule: 3,
        exitRule: 4,
        exitReason: "rule",
        entryValue: 11,
      })),
      suppressedSignals: [],
      suppressedByReason: {},
      suppressedOmitted: 0,
      monthlyReturns: [],
      openPositions: [],
      stats: {
        startEquity: 100,
        endEquity: 101,
        netPnl: 1,
        returnPercent: 1,
        trades: trades.length,
        wins: 1,
        losses: 0,
        winRate: 100,
        grossProfit: 1,
        grossLoss: 0,
        profitFactor: null,
        commissions: 0,
        maxDrawdown: 0,
        maxDrawdownPercent: 0,
        sharpe: null,
        exposure: 0,
        barsOutsideSession: 0,
        ruleErrors: 0,
        suppressed: 0,
        riskRejections: 0,
      },
    },
    charts: {
      prices: { X: prices },
      equity: points([100, 100, 101, 100.5, 101]),
      candles: {
        X: {
          timeframe: "1m",
          tradedTimeframe: "1m",
          candles: prices.map((p) => ({ t: p.t, o: p.v, h: p.v + 1, l: p.v - 1, c: p.v })),
        },
      },
    },
  };
}

describe("playground chart (the HTML report's chart)", () => {
  it("draws the report's chart data: candles, an entry and an exit marker per trade, equity", () => {
    const model = chartModel(outcome([{ entry: 2000, exit: 4000, pnl: 1 }]));
    expect(model.data.zone).toBe("America/New_York");
    expect(model.points).toBe(10);
    expect(model.marks.map((m) => [m.kind, m.trade])).toEqual([
      ["entry", 1],
      ["exit", 1],
    ]);
    const candles = model.data.symbols[0]!.candles;
    // Markers sit on the candles that hold the fills: the second and fourth.
    expect(model.marks.map((m) => m.time)).toEqual([candles[1]!.time, candles[3]!.time]);
  });

  it("draws a run without trades", () => {
    const model = chartModel(outcome([]));
    expect(model.marks).toEqual([]);
    expect(model.data.equity).toHaveLength(5);
  });
});
