import type { ExprIR } from "@tradeplan/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BarSeries } from "../src/bars/series.js";
import { createExecutionContext, type ExecutionContext } from "../src/context.js";
import {
  CloseAboveFunction,
  CloseBelowFunction,
  ConditionFunction,
  CrossAboveFunction,
  CrossBelowFunction,
  type ExecutionFunctionBase,
  FunctionError,
  type FunctionState,
  formatNumber,
  formatPrice,
  formatVolume,
  mapAction,
  TrailingStopFunction,
  volumeMomentumConfidence,
} from "../src/functions/index.js";
import { SymbolEvaluator } from "../src/ir/index.js";
import { type AccountInfo, type BarData, FLAT, type PositionState } from "../src/models.js";

const ACCOUNT: AccountInfo = { cash: 100_000, equity: 100_000, realizedPnl: 0, unrealizedPnl: 0, dailyRealizedPnl: 0 };
const PLAN = Object.freeze({ name: "t", timezone: "America/New_York" });
const close: ExprIR = { k: "field", f: "close" };
// 2024-03-04 14:30 UTC = 09:30 New York (EST); bars of 5 minutes.
const T0 = Date.UTC(2024, 2, 4, 14, 30);
const STEP = 300_000;

/** A stream harness: pushes bars and evaluates a function on each, like the engine would. */
function harness<S extends FunctionState>(fn: ExecutionFunctionBase<unknown, S>, tf = "5m") {
  const series = new BarSeries("AAPL", tf, { capacity: 100 });
  const evaluator = new SymbolEvaluator((t) => (t === tf ? series : undefined));
  const state = fn.createState({ symbol: "AAPL", timeframe: tf, evaluator });
  let position: PositionState = FLAT("AAPL");
  return {
    series,
    state,
    setPosition(p: PositionState) {
      position = p;
    },
    bar(closePrice: number, volume = 1000): ExecutionContext {
      const time = T0 + series.count * STEP;
      const bar: BarData = {
        symbol: "AAPL",
        timeframe: tf,
        time,
        closeTime: time + STEP,
        open: closePrice,
        high: closePrice + 1,
        low: closePrice - 1,
        close: closePrice,
        volume,
      };
      series.push(bar);
      return createExecutionContext({
        symbol: "AAPL",
        timeframe: tf,
        bar,
        history: series.history,
        plan: PLAN,
        params: fn.params as Record<string, unknown>,
        position,
        account: ACCOUNT,
      });
    },
    step(closePrice: number, volume = 1000) {
      return fn.evaluateSync(this.bar(closePrice, volume), state);
    },
  };
}

