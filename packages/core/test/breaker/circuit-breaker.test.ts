import { describe, expect, it } from "vitest";
import {
  type BreakerChange,
  CircuitBreaker,
  CircuitBreakerOptionsSchema,
  calendarExpectation,
  type DataExpectation,
  scheduleExpectation,
} from "../../src/breaker/index.js";
import { FixedHoursCalendar } from "../../src/calendar/index.js";
import { VirtualClock } from "../../src/clock/index.js";

const OPTS = {
  noDataTimeoutMs: 30_000,
  maxBarAgeMs: 10_000,
  rejectedBarsWindowMs: 60_000,
  maxRejectedBars: 3,
  freshBarsToClose: 2,
  openBackoffMs: 5_000,
  maxOpenBackoffMs: 40_000,
  backoffFactor: 2,
};

function setup(
  extra: Partial<typeof OPTS> & { whileOpen?: "HALTED" | "REDUCING" } = {},
  expectation?: DataExpectation,
  start = 1_000_000,
) {
  const clock = new VirtualClock(start);
  const breaker = new CircuitBreaker({ ...OPTS, ...extra }, { clock, ...(expectation ? { expectation } : {}) });
  const changes: BreakerChange[] = [];
  breaker.onChange((c) => changes.push(c));
  /** A live 5-second bar that closes now. */
  const liveBar = () => breaker.bar(clock.now());
  return { clock, breaker, changes, liveBar };
}

/** Brings a fresh breaker to closed: connected, backfilled, two fresh bars. */
function closeIt(s: ReturnType<typeof setup>): void {
  s.breaker.connection("up", "test");
  s.breaker.backfillComplete();
  s.liveBar();
  s.clock.advanceBy(5_000);
  s.liveBar();
}

