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
