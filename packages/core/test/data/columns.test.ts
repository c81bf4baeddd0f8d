import { describe, expect, it } from "vitest";
import { BarColumns, BarColumnsBuilder } from "../../src/data/columns.js";
import { parseCsvText } from "../../src/data/csv.js";
import type { BarData } from "../../src/models.js";

const NY = { symbol: "ES", timezone: "America/New_York" };

/** A CSV of `n` one-minute bars from 2024-01-02 09:30 New York, prices with awkward fractions. */
function csv(n: number): string {
  const lines = ["Date,Time,Open,High,Low,Close,Volume"];
  for (let i = 0; i < n; i++) {
    const m = 30 + i;
    const hh = String(9 + Math.floor(m / 60)).padStart(2, "0");
    const mm = String(m % 60).padStart(2, "0");
    const o = 100 + i * 0.1;
    lines.push(
      `2024-01-02,${hh}:${mm},${o.toFixed(2)},${(o + 0.37).toFixed(2)},${(o - 0.21).toFixed(2)},${(o + 0.03).toFixed(2)},${1000 + i}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function columnsOf(bars: readonly BarData[], counts?: Parameters<BarColumnsBuilder["finish"]>[0]): BarColumns {
  const b = new BarColumnsBuilder(4);
  for (const bar of bars) b.add(bar);
  return b.finish(counts);
}

describe("BarColumns", () => {
  it("round trip: the CSV reader's bars -> columns -> bars are identical, in one SharedArrayBuffer", () => {
    const { bars } = parseCsvText(csv(200), NY);
    expect(bars).toHaveLength(200);
    const cols = columnsOf(bars);
    expect(cols.length).toBe(200);
    expect(cols.symbol).toBe("ES");
    expect(cols.timeframe).toBe("1m");
    expect(cols.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(cols.buffer.byteLength).toBe(200 * 7 * 8);
    for (const c of [cols.time, cols.closeTime, cols.open, cols.high, cols.low, cols.close, cols.volume])
      expect(c.buffer).toBe(cols.buffer);
    expect([...cols.bars()]).toEqual(bars);
    // Fresh objects each time: the engine may keep a bar it was handed.
    const [a, b] = [...cols.bars()];
    expect(a).not.toBe(b);
    expect(cols.bar(0)).not.toBe(cols.bar(0));
  });

  it("bad rows are rejected and counted by the reader, as without columns, and the counts stay with the bars", () => {
    const text = `${csv(5)}2024-01-02,09:35,1,0.5,2,1,10\n2024-01-02,09:36,x,1,1,1,1\n2024-01-02,09:34,1,1,1,1,1\n${"2024-01-02,09:40,1,1,1,1,1\n"}`;
    const { bars, rejected, summary } = parseCsvText(text, NY);
    expect(summary.rejected).toBe(3);
    const cols = columnsOf(bars, summary);
    expect(cols.length).toBe(6);
    expect(cols.counts).toEqual({
      rows: 9,
      rejected: 3,
      rejectedByReason: { CSV_HIGH_LOW: 1, CSV_BAD_NUMBER: 1, CSV_DUPLICATE_TIME: 1 },
    });
    expect(rejected.map((r) => r.line)).toEqual([7, 8, 9]);
    expect([...cols.bars()]).toEqual(bars);
    // A view keeps its file's counts.
    expect(cols.slice(2, 3).counts).toEqual(cols.counts);
  });

  it("a view over a sub-range shares the buffer and yields exactly those bars", () => {
    const { bars } = parseCsvText(csv(100), NY);
    const cols = columnsOf(bars);
    const v = cols.slice(10, 40);
    expect(v.length).toBe(30);
    expect(v.buffer).toBe(cols.buffer);
    expect([...v.bars()]).toEqual(bars.slice(10, 40));
    // A view of a view, and negative and out-of-range bounds as Array.prototype.slice.
    expect([...v.slice(5, 8).bars()]).toEqual(bars.slice(15, 18));
    expect([...cols.slice(-3).bars()]).toEqual(bars.slice(-3));
    expect(cols.slice(90, 500).length).toBe(10);
    expect(cols.slice(50, 20).length).toBe(0);
    // By time: bars opening in [from, to).
    const from = bars[20]?.time ?? 0;
    const to = bars[25]?.time ?? 0;
    expect([...cols.between(from, to).bars()]).toEqual(bars.slice(20, 25));
    expect([...cols.between(from + 1, to + 1).bars()]).toEqual(bars.slice(21, 26));
    expect(cols.indexAt(Number.POSITIVE_INFINITY)).toBe(100);
    expect(cols.indexAt(0)).toBe(0);
  });

  it("posts to a worker without copying: a transfer rebuilds the same view over the same memory", () => {
    const { bars } = parseCsvText(csv(50), NY);
    const cols = columnsOf(bars).slice(7, 19);
    const cloned = structuredClone(cols.transfer());
    expect(cloned.buffer).toBeInstanceOf(SharedArrayBuffer);
    const again = BarColumns.fromTransfer(cloned);
    expect([...again.bars()]).toEqual(bars.slice(7, 19));
    // Shared memory: a write on one side is seen on the other.
    again.close[0] = 12345;
    expect(cols.close[0]).toBe(12345);
  });

  it("refuses a transfer that does not fit its buffer", () => {
    const cols = columnsOf(parseCsvText(csv(10), NY).bars);
    expect(() => BarColumns.fromTransfer({ ...cols.transfer(), length: 11 })).toThrow(/do not fit/);
    expect(() => BarColumns.fromTransfer({ ...cols.transfer(), capacity: 9, length: 9 })).toThrow(/is not 9 rows/);
  });

  it("refuses bars of another symbol or out of order (the reader never hands those over)", () => {
    const { bars } = parseCsvText(csv(3), NY);
    const [b0, b1] = bars as [BarData, BarData];
    const b = new BarColumnsBuilder();
    b.add(b1);
    expect(() => b.add(b0)).toThrow(/not after/);
    expect(() => b.add({ ...b1, time: b1.time + 60_000, symbol: "NQ" })).toThrow(/one symbol/);
  });

  it("an empty file gives empty columns that keep its identity", () => {
    const cols = new BarColumnsBuilder().finish(undefined, { symbol: "ES", timeframe: "1m" });
    expect(cols.length).toBe(0);
    expect([...cols.bars()]).toEqual([]);
    expect(cols.symbol).toBe("ES");
  });
});
