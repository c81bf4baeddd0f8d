import type { ExprIR } from "@tradeplan/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BarSeries } from "../src/bars/series.js";
import { Rsi } from "../src/indicators/rsi.js";
import { Sma } from "../src/indicators/sma.js";
import {
  formatIR,
  IrError,
  isBooleanIR,
  lookbackOf,
  otherTimeframeLookbacks,
  readExpr,
  SymbolEvaluator,
} from "../src/ir/index.js";

const close: ExprIR = { k: "field", f: "close" };
const volume: ExprIR = { k: "field", f: "volume" };
const num = (v: number): ExprIR => ({ k: "num", v });
const ind = (fn: "sma" | "ema" | "rsi" | "highest" | "lowest" | "change", src: ExprIR, period: number): ExprIR => ({
  k: "ind",
  fn,
  src,
  period,
});

function setup(timeframes: string[] = ["5m"], opts: { sessionKey?: (t: number) => number } = {}) {
  const series = new Map(timeframes.map((tf) => [tf, new BarSeries("AAPL", tf, { capacity: 50 })]));
  const ev = new SymbolEvaluator((tf) => series.get(tf), opts);
  return { series, ev, s: series.get(timeframes[0]!)! };
}

/** Pushes bars with the given closes (open = close, high = close + 1, low = close - 1). */
function pushCloses(s: BarSeries, closes: readonly number[], start = s.count, stepMs = 300_000, vol = 100): void {
  closes.forEach((c, i) => {
    s.pushValues((start + i + 1) * stepMs, c, c + 1, c - 1, c, vol);
  });
}

function trace(ev: SymbolEvaluator, s: BarSeries, ir: ExprIR, closes: readonly number[]) {
  const e = ev.compile(ir, s.timeframe);
  return closes.map((c) => {
    pushCloses(s, [c]);
    return readExpr(e);
  });
}

describe("compile and evaluate", () => {
  it("fields, constants, arithmetic and comparisons", () => {
    const { ev, s } = setup();
    const out = trace(
      ev,
      s,
      { k: "cmp", op: ">", l: { k: "arith", op: "*", l: close, r: num(2) }, r: num(21) },
      [10, 11],
    );
    expect(out).toEqual([false, true]);
  });

  it("back reads the child n bars ago and is undefined before", () => {
    const { ev, s } = setup();
    expect(trace(ev, s, { k: "back", n: 2, e: close }, [1, 2, 3, 4])).toEqual([undefined, undefined, 1, 2]);
  });

  it("cross above: l > r now and l <= r before; undefined on the first bar", () => {
    const { ev, s } = setup();
    const ir: ExprIR = { k: "cross", dir: "above", l: close, r: num(10) };
    expect(trace(ev, s, ir, [9, 10, 11, 12, 9, 11])).toEqual([undefined, false, true, false, false, true]);
    const below: ExprIR = { k: "cross", dir: "below", l: close, r: num(10) };
    const t2 = setup();
    expect(trace(t2.ev, t2.s, below, [11, 10, 9, 9])).toEqual([undefined, false, true, false]);
  });

  it("indicators in expressions equal the indicator classes", () => {
    const { ev, s } = setup();
    const e = ev.compile(ind("sma", close, 3), "5m");
    const r = ev.compile(ind("rsi", ind("ema", close, 2), 3), "5m");
    const sma = new Sma(3);
    const xs = [5, 7, 6, 9, 12, 11, 10, 14];
    for (const x of xs) {
      pushCloses(s, [x]);
      sma.update(x);
      expect(readExpr(e) ?? Number.NaN).toEqual(sma.value);
    }
    expect(typeof readExpr(r)).toBe("number");
  });

  it("and/or/not are strict about warm-up: undefined while any side is not warm", () => {
    const { ev, s } = setup();
    const warmLater: ExprIR = { k: "cmp", op: ">", l: close, r: { k: "back", n: 1, e: close } };
    const ir: ExprIR = { k: "or", l: { k: "bool", v: true }, r: warmLater };
    expect(trace(ev, s, ir, [1, 2])).toEqual([undefined, true]);
    const t2 = setup();
    expect(trace(t2.ev, t2.s, { k: "not", e: warmLater }, [1, 2, 1])).toEqual([undefined, false, true]);
  });

  it("division by zero is undefined, not Infinity", () => {
    const { ev, s } = setup();
    expect(trace(ev, s, { k: "arith", op: "/", l: close, r: num(0) }, [1])).toEqual([undefined]);
  });

  it("shares structurally equal subexpressions between rules (key order does not matter)", () => {
    const { ev } = setup();
    const a = ev.compile(ind("sma", close, 20), "5m");
    const b = ev.compile({ period: 20, src: { f: "close", k: "field" }, fn: "sma", k: "ind" }, "5m");
    expect(b.node).toBe(a.node);
    expect(ev.program("5m").nodes.length).toBe(2); // field + sma
  });

  it("sync catches up on several bars pushed at once, in order", () => {
    const { ev, s } = setup();
    const e = ev.compile({ k: "back", n: 1, e: close }, "5m");
    pushCloses(s, [1, 2, 3, 4]);
    expect(readExpr(e)).toBe(3);
    expect(ev.program("5m").processed).toBe(4);
  });

  it("vwap resets when the session key changes", () => {
    const { ev, s } = setup(["5m"], { sessionKey: (t) => Math.floor(t / 900_000) });
    const e = ev.compile({ k: "ind", fn: "vwap" }, "5m");
    const out = [10, 20, 30, 40].map((c) => {
      pushCloses(s, [c]);
      return readExpr(e);
    });
    // bar times 300k, 600k (session 0), 900k, 1.2M (session 1): typical price == close here
    expect(out).toEqual([10, 15, 30, 35]);
  });

  it("atr reads the bar itself", () => {
    const { ev, s } = setup();
    const e = ev.compile({ k: "ind", fn: "atr", period: 2 }, "5m");
    expect(trace(ev, s, { k: "ind", fn: "atr", period: 2 }, [10, 10, 10])).toEqual([undefined, undefined, 2]);
    expect(e.lookback).toBe(3);
  });
});

