import { describe, expect, it } from "vitest";
import { Decimator } from "../src/backtest/decimator.js";
import { ClosedBars, ReplayAggregator, ReplayTimeframeError } from "../src/backtest/replay-aggregator.js";
import { EquityTracker, tradeStats } from "../src/backtest/stats.js";
import { calendarFor } from "../src/calendar/factory.js";
import type { BarData } from "../src/models.js";

const M = 60_000;
/** 2024-01-02 09:30 New York. */
const OPEN = Date.UTC(2024, 0, 2, 14, 30);
const nyse = calendarFor("regular");

function base(min: number, close: number, volume = 10): BarData {
  const time = OPEN + min * M;
  return {
    symbol: "X",
    timeframe: "1m",
    time,
    closeTime: time + M,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume,
  };
}

function feed(agg: ReplayAggregator, bars: BarData[]): BarData[] {
  const all: BarData[] = [];
  for (const b of bars) {
    all.push(...agg.advance(b.time).toArray());
    all.push(...agg.push(b).toArray());
  }
  return all;
}

describe("ReplayAggregator", () => {
  it("builds session-aligned bars with summed volume", () => {
    const agg = new ReplayAggregator("X", "1m", ["5m"], nyse);
    const closes = feed(
      agg,
      [0, 1, 2, 3, 4, 5].map((i) => base(i, 100 + i)),
    );
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ symbol: "X", timeframe: "5m", closeTime: OPEN + 5 * M });
    expect(closes[0]).toMatchObject({ time: OPEN, open: 100, high: 105, low: 99, close: 104, volume: 50 });
  });

  it("closes a bar whose last base bar is missing when time passes its boundary (before the next bar is used)", () => {
    const agg = new ReplayAggregator("X", "1m", ["5m"], nyse);
    for (const i of [0, 1, 2]) expect(agg.push(base(i, 100)).count).toBe(0);
    const out = agg.advance(base(7, 100).time).toArray();
    expect(out.map((c) => [c.closeTime, c.volume])).toEqual([[OPEN + 5 * M, 30]]);
  });

  it("builds no bar for an interval with no data", () => {
    const agg = new ReplayAggregator("X", "1m", ["5m"], nyse);
    const closes = feed(agg, [base(0, 1), base(4, 1), base(15, 1), base(19, 1)]);
    expect(closes.map((c) => (c.closeTime - OPEN) / M)).toEqual([5, 20]);
  });

  it("aligns 1h bars to the 09:30 open and cuts the last one at the close", () => {
    const agg = new ReplayAggregator("X", "1m", ["1h"], nyse);
    const bars = Array.from({ length: 390 }, (_, i) => base(i, 100));
    const closes = feed(agg, bars);
    expect(closes.map((c) => new Date(c.closeTime).toISOString().slice(11, 16))).toEqual([
      "15:30",
      "16:30",
      "17:30",
      "18:30",
      "19:30",
      "20:30",
      "21:00",
    ]);
  });

  it("returns closes at one instant longest timeframe first, and passes the base timeframe through", () => {
    const agg = new ReplayAggregator("X", "1m", ["1m", "5m", "15m"], nyse);
    const closes = feed(
      agg,
      Array.from({ length: 15 }, (_, i) => base(i, 100)),
    );
    const last = closes.filter((c) => c.closeTime === OPEN + 15 * M).map((c) => c.timeframe);
    expect(last).toEqual(["15m", "5m", "1m"]);
    expect(closes.filter((c) => c.timeframe === "1m")).toHaveLength(15);
  });

  it("builds 1d bars from whole sessions", () => {
    const agg = new ReplayAggregator("X", "1m", ["1d"], nyse);
    const closes = feed(
      agg,
      Array.from({ length: 390 }, (_, i) => base(i, 100 + (i === 200 ? 9 : 0))),
    );
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ time: OPEN, closeTime: OPEN + 390 * M, high: 110, volume: 3900 });
  });

  it("refuses a timeframe the base feed cannot build", () => {
    expect(() => new ReplayAggregator("X", "5m", ["7m"], nyse)).toThrow(ReplayTimeframeError);
    expect(() => new ReplayAggregator("X", "5m", ["1m"], nyse)).toThrow(/not a whole multiple of 5m/);
    expect(() => new ReplayAggregator("X", "1d", ["1h"], nyse)).toThrow(/cannot build 1h bars from 1d/);
    expect(() => new ReplayAggregator("X", "1m", ["3d"], nyse)).toThrow(ReplayTimeframeError);
  });
});

