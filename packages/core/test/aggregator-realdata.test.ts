import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { BarAggregator } from "../src/aggregator/index.js";
import { FixedHoursCalendar } from "../src/calendar/index.js";
import type { BarData } from "../src/models.js";

const DATA = fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
const FUTURE_1M = `${DATA}index-future-2006-1m.csv`;
const INDEX_5M = `${DATA}index-2006-5m.csv`;
const present = existsSync(FUTURE_1M) && existsSync(INDEX_5M);
const ZONE = "Europe/Berlin";
const MIN = 60_000;

interface Row {
  readonly date: string;
  /** Minutes after local midnight of the bar's CLOSE stamp. */
  readonly closeMinute: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

function readRows(path: string): Row[] {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/);
  expect(lines[0]).toBe("Date,Time,Open,High,Low,Close,Volume,OpenInterest");
  return lines.slice(1).map((line) => {
    const [date, time, o, h, l, c, v] = line.split(",");
    const [hh, mm] = time!.split(":").map(Number);
    return {
      date: date!,
      closeMinute: hh! * 60 + mm!,
      open: Number(o),
      high: Number(h),
      low: Number(l),
      close: Number(c),
      volume: Number(v),
    };
  });
}

const epochCache = new Map<string, number>();
/** Epoch ms of a naive Berlin wall time, via luxon (independent of the calendar code). */
function berlin(date: string, minute: number): number {
  const key = `${date} ${minute}`;
  let t = epochCache.get(key);
  if (t === undefined) {
    t = DateTime.fromISO(date, { zone: ZONE })
      .set({ hour: Math.floor(minute / 60), minute: minute % 60 })
      .toMillis();
    epochCache.set(key, t);
  }
  return t;
}

/** The reference: a direct group-by of 1-minute rows on (date, open-minute bucket from 09:00). */
function groupBy(rows: readonly Row[], minutes: number): BarData[] {
  const groups = new Map<string, { date: string; start: number; rows: Row[] }>();
  for (const r of rows) {
    const openMinute = r.closeMinute - 1;
    const start = 540 + Math.floor((openMinute - 540) / minutes) * minutes;
    const key = `${r.date} ${start}`;
    const g = groups.get(key);
    if (g) g.rows.push(r);
    else groups.set(key, { date: r.date, start, rows: [r] });
  }
  return [...groups.values()].map(({ date, start, rows: rs }) => ({
    symbol: "FDAX",
    timeframe: `${minutes}m`,
    time: berlin(date, start),
    closeTime: berlin(date, Math.min(start + minutes, 22 * 60)),
    open: rs[0]!.open,
    high: Math.max(...rs.map((r) => r.high)),
    low: Math.min(...rs.map((r) => r.low)),
    close: rs[rs.length - 1]!.close,
    volume: rs.reduce((s, r) => s + r.volume, 0),
  }));
}

describe.skipIf(!present)("aggregating the real 2006 index-future 1-minute file", () => {
  const rows = present ? readRows(FUTURE_1M) : [];
  const calendar = new FixedHoursCalendar({ name: "EU index future", zone: ZONE, open: "09:00", close: "22:00" });

  function aggregate(timeframe: string): { bars: BarData[]; agg: BarAggregator } {
    const bars: BarData[] = [];
    const agg = new BarAggregator({ symbol: "FDAX", timeframe, base: "1m" }, calendar, (b) => bars.push(b));
    for (const r of rows) {
      const closeTime = berlin(r.date, r.closeMinute);
      agg.pushBar({
        time: closeTime - MIN,
        closeTime,
        open: r.open,
        high: r.high,
        low: r.low,
        close: r.close,
        volume: r.volume,
      });
    }
    agg.flush();
    return { bars, agg };
  }

  it("reads the whole file", () => {
    expect(rows).toHaveLength(30_889);
  });

  it.each([5, 15])("%im bars equal an independent group-by, bar for bar", (minutes) => {
    const { bars, agg } = aggregate(`${minutes}m`);
    const expected = groupBy(rows, minutes);
    expect(agg.stats()).toEqual({ outsideSession: 0, outOfOrder: 0, emitted: expected.length });
    expect(bars).toHaveLength(expected.length);
    expect(bars).toEqual(expected);
    // Volume is conserved and every bar lies inside 09:00-22:00 Berlin.
    expect(bars.reduce((s, b) => s + b.volume, 0)).toBe(rows.reduce((s, r) => s + r.volume, 0));
    for (const b of bars) {
      const open = DateTime.fromMillis(b.time, { zone: ZONE });
      const close = DateTime.fromMillis(b.closeTime, { zone: ZONE });
      expect(open.hour * 60 + open.minute).toBeGreaterThanOrEqual(540);
      expect(close.hour * 60 + close.minute).toBeLessThanOrEqual(1320);
      expect(open.toISODate()).toBe(close.toISODate());
    }
  });

  it("5m bars close on the same wall-clock grid as the separate 5-minute index file (alignment sanity check)", () => {
    const { bars } = aggregate("5m");
    const ours = new Set(
      bars.map((b) => DateTime.fromMillis(b.closeTime, { zone: ZONE }).toFormat("yyyy-MM-dd HH:mm")),
    );
    const index = readRows(INDEX_5M).map(
      (r) =>
        `${r.date} ${String(Math.floor(r.closeMinute / 60)).padStart(2, "0")}:${String(r.closeMinute % 60).padStart(2, "0")}`,
    );
    const matched = index.filter((k) => ours.has(k)).length;
    // Different instrument and hours; only the grid must agree: nearly every index close time is one of ours.
    expect(matched / index.length).toBeGreaterThan(0.95);
    for (const k of index) expect(Number(k.slice(-2)) % 5).toBe(0);
  });
});
