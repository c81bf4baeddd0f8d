import { chartLibrarySource } from "@tradeplan/live";
import { describe, expect, it } from "vitest";
import { CandleCollector, timeframeLabel } from "../src/backtest/candles.js";
import { RunCollector } from "../src/backtest/collector.js";
import { type BacktestResult, monthlyReturns, SUPPRESSED_LISTED_PER_REASON } from "../src/backtest/result.js";
import { percentLabel } from "../src/report/chart.js";
import { buildChartData, drawdownPercent } from "../src/report/chart-data.js";
import { type ReportInput, renderReport as render } from "../src/report/html.js";

const chartLibrary = chartLibrarySource();
const renderReport = (input: Omit<ReportInput, "chartLibrary">) => render({ ...input, chartLibrary });

import { LocalTime } from "../src/report/local-time.js";

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
        exitReason: "rule",
        entryValue: 1000,
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
        exitReason: "stop",
        entryValue: 520,
      },
    ],
    suppressedSignals: [
      {
        time: new Date(T + 300_000).toISOString(),
        symbol: "TEST",
        timeframe: "1m",
        rule: 4,
        action: "ENTER_LONG",
        code: "RISK_REJECTED",
        riskCode: "RISK_MAX_POSITION",
        reason: "the position would be 1556 shares of TEST; the limit is 1000",
      },
      {
        time: new Date(T + 360_000).toISOString(),
        symbol: "TEST",
        timeframe: "1m",
        rule: 4,
        action: "ENTER_LONG",
        code: "POSITION_OPEN",
        reason: "a long position of 10 shares is already open",
      },
    ],
    suppressedByReason: { POSITION_OPEN: 2, RISK_MAX_POSITION: 1 },
    suppressedOmitted: 1,
    openPositions: [],
    monthlyReturns: [
      { month: "2023-12", endEquity: 101_000, returnPercent: 1 },
      { month: "2024-01", endEquity: 99_990, returnPercent: -1 },
    ],
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

const candles = {
  TEST: {
    timeframe: "5m",
    tradedTimeframe: "5m",
    candles: Array.from({ length: 6 }, (_, i) => ({ t: T + i * 300_000, o: 100, h: 102 + i, l: 99 - i / 10, c: 101 })),
  },
};

/** The `#chart-data` JSON of a page. */
function pageData(html: string): ReturnType<typeof buildChartData> {
  const m = /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html);
  if (!m?.[1]) throw new Error("no chart data in the page");
  return JSON.parse(m[1]) as ReturnType<typeof buildChartData>;
}