describe("EquityTracker", () => {
  it("tracks the deepest fall from a peak", () => {
    const t = new EquityTracker(100);
    for (const [e, x] of [
      [100, false],
      [120, true],
      [90, true],
      [130, true],
      [117, false],
    ] as const)
      t.observe("d", e, x);
    expect(t.maxDrawdown).toBe(30);
    expect(t.maxDrawdownPercent).toBeCloseTo(25, 10);
    expect(t.exposure).toBe(60);
    expect(t.endEquity).toBe(117);
  });

  it("Sharpe: mean / sample stdev of daily returns x sqrt(252)", () => {
    const t = new EquityTracker(100);
    t.observe("d1", 101, false);
    t.observe("d2", 100, false);
    t.observe("d3", 102, false);
    const r = [101 / 100 - 1, 100 / 101 - 1, 102 / 100 - 1];
    const mean = (r[0]! + r[1]! + r[2]!) / 3;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    expect(t.sharpe()).toBeCloseTo((mean / sd) * Math.sqrt(252), 10);
  });

  it("Sharpe is null with one day or no variance", () => {
    const one = new EquityTracker(100);
    one.observe("d1", 105, true);
    expect(one.sharpe()).toBeNull();
    const flat = new EquityTracker(100);
    for (const d of ["a", "b", "c"]) flat.observe(d, 100, false);
    expect(flat.sharpe()).toBeNull();
  });
});

describe("tradeStats", () => {
  it("counts wins and losses and sums P&L", () => {
    const mk = (pnl: number) => ({
      symbol: "X",
      side: "long" as const,
      quantity: 1,
      entryTime: 0,
      entryPrice: 1,
      exitTime: 1,
      exitPrice: 1,
      commission: 1,
      pnl,
      entryRule: "r1",
      exitRule: "r2",
    });
    expect(tradeStats([mk(10), mk(-4), mk(0)])).toEqual({
      trades: 3,
      wins: 1,
      losses: 1,
      winRate: (1 / 3) * 100,
      grossProfit: 10,
      grossLoss: -4,
      profitFactor: 2.5,
      commissions: 3,
    });
    expect(tradeStats([]).profitFactor).toBeNull();
  });
});

describe("ClosedBars", () => {
  it("sorts by close time, the longer timeframe first at one close time, and is emptied by clear", () => {
    const ms = new Map([
      ["1m", M],
      ["5m", 5 * M],
      ["15m", 15 * M],
    ]);
    const at = (tf: string, closeMin: number): BarData => ({
      ...base(closeMin - 1, 1),
      timeframe: tf,
      closeTime: OPEN + closeMin * M,
    });
    const list = new ClosedBars(6);
    for (const b of [at("1m", 15), at("15m", 15), at("5m", 10), at("5m", 15), at("1m", 10)]) list.add(b);
    list.sort(ms);
    expect(list.toArray().map((b) => `${b.timeframe}@${(b.closeTime - OPEN) / M}`)).toEqual([
      "5m@10",
      "1m@10",
      "15m@15",
      "5m@15",
      "1m@15",
    ]);
    list.clear();
    expect(list.count).toBe(0);
    expect(list.toArray()).toEqual([]);
  });

  it("is the aggregator's one list, reused from step to step", () => {
    const agg = new ReplayAggregator("X", "1m", ["1m", "5m"], nyse);
    const first = agg.push(base(0, 1));
    expect(first.count).toBe(1);
    expect(agg.push(base(1, 1))).toBe(first);
    expect(agg.advance(base(2, 1).time)).toBe(first);
    expect(first.count).toBe(0);
  });
});

describe("Decimator", () => {
  it("keeps at most 2 x max evenly spaced points and always the last", () => {
    const d = new Decimator(10);
    for (let i = 0; i < 1000; i++) d.push(i, i * 2);
    const pts = d.points();
    expect(pts.length).toBeLessThanOrEqual(21);
    expect(pts[0]).toEqual({ t: 0, v: 0 });
    expect(pts.at(-1)).toEqual({ t: 999, v: 1998 });
    const gaps = new Set(
      pts
        .slice(0, -1)
        .map((p, i) => (pts[i + 1]?.t ?? 0) - p.t)
        .slice(0, -1),
    );
    expect(gaps.size).toBe(1);
  });

  it("keeps short series whole", () => {
    const d = new Decimator(10);
    for (let i = 0; i < 5; i++) d.push(i, i);
    expect(d.points()).toHaveLength(5);
    expect(new Decimator().points()).toEqual([]);
  });
});