describe("`of` another timeframe", () => {
  it("updates on the other stream's closes only and is read on the rule's stream (no look-ahead)", () => {
    const { series, ev } = setup(["5m", "1d"]);
    const m5 = series.get("5m")!;
    const d1 = series.get("1d")!;
    const dailySma: ExprIR = { k: "of", tf: "1d", e: ind("sma", close, 2) };
    const e = ev.compile(dailySma, "5m");
    const day = 86_400_000;
    // Day 1 intraday bars: no daily bar closed yet.
    pushCloses(m5, [100, 101], 0);
    expect(readExpr(e)).toBeUndefined();
    d1.pushValues(1 * day, 100, 102, 99, 101, 1000); // day 1 closes
    pushCloses(m5, [105], 2);
    expect(readExpr(e)).toBeUndefined(); // sma(2) needs 2 daily closes
    d1.pushValues(2 * day, 101, 110, 100, 109, 1000); // day 2 closes
    pushCloses(m5, [200, 300, 400], 3);
    expect(readExpr(e)).toBe(105); // (101 + 109) / 2, whatever the 5m closes were
    expect(ev.program("1d").processed).toBe(2);
    // Reading again with no new daily bar changes nothing (no repainting).
    pushCloses(m5, [1], 6);
    expect(readExpr(e)).toBe(105);
  });

  it("`close[1] of 1d` is the previous daily close; `(close of 1d)[1]` is one own bar ago", () => {
    const { series, ev } = setup(["5m", "1d"]);
    const inner = ev.compile({ k: "of", tf: "1d", e: { k: "back", n: 1, e: close } }, "5m");
    const outer = ev.compile({ k: "back", n: 1, e: { k: "of", tf: "1d", e: close } }, "5m");
    const d1 = series.get("1d")!;
    const m5 = series.get("5m")!;
    d1.pushValues(86_400_000, 1, 1, 1, 10, 1);
    d1.pushValues(2 * 86_400_000, 1, 1, 1, 20, 1);
    pushCloses(m5, [1]);
    expect(readExpr(inner)).toBe(10);
    expect(readExpr(outer)).toBeUndefined();
    pushCloses(m5, [1]);
    expect(readExpr(outer)).toBe(20);
  });

  it("reports a missing series with IR_NO_SERIES", () => {
    const { ev } = setup(["5m"]);
    expect(() => ev.compile({ k: "of", tf: "1h", e: close }, "5m")).toThrow(/no bar series for timeframe 1h/);
  });
});

describe("bad IR is refused with a path", () => {
  const cases: [string, unknown, RegExp][] = [
    ["unknown node", { k: "zzz" }, /invalid expression/],
    ["bad field deep in the tree", { k: "and", l: { k: "bool", v: true }, r: { k: "field", f: "vwap" } }, /r\.f: /],
    ["sma without a source", { k: "ind", fn: "sma", period: 3 }, /sma needs a source/],
    ["sma without a period", { k: "ind", fn: "sma", src: close }, /positive integer period/],
    ["atr with a source", { k: "ind", fn: "atr", src: close, period: 3 }, /takes no source/],
    ["vwap with a period", { k: "ind", fn: "vwap", period: 3 }, /vwap takes no period/],
    ["negative history index", { k: "back", n: -1, e: close }, /n: /],
    ["NaN constant", { k: "num", v: Number.NaN }, /v: /],
    [
      "nested bad period",
      { k: "cmp", op: ">", l: close, r: { k: "ind", fn: "ema", src: close, period: 0 } },
      /r\.period/,
    ],
  ];
  for (const [name, ir, msg] of cases) {
    it(name, () => {
      const { ev } = setup();
      let err: unknown;
      try {
        ev.compile(ir as ExprIR, "5m");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IrError);
      expect((err as IrError).message).toMatch(msg);
    });
  }
});

