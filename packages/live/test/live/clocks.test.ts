import { describe, expect, it } from "vitest";
import { FastClock, ScaledClock } from "../../src/live/index.js";

describe("FastClock (speed max)", () => {
  it("stands still until run, then fires every timer in market-time order at its due time, up to its end", async () => {
    const clock = new FastClock({ start: 1_000, until: 50_000 });
    const fired: [string, number][] = [];
    clock.setTimer(30_000, () => fired.push(["c", clock.now()]));
    clock.setTimer(2_000, () => {
      fired.push(["a", clock.now()]);
      // A timer set from a callback, due before one set earlier, still fires first.
      clock.setTimer(10_000, () => fired.push(["b", clock.now()]));
    });
    clock.setTimer(60_000, () => fired.push(["after the end", clock.now()]));
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(1_000);
    clock.run();
    while (!clock.idle) await new Promise((r) => setImmediate(r));
    expect(fired).toEqual([
      ["a", 2_000],
      ["b", 10_000],
      ["c", 30_000],
    ]);
    expect(clock.now()).toBe(30_000);
    clock.dispose();
  });

  it("lets other work in while it runs (signals, I/O, promises)", async () => {
    const clock = new FastClock({ start: 0, sliceMs: 5 });
    let ticks = 0;
    // A chain of a million market seconds, one timer after another.
    const next = () => {
      ticks++;
      if (ticks < 1_000_000) clock.setTimer(clock.now() + 1_000, next);
    };
    clock.setTimer(1_000, next);
    clock.run();
    let interleaved = 0;
    while (ticks < 1_000_000) {
      await new Promise((r) => setImmediate(r));
      interleaved++;
    }
    // The event loop ran between slices: the chain did not hold it for the whole run.
    expect(interleaved).toBeGreaterThan(1);
    expect(clock.now()).toBe(1_000_000_000);
    clock.dispose();
  });
});

describe("ScaledClock held", () => {
  it("shows its start until run, then runs from there", async () => {
    let wall = 5_000;
    const clock = new ScaledClock({ start: 100, speed: 10, wall: () => wall, held: true });
    wall += 1_000;
    expect(clock.now()).toBe(100);
    const fired: number[] = [];
    const done = new Promise<void>((resolve) => {
      clock.setTimer(150, () => {
        fired.push(clock.now());
        resolve();
      });
    });
    clock.run();
    expect(clock.now()).toBe(100);
    wall += 5;
    expect(clock.now()).toBe(150);
    await done;
    expect(fired).toEqual([150]);
    clock.dispose();
  });
});

describe("holding a clock (an instant worked through in slices)", () => {
  it("ScaledClock: no timer fires while held, market time stands where it was, and the timers due meanwhile fire in order once let go", async () => {
    let wall = 0;
    const clock = new ScaledClock({ start: 0, speed: 1000, wall: () => wall });
    const fired: [string, number][] = [];
    let letGo: (() => void) | undefined;
    const done = new Promise<void>((resolve) => {
      clock.setTimer(1_000, () => {
        fired.push(["a", clock.now()]);
        letGo = clock.hold();
      });
      // Due at the same instant: it fires in the same go (the session queues such timers itself).
      clock.setTimer(1_000, () => fired.push(["a2", clock.now()]));
      clock.setTimer(2_000, () => fired.push(["b", clock.now()]));
      clock.setTimer(3_000, () => {
        fired.push(["c", clock.now()]);
        resolve();
      });
      wall = 10;
    });
    while (letGo === undefined) await new Promise((r) => setTimeout(r, 1));
    wall = 50;
    await new Promise((r) => setTimeout(r, 20));
    expect(fired).toEqual([
      ["a", 1_000],
      ["a2", 1_000],
    ]);
    expect(clock.now()).toBe(1_000);
    letGo();
    letGo();
    await done;
    expect(fired.slice(2)).toEqual([
      ["b", 2_000],
      ["c", 3_000],
    ]);
    expect(clock.now()).toBe(50_000);
    clock.dispose();
  });

  it("FastClock: held, it stands still; let go, it goes on", async () => {
    const clock = new FastClock({ start: 0 });
    const fired: number[] = [];
    let letGo: (() => void) | undefined;
    clock.setTimer(1_000, () => {
      fired.push(clock.now());
      letGo = clock.hold();
    });
    clock.setTimer(2_000, () => fired.push(clock.now()));
    clock.run();
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    expect(fired).toEqual([1_000]);
    expect(clock.idle).toBe(false);
    letGo?.();
    while (!clock.idle) await new Promise((r) => setImmediate(r));
    expect(fired).toEqual([1_000, 2_000]);
    clock.dispose();
  });
});
