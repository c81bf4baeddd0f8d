import { describe, expect, it } from "vitest";
import {
  CircuitBreaker,
  calendarExpectation,
  defaultNoDataTimeoutMs,
  LearnedHours,
  MAX_DERIVED_TIMEOUT_MS,
  sessionTime,
} from "../../src/breaker/index.js";
import { calendarFor, FixedHoursCalendar } from "../../src/calendar/index.js";
import { VirtualClock } from "../../src/clock/index.js";
import { generateBars, tradingSessions } from "../../src/data/generator.js";

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;

describe("the default no-data timeout", () => {
  it("is two bars of the plan's shortest timeframe, at most 30 minutes, at least three base bars", () => {
    expect(defaultNoDataTimeoutMs("1m", ["15m", "5m"])).toBe(10 * MIN);
    // Never one base bar: a 1-minute plan on 1-minute bars waits three minutes.
    expect(defaultNoDataTimeoutMs("1m", ["1m"])).toBe(3 * MIN);
    expect(defaultNoDataTimeoutMs("5s", ["1m"])).toBe(2 * MIN);
    expect(defaultNoDataTimeoutMs("1m", ["1d", "1h"])).toBe(MAX_DERIVED_TIMEOUT_MS);
    expect(defaultNoDataTimeoutMs("1h", ["1d"])).toBe(3 * 60 * MIN);
    expect(defaultNoDataTimeoutMs("1m", [])).toBe(MAX_DERIVED_TIMEOUT_MS);
  });
});

describe("time in which bars are due", () => {
  it("on an exchange calendar: sessions only (no night, weekend, holiday; early closes end early)", () => {
    const nyse = calendarFor("regular");
    // Friday 2024-03-28 is Good Friday: from Thursday's close to Monday's open nothing is due.
    expect(sessionTime(nyse, at("2024-03-28T20:00:00Z"), at("2024-04-01T13:30:00Z"))).toBe(0);
    expect(sessionTime(nyse, at("2024-03-28T19:50:00Z"), at("2024-04-01T13:40:00Z"))).toBe(20 * MIN);
    // 2024-11-29 closes at 13:00 New York (18:00 UTC).
    expect(sessionTime(nyse, at("2024-11-29T17:00:00Z"), at("2024-11-29T21:00:00Z"))).toBe(60 * MIN);
    expect(calendarExpectation(nyse).dueMs(at("2024-03-28T19:50:00Z"), at("2024-04-01T13:40:00Z"))).toBe(20 * MIN);
  });

  it("around the clock, learned from the data: nights and weekends the data shows are not due", () => {
    const always = calendarFor("always", "Europe/Berlin");
    const exchange = new FixedHoursCalendar({ name: "EU", zone: "Europe/Berlin", open: "09:00", close: "22:00" });
    const bars = [
      ...generateBars({ symbol: "X", seed: 3, interval: "1m" }, tradingSessions(exchange, "2024-03-07", 3)),
    ];
    const hours = new LearnedHours(always);
    // Nothing seen yet: every hour is due.
    expect(hours.dueMs(at("2024-03-09T12:00:00Z"), at("2024-03-09T13:00:00Z"))).toBe(60 * MIN);
    // History from Thursday 00:00 to Monday 10:00 Berlin (09:00 UTC): Thursday, Friday, an empty weekend, Monday.
    const to = at("2024-03-11T09:00:00Z");
    hours.observeHistory(
      at("2024-03-06T23:00:00Z"),
      to,
      bars.filter((b) => b.closeTime <= to),
    );
    expect(hours.describe()).toBe("09:00-22:00 Europe/Berlin, as the data shows so far; not on Sat, Sun");
    // A night, and a whole weekend: nothing due.
    expect(hours.dueMs(at("2024-03-07T21:00:00Z"), at("2024-03-08T08:00:00Z"))).toBe(0);
    expect(hours.dueMs(at("2024-03-15T21:00:00Z"), at("2024-03-18T08:00:00Z"))).toBe(0);
    // Inside the learned hours, every minute is due.
    expect(hours.dueMs(at("2024-03-12T07:55:00Z"), at("2024-03-12T08:10:00Z"))).toBe(10 * MIN);
  });

  it("a breaker on learned hours sleeps through the weekend and trips on a silent Monday morning", () => {
    const always = calendarFor("always", "Europe/Berlin");
    const exchange = new FixedHoursCalendar({ name: "EU", zone: "Europe/Berlin", open: "09:00", close: "22:00" });
    const bars = [
      ...generateBars({ symbol: "X", seed: 3, interval: "1m" }, tradingSessions(exchange, "2024-03-04", 10)),
    ];
    const hours = new LearnedHours(always);
    // Two weeks of history up to Friday 22:00 Berlin.
    const friday = at("2024-03-15T21:00:00Z");
    hours.observeHistory(
      at("2024-03-03T23:00:00Z"),
      friday,
      bars.filter((b) => b.closeTime <= friday),
    );
    const clock = new VirtualClock(friday);
    const breaker = new CircuitBreaker(
      { noDataTimeoutMs: 10 * MIN, freshBarsToClose: 0 },
      { clock, expectation: hours },
    );
    breaker.connection("up", "test");
    breaker.backfillComplete();
    expect(breaker.state).toBe("closed");
    clock.advanceTo(at("2024-03-18T08:09:59Z"));
    expect(breaker.state).toBe("closed");
    clock.advanceTo(at("2024-03-18T08:10:00Z"));
    expect(breaker.state).toBe("open");
    breaker.dispose();
  });
});
