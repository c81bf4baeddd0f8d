import { describe, expect, it } from "vitest";
import { BarRingBuffer, MAX_BAR_CAPACITY, RingBufferError } from "../src/bars/ring-buffer.js";
import { BarSeries } from "../src/bars/series.js";
import type { BarData } from "../src/models.js";

function fill(buf: BarRingBuffer, n: number, start = 1): void {
  for (let i = start; i < start + n; i++) buf.push(i * 60_000, i, i + 0.5, i - 0.5, i + 0.25, i * 10);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof RingBufferError ? e.code : `not a RingBufferError: ${String(e)}`;
  }
  return undefined;
}

describe("BarRingBuffer", () => {
  it("defaults to 1000 bars and refuses capacities outside [1, 1000]", () => {
    expect(new BarRingBuffer().capacity).toBe(1000);
    expect(new BarRingBuffer(5).capacity).toBe(5);
    expect(code(() => new BarRingBuffer(0))).toBe("RB_BAD_CAPACITY");
    expect(code(() => new BarRingBuffer(MAX_BAR_CAPACITY + 1))).toBe("RB_BAD_CAPACITY");
    expect(code(() => new BarRingBuffer(2.5))).toBe("RB_BAD_CAPACITY");
    expect(code(() => new BarRingBuffer(Number.NaN))).toBe("RB_BAD_CAPACITY");
  });

  it("stores 6 Float64 columns: 48 bytes per cached bar", () => {
    const buf = new BarRingBuffer(1000);
    const bytes = Object.values(buf.cols).reduce((s, c: Float64Array) => s + c.byteLength, 0);
    expect(bytes).toBe(48 * 1000);
  });

  it("reads newest first and wraps around without growing", () => {
    const buf = new BarRingBuffer(3);
    fill(buf, 2);
    expect(buf.length).toBe(2);
    expect(buf.field("close", 0)).toBe(2.25);
    expect(buf.field("close", 1)).toBe(1.25);
    fill(buf, 5, 3); // bars 3..7
    expect(buf.count).toBe(7);
    expect(buf.length).toBe(3);
    expect([0, 1, 2].map((b) => buf.field("open", b))).toEqual([7, 6, 5]);
    expect(buf.get(0)).toMatchObject({ time: 7 * 60_000, open: 7, high: 7.5, low: 6.5, close: 7.25, volume: 70 });
    expect(code(() => buf.field("close", 3))).toBe("RB_OUT_OF_RANGE");
    expect(code(() => buf.get(-1))).toBe("RB_OUT_OF_RANGE");
    expect(code(() => buf.get(0.5))).toBe("RB_OUT_OF_RANGE");
  });

  it("views read the buffer live, are frozen, and refuse to read an overwritten slot", () => {
    const buf = new BarRingBuffer(2);
    fill(buf, 2);
    const oldest = buf.get(1);
    expect(Object.isFrozen(oldest)).toBe(true);
    expect(oldest.close).toBe(1.25);
    fill(buf, 1, 3);
    expect(code(() => oldest.close)).toBe("RB_STALE_VIEW");
    expect(buf.get(1).close).toBe(2.25);
  });

  it("sums a field over a range of bars back, across the wrap-around, newest first as a loop would", () => {
    const buf = new BarRingBuffer(8);
    fill(buf, 13); // bars 1..13; 6..13 cached, the newest slot has wrapped
    let loop = 0;
    for (let back = 1; back <= 6; back++) loop += buf.field("volume", back);
    expect(buf.sum("volume", 1, 6)).toBe(loop);
    expect(buf.sum("volume", 1, 6)).toBe((12 + 11 + 10 + 9 + 8 + 7) * 10);
    expect(buf.sum("close", 0, 1)).toBe(13.25);
    expect(buf.sum("high", 3, 0)).toBe(0);
    expect(code(() => buf.sum("volume", 1, 8))).toBe("RB_OUT_OF_RANGE"); // the 9th bar back is gone
    expect(code(() => buf.sum("volume", -1, 2))).toBe("RB_OUT_OF_RANGE");
    expect(code(() => buf.sum("volume", 0, 1.5))).toBe("RB_OUT_OF_RANGE");
  });

  it("rejects NaN / infinite fields, negative volume and non-increasing time, leaving the buffer unchanged", () => {
    const buf = new BarRingBuffer(4);
    fill(buf, 1);
    expect(code(() => buf.push(2 * 60_000, Number.NaN, 1, 1, 1, 1))).toBe("RB_INVALID_BAR");
    expect(code(() => buf.push(2 * 60_000, 1, Number.POSITIVE_INFINITY, 1, 1, 1))).toBe("RB_INVALID_BAR");
    expect(code(() => buf.push(2 * 60_000, 1, 1, 1, 1, -5))).toBe("RB_INVALID_BAR");
    expect(code(() => buf.push(Number.NaN, 1, 1, 1, 1, 1))).toBe("RB_INVALID_BAR");
    expect(code(() => buf.push(60_000, 1, 1, 1, 1, 1))).toBe("RB_OUT_OF_ORDER");
    expect(code(() => buf.push(30_000, 1, 1, 1, 1, 1))).toBe("RB_OUT_OF_ORDER");
    expect(buf.count).toBe(1);
    expect(buf.field("close", 0)).toBe(1.25);
  });
});

describe("BarSeries and its history view", () => {
  const bar = (i: number, over: Partial<BarData> = {}): BarData => ({
    symbol: "AAPL",
    timeframe: "5m",
    time: i * 300_000,
    closeTime: (i + 1) * 300_000,
    open: i,
    high: i + 1,
    low: i - 1,
    close: i + 0.5,
    volume: 100 * i,
    ...over,
  });

  it("pushes bars and exposes a frozen, shared, non-copying history", () => {
    const s = new BarSeries("AAPL", "5m", { capacity: 10 });
    const h = s.history;
    expect(Object.isFrozen(h)).toBe(true);
    for (let i = 1; i <= 12; i++) s.push(bar(i));
    expect(s.history).toBe(h);
    expect(h.count).toBe(12);
    expect(h.length).toBe(10);
    expect(h.capacity).toBe(10);
    expect(h.close(0)).toBe(12.5);
    expect(h.open(9)).toBe(3);
    expect(h.high(1)).toBe(12);
    expect(h.low(1)).toBe(10);
    expect(h.volume(2)).toBe(1000);
    expect(h.time(0)).toBe(12 * 300_000);
    expect(h.get(0).close).toBe(12.5);
    expect(code(() => h.close(10))).toBe("RB_OUT_OF_RANGE");
  });

  it("refuses a bar of another stream and a NaN bar", () => {
    const s = new BarSeries("AAPL", "5m");
    expect(code(() => s.push(bar(1, { symbol: "MSFT" })))).toBe("RB_INVALID_BAR");
    expect(code(() => s.push(bar(1, { timeframe: "1m" })))).toBe("RB_INVALID_BAR");
    expect(code(() => s.push(bar(1, { close: Number.NaN })))).toBe("RB_INVALID_BAR");
    expect(s.count).toBe(0);
    expect(code(() => new BarSeries("AAPL", "5m", { capacity: 5000 }))).toBe("RB_BAD_CAPACITY");
  });
});
