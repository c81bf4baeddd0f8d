import { describe, expect, it } from "vitest";
import { BarAggregator, type BarUpdate, parseTimeframe, TimeframeError } from "../src/aggregator/index.js";
import { calendarFor } from "../src/calendar/index.js";
import type { BarData } from "../src/models.js";

const utc = (iso: string) => Date.parse(iso);
const MIN = 60_000;

function collect(timeframe: string, base: string, kind: "regular" | "always" = "regular", zone?: string) {
  const out: BarData[] = [];
  const agg = new BarAggregator({ symbol: "AAPL", timeframe, base }, calendarFor(kind, zone), (b) => out.push(b));
  return { agg, out };
}

/** A flat 1-minute bar at `t` whose close is `price`. */
function minute(t: number, price: number, volume = 10): BarUpdate {
  return { time: t, closeTime: t + MIN, open: price, high: price + 1, low: price - 1, close: price, volume };
}

describe("parseTimeframe", () => {
  it("accepts Ns (multiple of 5), Nm, Nh and 1d", () => {
    expect(parseTimeframe("5s")).toEqual({ label: "5s", ms: 5000, daily: false });
    expect(parseTimeframe("15m").ms).toBe(900_000);
    expect(parseTimeframe("4h").ms).toBe(4 * 3_600_000);
    expect(parseTimeframe("1d").daily).toBe(true);
  });

  it.each(["7s", "0m", "2d", "1w", "5 m", "", "25h", "-5m"])("rejects %j with TIMEFRAME_INVALID", (tf) => {
    expect(() => parseTimeframe(tf)).toThrow(TimeframeError);
    expect(() => parseTimeframe(tf)).toThrow(/TIMEFRAME_INVALID/);
  });
});

