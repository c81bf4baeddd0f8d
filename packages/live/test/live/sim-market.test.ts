import type { BarCloseEvent, BarData, FeedBar } from "@tradeplan/core";
import { BarCloseDetector, calendarFor, generateBars, VirtualClock } from "@tradeplan/core";
import { MarketWalk } from "@tradeplan/core/internal";
import { describe, expect, it } from "vitest";
import { SimFeed, type SimFeedSpec } from "../../src/live/index.js";

const calendar = calendarFor("regular", "America/New_York");
const SPEC: SimFeedSpec = {
  symbols: ["B", "A", "C"],
  seed: 7,
  interval: "1m",
  startPrice: 50,
  dailyVolume: 1_000_000,
  from: "2024-03-04",
  days: 3,
  historyDays: 4,
  calendar,
};
const ALL = SimFeed.allSessions(SPEC);
/** Every bar of a symbol, as `generateBars` makes it (symbol i of the spec walks with seed + i). */
const expected = new Map(
  SPEC.symbols.map((s, i) => [
    s,
    [...generateBars({ symbol: s, seed: SPEC.seed + i, interval: "1m", startPrice: 50, dailyVolume: 1_000_000 }, ALL)],
  ]),
);
const START = SimFeed.sessions(SPEC)[0]!.open;

async function stream(startAt: number, until: number): Promise<FeedBar[]> {
  const clock = new VirtualClock(startAt);
  const feed = new SimFeed(SPEC, { clock, startAt, name: "sim" });
  await feed.start();
  await feed.prepare();
  const got: FeedBar[] = [];
  feed.subscribe(["A", "B", "C"], (e) => {
    if (e.type === "bar") got.push(e.bar);
  });
  clock.advanceTo(until);
  await feed.stop();
  return got;
}

describe("SimFeed", () => {
  it("has the history days before `from` and streams from its open", () => {
    expect(ALL).toHaveLength(7);
    expect(ALL[4]!.open).toBe(START);
    expect(ALL[3]!.close).toBeLessThan(START);
  });

  it("streams exactly the generator's bars, by close time then symbol, from the start on", async () => {
    const end = ALL.at(-1)!.close;
    const got = await stream(START, end);
    const want = [...expected.values()]
      .flat()
      .filter((b) => b.closeTime > START)
      .sort((a, b) => a.closeTime - b.closeTime || (a.symbol < b.symbol ? -1 : 1));
    expect(got).toEqual(want);
  });

  it("a feed started mid-day (a restart) continues with the very bars an uninterrupted one streams", async () => {
    const resume = START + 390 * 60_000 + 7 * 3_600_000 + 17 * 60_000 + 30_000;
    const end = ALL.at(-1)!.close;
    const got = await stream(resume, end);
    const want = (await stream(START, end)).filter((b) => b.closeTime > resume);
    expect(got.length).toBeGreaterThan(300);
    expect(got).toEqual(want);
  });

  it("answers base-bar history for the history days and the days streamed", async () => {
    const feed = new SimFeed(SPEC, { clock: new VirtualClock(START), startAt: START, name: "sim" });
    const from = ALL[1]!.open + 95 * 60_000;
    const to = ALL[5]!.open + 42 * 60_000;
    const want = expected.get("C")!.filter((b) => b.time >= from && b.time < to);
    expect(await feed.history("C", from, to)).toEqual(want);
    // Asked again from a later day (the walk starts from that day's saved state), and before any data.
    expect(await feed.history("C", ALL[4]!.open, to)).toEqual(want.filter((b) => b.time >= ALL[4]!.open));
    expect(await feed.history("C", ALL[0]!.open - 10 * 86_400_000, ALL[0]!.open)).toEqual([]);
  });

  it("history at a stream's timeframe equals the bars the detector closes from the base bars", async () => {
    const to = ALL[5]!.open + 137 * 60_000;
    const from = ALL[0]!.open + 61 * 60_000;
    const feed = new SimFeed(SPEC, { clock: new VirtualClock(START), startAt: START, name: "sim" });
    const got = await feed.historyAt("A", calendar, to, [
      { timeframe: "1m", from: to - 30 * 60_000 },
      { timeframe: "5m", from },
      { timeframe: "1h", from },
      { timeframe: "1d", from: ALL[0]!.open },
    ]);
    // The detector, fed the same base bars on a clock that reaches `to`.
    const base = expected.get("A")!.filter((b) => b.closeTime <= to);
    const clock = new VirtualClock(base[0]!.time);
    const closes: BarCloseEvent[] = [];
    const detector = new BarCloseDetector({ clock, calendar, onClose: (e) => closes.push(e) });
    for (const tf of ["5m", "1h", "1d"]) detector.addStream("A", tf);
    // Each bar before the clock reaches its close, as the session's data-first clock hands them over.
    for (const b of base) {
      detector.updateBar("A", b);
      clock.advanceTo(b.closeTime);
    }
    clock.advanceTo(to);
    const of = (tf: string, start: number): BarData[] =>
      closes.filter((e) => e.timeframe === tf && e.bar.time >= start).map((e) => e.bar);
    expect(got.get("5m")).toEqual(of("5m", from));
    expect(got.get("1h")).toEqual(of("1h", from));
    expect(got.get("1d")).toEqual(of("1d", ALL[0]!.open));
    expect(got.get("1d")).toHaveLength(5);
    expect(got.get("1h")!.length).toBeGreaterThan(25);
    expect(got.get("1m")).toEqual(base.filter((b) => b.time >= to - 30 * 60_000));
  });

  it("a walk saved between sessions continues exactly", () => {
    const whole = [...generateBars({ symbol: "X", seed: 3 }, ALL)];
    const first = new MarketWalk({ symbol: "X", seed: 3 });
    for (const s of ALL.slice(0, 3)) {
      first.beginSession(s);
      first.skipSession();
    }
    const rest = new MarketWalk({ symbol: "X", seed: 3 }, first.state());
    const got: BarData[] = [];
    for (const s of ALL.slice(3)) {
      const n = rest.beginSession(s);
      for (let i = 0; i < n; i++) got.push(rest.nextBar());
    }
    expect(got).toEqual(whole.filter((b) => b.time >= ALL[3]!.open));
  });
});