describe("close_above / close_below", () => {
  it("fires strictly above the threshold with the volume filter, with a readable reasoning", () => {
    const fn = new CloseAboveFunction({ action: "enter_long", threshold: 150.25, minVolume: 1_000_000 });
    const h = harness(fn);
    expect(h.step(150.25, 2e6).action).toBe("NONE");
    const low = h.step(151, 500_000);
    expect(low.action).toBe("NONE");
    expect(low.reasoning).toContain("volume below 1M");
    const s = h.step(151.2, 1_800_000);
    expect(s.action).toBe("ENTER_LONG");
    expect(s.reasoning).toMatch(/^close 151\.20 above 150\.25, volume 1\.8M >= 1M; confidence /);
    expect(s.confidence).toBeGreaterThanOrEqual(0);
    expect(s.confidence).toBeLessThanOrEqual(1);
    expect(s.metadata).toMatchObject({ function: "close_above", close: 151.2, threshold: 150.25 });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it("close_below maps exit_long to EXIT with exitSide long", () => {
    const fn = new CloseBelowFunction({ action: "exit_long", threshold: 145 });
    const h = harness(fn);
    expect(h.step(146).action).toBe("NONE");
    const s = h.step(144);
    expect(s).toMatchObject({ action: "EXIT", exitSide: "long" });
    expect(s.reasoning).toMatch(/^close 144\.00 below 145\.00;/);
  });

  it("computes confidence from relative volume and momentum (documented formula)", () => {
    const fn = new CloseAboveFunction({ action: "enter_long", threshold: 100 });
    const h = harness(fn);
    for (let i = 0; i < 20; i++) h.step(90, 1000); // average volume 1000
    // relVol 1.5 → volumeScore 0.75; momentum +0.5% (from 100 to 100.5)... first set the previous close to 100
    h.step(100, 1000);
    const s = h.step(100.5, 1500);
    // average of the previous 20 volumes is 1000 → relVol 1.5; momentum = 100 * 0.5 / 100 = 0.5%
    expect(s.confidence).toBeCloseTo(0.5 * 0.75 + 0.5 * 0.75, 12);
    expect(s.metadata.relativeVolume).toBeCloseTo(1.5, 12);
    expect(s.metadata.momentumPercent).toBeCloseTo(0.5, 12);
    expect(s.reasoning).toContain("volume 1.5x the 20-bar average, momentum +0.50%");
    // Huge volume and a big jump clamp at 1.
    expect(h.step(150, 1e9).confidence).toBe(1);
  });

  it("uses neutral scores without 20 previous bars or with zero volume; clamps a falling bar at 0 momentum", () => {
    const s = new BarSeries("X", "1m");
    s.pushValues(60_000, 1, 1, 1, 100, 0);
    expect(volumeMomentumConfidence(s.history, 1)).toEqual({
      confidence: 0.5,
      relativeVolume: undefined,
      momentumPercent: undefined,
    });
    s.pushValues(120_000, 1, 1, 1, 90, 0);
    const c = volumeMomentumConfidence(s.history, 1);
    expect(c.momentumPercent).toBeCloseTo(-10, 12);
    expect(c.confidence).toBe(0.25);
    expect(volumeMomentumConfidence(s.history, -1).confidence).toBe(0.75);
  });

  it("applies the minConfidence floor, saying so", () => {
    const fn = new CloseAboveFunction({ action: "enter_long", threshold: 100, minConfidence: 0.7 });
    const h = harness(fn);
    h.step(100);
    const s = h.step(100.5); // relVol unknown → 0.5, momentum +0.5% → 0.75: confidence 0.625
    expect(s.action).toBe("NONE");
    expect(s.reasoning).toMatch(/^confidence 0\.625 is below the floor 0\.7: close 100\.50 above 100\.00/);
    expect(h.step(101.6).action).toBe("ENTER_LONG"); // momentum > +1% → 0.75
  });

  it("applies the between window on the bar's close time in the plan's zone, both ends included", () => {
    const fn = new CloseAboveFunction({ action: "enter_long", threshold: 1, window: { from: "09:40", to: "09:45" } });
    const h = harness(fn);
    // Bars close at 09:35, 09:40, 09:45, 09:50 New York time.
    const out = [2, 2, 2, 2].map((c) => h.step(c));
    expect(out.map((s) => s.action)).toEqual(["NONE", "ENTER_LONG", "ENTER_LONG", "NONE"]);
    expect(out[0]!.reasoning).toContain("outside the window 09:40-09:45");
  });

  it("gives every NONE a stable reason code in metadata.reason", () => {
    const reasons = (fn: ExecutionFunctionBase<unknown, FunctionState>, bars: [number, number?][]) => {
      const h = harness(fn);
      return bars.map(([c, v]) => h.step(c, v)).map((s) => (s.action === "NONE" ? s.metadata.reason : s.action));
    };
    const threshold = new CloseAboveFunction({ action: "enter_long", threshold: 150.25, minVolume: 1_000_000 });
    expect(
      reasons(threshold, [
        [150, 2e6],
        [151, 5e5],
        [151, 2e6],
      ]),
    ).toEqual(["condition_false", "filter_false", "ENTER_LONG"]);
    const windowed = new CloseAboveFunction({
      action: "enter_long",
      threshold: 1,
      window: { from: "09:40", to: "09:45" },
    });
    expect(reasons(windowed, [[2], [2]])).toEqual(["outside_window", "ENTER_LONG"]);
    const floored = new CloseAboveFunction({ action: "enter_long", threshold: 100, minConfidence: 0.7 });
    expect(reasons(floored, [[100], [100.5]])).toEqual(["condition_false", "below_confidence_floor"]);
    const avg3: ExprIR = { k: "ind", fn: "sma", src: close, period: 3 };
    const cross = new CrossAboveFunction({ action: "enter_long", left: close, right: avg3 });
    expect(reasons(cross, [[10], [10], [10], [9], [12], [13]])).toEqual([
      "not_warm",
      "not_warm",
      "not_warm",
      "condition_false",
      "ENTER_LONG",
      "condition_false",
    ]);
    const trail = new TrailingStopFunction({ trailPercent: 2 });
    expect(reasons(trail, [[100]])).toEqual(["no_position"]);
  });

  it("copies size, stop and target into the metadata", () => {
    const fn = new CloseAboveFunction({
      action: "enter_long",
      threshold: 1,
      size: { kind: "shares", shares: 100 },
      stop: { kind: "percent", percent: 2 },
      target: { kind: "price", price: 200 },
    });
    const s = harness(fn).step(2);
    expect(s.metadata).toMatchObject({
      size: { kind: "shares", shares: 100 },
      stop: { kind: "percent", percent: 2 },
      target: { kind: "price", price: 200 },
    });
  });

  it("refuses bad parameters with FN_INVALID_PARAMS and the issue paths", () => {
    const bad: unknown[] = [
      { action: "enter_long" },
      { action: "buy", threshold: 1 },
      { action: "enter_long", threshold: Number.NaN },
      { action: "enter_long", threshold: 1, extra: true },
      { action: "enter_long", threshold: 1, minConfidence: 2 },
      { action: "enter_long", threshold: 1, window: { from: "25:00", to: "10:00" } },
      null,
    ];
    for (const p of bad) {
      let err: unknown;
      try {
        new CloseAboveFunction(p);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FunctionError);
      expect((err as FunctionError).code).toBe("FN_INVALID_PARAMS");
      expect((err as FunctionError).issues.length).toBeGreaterThan(0);
    }
    expect(() => new CloseAboveFunction({ action: "enter_long" })).toThrow(/threshold: /);
  });

  it("freezes parameters deeply", () => {
    const fn = new CloseAboveFunction({ action: "enter_long", threshold: 1, window: { from: "09:40", to: "09:45" } });
    expect(Object.isFrozen(fn.params)).toBe(true);
    expect(Object.isFrozen(fn.params.window)).toBe(true);
  });

  it("refuses a state made by another instance or for another stream", () => {
    const a = new CloseAboveFunction({ action: "enter_long", threshold: 1 });
    const b = new CloseAboveFunction({ action: "enter_long", threshold: 2 });
    const h = harness(a);
    const ctx = h.bar(5);
    expect(() => b.evaluateSync(ctx, h.state)).toThrow(FunctionError);
    const other = a.createState({ symbol: "MSFT", timeframe: "5m", evaluator: new SymbolEvaluator(() => undefined) });
    expect(() => a.evaluateSync(ctx, other)).toThrow(/FN_FOREIGN_STATE|used for AAPL/);
  });

  it("evaluate() resolves to the same signal and rejects instead of throwing", async () => {
    const fn = new CloseAboveFunction({ action: "enter_short", threshold: 1 });
    const h = harness(fn);
    const ctx = h.bar(3);
    await expect(fn.evaluate(ctx, h.state)).resolves.toMatchObject({ action: "ENTER_SHORT" });
    const wrong = new CloseAboveFunction({ action: "enter_short", threshold: 9 });
    await expect(wrong.evaluate(ctx, h.state)).rejects.toBeInstanceOf(FunctionError);
  });

  it("gives a deeply frozen context", () => {
    const fn = new CloseAboveFunction({ action: "enter_long", threshold: 1 });
    const ctx = harness(fn).bar(2);
    for (const o of [ctx, ctx.bar, ctx.history, ctx.plan, ctx.params, ctx.position, ctx.account])
      expect(Object.isFrozen(o)).toBe(true);
    expect(ctx.timestamp).toBe(ctx.bar.closeTime);
  });
});

describe("cross_above / cross_below / condition", () => {
  const sma3: ExprIR = { k: "ind", fn: "sma", src: close, period: 3 };

  it("cross_above fires on the crossing bar only, after warm-up, with values in the reasoning", () => {
    const fn = new CrossAboveFunction({ action: "enter_long", left: close, right: sma3 });
    expect(fn.requiredLookback).toBe(4);
    const h = harness(fn);
    const out = [10, 10, 10, 9, 12, 13].map((c) => h.step(c));
    expect(out.map((s) => s.action)).toEqual(["NONE", "NONE", "NONE", "NONE", "ENTER_LONG", "NONE"]);
    expect(out[0]!.reasoning).toMatch(/^not warm: needs 4 closed bars/);
    expect(out[4]!.reasoning).toMatch(/^close 12 crossed above sma\(close, 3\) 10\.3333/);
    expect(out[4]!.metadata).toMatchObject({ left: 12 });
  });

  it("cross_below with a filter", () => {
    const fn = new CrossBelowFunction({
      action: "exit",
      left: close,
      right: { k: "num", v: 10 },
      filter: { k: "cmp", op: ">", l: { k: "field", f: "volume" }, r: { k: "num", v: 500 } },
    });
    const h = harness(fn);
    h.step(11);
    const filtered = h.step(9, 100);
    expect(filtered.action).toBe("NONE");
    expect(filtered.reasoning).toContain("filter volume > 500 is false");
    h.step(11);
    const s = h.step(9, 1000);
    expect(s.action).toBe("EXIT");
    expect(s.exitSide).toBeUndefined();
    expect(s.reasoning).toContain(", with volume > 500");
  });

  it("condition evaluates a general boolean expression", () => {
    const fn = new ConditionFunction({
      action: "enter_short",
      condition: {
        k: "and",
        l: { k: "cmp", op: "<", l: close, r: sma3 },
        r: { k: "cmp", op: "<", l: close, r: { k: "back", n: 1, e: close } },
      },
    });
    const h = harness(fn);
    const out = [10, 11, 12, 11, 12, 9].map((c) => h.step(c).action);
    expect(out).toEqual(["NONE", "NONE", "NONE", "ENTER_SHORT", "NONE", "ENTER_SHORT"]);
  });

  it("yields NONE while an `of` input is not warm even after the own lookback", () => {
    const fn = new ConditionFunction({
      action: "enter_long",
      condition: { k: "cmp", op: ">", l: close, r: { k: "of", tf: "1d", e: sma3 } },
    });
    const m5 = new BarSeries("AAPL", "5m");
    const d1 = new BarSeries("AAPL", "1d");
    const ev = new SymbolEvaluator((tf) => (tf === "5m" ? m5 : tf === "1d" ? d1 : undefined));
    const state = fn.createState({ symbol: "AAPL", timeframe: "5m", evaluator: ev });
    const bar: BarData = {
      symbol: "AAPL",
      timeframe: "5m",
      time: T0,
      closeTime: T0 + STEP,
      open: 1,
      high: 1,
      low: 1,
      close: 1000,
      volume: 1,
    };
    m5.push(bar);
    const ctx = createExecutionContext({
      symbol: "AAPL",
      timeframe: "5m",
      bar,
      history: m5.history,
      plan: PLAN,
      params: {},
      position: FLAT("AAPL"),
      account: ACCOUNT,
    });
    expect(fn.evaluateSync(ctx, state).reasoning).toMatch(/not warm yet/);
  });

  it("refuses a non-boolean condition or filter and boolean cross sides", () => {
    expect(() => new ConditionFunction({ action: "enter_long", condition: close })).toThrow(
      /condition: must be a boolean/,
    );
    expect(
      () => new CrossAboveFunction({ action: "enter_long", left: { k: "bool", v: true }, right: close, filter: close }),
    ).toThrow(/left: must be a numeric.*filter: must be a boolean/);
    expect(() => new ConditionFunction({ action: "enter_long", condition: { k: "cmp", op: ">", l: close } })).toThrow(
      FunctionError,
    );
  });
});

describe("helpers", () => {
  it("maps every plan action", () => {
    expect(mapAction("enter_long")).toEqual({ action: "ENTER_LONG" });
    expect(mapAction("enter_short")).toEqual({ action: "ENTER_SHORT" });
    expect(mapAction("exit")).toEqual({ action: "EXIT" });
    expect(mapAction("exit_long")).toEqual({ action: "EXIT", exitSide: "long" });
    expect(mapAction("exit_short")).toEqual({ action: "EXIT", exitSide: "short" });
  });

  it("formats prices and volumes", () => {
    expect(formatPrice(151.2)).toBe("151.20");
    expect(formatPrice(150)).toBe("150.00");
    expect(formatPrice(1.640625)).toBe("1.640625");
    expect(formatVolume(1_800_000)).toBe("1.8M");
    expect(formatVolume(1_000_000)).toBe("1M");
    expect(formatVolume(2500)).toBe("2.5K");
    expect(formatVolume(950)).toBe("950");
    expect(formatVolume(1.25e9)).toBe("1.25B");
    expect(formatNumber(-0.00001)).toBe("0");
    expect(formatNumber(1.23456789)).toBe("1.2346");
  });

  it("rounds as the definition says: String(Number(v.toFixed(digits)))", () => {
    const def = (v: number, d: number) => String(Number(v.toFixed(d)));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -1e8, max: 1e8, noNaN: true }),
          fc.integer({ min: 0, max: 10_000_000 }).map((i) => i / 100),
          fc.integer({ min: 0, max: 2_000_000_000 }),
        ),
        (v) => {
          expect(formatNumber(v)).toBe(def(v, 4));
          const p = def(v, 6);
          expect(formatPrice(v)).toBe(p.includes(".") ? (p.length - p.indexOf(".") < 3 ? `${p}0` : p) : `${p}.00`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
