import { describe, expect, it } from "vitest";
import { calendarFor, FixedHoursCalendar } from "../src/calendar/index.js";
import { RealClock, VirtualClock } from "../src/clock/index.js";
import { BarCloseDetector, type DetectorConfigInput, DetectorError } from "../src/detector/index.js";
import type { BarCloseEvent } from "../src/models.js";

const utc = (iso: string) => Date.parse(iso);
const MIN = 60_000;
const iso = (t: number) => new Date(t).toISOString();

function setup(start: string, config: DetectorConfigInput = {}) {
  const clock = new VirtualClock(utc(start));
  const events: BarCloseEvent[] = [];
  const detector = new BarCloseDetector({ clock, config, onClose: (e) => events.push(e) });
  return { clock, events, detector };
}

/** A 1-minute base bar opening at `t`. */
const minuteBar = (t: number, price: number, volume = 1) => ({
  time: t,
  closeTime: t + MIN,
  open: price,
  high: price,
  low: price,
  close: price,
  volume,
});

describe("BarCloseDetector on a virtual clock", () => {
  it("closes a bar when the boundary passes, without waiting for the next tick", () => {
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z");
    detector.addStream("AAPL", "5m");
    clock.advanceTo(utc("2024-03-11T13:31:00Z"));
    detector.updateTick("AAPL", clock.now(), 100, 10);
    clock.advanceTo(utc("2024-03-11T13:33:00Z"));
    detector.updateTick("AAPL", clock.now(), 101, 5);
    expect(events).toEqual([]);
    clock.advanceTo(utc("2024-03-11T13:40:00Z"));
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({ symbol: "AAPL", timeframe: "5m", trigger: "timer" });
    expect(iso(e.closeTime)).toBe("2024-03-11T13:35:00.000Z");
    expect(e.detectedAt).toBe(e.closeTime);
    expect(e.bar).toEqual({
      symbol: "AAPL",
      timeframe: "5m",
      time: utc("2024-03-11T13:30:00Z"),
      closeTime: utc("2024-03-11T13:35:00Z"),
      open: 100,
      high: 101,
      low: 100,
      close: 101,
      volume: 15,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("closes at once when a base bar completes the interval, and drops the now-useless timer", () => {
    // Base bars arrive after their own close, so the grace must cover the feed's delay.
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z", { grace_ms: 100 });
    detector.addStream("AAPL", "5m");
    const open = utc("2024-03-11T13:30:00Z");
    for (let i = 0; i < 5; i++) {
      clock.advanceTo(open + (i + 1) * MIN + 50); // each 1m bar arrives 50 ms after its own close
      detector.updateBar("AAPL", minuteBar(open + i * MIN, 100 + i));
      if (i < 4) expect(clock.pendingTimers()).toBe(1);
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ trigger: "data", closeTime: open + 5 * MIN, detectedAt: open + 5 * MIN + 50 });
    expect(events[0]!.bar).toMatchObject({ open: 100, close: 104, volume: 5 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("without a grace, a base bar delivered after the boundary is too late for its bar", () => {
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z");
    detector.addStream("AAPL", "5m");
    const open = utc("2024-03-11T13:30:00Z");
    for (let i = 0; i < 5; i++) {
      clock.advanceTo(open + (i + 1) * MIN + 50);
      detector.updateBar("AAPL", minuteBar(open + i * MIN, 100 + i));
    }
    expect(events.map((e) => [e.trigger, e.detectedAt - e.closeTime, e.bar.close, e.bar.volume])).toEqual([
      ["timer", 0, 103, 4],
    ]);
    expect(detector.streamStats("AAPL", "5m")?.late).toBe(1);
  });

  it("includes late updates inside the grace, emits at boundary + grace, and rejects updates past it", () => {
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z", { grace_ms: 500, accuracy_ms: 0 });
    detector.addStream("AAPL", "1m");
    const t0 = utc("2024-03-11T13:30:00Z");
    detector.updateTick("AAPL", t0 + 1000, 10, 1);
    clock.advanceTo(t0 + MIN + 200);
    expect(events).toHaveLength(0);
    detector.updateTick("AAPL", t0 + 59_999, 11, 2); // stamped inside the bar, arrives 200 ms late: included
    clock.advanceTo(t0 + MIN + 499);
    expect(events).toHaveLength(0);
    clock.advanceTo(t0 + MIN + 500);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ trigger: "timer", detectedAt: t0 + MIN + 500, closeTime: t0 + MIN });
    expect(events[0]!.bar).toMatchObject({ close: 11, volume: 3 });
    clock.advanceTo(t0 + MIN + 600);
    detector.updateTick("AAPL", t0 + 30_000, 99, 100); // past the grace: rejected, no repaint
    clock.advanceTo(t0 + 5 * MIN);
    expect(events).toHaveLength(1);
    expect(detector.streamStats("AAPL", "1m")).toEqual({
      symbol: "AAPL",
      timeframe: "1m",
      closed: 1,
      late: 1,
      outsideSession: 0,
    });
  });

  it("closes immediately when an update for a later bar arrives within the grace; later stragglers are rejected", () => {
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z", { grace_ms: 1000 });
    detector.addStream("AAPL", "1m");
    const t0 = utc("2024-03-11T13:30:00Z");
    detector.updateTick("AAPL", t0 + 10, 10, 1);
    clock.advanceTo(t0 + MIN + 100);
    detector.updateTick("AAPL", t0 + MIN + 100, 12, 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ trigger: "data", detectedAt: t0 + MIN + 100 });
    detector.updateTick("AAPL", t0 + 59_000, 50, 1);
    clock.advanceTo(t0 + 3 * MIN);
    expect(events.map((e) => [e.trigger, e.bar.close])).toEqual([
      ["data", 10],
      ["timer", 12],
    ]);
    expect(detector.streamStats("AAPL", "1m")?.late).toBe(1);
  });

  it("shares one timer among all streams closing on one boundary", () => {
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z");
    const n = 10_000;
    for (let i = 0; i < n; i++) detector.addStream(`S${i}`, "1m");
    const t = utc("2024-03-11T13:30:05Z");
    for (let i = 0; i < n; i++) detector.updateTick(`S${i}`, t, i, 1);
    expect(clock.pendingTimers()).toBe(1);
    expect(detector.stats().pendingTimers).toBe(1);
    clock.advanceTo(utc("2024-03-11T13:31:00Z"));
    expect(events).toHaveLength(n);
    expect(new Set(events.map((e) => e.symbol)).size).toBe(n);
    expect(events.every((e) => e.trigger === "timer" && e.detectedAt === utc("2024-03-11T13:31:00Z"))).toBe(true);
  });

  it("is DST-correct on the NYSE: the Monday after the spring change opens at 13:30 UTC", () => {
    const { clock, events, detector } = setup("2024-03-11T13:00:00Z");
    detector.addStream("AAPL", "30m");
    detector.updateTick("AAPL", utc("2024-03-11T13:15:00Z"), 1, 1); // 09:15 EDT: pre-market, ignored
    clock.advanceTo(utc("2024-03-11T13:30:00Z"));
    detector.updateTick("AAPL", clock.now(), 2, 1);
    clock.advanceTo(utc("2024-03-11T15:00:00Z"));
    expect(events.map((e) => iso(e.closeTime))).toEqual(["2024-03-11T14:00:00.000Z"]);
    expect(detector.streamStats("AAPL", "30m")?.outsideSession).toBe(1);
  });

  it("around the clock on the autumn DST day: hourly closes stay aligned to New York midnight, 25 of them", () => {
    const { clock, events, detector } = setup("2024-11-03T04:00:00Z", {
      market_hours_only: false,
      timezone: "America/New_York",
    });
    detector.addStream("BTC", "1h");
    const end = utc("2024-11-04T05:00:00Z");
    for (let t = clock.now(); t < end; t += 30 * MIN) {
      clock.advanceTo(t);
      detector.updateTick("BTC", t, 1, 1);
    }
    clock.advanceTo(end);
    expect(events).toHaveLength(25);
    expect(events.every((e) => e.trigger === "timer" && e.detectedAt === e.closeTime)).toBe(true);
    expect(iso(events[24]!.closeTime)).toBe("2024-11-04T05:00:00.000Z");
    expect(detector.calendar.zone).toBe("America/New_York");
  });

  it("ends the last bar at 13:00 on an early close and closes nothing after it", () => {
    const { clock, events, detector } = setup("2024-11-29T17:50:00Z");
    detector.addStream("AAPL", "1h");
    detector.updateTick("AAPL", clock.now(), 5, 1); // 12:50 New York
    clock.advanceTo(utc("2024-11-29T18:30:00Z"));
    detector.updateTick("AAPL", clock.now(), 6, 1); // 13:30: closed market
    clock.advanceTo(utc("2024-11-29T22:00:00Z"));
    expect(events.map((e) => [iso(e.bar.time), iso(e.closeTime), e.trigger])).toEqual([
      ["2024-11-29T17:30:00.000Z", "2024-11-29T18:00:00.000Z", "timer"],
    ]);
    expect(detector.streamStats("AAPL", "1h")?.outsideSession).toBe(1);
  });

  it("ignores a holiday entirely and skips intervals without data", () => {
    const { clock, events, detector } = setup("2024-07-04T14:00:00Z");
    detector.addStream("AAPL", "5m");
    detector.updateTick("AAPL", clock.now(), 1, 1);
    expect(clock.pendingTimers()).toBe(0);
    clock.advanceTo(utc("2024-07-05T13:31:00Z"));
    detector.updateTick("AAPL", clock.now(), 2, 1);
    clock.advanceTo(utc("2024-07-05T13:52:00Z")); // the 09:35-09:50 intervals have no data
    detector.updateTick("AAPL", clock.now(), 3, 1);
    clock.advanceTo(utc("2024-07-05T14:30:00Z"));
    expect(events.map((e) => iso(e.bar.time))).toEqual(["2024-07-05T13:30:00.000Z", "2024-07-05T13:50:00.000Z"]);
    expect(detector.streamStats("AAPL", "5m")?.outsideSession).toBe(1);
  });

  it("uses a given exchange calendar (Berlin 09:00-22:00)", () => {
    const clock = new VirtualClock(utc("2006-01-02T08:00:00Z"));
    const events: BarCloseEvent[] = [];
    const calendar = new FixedHoursCalendar({ name: "EU", zone: "Europe/Berlin", open: "09:00", close: "22:00" });
    const detector = new BarCloseDetector({ clock, calendar, onClose: (e) => events.push(e) });
    detector.addStream("FDAX", "1d");
    detector.updateBar("FDAX", minuteBar(clock.now(), 3600, 10));
    clock.advanceTo(utc("2006-01-03T00:00:00Z"));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ closeTime: utc("2006-01-02T21:00:00Z"), trigger: "timer" });
  });

  it("arms early by schedule_advance_ms, re-arms from the clock, and fires within accuracy_ms", () => {
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z", {
      schedule_advance_ms: 50,
      accuracy_ms: 10,
      grace_ms: 20,
    });
    detector.addStream("AAPL", "1m");
    const t0 = utc("2024-03-11T13:30:00Z");
    detector.updateTick("AAPL", t0, 1, 1);
    expect(clock.nextTimerAt()).toBe(t0 + MIN + 20 - 50);
    clock.advanceTo(t0 + MIN - 30);
    expect(events).toHaveLength(0);
    expect(clock.nextTimerAt()).toBe(t0 + MIN + 20);
    clock.advanceTo(t0 + MIN + 20);
    expect(events).toHaveLength(1);
    expect(events[0]!.detectedAt).toBe(t0 + MIN + 20);

    const b = setup("2024-03-11T13:30:00Z", { schedule_advance_ms: 5, accuracy_ms: 5, grace_ms: 5 });
    b.detector.addStream("AAPL", "1m");
    b.detector.updateTick("AAPL", t0, 1, 1);
    b.clock.advanceTo(t0 + MIN);
    // Due at boundary + 5, armed 5 early, within accuracy: closes exactly at the boundary, never before.
    expect(b.events.map((e) => e.detectedAt)).toEqual([t0 + MIN]);
  });

  it("flush emits open bars and cancels timers; dispose drops them", () => {
    const { clock, events, detector } = setup("2024-03-11T13:30:00Z");
    detector.addStream("AAPL", "5m");
    detector.addStream("AAPL", "1h");
    detector.updateTick("AAPL", clock.now(), 1, 1);
    expect(clock.pendingTimers()).toBe(2);
    detector.flush();
    expect(events.map((e) => [e.timeframe, e.trigger])).toEqual([
      ["5m", "flush"],
      ["1h", "flush"],
    ]);
    expect(clock.pendingTimers()).toBe(0);
    detector.updateTick("AAPL", clock.now() + 5 * MIN, 2, 1);
    detector.dispose();
    clock.advanceTo(utc("2024-03-11T20:00:00Z"));
    expect(events).toHaveLength(2);
  });

  it("keeps closing other streams when a handler throws, and counts unknown symbols", () => {
    const clock = new VirtualClock(utc("2024-03-11T13:30:00Z"));
    const seen: string[] = [];
    const errors: unknown[] = [];
    const detector = new BarCloseDetector({
      clock,
      onClose: (e) => {
        if (e.symbol === "BAD") throw new Error("boom");
        seen.push(e.symbol);
      },
      onHandlerError: (err) => errors.push(err),
    });
    for (const s of ["A", "BAD", "C"]) {
      detector.addStream(s, "1m");
      detector.updateTick(s, clock.now(), 1, 1);
    }
    detector.updateTick("NOPE", clock.now(), 1, 1);
    clock.advanceTo(utc("2024-03-11T13:31:00Z"));
    expect(seen).toEqual(["A", "C"]);
    expect(errors).toHaveLength(1);
    expect(detector.stats()).toMatchObject({ unknownSymbol: 1, handlerErrors: 1, pendingTimers: 0 });
  });

  it.each([
    [{ accuracy_ms: 10, grace_ms: 0 }, /accuracy_ms/],
    [{ grace_ms: -1 }, /grace_ms/],
    [{ timezone: "Atlantis/Capital" }, /timezone/],
    [{ market_hours_only: "yes" }, /market_hours_only/],
    [{ unknown_key: 1 }, /unknown_key/],
    [{ schedule_advance_ms: 1.5 }, /schedule_advance_ms/],
  ])("rejects config %j with DETECTOR_BAD_CONFIG", (config, pattern) => {
    const make = () =>
      new BarCloseDetector({ clock: new VirtualClock(0), config: config as DetectorConfigInput, onClose: () => {} });
    expect(make).toThrow(DetectorError);
    expect(make).toThrow(/DETECTOR_BAD_CONFIG/);
    expect(make).toThrow(pattern);
  });

  it("rejects bad and duplicate streams", () => {
    const detector = new BarCloseDetector({ clock: new VirtualClock(0), onClose: () => {} });
    detector.addStream("AAPL", "5m");
    expect(() => detector.addStream("AAPL", "5m")).toThrow(/DETECTOR_DUPLICATE_STREAM/);
    expect(() => detector.addStream("AAPL", "3s")).toThrow(/DETECTOR_BAD_STREAM.*TIMEFRAME_INVALID/);
    expect(() => detector.addStream("", "5m")).toThrow(/DETECTOR_BAD_STREAM/);
    expect(detector.streamStats("AAPL", "1m")).toBeUndefined();
    expect(detector.calendar).toBe(calendarFor("regular"));
  });
});