describe("BarAggregator on the NYSE calendar", () => {
  it("aligns 1h bars to the 09:30 open and truncates the last one at 16:00", () => {
    const { agg, out } = collect("1h", "1m");
    const open = utc("2024-03-11T13:30:00Z");
    for (let i = 0; i < 390; i++) agg.pushBar(minute(open + i * MIN, 100 + i));
    expect(out.map((b) => [new Date(b.time).toISOString(), new Date(b.closeTime).toISOString()])).toEqual([
      ["2024-03-11T13:30:00.000Z", "2024-03-11T14:30:00.000Z"],
      ["2024-03-11T14:30:00.000Z", "2024-03-11T15:30:00.000Z"],
      ["2024-03-11T15:30:00.000Z", "2024-03-11T16:30:00.000Z"],
      ["2024-03-11T16:30:00.000Z", "2024-03-11T17:30:00.000Z"],
      ["2024-03-11T17:30:00.000Z", "2024-03-11T18:30:00.000Z"],
      ["2024-03-11T18:30:00.000Z", "2024-03-11T19:30:00.000Z"],
      ["2024-03-11T19:30:00.000Z", "2024-03-11T20:00:00.000Z"],
    ]);
    // The last bar was emitted as soon as its final minute arrived; nothing is left to flush.
    agg.flush();
    expect(out).toHaveLength(7);
    expect(out[0]).toEqual({
      symbol: "AAPL",
      timeframe: "1h",
      time: open,
      closeTime: open + 60 * MIN,
      open: 100,
      high: 160,
      low: 99,
      close: 159,
      volume: 600,
    });
    expect(out[6]).toMatchObject({ open: 460, close: 489, volume: 300 });
  });

  it("ends the last bar at 13:00 on an early close and ignores data after it", () => {
    const { agg, out } = collect("1h", "1m");
    const open = utc("2024-11-29T14:30:00Z");
    for (let i = 0; i < 300; i++) agg.pushBar(minute(open + i * MIN, 50));
    expect(out.map((b) => (b.closeTime - b.time) / MIN)).toEqual([60, 60, 60, 30]);
    expect(out[3]!.closeTime).toBe(utc("2024-11-29T18:00:00Z"));
    expect(agg.stats()).toEqual({ outsideSession: 90, outOfOrder: 0, emitted: 4 });
  });

  it("builds no bar for an interval without data and never spans the overnight close", () => {
    const { agg, out } = collect("15m", "1m");
    const day1 = utc("2024-03-11T13:30:00Z");
    agg.pushBar(minute(day1, 1));
    agg.pushBar(minute(day1 + 50 * MIN, 2)); // skips the 09:45 and 10:00 bars
    agg.pushBar(minute(utc("2024-03-11T19:59:00Z"), 3)); // last minute of the session
    agg.pushBar(minute(utc("2024-03-12T13:30:00Z"), 4)); // next day
    agg.flush();
    expect(out.map((b) => new Date(b.time).toISOString())).toEqual([
      "2024-03-11T13:30:00.000Z",
      "2024-03-11T14:15:00.000Z",
      "2024-03-11T19:45:00.000Z",
      "2024-03-12T13:30:00.000Z",
    ]);
    expect(out[2]!.closeTime).toBe(utc("2024-03-11T20:00:00Z"));
  });

  it("builds 1d bars as whole sessions", () => {
    const { agg, out } = collect("1d", "1m");
    agg.pushBar(minute(utc("2024-11-29T14:30:00Z"), 10, 5));
    agg.pushBar(minute(utc("2024-11-29T17:59:00Z"), 12, 7));
    agg.pushBar(minute(utc("2024-12-02T14:30:00Z"), 11, 1));
    agg.flush();
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      time: utc("2024-11-29T14:30:00Z"),
      closeTime: utc("2024-11-29T18:00:00Z"),
      open: 10,
      high: 13,
      low: 9,
      close: 12,
      volume: 12,
    });
    expect(out[1]!.closeTime).toBe(utc("2024-12-02T21:00:00Z"));
  });

  it("drops and counts out-of-order input instead of repainting", () => {
    const { agg, out } = collect("5m", "1m");
    const t = utc("2024-03-11T13:30:00Z");
    agg.pushBar(minute(t, 1));
    agg.pushBar(minute(t + 5 * MIN, 2)); // closes the first bar
    agg.pushBar(minute(t + MIN, 99)); // belongs to the closed bar
    agg.pushBar(minute(t + 4 * MIN, 98));
    agg.flush();
    expect(out.map((b) => b.close)).toEqual([1, 2]);
    expect(agg.stats().outOfOrder).toBe(2);
  });

  it("aggregates ticks and 5-second bars", () => {
    const ticks = collect("10s", "tick");
    const t0 = utc("2024-03-11T13:30:00Z");
    ticks.agg.pushTick(t0, 10, 1);
    ticks.agg.pushTick(t0 + 3000, 12, 2);
    ticks.agg.pushTick(t0 + 9999, 9, 3);
    ticks.agg.pushTick(t0 + 10_000, 11, 4);
    ticks.agg.flush();
    expect(ticks.out.map((b) => [b.time - t0, b.open, b.high, b.low, b.close, b.volume])).toEqual([
      [0, 10, 12, 9, 9, 6],
      [10_000, 11, 11, 11, 11, 4],
    ]);
    const fives = collect("1m", "5s");
    for (let i = 0; i < 24; i++) {
      fives.agg.pushBar({
        time: t0 + i * 5000,
        closeTime: t0 + (i + 1) * 5000,
        open: i,
        high: i + 0.5,
        low: i - 0.5,
        close: i,
        volume: 1,
      });
    }
    expect(fives.out.map((b) => [b.open, b.high, b.low, b.close, b.volume])).toEqual([
      [0, 11.5, -0.5, 11, 12],
      [12, 23.5, 11.5, 23, 12],
    ]);
  });

  it("rejects bad options with a clear error", () => {
    const cal = calendarFor("regular");
    expect(() => new BarAggregator({ symbol: "X", timeframe: "7m", base: "2m" }, cal, () => {})).toThrow(
      /not a whole multiple/,
    );
    expect(() => new BarAggregator({ symbol: "X", timeframe: "5m", base: "1d" }, cal, () => {})).toThrow(
      /TIMEFRAME_INVALID/,
    );
    expect(() => new BarAggregator({ symbol: "", timeframe: "5m" }, cal, () => {})).toThrow(/symbol/);
    expect(() => new BarAggregator({ symbol: "X", timeframe: "3s" }, cal, () => {})).toThrow(/timeframe/);
  });
});

describe("BarAggregator on an always calendar", () => {
  it("aligns to midnight in the plan's zone, and DST days have 23 or 25 hourly bars", () => {
    const { agg, out } = collect("1h", "1m", "always", "America/New_York");
    const start = utc("2024-11-03T04:00:00Z"); // midnight EDT
    const end = utc("2024-11-04T05:00:00Z"); // next midnight EST
    for (let t = start; t < end; t += MIN) agg.pushBar(minute(t, 1));
    expect(out).toHaveLength(25);
    expect(out[0]!.time).toBe(start);
    expect(out[24]!.closeTime).toBe(end);
    const fourH = collect("4h", "1m", "always", "Europe/Berlin");
    for (let t = utc("2024-03-30T23:00:00Z"); t < utc("2024-03-31T22:00:00Z"); t += MIN)
      fourH.agg.pushBar(minute(t, 1));
    // 23-hour day: five 4h bars and a truncated 3h one ending at local midnight.
    expect(fourH.out.map((b) => (b.closeTime - b.time) / 3_600_000)).toEqual([4, 4, 4, 4, 4, 3]);
  });
});
