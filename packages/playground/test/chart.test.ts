import { describe, expect, it } from "vitest";
import type { BacktestOutcome } from "../../runtime/src/backtest/runner.js";
import { buildChart, indexAt, linePath } from "../src/chart.js";

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
      })),
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
    charts: { prices: { X: prices }, equity: points([100, 100, 101, 100.5, 101]) },
  };
}

describe("chart layout", () => {
  it("draws a line through every point, left to right, inside its box", () => {
    const box = { x: 10, y: 20, width: 100, height: 50 };
    const d = linePath(points([1, 3, 2]), box, 1, 3);
    expect(d).toBe("M10,70L60,20L110,45");
  });

  it("finds the first sample at or after a time", () => {
    const p = points([1, 2, 3]);
    expect(indexAt(p, 0)).toBe(0);
    expect(indexAt(p, 2000)).toBe(1);
    expect(indexAt(p, 2500)).toBe(2);
    expect(indexAt(p, 99_999)).toBe(2);
    expect(indexAt([], 5)).toBe(0);
  });

  it("places an entry and an exit mark per trade on the price panel, equity below it", () => {
    const model = buildChart(outcome([{ entry: 2000, exit: 4000, pnl: 1 }]), 400, 300);
    expect(model.symbol).toBe("X");
    expect(model.points).toBe(10);
    expect(model.marks.map((m) => m.kind)).toEqual(["entry", "exit"]);
    const price = model.price!;
    for (const m of model.marks) {
      expect(m.x).toBeGreaterThanOrEqual(price.box.x);
      expect(m.x).toBeLessThanOrEqual(price.box.x + price.box.width);
      expect(m.y).toBeGreaterThanOrEqual(price.box.y);
      expect(m.y).toBeLessThanOrEqual(price.box.y + price.box.height);
    }
    expect(model.marks[0]!.x).toBeLessThan(model.marks[1]!.x);
    expect(model.marks[1]!.win).toBe(true);
    expect(model.equity.box.y).toBeGreaterThan(price.box.y + price.box.height);
    expect(model.equity.min).toBe(100);
    expect(model.equity.max).toBe(101);
  });

  it("draws a flat series without dividing by zero", () => {
    const flat = outcome([]);
    const model = buildChart({ ...flat, charts: { ...flat.charts, equity: points([5, 5, 5]) } }, 400, 300);
    expect(model.equity.path).not.toContain("NaN");
    expect(model.marks).toEqual([]);
  });
});
