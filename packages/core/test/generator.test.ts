import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calendarFor } from "../src/calendar/factory.js";
import { parseCsvText } from "../src/data/csv.js";
import { barsToCsv } from "../src/data/csv-writer.js";
import { DEMO_DATA, generateDemoCsv } from "../src/data/demo.js";
import { generateBars, intradayProfile, tradingSessions } from "../src/data/generator.js";
import { Mulberry32 } from "../src/data/prng.js";

const cal = calendarFor("regular");

describe("Mulberry32", () => {
  it("is deterministic per seed and uniform in [0, 1)", () => {
    const a = new Mulberry32(1);
    const b = new Mulberry32(1);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 10_000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(new Mulberry32(2).next()).not.toBe(new Mulberry32(1).next());
  });

  it("draws standard normals", () => {
    const r = new Mulberry32(9);
    const xs = Array.from({ length: 20_000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe("market generator", () => {
  const sessions = tradingSessions(cal, "2024-03-25", 10);

  it("follows the NYSE calendar: weekends and holidays skipped", () => {
    // 2024-03-29 is Good Friday: closed.
    const days = sessions.map((s) => new Date(s.open).toISOString().slice(0, 10));
    expect(days).toEqual([
      "2024-03-25",
      "2024-03-26",
      "2024-03-27",
      "2024-03-28",
      "2024-04-01",
      "2024-04-02",
      "2024-04-03",
      "2024-04-04",
      "2024-04-05",
      "2024-04-08",
    ]);
    expect(new Date(sessions[0]!.open).toISOString()).toBe("2024-03-25T13:30:00.000Z");
  });

  it("produces valid bars inside the sessions, 390 one-minute bars per regular day", () => {
    const bars = [...generateBars({ seed: 3 }, sessions)];
    expect(bars).toHaveLength(3900);
    for (const b of bars) {
      expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close, b.low));
      expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
      expect(b.low).toBeGreaterThan(0);
      expect(Number.isInteger(b.volume) && b.volume > 0).toBe(true);
      expect(sessions.some((s) => b.time >= s.open && b.closeTime <= s.close)).toBe(true);
    }
  });

  it("has a U-shaped volume profile and overnight gaps", () => {
    const bars = [...generateBars({ seed: 11 }, tradingSessions(cal, "2024-01-02", 40))];
    const byMinute = new Array<number>(390).fill(0);
    bars.forEach((b, i) => {
      byMinute[i % 390]! += b.volume;
    });
    const avg = (from: number, to: number) => byMinute.slice(from, to).reduce((a, b) => a + b, 0) / (to - from);
    expect(avg(0, 30)).toBeGreaterThan(1.5 * avg(180, 210));
    expect(avg(360, 390)).toBeGreaterThan(1.5 * avg(180, 210));
    let gaps = 0;
    for (let i = 390; i < bars.length; i += 390) if (bars[i]!.open !== bars[i - 1]!.close) gaps++;
    expect(gaps).toBeGreaterThan(30);
    expect(intradayProfile(0)).toBeGreaterThan(intradayProfile(0.5));
  });

  it("the same seed gives the same bars; another seed different ones", () => {
    const a = barsToCsv(generateBars({ seed: 5 }, sessions), "America/New_York");
    const b = barsToCsv(generateBars({ seed: 5 }, sessions), "America/New_York");
    const c = barsToCsv(generateBars({ seed: 6 }, sessions), "America/New_York");
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it("supports 5-second bars", () => {
    const bars = [...generateBars({ interval: "5s" }, sessions.slice(0, 1))];
    expect(bars).toHaveLength(390 * 12);
    expect(bars[1]!.time - bars[0]!.time).toBe(5000);
  });

  it("rejects bad options", () => {
    expect(() => [...generateBars({ interval: "1h" }, sessions)]).toThrow(/interval/);
    expect(() => [...generateBars({ startPrice: -1 }, sessions)]).toThrow(/startPrice/);
    expect(() => [...generateBars({ seed: 1.5 }, sessions)]).toThrow(/seed/);
    expect(() => tradingSessions(cal, "March 1", 1)).toThrow(/YYYY-MM-DD/);
  });

  it("round-trips through the CSV reader", () => {
    const bars = [...generateBars({ seed: 8, symbol: "RT" }, sessions.slice(0, 2))];
    const { bars: back, rejected } = parseCsvText(barsToCsv(bars, "America/New_York"), {
      symbol: "RT",
      timezone: "America/New_York",
    });
    expect(rejected).toEqual([]);
    expect(back.map((b) => [b.time, b.closeTime, b.close, b.volume])).toEqual(
      bars.map((b) => [b.time, b.closeTime, Math.round(b.close * 100) / 100, b.volume]),
    );
  });
});

describe("bundled demo data", () => {
  const file = join(import.meta.dirname, "../../..", DEMO_DATA.file);

  it("regenerating it with the documented seed gives identical bytes", () => {
    expect(existsSync(file)).toBe(true);
    expect(generateDemoCsv()).toBe(readFileSync(file, "utf8"));
  });

  it("is small and clean", () => {
    const text = readFileSync(file, "utf8");
    expect(text.length).toBeLessThan(2 * 1024 * 1024);
    const { bars, rejected, summary } = parseCsvText(text, { symbol: "DEMO", timezone: "America/New_York" });
    expect(rejected).toEqual([]);
    expect(summary.timeframe).toBe("1m");
    expect(bars).toHaveLength(20 * 390);
  });
});
