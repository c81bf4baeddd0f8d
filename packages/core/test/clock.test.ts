import { afterEach, describe, expect, it, vi } from "vitest";
import { ClockError, RealClock, VirtualClock } from "../src/clock/index.js";

describe("VirtualClock", () => {
  it("fires due timers in time order, then creation order, with now() at each due time", () => {
    const clock = new VirtualClock(1000);
    const seen: string[] = [];
    clock.setTimer(1300, () => seen.push(`c@${clock.now()}`));
    clock.setTimer(1100, () => seen.push(`a@${clock.now()}`));
    clock.setTimer(1100, () => seen.push(`b@${clock.now()}`));
    clock.setTimer(5000, () => seen.push("late"));
    clock.advanceTo(2000);
    expect(seen).toEqual(["a@1100", "b@1100", "c@1300"]);
    expect(clock.now()).toBe(2000);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(5000);
  });

  it("runs timers that callbacks schedule within the same advance", () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    const tick = () => {
      seen.push(clock.now());
      if (clock.now() < 400) clock.setTimer(clock.now() + 100, tick);
    };
    clock.setTimer(100, tick);
    clock.advanceTo(350);
    expect(seen).toEqual([100, 200, 300]);
    clock.advanceTo(1000);
    expect(seen).toEqual([100, 200, 300, 400]);
  });

  it("does not fire cleared timers and fires past-due timers on the next advance", () => {
    const clock = new VirtualClock(500);
    const seen: string[] = [];
    const h = clock.setTimer(600, () => seen.push("cleared"));
    clock.setTimer(100, () => seen.push(`past@${clock.now()}`));
    clock.clearTimer(h);
    clock.clearTimer(h);
    expect(clock.pendingTimers()).toBe(1);
    clock.advanceTo(500);
    expect(seen).toEqual(["past@500"]);
    clock.advanceBy(1000);
    expect(seen).toEqual(["past@500"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("keeps order across many timers (heap)", () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    for (const t of times) clock.setTimer(t, () => seen.push(t));
    clock.advanceTo(1000);
    expect(seen).toEqual([...times].sort((a, b) => a - b));
  });

  it("stays correct when most timers are cleared before they fire (bulk purge)", () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const h = clock.setTimer(10_000 - i, () => seen.push(10_000 - i));
      if (i % 100 !== 0) clock.clearTimer(h);
    }
    expect(clock.pendingTimers()).toBe(50);
    clock.advanceTo(20_000);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, k) => 10_000 - 4900 + k * 100));
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it("refuses to go backwards, to re-enter, and non-finite times", () => {
    const clock = new VirtualClock(100);
    expect(() => clock.advanceTo(99)).toThrow(ClockError);
    expect(() => clock.advanceTo(99)).toThrow(/CLOCK_BACKWARDS/);
    expect(() => clock.advanceTo(Number.NaN)).toThrow(/CLOCK_BAD_TIME/);
    expect(() => new VirtualClock(Number.POSITIVE_INFINITY)).toThrow(/CLOCK_BAD_TIME/);
    expect(() => clock.setTimer(Number.NaN, () => {})).toThrow(/CLOCK_BAD_TIME/);
    let inner: unknown;
    clock.setTimer(150, () => {
      try {
        clock.advanceTo(160);
      } catch (e) {
        inner = e;
      }
    });
    clock.advanceTo(200);
    expect(inner).toBeInstanceOf(ClockError);
    expect((inner as ClockError).code).toBe("CLOCK_REENTRANT");
    expect(clock.now()).toBe(200);
  });
});

describe("RealClock", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("fires a timer once the wall clock has reached it", async () => {
    const clock = new RealClock();
    const at = clock.now() + 20;
    const firedAt = await new Promise<number>((resolve) => clock.setTimer(at, () => resolve(Date.now())));
    expect(firedAt).toBeGreaterThanOrEqual(at);
  });

  it("re-arms instead of firing when the timer went off before the wall clock reached the due time", async () => {
    const clock = new RealClock();
    const realNow = Date.now.bind(Date);
    const base = realNow();
    let skew = -200;
    // The first check after arming sees the wall clock 200 ms behind: the timer must not run then.
    const spy = vi.spyOn(Date, "now").mockImplementation(() => realNow() + skew);
    const at = base + 10;
    const checks: number[] = [];
    const fired = new Promise<void>((resolve) =>
      clock.setTimer(at, () => {
        checks.push(Date.now());
        resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(checks).toEqual([]);
    skew = 0;
    await fired;
    expect(checks[0]).toBeGreaterThanOrEqual(at);
    spy.mockRestore();
  });

  it("clearTimer cancels a pending timer", async () => {
    const clock = new RealClock();
    let fired = false;
    const h = clock.setTimer(clock.now() + 5, () => {
      fired = true;
    });
    clock.clearTimer(h);
    clock.clearTimer(h);
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toBe(false);
    expect(() => clock.setTimer(Number.NaN, () => {})).toThrow(/CLOCK_BAD_TIME/);
  });
});