describe("HTML report", () => {
  const html = renderReport({ result: result(), prices, equity, candles });

  it("is one self-contained page: nothing loaded from elsewhere", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/);
    expect(html).not.toMatch(/url\(\s*["']?https?:/);
    expect(html).toContain("<style>");
    // lightweight-charts' standalone build, inlined.
    expect(html).toContain("window.LightweightCharts=");
    expect(html).toContain("function mountBacktestChart(");
  });

  it("carries the attribution lightweight-charts' licence asks for: TradingView, the notice and a link", () => {
    expect(html).toContain("Lightweight Charts™ v5.3.0, Copyright (c) TradingView, Inc.");
    expect(html).toContain('<a href="https://www.tradingview.com/">');
    expect(html).toContain("Apache License 2.0");
  });

  it("names the zone every time is shown in and shows times in it", () => {
    expect(html).toContain("times in America/New_York (exchange time)");
    // 14:31 UTC on 2 January is 09:31 in New York.
    expect(html).toContain("<td>2024-01-02 09:31</td>");
    expect(html).not.toContain("(UTC)");
  });

  it("has a chart host per symbol, equity and drawdown, and the chart data as JSON", () => {
    expect(html).toContain('<div class="chart price" id="price-0" data-symbol="TEST">');
    expect(html).toContain('id="equity"');
    expect(html).toContain('id="drawdown"');
    const data = pageData(html);
    expect(data.symbols[0]?.candles).toHaveLength(6);
    expect(data.symbols[0]?.markers).toHaveLength(4);
    expect(data.equity).toHaveLength(30);
    expect(data.benchmark).toHaveLength(30);
  });

  it("has the stats table, the monthly returns and the trade list with exit reason and P&L in percent", () => {
    expect(html).toContain("<th>Win rate</th><td>50.0%</td>");
    expect(html).toContain("<th>Rejected rows</th><td>3 (CSV_HIGH_LOW 2, CSV_BAD_NUMBER 1)</td>");
    expect(html).toContain('<table id="monthly">');
    expect(html).toMatch(
      /<tr><th>2023<\/th>(<td><\/td>){11}<td class="pos">\+1\.00<\/td><td class="pos year">\+1\.00<\/td><\/tr>/,
    );
    expect(html.match(/<tr data-trade=/g)).toHaveLength(2);
    expect(html).toContain("<td>stop_loss</td><td>stop</td>");
    expect(html).toContain("<td>line 5</td><td>rule</td>");
    // 28 on 10 x 100 = 2.8%; -7 on 5 x 104 = -1.35%.
    expect(html).toContain('<td class="pos">+2.80%</td>');
    expect(html).toContain('<td class="neg">-1.35%</td>');
  });

  it("shows on hover why a trade's entry fired: its condition's operands at that close", () => {
    const r = result();
    const entry = r.trades[0]!;
    const page = renderReport({
      result: {
        ...r,
        signals: [
          {
            time: entry.entryTime,
            symbol: "TEST",
            timeframe: "1m",
            rule: 4,
            action: "ENTER_LONG",
            confidence: 1,
            price: 100,
            reasoning: "close crossed above 99.5",
            why: [
              {
                expr: "close > 99.5",
                timeframe: "1m",
                result: true,
                comparisons: [
                  {
                    expr: "close > 99.5",
                    leftExpr: "close",
                    left: 100.25,
                    op: ">",
                    rightExpr: "99.5",
                    right: 99.5,
                    result: true,
                  },
                ],
                indicators: [],
                of: [],
              },
            ],
          },
        ],
      },
      prices,
      equity,
      candles,
    });
    expect(page).toContain('<tr data-trade="1" class="win" title="why: close 100.25 &gt; 99.5 ✓">');
    // The second trade's entry has no signal with a trace: no title.
    expect(page).toContain('<tr data-trade="2" class="loss">');
  });

  it("takes a trade's P&L in percent of what it cost to open, a future's multiplier counted", () => {
    const r = result();
    // The same trade in a future worth 10 a point: 28 on 10,000 is 0.28%.
    const future = { ...r, trades: [{ ...r.trades[0]!, entryValue: 10_000 }] };
    expect(renderReport({ result: future, prices, equity, candles })).toContain('<td class="pos">+0.28%</td>');
  });

  it("lists the entries and exits not acted on, with totals per reason and the reasons in words", () => {
    expect(html).toContain(
      '<tr><td class="code">POSITION_OPEN</td><td>2</td><td class="text">a long position of 10 shares is already open</td></tr>',
    );
    expect(html).toContain(
      '<tr><td class="code">RISK_MAX_POSITION</td><td>1</td><td class="text">the position would be 1556 shares of TEST; the limit is 1000</td></tr>',
    );
    expect(html).toContain(
      '<td>2024-01-02 09:35</td><td>TEST</td><td>1m</td><td>line 4</td><td>ENTER_LONG</td><td class="code">RISK_MAX_POSITION</td>',
    );
    expect(html).toContain("1 more are counted above but not listed");
  });

  it("escapes text from the plan, in the page and in its script data", () => {
    expect(html).toContain("Backtest: Report &lt;test&gt; &amp; co");
    expect(html).not.toContain("<test>");
    const page = renderReport({ result: result("x</script><script>alert(1)</script>"), prices, equity, candles });
    expect(page).not.toContain("<script>alert(1)");
  });

  it("renders an empty run without failing", () => {
    const empty = {
      ...result("empty"),
      trades: [],
      bars: 0,
      suppressedSignals: [],
      suppressedByReason: {},
      suppressedOmitted: 0,
      monthlyReturns: [],
    };
    const page = renderReport({ result: empty, prices: {}, equity: [] });
    expect(page).toContain("No closed trades.");
    expect(page).toContain("No price data.");
    expect(page).toContain("Every entry and exit was acted on.");
    expect(page.replace(/<script>[\s\S]*?<\/script>/g, "")).not.toContain("NaN");
  });

  it("is deterministic without a generation time", () => {
    expect(renderReport({ result: result(), prices, equity, candles })).toBe(html);
    expect(renderReport({ result: result(), prices, equity, candles, generatedAt: "2024-01-01T00:00:00Z" })).toContain(
      "generated 2024-01-01T00:00:00Z",
    );
  });
});

describe("report chart data", () => {
  const data = buildChartData({ result: result(), charts: { prices, equity, candles } });
  const ny = new LocalTime("America/New_York");
  const local = (t: number) => Math.floor((t + ny.offsetMs(t)) / 1000);

  it("shows exchange-local wall time: 14:30 UTC in January is 09:30 New York", () => {
    expect(ny.offsetMs(T)).toBe(-5 * 3_600_000);
    expect(ny.offsetMs(Date.UTC(2024, 6, 1))).toBe(-4 * 3_600_000);
    expect(data.symbols[0]?.candles[0]?.time).toBe(Date.UTC(2024, 0, 2, 9, 30) / 1000);
    expect(data.zone).toBe("America/New_York");
  });

  it("puts each trade's entry and exit marker on the candle whose span holds the fill", () => {
    const markers = data.symbols[0]?.markers ?? [];
    // Entries at T+1m and T+15m, exits at T+10m and T+20m; 5-minute candles start at T, T+5m, ...
    expect(markers.map((m) => [m.trade, m.kind, m.time])).toEqual([
      [1, "entry", local(T)],
      [1, "exit", local(T + 600_000)],
      [2, "entry", local(T + 900_000)],
      [2, "exit", local(T + 1_200_000)],
    ]);
    expect(markers[0]).toMatchObject({ position: "belowBar", shape: "arrowUp", text: "#1 buy" });
    expect(markers[2]).toMatchObject({ position: "aboveBar", shape: "arrowDown", text: "#2 sell" });
    expect(markers[3]?.text).toBe("#2 stop");
  });

  it("compares equity with buy-and-hold of the symbol from the start equity at its first price", () => {
    const first = candles.TEST.candles[0]!.o;
    expect(data.benchmark[0]?.value).toBeCloseTo((100_000 * prices.TEST[0]!.v) / first, 6);
    expect(data.benchmark[29]?.value).toBeCloseTo((100_000 * prices.TEST[29]!.v) / first, 6);
  });

  it("measures drawdown in percent below the running peak", () => {
    const dd = drawdownPercent([100, 110, 99, 121, 110].map((v, i) => ({ t: i, v }))).map((p) => p.v);
    expect(dd.slice(0, 4)).toEqual([0, 0, -10, 0]);
    expect(dd[4]).toBeCloseTo(-9.0909, 4);
  });

  it("uses a logarithmic price axis when prices span a ratio of 4 or more, so the axis stays above zero", () => {
    expect(data.symbols[0]?.logScale).toBe(false);
    const wide = {
      TEST: {
        ...candles.TEST,
        candles: [
          { t: T, o: 1, h: 2, l: 0.5, c: 1.5 },
          { t: T + 300_000, o: 1.5, h: 2.1, l: 1, c: 2 },
        ],
      },
    };
    expect(buildChartData({ result: result(), charts: { prices, equity, candles: wide } }).symbols[0]?.logScale).toBe(
      true,
    );
  });
});

describe("drawdown axis labels", () => {
  it("reads differently at every step of the axis, however small the drawdown", () => {
    const ticks = Array.from({ length: 21 }, (_, i) => -i * 0.01);
    const labels = ticks.map(percentLabel);
    expect(new Set(labels).size).toBe(ticks.length);
    expect(labels.slice(0, 3)).toEqual(["0.00%", "-0.01%", "-0.02%"]);
    expect(percentLabel(-0.0001)).toBe("0.00%");
    expect(percentLabel(-12.346)).toBe("-12.35%");
  });
});

describe("monthly returns", () => {
  it("takes each month from the month before it, the first from the start equity", () => {
    const m = monthlyReturns(100_000, [
      { month: "2006-01", equity: 110_000 },
      { month: "2006-02", equity: 99_000 },
      { month: "2006-03", equity: 99_000 },
    ]);
    expect(m.map((r) => r.month)).toEqual(["2006-01", "2006-02", "2006-03"]);
    expect(m[0]?.returnPercent).toBeCloseTo(10, 10);
    expect(m[1]?.returnPercent).toBeCloseTo(-10, 10);
    expect(m[2]?.returnPercent).toBe(0);
    expect(m[1]?.endEquity).toBe(99_000);
  });

  it("compounds a year's months in the table", () => {
    const r = {
      ...result(),
      monthlyReturns: [
        { month: "2006-01", endEquity: 110_000, returnPercent: 10 },
        { month: "2006-02", endEquity: 99_000, returnPercent: -10 },
      ],
    };
    // 1.1 x 0.9 = 0.99: the year lost 1%, not 0%.
    expect(renderReport({ result: r, prices, equity })).toContain('<td class="neg year">-1.00</td>');
  });
});

describe("candles of the traded timeframe", () => {
  it("builds OHLC candles of the traded timeframe from base bars, aligned to local time", () => {
    // 1-minute bars into 5-minute candles, New York time (-5 h: whole hours keep UTC alignment).
    const c = new CandleCollector(300, -5 * 3_600_000);
    for (let i = 0; i < 10; i++) c.push(T + i * 60_000, 100 + i, 101 + i, 99 + i, 100.5 + i);
    const s = c.series();
    expect(s.timeframe).toBe("5m");
    expect(s.candles).toEqual([
      { t: T, o: 100, h: 105, l: 99, c: 104.5 },
      { t: T + 300_000, o: 105, h: 110, l: 104, c: 109.5 },
    ]);
  });

  it("merges into the next coarser timeframe when there would be too many, and says which", () => {
    const c = new CandleCollector(60, 0, 100);
    const bars = 1_000;
    for (let i = 0; i < bars; i++) c.push(T + i * 60_000, 100, 100 + (i === 500 ? 5 : 0), 100, 100);
    const s = c.series();
    // 1,000 minutes: 200 5-minute candles are still too many, 67 15-minute candles are not.
    expect(s.timeframe).toBe("15m");
    expect(s.tradedTimeframe).toBe("1m");
    expect(s.candles.length).toBeLessThanOrEqual(100);
    expect(Math.max(...s.candles.map((x) => x.h))).toBe(105);
    for (const x of s.candles) expect((x.t - T) % 900_000).toBe(0);
  });

  it("keeps memory bounded for a million and a half 1-minute bars: 4-hour candles", () => {
    const c = new CandleCollector(60, 3_600_000);
    for (let i = 0; i < 1_500_000; i++) c.push(T + i * 60_000, 100, 101, 99, 100);
    const s = c.series();
    expect(s.candles.length).toBeLessThanOrEqual(20_000);
    // 1,500,000 minutes round the clock are 6,250 four hours (1 hour: 25,000, too many); starting at 15:30 local
    // time, the first and last candles are partial.
    expect(s.timeframe).toBe("4h");
    expect(s.candles).toHaveLength(6_251);
  });

  it("names timeframes", () => {
    expect([60, 900, 3600, 14_400, 86_400, 604_800].map(timeframeLabel)).toEqual(["1m", "15m", "1h", "4h", "1d", "1w"]);
  });
});

describe("suppressed entries and exits in the result", () => {
  const origin = { time: T, symbol: "TEST", timeframe: "1d", rule: "r4", line: 4 } as const;
  const signal = { action: "ENTER_LONG", confidence: 1, reasoning: "x" } as const;

  it("records a risk rejection with the risk code and the validator's words, and counts it per reason", () => {
    const c = new RunCollector();
    c.emit({
      type: "risk",
      ...origin,
      clientOrderId: "a",
      decision: {
        approved: false,
        code: "RISK_MAX_POSITION",
        message: "the position would be 1556 shares of NVDA; the limit is 1000",
      },
    });
    c.emit({
      type: "suppressed",
      ...origin,
      action: signal.action,
      code: "RISK_REJECTED",
      reason: "RISK_MAX_POSITION: the position would be 1556 shares of NVDA; the limit is 1000",
    });
    c.emit({
      type: "suppressed",
      ...origin,
      action: "EXIT",
      code: "NO_POSITION",
      reason: "exit with no open position: nothing to do",
    });
    expect(c.suppressedList).toEqual([
      {
        time: new Date(T).toISOString(),
        symbol: "TEST",
        timeframe: "1d",
        rule: 4,
        action: "ENTER_LONG",
        code: "RISK_REJECTED",
        riskCode: "RISK_MAX_POSITION",
        reason: "the position would be 1556 shares of NVDA; the limit is 1000",
      },
      {
        time: new Date(T).toISOString(),
        symbol: "TEST",
        timeframe: "1d",
        rule: 4,
        action: "EXIT",
        code: "NO_POSITION",
        reason: "exit with no open position: nothing to do",
      },
    ]);
    expect(c.suppressedByReason()).toEqual({ NO_POSITION: 1, RISK_MAX_POSITION: 1 });
    expect(c.riskRejections).toBe(1);
  });

  it("lists at most SUPPRESSED_LISTED_PER_REASON per reason and counts all", () => {
    const c = new RunCollector();
    const n = SUPPRESSED_LISTED_PER_REASON + 25;
    for (let i = 0; i < n; i++)
      c.emit({
        type: "suppressed",
        ...origin,
        time: T + i,
        action: "ENTER_LONG",
        code: "POSITION_OPEN",
        reason: "open",
      });
    c.emit({ type: "suppressed", ...origin, time: T + n, action: "ENTER_LONG", code: "SIZE_ZERO", reason: "zero" });
    expect(c.suppressedList).toHaveLength(SUPPRESSED_LISTED_PER_REASON + 1);
    expect(c.suppressedList.at(-1)?.code).toBe("SIZE_ZERO");
    expect(c.suppressedByReason()).toEqual({ POSITION_OPEN: n, SIZE_ZERO: 1 });
    expect(c.suppressed).toBe(n + 1);
  });
});
