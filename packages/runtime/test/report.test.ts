import { describe, expect, it } from "vitest";
import type { BacktestResult } from "../src/backtest/result.js";
import { renderReport } from "../src/report/html.js";

const T = Date.UTC(2024, 0, 2, 14, 30);

function result(name = "Report <test> & co"): BacktestResult {
  return {
    format: "tradeplan/backtest-result",
    version: 1,
    plan: { name, sourceHash: "ab".repeat(32), symbols: ["TEST"], timezone: "America/New_York" },
    bars: 100,
    rejected: 3,
    rejectedByReason: { CSV_BAD_NUMBER: 1, CSV_HIGH_LOW: 2 },
    signals: [],
    trades: [
      {
        symbol: "TEST",
        side: "long",
        quantity: 10,
        entryTime: new Date(T + 60_000).toISOString(),
        entryPrice: 100,
        exitTime: new Date(T + 600_000).toISOString(),
        exitPrice: 103,
        commission: 2,
        pnl: 28,
        entryRule: 4,
        exitRule: 5,
      },
      {
        symbol: "TEST",
        side: "short",
        quantity: 5,
        entryTime: new Date(T + 900_000).toISOString(),
        entryPrice: 104,
        exitTime: new Date(T + 1_200_000).toISOString(),
        exitPrice: 105,
        commission: 2,
        pnl: -7,
        entryRule: 6,
        exitRule: "stop_loss",
      },
    ],
    openPositions: [],
    stats: {
      startEquity: 100_000,
      endEquity: 100_021,
      netPnl: 21,
      returnPercent: 0.021,
      trades: 2,
      wins: 1,
      losses: 1,
      winRate: 50,
      grossProfit: 28,
      grossLoss: -7,
      profitFactor: 4,
      commissions: 4,
      maxDrawdown: 7,
      maxDrawdownPercent: 0.007,
      sharpe: null,
      exposure: 25,
      barsOutsideSession: 0,
      ruleErrors: 0,
      suppressed: 3,
      riskRejections: 1,
    },
  };
}

const prices = { TEST: Array.from({ length: 30 }, (_, i) => ({ t: T + i * 60_000, v: 100 + Math.sin(i / 3) * 3 })) };
const equity = Array.from({ length: 30 }, (_, i) => ({
  t: T + i * 60_000,
  v: 100_000 + (i < 20 ? i * 2 : 40 - (i - 20) * 2),
}));

describe("HTML report", () => {
  const html = renderReport({ result: result(), prices, equity });

  it("is one self-contained page: no external resources", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/);
    expect(html).toContain("<style>");
    expect(html).toContain("<script>");
  });

  it("has the price chart with entry and exit marks, the equity curve and the drawdown", () => {
    expect(html).toContain('id="price-TEST"');
    expect(html.match(/class="entry long"/g)).toHaveLength(1);
    expect(html.match(/class="entry short"/g)).toHaveLength(1);
    expect(html.match(/class="exit"/g)).toHaveLength(2);
    expect(html).toContain('id="equity"');
    expect(html).toContain('id="drawdown"');
    expect(html).toMatch(/<path d="M[0-9.]+,[0-9.]+(L[0-9.]+,[0-9.]+){29}" class="line equity"/);
  });

  it("has the stats table and the trade list", () => {
    expect(html).toContain('<table id="stats">');
    expect(html).toContain("<th>Win rate</th><td>50.0%</td>");
    expect(html).toContain("<th>Sharpe (daily, annualised)</th><td>n/a</td>");
    expect(html).toContain("<th>Max drawdown</th><td>7.00 (0.01%)</td>");
    expect(html).toContain("<th>Rejected rows</th><td>3 (CSV_HIGH_LOW 2, CSV_BAD_NUMBER 1)</td>");
    expect(html).toContain('<table id="trades">');
    expect(html.match(/<tr data-trade=/g)).toHaveLength(2);
    expect(html).toContain("<td>stop_loss</td>");
    expect(html).toContain("<td>-7.00</td>");
  });

  it("escapes text from the plan", () => {
    expect(html).toContain("Backtest: Report &lt;test&gt; &amp; co");
    expect(html).not.toContain("<test>");
  });

  it("renders an empty run without failing", () => {
    const empty = { ...result("empty"), trades: [], bars: 0 };
    const page = renderReport({ result: empty, prices: {}, equity: [] });
    expect(page).toContain("No closed trades.");
    expect(page).toContain("No price data.");
    expect(page).not.toContain("NaN");
  });

  it("is deterministic without a generation time", () => {
    expect(renderReport({ result: result(), prices, equity })).toBe(html);
    expect(renderReport({ result: result(), prices, equity, generatedAt: "2024-01-01T00:00:00Z" })).toContain(
      "generated 2024-01-01T00:00:00Z",
    );
  });
});