describe("BarCloseDetector on the real clock", () => {
  it("detects all 500 streams closing on one boundary", async () => {
    const clock = new RealClock();
    const n = 500;
    const events: BarCloseEvent[] = [];
    let resolveAll: () => void = () => {};
    const all = new Promise<void>((r) => {
      resolveAll = r;
    });
    const detector = new BarCloseDetector({
      clock,
      config: { market_hours_only: false, timezone: "UTC" },
      onClose: (e) => {
        events.push(e);
        if (events.length === n) resolveAll();
      },
    });
    for (let i = 0; i < n; i++) detector.addStream(`R${i}`, "5s");
    const now = clock.now();
    for (let i = 0; i < n; i++) detector.updateTick(`R${i}`, now, 100 + i, 1);
    expect(detector.stats().pendingTimers).toBe(1);
    await all;
    const boundary = Math.floor(now / 5000) * 5000 + 5000;
    expect(events).toHaveLength(n);
    expect(new Set(events.map((e) => e.symbol)).size).toBe(n);
    for (const e of events) {
      expect(e.trigger).toBe("timer");
      expect(e.closeTime).toBe(boundary);
      expect(e.detectedAt).toBeGreaterThanOrEqual(e.closeTime);
    }
    const lat = events.map((e) => e.detectedAt - e.closeTime);
    console.log(
      `500 streams on one boundary: detection latency min ${Math.min(...lat)} ms, max ${Math.max(...lat)} ms`,
    );
  });
});
