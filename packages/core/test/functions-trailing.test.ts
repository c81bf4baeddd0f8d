import { describe, expect, it } from "vitest";
import { BarSeries } from "../src/bars/series.js";
import { createExecutionContext } from "../src/context.js";
import { FunctionError, TrailingStopFunction, timeframeMs } from "../src/functions/index.js";
import { SymbolEvaluator } from "../src/ir/index.js";
import { type AccountInfo, type BarData, FLAT, type PositionState } from "../src/models.js";

const ACCOUNT: AccountInfo = { cash: 0, equity: 0, realizedPnl: 0, unrealizedPnl: 0, dailyRealizedPnl: 0 };
const STEP = 60_000;

function harness(params: unknown) {
  const fn = new TrailingStopFunction(params);
  const series = new BarSeries("AAPL", "1m");
  const state = fn.createState({ symbol: "AAPL", timeframe: "1m", evaluator: new SymbolEvaluator(() => series) });
  let position: PositionState = FLAT("AAPL");
  const run = (close: number) => {
    const time = (series.count + 1) * STEP;
    const bar: BarData = {
      symbol: "AAPL",
      timeframe: "1m",
      time,
      closeTime: time + STEP,
      open: close,
      high: close,
      low: close,
      close,
      volume: 1,
    };
    series.push(bar);
    const ctx = createExecutionContext({
      symbol: "AAPL",
      timeframe: "1m",
      bar,
      history: series.history,
      plan: { name: "t", timezone: "UTC" },
      params: fn.params,
      position,
      account: ACCOUNT,
    });
    return fn.evaluateSync(ctx, state);
  };
  /** Opens a position as if the bar that just closed (at `close`) opened it. */
  const open = (side: "long" | "short", close: number) => {
    const r = run(close);
    const closeTime = series.count * STEP + STEP;
    position = {
      symbol: "AAPL",
      side,
      quantity: side === "long" ? 10 : -10,
      avgPrice: close,
      openedAt: closeTime,
      entryClose: close,
    };
    return r;
  };
  const flat = () => {
    position = FLAT("AAPL");
  };
  return { fn, state, run, open, flat, series };
}

describe("trailing_stop", () => {
  it("long: tracks the best close (entry included) and exits at best x (1 - P)", () => {
    const h = harness({ trailPercent: 2 });
    h.open("long", 100);
    expect(h.run(101).action).toBe("NONE");
    expect(h.run(105).action).toBe("NONE"); // best 105, stop 102.9
    expect(h.run(103).action).toBe("NONE");
    const s = h.run(102.9);
    expect(s).toMatchObject({ action: "EXIT", exitSide: "long" });
    expect(s.confidence).toBeCloseTo(0.7, 12);
    expect(s.reasoning).toBe("close 102.90 <= stop 102.90 (best close 105.00 -2%)");
    expect(s.metadata).toMatchObject({ best: 105, confidenceLevel: "HIGH" });
  });

  it("the entry close counts: a drop right after entry triggers", () => {
    const h = harness({ trailPercent: 5 });
    h.open("long", 100);
    const s = h.run(90); // stop 95, overshoot 5 = one full trail width → confidence 1
    expect(s.action).toBe("EXIT");
    expect(s.confidence).toBeCloseTo(1, 12);
  });

  it("short: mirrored (lowest close, exits at best x (1 + P))", () => {
    const h = harness({ trailPercent: 10 });
    h.open("short", 100);
    expect(h.run(80).action).toBe("NONE");
    expect(h.run(87).action).toBe("NONE"); // stop 88
    const s = h.run(88);
    expect(s).toMatchObject({ action: "EXIT", exitSide: "short" });
    expect(s.reasoning).toContain(">= stop 88.00");
  });

  it("with an activation price it waits for a close at that price, then trails from there", () => {
    const h = harness({ trailPercent: 2, activationPrice: 155 });
    h.open("long", 150);
    expect(h.run(140).reasoning).toMatch(/not active yet.*155\.00/);
    expect(h.run(154.99).action).toBe("NONE");
    expect(h.run(155).action).toBe("NONE"); // activated, best 155, stop 151.9
    expect(h.run(152).action).toBe("NONE");
    expect(h.run(151.9).action).toBe("EXIT");
  });

  it("an entry close beyond the activation price activates immediately", () => {
    const h = harness({ trailPercent: 1, activationPrice: 100 });
    h.open("long", 110);
    expect(h.run(108.9).action).toBe("EXIT");
  });

  it("resets when the position goes flat and follows a new position from its own entry", () => {
    const h = harness({ trailPercent: 2 });
    h.open("long", 200);
    h.run(210);
    h.flat();
    expect(h.run(150).reasoning).toBe("no open position to trail");
    expect(h.state.side).toBe("flat");
    h.open("long", 100);
    expect(h.run(99).action).toBe("NONE"); // best is 100 (not 210): stop 98
    expect(h.run(98).action).toBe("EXIT");
  });

  it("a flip from long to short in one close starts over", () => {
    const h = harness({ trailPercent: 5 });
    h.open("long", 100);
    h.run(120);
    h.open("short", 110);
    expect(h.state.side).toBe("long"); // the flip is seen on the next evaluation
    expect(h.run(100).action).toBe("NONE");
    expect(h.state.side).toBe("short");
    expect(h.run(105).action).toBe("EXIT"); // best 100, stop 105
  });

  it("rebuilds the best close from cached bars when its state is created mid-position", () => {
    const h = harness({ trailPercent: 2 });
    h.open("long", 100);
    h.run(120);
    h.run(119);
    // A fresh state (e.g. after a restart) must still know the best close 120.
    const fresh = h.fn.createState({ symbol: "AAPL", timeframe: "1m", evaluator: new SymbolEvaluator(() => h.series) });
    const time = (h.series.count + 1) * STEP;
    const bar: BarData = {
      symbol: "AAPL",
      timeframe: "1m",
      time,
      closeTime: time + STEP,
      open: 117,
      high: 117,
      low: 117,
      close: 117,
      volume: 1,
    };
    h.series.push(bar);
    const position: PositionState = {
      symbol: "AAPL",
      side: "long",
      quantity: 1,
      avgPrice: 100,
      openedAt: 2 * STEP,
      entryClose: 100,
    };
    const ctx = createExecutionContext({
      symbol: "AAPL",
      timeframe: "1m",
      bar,
      history: h.series.history,
      plan: { name: "t", timezone: "UTC" },
      params: h.fn.params,
      position,
      account: ACCOUNT,
    });
    const s = h.fn.evaluateSync(ctx, fresh);
    expect(s.action).toBe("EXIT"); // 117 <= 120 * 0.98 = 117.6
    expect(fresh.best).toBe(120);
  });

  it("refuses bad parameters", () => {
    for (const p of [
      {},
      { trailPercent: 0 },
      { trailPercent: 100 },
      { trailPercent: -1 },
      { trailPercent: 2, x: 1 },
      { trailPercent: "2" },
    ]) {
      expect(() => new TrailingStopFunction(p)).toThrow(FunctionError);
    }
  });

  it("parses timeframes to milliseconds", () => {
    expect(timeframeMs("5m")).toBe(300_000);
    expect(timeframeMs("1d")).toBe(86_400_000);
    expect(timeframeMs("30s")).toBe(30_000);
    expect(timeframeMs("0m")).toBeNaN();
  });
});
