import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Atr,
  Change,
  Ema,
  Highest,
  IndicatorError,
  Lowest,
  Rsi,
  Sma,
  type ValueIndicator,
  Vwap,
} from "../src/indicators/index.js";

function run(ind: ValueIndicator, xs: readonly number[]): number[] {
  return xs.map((x) => {
    ind.update(x);
    return ind.value;
  });
}

describe("hand-computed cases", () => {
  it("sma(3)", () => {
    expect(run(new Sma(3), [1, 2, 3, 4, 5])).toEqual([Number.NaN, Number.NaN, 2, 3, 4]);
  });

  it("ema(3): alpha 0.5, seeded with the SMA of the first 3 values", () => {
    expect(run(new Ema(3), [1, 2, 3, 4, 5, 1])).toEqual([Number.NaN, Number.NaN, 2, 3, 4, 2.5]);
  });

  it("rsi(3): Wilder, first averages are simple means of the first 3 changes", () => {
    const v = run(new Rsi(3), [10, 11, 10, 12, 13]);
    expect(v.slice(0, 3)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    expect(v[3]).toBeCloseTo(75, 12); // gain 1, loss 1/3
    expect(v[4]).toBeCloseTo(100 - 100 / 5.5, 12); // gain (1*2+1)/3 = 1, loss (1/3*2)/3 = 2/9
  });

  it("rsi is 100 when there are no losses", () => {
    expect(run(new Rsi(2), [1, 2, 3])[2]).toBe(100);
  });

  it("atr(2): TR uses the previous close; first ATR is the mean of the first 2 TRs (3 bars)", () => {
    const atr = new Atr(2);
    const bars = [
      { high: 10, low: 8, close: 9 },
      { high: 11, low: 9, close: 10.5 }, // TR max(2, 2, 0) = 2
      { high: 12, low: 10, close: 11 }, // TR max(2, 1.5, 0.5) = 2
      { high: 13, low: 10.5, close: 12 }, // TR max(2.5, 2, 0.5) = 2.5
    ];
    const out = bars.map((b) => {
      atr.update(b);
      return atr.value;
    });
    expect(out).toEqual([Number.NaN, Number.NaN, 2, 2.25]);
    expect(atr.isReady).toBe(true);
    expect(atr.warmup).toBe(3);
  });

  it("highest / lowest(3)", () => {
    const xs = [1, 3, 2, 5, 4, 1, 0];
    expect(run(new Highest(3), xs)).toEqual([Number.NaN, Number.NaN, 3, 5, 5, 5, 4]);
    expect(run(new Lowest(3), xs)).toEqual([Number.NaN, Number.NaN, 1, 2, 2, 1, 0]);
  });

  it("vwap: cumulative typical price x volume / volume, reset by the caller, NaN without volume", () => {
    const v = new Vwap();
    v.update({ high: 11, low: 9, close: 10, volume: 100 });
    expect(v.value).toBe(10);
    v.update({ high: 12, low: 10, close: 11, volume: 300 });
    expect(v.value).toBe(10.75);
    v.reset();
    expect(v.value).toBeNaN();
    v.update({ high: 20, low: 18, close: 19, volume: 0 });
    expect(v.value).toBeNaN();
    expect(v.isReady).toBe(false);
    v.update({ high: 21, low: 19, close: 20, volume: 10 });
    expect(v.value).toBe(20);
  });

  it("change(2): percent change over 2 values; NaN when the base is 0", () => {
    const v = run(new Change(2), [100, 110, 121, 0, 5, 7]);
    expect(v.slice(0, 2)).toEqual([Number.NaN, Number.NaN]);
    expect(v[2]).toBeCloseTo(21, 12);
    expect(v[3]).toBe(-100);
    expect(v[4]).toBeCloseTo((100 * (5 - 121)) / 121, 12);
    expect(v[5]).toBeNaN();
  });
});

describe("warm-up lengths match the lookback formulas", () => {
  const cases: [string, () => ValueIndicator, number][] = [
    ["sma(5)", () => new Sma(5), 5],
    ["ema(5)", () => new Ema(5), 5],
    ["highest(5)", () => new Highest(5), 5],
    ["lowest(5)", () => new Lowest(5), 5],
    ["rsi(5)", () => new Rsi(5), 6],
    ["change(5)", () => new Change(5), 6],
  ];
  for (const [name, make, warm] of cases) {
    it(`${name} is ready after exactly ${warm} inputs`, () => {
      const ind = make();
      expect(ind.warmup).toBe(warm);
      for (let i = 1; i <= warm + 2; i++) {
        ind.update(100 + ((i * 7) % 5));
        expect(ind.isReady).toBe(i >= warm);
        expect(Number.isNaN(ind.value)).toBe(i < warm);
      }
    });
  }
});

describe("bad input", () => {
  it("refuses non-positive or fractional periods with IND_BAD_PERIOD", () => {
    for (const make of [
      () => new Sma(0),
      () => new Ema(-1),
      () => new Rsi(1.5),
      () => new Atr(0),
      () => new Highest(Number.NaN),
      () => new Lowest(0),
      () => new Change(0),
    ]) {
      expect(make).toThrow(IndicatorError);
      try {
        make();
      } catch (e) {
        expect((e as IndicatorError).code).toBe("IND_BAD_PERIOD");
      }
    }
  });

  it("ignores NaN and infinite inputs without advancing the window", () => {
    const xs = [1, Number.NaN, 2, Number.POSITIVE_INFINITY, 3, 4];
    expect(run(new Sma(3), xs).at(-1)).toBe(3);
    expect(run(new Sma(3), xs).at(-2)).toBe(2);
    expect(run(new Highest(2), xs).at(-1)).toBe(4);
    expect(run(new Change(1), xs).at(-1)).toBeCloseTo(100 / 3, 12);
    const atr = new Atr(1);
    atr.update({ high: 2, low: 1, close: 1.5 });
    atr.update({ high: Number.NaN, low: 1, close: 1.5 });
    expect(atr.value).toBeNaN();
    atr.update({ high: 3, low: 2, close: 2.5 });
    expect(atr.value).toBe(1.5);
    const v = new Vwap();
    v.update({ high: 1, low: 1, close: 1, volume: -1 });
    expect(v.value).toBeNaN();
  });

  it("reset() returns to the fresh state", () => {
    for (const ind of [new Sma(2), new Ema(2), new Rsi(2), new Highest(2), new Lowest(2), new Change(2)]) {
      const first = run(ind, [5, 6, 8, 7]);
      ind.reset();
      expect(ind.isReady).toBe(false);
      expect(run(ind, [5, 6, 8, 7])).toEqual(first);
    }
  });
});

describe("properties against naive definitions", () => {
  const series = fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 200 });
  const period = fc.integer({ min: 1, max: 30 });

  it("sma, highest, lowest, change equal their O(N) definitions", () => {
    fc.assert(
      fc.property(series, period, (xs, n) => {
        const sma = run(new Sma(n), xs);
        const hi = run(new Highest(n), xs);
        const lo = run(new Lowest(n), xs);
        const ch = run(new Change(n), xs);
        xs.forEach((x, i) => {
          if (i + 1 < n) {
            expect(sma[i]).toBeNaN();
            expect(hi[i]).toBeNaN();
            return;
          }
          const w = xs.slice(i + 1 - n, i + 1);
          expect(sma[i]).toBeCloseTo(w.reduce((a, b) => a + b, 0) / n, 8);
          expect(hi[i]).toBe(Math.max(...w));
          expect(lo[i]).toBe(Math.min(...w));
          if (i >= n) expect(ch[i]).toBeCloseTo((100 * (x - xs[i - n]!)) / xs[i - n]!, 8);
          else expect(ch[i]).toBeNaN();
        });
      }),
      { numRuns: 200 },
    );
  });

  it("ema equals the recurrence seeded with the SMA", () => {
    fc.assert(
      fc.property(series, period, (xs, n) => {
        const got = run(new Ema(n), xs);
        const a = 2 / (n + 1);
        let e = Number.NaN;
        xs.forEach((x, i) => {
          if (i + 1 === n) e = xs.slice(0, n).reduce((s, v) => s + v, 0) / n;
          else if (i + 1 > n) e = a * x + (1 - a) * e;
          if (Number.isNaN(e)) expect(got[i]).toBeNaN();
          else expect(got[i]).toBeCloseTo(e, 8);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("sma gives bit-identical values whatever bar it started on (a restart refills from history)", () => {
    const xs = Array.from({ length: 400 }, (_, i) => 100 + Math.sin(i / 7) * 3.3 + (i % 13) * 0.1);
    const full = new Sma(20);
    const late = new Sma(20);
    for (let i = 0; i < xs.length; i++) {
      full.update(xs[i]!);
      if (i >= 137) late.update(xs[i]!);
      if (i >= 137 + 19) expect(late.value).toBe(full.value);
    }
  });

  it("sma does not drift over a long stream (exact resummation)", () => {
    const sma = new Sma(7);
    const xs: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = 1e6 + Math.sin(i) * 1e-3 + (i % 13) * 1e5;
      xs.push(x);
      sma.update(x);
    }
    const exact = xs.slice(-7).reduce((a, b) => a + b, 0) / 7;
    expect(Math.abs(sma.value - exact) / exact).toBeLessThan(1e-14);
  });
});