describe("CircuitBreaker", () => {
  it("starts half-open and halted, closes only after the backfill and enough fresh bars", () => {
    const s = setup();
    expect(s.breaker.state).toBe("half_open");
    expect(s.breaker.trading).toBe("HALTED");
    expect(s.breaker.canEvaluate).toBe(false);
    s.breaker.connection("up", "connected");
    s.liveBar();
    s.clock.advanceBy(5_000);
    s.liveBar();
    expect(s.breaker.state).toBe("half_open");
    s.breaker.backfillComplete();
    expect(s.breaker.state).toBe("closed");
    expect(s.breaker.trading).toBe("ACTIVE");
    expect(s.breaker.canEvaluate).toBe(true);
    expect(s.changes.map((c) => [c.to, c.reason])).toEqual([["closed", "recovered"]]);
  });

  it("does not count backfilled (old) bars as fresh", () => {
    const s = setup();
    s.breaker.connection("up", "c");
    s.breaker.backfillComplete();
    for (let i = 0; i < 5; i++) s.breaker.bar(s.clock.now() - 60_000);
    expect(s.breaker.state).toBe("half_open");
    s.liveBar();
    s.liveBar();
    expect(s.breaker.state).toBe("closed");
  });

  it("opens on a lost connection, half-opens after the backoff once connected, closes after backfill and fresh bars", () => {
    const s = setup();
    closeIt(s);
    s.breaker.connection("down", "socket closed");
    expect(s.breaker.state).toBe("open");
    expect(s.breaker.trading).toBe("HALTED");
    expect(s.changes.at(-1)).toMatchObject({ from: "closed", to: "open", reason: "connection_lost" });
    s.clock.advanceBy(5_000);
    expect(s.breaker.state).toBe("open");
    s.breaker.connection("up", "reconnected");
    expect(s.breaker.state).toBe("half_open");
    s.liveBar();
    s.liveBar();
    expect(s.breaker.state).toBe("half_open");
    s.breaker.backfillComplete();
    expect(s.breaker.state).toBe("closed");
  });

  it("when the connection returns before the backoff, half-opens when the backoff ends", () => {
    const s = setup();
    closeIt(s);
    s.breaker.connection("down", "x");
    s.clock.advanceBy(1_000);
    s.breaker.connection("up", "y");
    expect(s.breaker.state).toBe("open");
    s.clock.advanceBy(4_000);
    expect(s.breaker.state).toBe("half_open");
  });

  it("opens after no data for the timeout, counting only the time bars are due", () => {
    // Due only in [1,060,000, +inf): the first minute is a closed market.
    const s = setup({}, { dueMs: (from, to) => Math.max(0, to - Math.max(from, 1_060_000)), describe: () => "test" });
    closeIt(s);
    s.clock.advanceTo(1_089_000);
    expect(s.breaker.state).toBe("closed");
    s.clock.advanceTo(1_089_999);
    expect(s.breaker.state).toBe("closed");
    s.clock.advanceTo(1_090_000);
    expect(s.breaker.state).toBe("open");
    expect(s.changes.at(-1)?.reason).toBe("no_data");
    expect(s.changes.at(-1)?.detail).toMatch(/^no bar for 30000 ms while bars were due/);
  });

  it("never trips across a night, a weekend or a holiday of the calendar; trips on silence in a session", () => {
    const cal = new FixedHoursCalendar({
      name: "EU",
      zone: "Europe/Berlin",
      open: "09:00",
      close: "22:00",
      holidays: ["2024-03-29", "2024-04-01"],
    });
    const at = (iso: string) => Date.parse(iso);
    // Thursday 2024-03-28, last bar at 22:00 Berlin (21:00 UTC); Good Friday, the weekend and Easter Monday closed.
    const s = setup({ noDataTimeoutMs: 10 * 60_000 }, calendarExpectation(cal), at("2024-03-28T20:59:00Z"));
    closeIt(s);
    s.clock.advanceTo(at("2024-03-28T21:00:00Z"));
    s.liveBar();
    s.clock.advanceTo(at("2024-04-02T07:09:59Z"));
    expect(s.breaker.state).toBe("closed");
    // Tuesday 09:00 Berlin: ten minutes of open market without a bar.
    s.clock.advanceTo(at("2024-04-02T07:10:00Z"));
    expect(s.breaker.state).toBe("open");
    expect(s.changes.map((c) => c.reason)).toEqual(["recovered", "no_data"]);
  });

  it("a replay's schedule: silence counts only once the next bar was due, so the data's gaps never trip it", () => {
    let next = 1_000_000 + 3_600_000;
    const s = setup(
      {},
      scheduleExpectation(() => next),
    );
    closeIt(s);
    s.clock.advanceTo(next);
    expect(s.breaker.state).toBe("closed");
    // The bar due now is late: after the timeout the breaker opens.
    s.clock.advanceBy(29_999);
    expect(s.breaker.state).toBe("closed");
    s.clock.advanceBy(1);
    expect(s.breaker.state).toBe("open");
    next = Number.POSITIVE_INFINITY;
  });

  it("with freshBarsToClose 0 it closes as soon as it is connected and backfilled", () => {
    const s = setup({ freshBarsToClose: 0 });
    s.breaker.connection("up", "replay");
    expect(s.breaker.state).toBe("half_open");
    s.breaker.backfillComplete();
    expect(s.breaker.state).toBe("closed");
  });

  it("a bar resets the no-data watchdog", () => {
    const s = setup();
    closeIt(s);
    for (let i = 0; i < 10; i++) {
      s.clock.advanceBy(25_000);
      s.liveBar();
    }
    expect(s.breaker.state).toBe("closed");
  });

  it("opens on too many rejected bars in the window, not on the same number spread out", () => {
    const s = setup();
    closeIt(s);
    s.breaker.rejectedBar("high < low");
    s.clock.advanceBy(25_000);
    s.liveBar();
    s.breaker.rejectedBar("stale");
    s.clock.advanceBy(25_000);
    s.liveBar();
    s.clock.advanceBy(15_000);
    s.liveBar();
    // The first rejection is now 65 s old: outside the window.
    s.breaker.rejectedBar("stale");
    expect(s.breaker.state).toBe("closed");
    s.breaker.rejectedBar("stale");
    expect(s.breaker.state).toBe("open");
    expect(s.changes.at(-1)).toMatchObject({ reason: "rejected_bars" });
  });

  it("a failure in half-open opens again with a doubled backoff, capped", () => {
    const s = setup();
    closeIt(s);
    s.breaker.connection("down", "a");
    s.breaker.connection("up", "b");
    s.clock.advanceBy(5_000);
    expect(s.breaker.state).toBe("half_open");
    // No data in half-open: the watchdog trips it again.
    s.clock.advanceBy(30_000);
    expect(s.breaker.state).toBe("open");
    s.clock.advanceBy(9_999);
    expect(s.breaker.state).toBe("open");
    s.clock.advanceBy(1);
    expect(s.breaker.state).toBe("half_open");
    s.clock.advanceBy(30_000);
    s.clock.advanceBy(20_000);
    expect(s.breaker.state).toBe("half_open");
    s.clock.advanceBy(30_000);
    // 4th opening: 5 s * 2^3 = 40 s (the cap).
    s.clock.advanceBy(39_999);
    expect(s.breaker.state).toBe("open");
    s.clock.advanceBy(1);
    expect(s.breaker.state).toBe("half_open");
    s.clock.advanceBy(30_000);
    // 5th: would be 80 s, capped at 40 s.
    s.clock.advanceBy(40_000);
    expect(s.breaker.state).toBe("half_open");
  });

  it("closing resets the backoff", () => {
    const s = setup();
    closeIt(s);
    s.breaker.connection("down", "a");
    s.breaker.connection("up", "b");
    s.clock.advanceBy(5_000);
    s.breaker.backfillComplete();
    s.liveBar();
    s.liveBar();
    expect(s.breaker.state).toBe("closed");
    s.breaker.connection("down", "c");
    s.breaker.connection("up", "d");
    s.clock.advanceBy(5_000);
    expect(s.breaker.state).toBe("half_open");
  });

  it("reports REDUCING instead of HALTED when configured", () => {
    const s = setup({ whileOpen: "REDUCING" });
    expect(s.breaker.trading).toBe("REDUCING");
    closeIt(s);
    s.breaker.connection("down", "x");
    expect(s.changes.at(-1)?.trading).toBe("REDUCING");
  });

  it("a throwing listener does not stop it; dispose stops its timers", () => {
    const s = setup();
    s.breaker.onChange(() => {
      throw new Error("listener bug");
    });
    closeIt(s);
    expect(s.breaker.state).toBe("closed");
    s.breaker.dispose();
    expect(s.clock.pendingTimers()).toBe(0);
    s.clock.advanceBy(1_000_000);
    expect(s.breaker.state).toBe("closed");
  });

  it("rejects bad options with the field named", () => {
    expect(() => CircuitBreakerOptionsSchema.parse({ noDataTimeoutMs: -1 })).toThrow(/noDataTimeoutMs/);
    expect(() => CircuitBreakerOptionsSchema.parse({ whileOpen: "PANIC" })).toThrow(/whileOpen/);
    expect(() => CircuitBreakerOptionsSchema.parse({ openBackoffMs: 10_000, maxOpenBackoffMs: 5_000 })).toThrow(
      /maxOpenBackoffMs/,
    );
    expect(() => CircuitBreakerOptionsSchema.parse({ unknown: 1 })).toThrow();
    expect(CircuitBreakerOptionsSchema.parse({}).whileOpen).toBe("HALTED");
  });
});
