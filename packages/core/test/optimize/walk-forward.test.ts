import { describe, expect, it } from "vitest";
import { OptimizeInputError } from "../../src/optimize/errors.js";
import {
  type BarTimes,
  parseDuration,
  parseWalkForward,
  walkForwardEfficiency,
  walkForwardWindows,
} from "../../src/optimize/walk-forward.js";

const H = 3_600_000;
const D = 24 * H;
const W = 7 * D;

/** Hourly bars from `start` for `hours` hours (times sorted, as columns hold them). */
function hourly(start: number, hours: number): BarTimes {
  const time = Array.from({ length: hours }, (_, i) => start + i * H);
  const closeTime = time.map((t) => t + H);
  return {
    length: hours,
    time,
    closeTime,
    indexAt(t) {
      const i = time.findIndex((x) => x >= t);
      return i < 0 ? hours : i;
    },
  };
}

describe("walk-forward spec", () => {
  it("reads lengths in hours, days and weeks, in either order", () => {
    expect(parseDuration("36h", "train")).toBe(36 * H);
    expect(parseDuration("10d", "train")).toBe(10 * D);
    expect(parseWalkForward("train=2w test=1w", false)).toEqual({
      train: 2 * W,
      test: W,
      anchored: false,
      text: "train=2w test=1w",
    });
    expect(parseWalkForward("test=3d,train=10d", true)).toMatchObject({ train: 10 * D, test: 3 * D, anchored: true });
  });

  it("refuses other forms, saying how to write them", () => {
    expect(() => parseWalkForward("train=2w", false)).toThrow("give both lengths");
    expect(() => parseWalkForward("train=2 test=1w", false)).toThrow(
      "train `2` is not a length: write a whole number of h, d or w",
    );
    expect(() => parseWalkForward("train=2w test=1m", false)).toThrow("test `1m` is not a length");
    expect(() => parseWalkForward("2w 1w", false)).toThrow("write train=LENGTH test=LENGTH");
    expect(() => parseDuration("0d", "test")).toThrow(OptimizeInputError);
  });
});

describe("walk-forward windows", () => {
  const start = Date.UTC(2006, 0, 2, 8);
  // Eight weeks and 13 hours of data, as the real 1-minute file spans.
  const bars = hourly(start, 8 * 7 * 24 + 13);

  it("rolls train=2w test=1w over 8 weeks into 6 windows, dropping a last test period under half a week", () => {
    const ws = walkForwardWindows(bars, parseWalkForward("train=2w test=1w", false));
    expect(ws).toHaveLength(6);
    ws.forEach((w, k) => {
      expect(w.index).toBe(k);
      expect(w.train.start).toBe(start + k * W);
      expect(w.train.end).toBe(start + (k + 2) * W);
      expect(w.test).toEqual({
        start: start + (k + 2) * W,
        end: start + (k + 3) * W,
        from: (k + 2) * 168,
        to: (k + 3) * 168,
      });
      expect(w.train.from).toBe(k * 168);
      expect(w.train.to).toBe(w.test.from);
    });
  });

  it("anchors every train period at the first bar with --anchored, and keeps a last test period of half a test or more", () => {
    const ws = walkForwardWindows(bars, parseWalkForward("train=3w test=2w", true));
    // Tests at weeks 3-5, 5-7, and 7-8w13h (1 week 13 h: at least half of 2 weeks).
    expect(ws.map((w) => [w.train.start, w.train.end, w.test.start, w.test.end])).toEqual([
      [start, start + 3 * W, start + 3 * W, start + 5 * W],
      [start, start + 5 * W, start + 5 * W, start + 7 * W],
      [start, start + 7 * W, start + 7 * W, start + 8 * W + 13 * H],
    ]);
    expect(ws[2]?.test.to).toBe(bars.length);
  });

  it("refuses a window longer than the data", () => {
    expect(() => walkForwardWindows(bars, parseWalkForward("train=6w test=3w", false))).toThrow(
      "--walk-forward train=6w test=3w: one window (63d) is longer than the data (56d 13h); shorten train or test",
    );
    expect(() => walkForwardWindows(hourly(start, 0), parseWalkForward("train=1d test=1d", false))).toThrow(
      "the data has no bars",
    );
  });
});

describe("walk-forward efficiency", () => {
  it("is out-of-sample P&L per unit of time over in-sample P&L per unit of time", () => {
    // In sample 1,000 over 2 weeks, out of sample 250 over 1 week: 250 / (1000 / 2) = 0.5.
    expect(walkForwardEfficiency([{ isNet: 1000, isLength: 2 * W, oosNet: 250, oosLength: W }])).toBeCloseTo(0.5, 12);
    const two = [
      { isNet: 1000, isLength: 2 * W, oosNet: 250, oosLength: W },
      { isNet: 600, isLength: 2 * W, oosNet: -50, oosLength: W },
    ];
    expect(walkForwardEfficiency(two)).toBeCloseTo(200 / 2 / (1600 / 4), 12);
    expect(walkForwardEfficiency([{ isNet: -5, isLength: W, oosNet: 5, oosLength: W }])).toBeNull();
    expect(walkForwardEfficiency([])).toBeNull();
  });
});