describe("lookback", () => {
  it("follows the documented formulas", () => {
    expect(lookbackOf(close)).toBe(1);
    expect(lookbackOf(num(3))).toBe(1);
    expect(lookbackOf({ k: "back", n: 3, e: close })).toBe(4);
    expect(lookbackOf(ind("sma", close, 20))).toBe(20);
    expect(lookbackOf(ind("ema", ind("sma", close, 5), 10))).toBe(14);
    expect(lookbackOf(ind("rsi", close, 14))).toBe(15);
    expect(lookbackOf(ind("change", close, 5))).toBe(6);
    expect(lookbackOf({ k: "ind", fn: "atr", period: 14 })).toBe(15);
    expect(lookbackOf({ k: "ind", fn: "vwap" })).toBe(1);
    expect(lookbackOf({ k: "cross", dir: "above", l: close, r: ind("sma", close, 50) })).toBe(51);
    expect(lookbackOf({ k: "of", tf: "1d", e: ind("sma", close, 20) })).toBe(1);
    expect(otherTimeframeLookbacks({ k: "of", tf: "1d", e: ind("sma", close, 20) }).get("1d")).toBe(20);
  });

  // Random expressions over positive data: the first bar with a value is exactly the lookback.
  const leaf = fc.constantFrom<ExprIR>(close, volume, { k: "field", f: "high" }, num(2));
  const tree = fc.letrec<{ num: ExprIR; bool: ExprIR }>((tie) => ({
    num: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.record({
        k: fc.constant("ind" as const),
        fn: fc.constantFrom("sma" as const, "ema" as const, "rsi" as const, "highest" as const, "lowest" as const),
        src: tie("num"),
        period: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({
        k: fc.constant("ind" as const),
        fn: fc.constant("atr" as const),
        period: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({ k: fc.constant("back" as const), n: fc.integer({ min: 0, max: 4 }), e: tie("num") }),
      fc.record({
        k: fc.constant("arith" as const),
        op: fc.constantFrom("+" as const, "*" as const),
        l: tie("num"),
        r: tie("num"),
      }),
    ) as fc.Arbitrary<ExprIR>,
    bool: fc.oneof(
      fc.record({
        k: fc.constant("cmp" as const),
        op: fc.constantFrom(">" as const, "<=" as const),
        l: tie("num"),
        r: tie("num"),
      }),
      fc.record({
        k: fc.constant("cross" as const),
        dir: fc.constantFrom("above" as const, "below" as const),
        l: tie("num"),
        r: tie("num"),
      }),
      fc.record({ k: fc.constantFrom("and" as const, "or" as const), l: tie("bool"), r: tie("bool") }),
    ) as fc.Arbitrary<ExprIR>,
  }));

  it("the first bar with a value is exactly lookbackOf(ir) (random trees)", () => {
    fc.assert(
      fc.property(
        fc.oneof(tree.num, tree.bool),
        fc.array(fc.double({ min: 1, max: 500, noNaN: true }), { minLength: 60, maxLength: 60 }),
        (ir, closes) => {
          const { ev, s } = setup();
          const e = ev.compile(ir, "5m");
          const lb = Math.max(1, e.lookback);
          fc.pre(lb <= 60);
          const values = closes.map((c) => {
            s.pushValues((s.count + 1) * 60_000, c, c + 1, c - 1, c, c * 10);
            return readExpr(e);
          });
          const first = values.findIndex((v) => v !== undefined) + 1;
          expect(first).toBe(lb);
          expect(values.slice(lb - 1).every((v) => v !== undefined)).toBe(true);
          expect(typeof values[lb - 1]).toBe(isBooleanIR(ir) ? "boolean" : "number");
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("formatIR", () => {
  it("prints plan syntax with minimal parentheses", () => {
    expect(formatIR({ k: "cross", dir: "above", l: close, r: ind("sma", close, 50) })).toBe(
      "close crosses above sma(close, 50)",
    );
    expect(formatIR({ k: "arith", op: "*", l: { k: "arith", op: "+", l: close, r: num(1) }, r: num(2) })).toBe(
      "(close + 1) * 2",
    );
    expect(
      formatIR({
        k: "and",
        l: { k: "or", l: { k: "bool", v: true }, r: { k: "bool", v: false } },
        r: { k: "not", e: { k: "bool", v: true } },
      }),
    ).toBe("(true or false) and not true");
    expect(formatIR({ k: "of", tf: "1d", e: ind("sma", close, 20) })).toBe("sma(close, 20) of 1d");
    expect(formatIR({ k: "back", n: 1, e: close })).toBe("close[1]");
    expect(formatIR({ k: "ind", fn: "vwap" })).toBe("vwap()");
  });
});

describe("rsi through the IR on a long synthetic stream equals the class", () => {
  it("matches bar by bar with a small cache (indicators keep their own state)", () => {
    const s = new BarSeries("X", "1m", { capacity: 5 });
    const ev = new SymbolEvaluator((tf) => (tf === "1m" ? s : undefined));
    const e = ev.compile(ind("rsi", close, 14), "1m");
    const rsi = new Rsi(14);
    for (let i = 0; i < 2000; i++) {
      const c = 100 + 10 * Math.sin(i / 7) + (i % 3);
      s.pushValues((i + 1) * 60_000, c, c, c, c, 1);
      rsi.update(c);
      expect(readExpr(e) ?? Number.NaN).toEqual(rsi.value);
    }
  });
});
