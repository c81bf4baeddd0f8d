import { analyze } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { runBacktest } from "../../src/backtest/runner.js";
import { periodSharpe } from "../../src/optimize/returns.js";
import { InProcessRunner, runVariantTask, VariantContext, type VariantResult } from "../../src/optimize/task.js";
import { fixtureBars, PLAN, PLAN_WITHOUT_PARAMS } from "./fixture.js";

const bars = fixtureBars();
const setup = { source: PLAN, fileName: "fixture.plan" };
const context = VariantContext.create(setup, bars);

/** The backtest `tradeplan backtest --set ...` would run on bars [from, to). */
function reference(params: Record<string, number>, from = 0, to = bars.length) {
  const plan = analyze(PLAN, { params }).compiled;
  if (!plan) throw new Error("fixture does not compile");
  return runBacktest({ plan }, bars.slice(from, to)).result.stats;
}

describe("runVariantTask", () => {
  it("gives the statistics of a plain backtest of the plan with the same params", () => {
    for (const params of [
      { threshold: 100, length: 10 },
      { threshold: 98, length: 20 },
      { threshold: 103, length: 5 },
    ]) {
      const r = runVariantTask(context, { index: 0, params, from: 0, to: bars.length });
      if (!r.ok) throw new Error(r.error);
      const s = reference(params);
      expect(r.stats.trades).toBeGreaterThan(1);
      expect(r.stats).toMatchObject({
        trades: s.trades,
        netPnl: s.netPnl,
        endEquity: s.endEquity,
        maxDrawdown: s.maxDrawdown,
        sharpe: s.sharpe,
        profitFactor: s.profitFactor,
        exposure: s.exposure,
      });
      // The daily returns it keeps are the ones the backtest's Sharpe ratio is computed from.
      expect((periodSharpe(r.stats.returns) as number) * Math.sqrt(252)).toBeCloseTo(s.sharpe as number, 9);
      expect(r.stats.returns.count).toBe(10);
    }
  });

  it("backtests only the task's bars, from a flat account, with the closing equity of each day when asked", () => {
    const from = 3 * 480;
    const to = 7 * 480 + 100;
    const r = runVariantTask(context, { index: 4, params: { threshold: 99, length: 15 }, from, to, equity: true });
    if (!r.ok) throw new Error(r.error);
    const s = reference({ threshold: 99, length: 15 }, from, to);
    expect(r.index).toBe(4);
    expect(r.stats).toMatchObject({ bars: to - from, trades: s.trades, netPnl: s.netPnl, sharpe: s.sharpe });
    // Days 4-7 whole, and day 8's first 100 minutes.
    expect(r.equity?.map((p) => new Date(p.t).toISOString())).toEqual([
      "2024-01-04T16:00:00.000Z",
      "2024-01-05T16:00:00.000Z",
      "2024-01-06T16:00:00.000Z",
      "2024-01-07T16:00:00.000Z",
      "2024-01-08T09:40:00.000Z",
    ]);
    expect(r.equity?.at(-1)?.v).toBe(s.endEquity);
    expect(runVariantTask(context, { index: 4, params: { threshold: 99, length: 15 }, from, to })).not.toHaveProperty(
      "equity",
    );
  });

  it("reports a variant that throws as failed with its error, and is the same for a context built elsewhere", () => {
    const r = runVariantTask(context, { index: 7, params: { threshold: 150 }, from: 0, to: bars.length });
    expect(r).toEqual({ index: 7, ok: false, error: "param `threshold` = 150 is outside its range 97..103" });
    const task = { index: 1, params: { threshold: 101, length: 5 }, from: 0, to: bars.length };
    const again = VariantContext.create(setup, fixtureBars());
    expect(runVariantTask(again, task)).toEqual(runVariantTask(context, task));
  });

  it("refuses a plan with errors", () => {
    expect(() => VariantContext.create({ source: "plan x\nsymbol", fileName: "bad.plan" }, bars)).toThrow(
      "`bad.plan` has errors; nothing was run",
    );
    expect(
      VariantContext.create({ source: PLAN_WITHOUT_PARAMS, fileName: "x.plan" }, bars).plan.params,
    ).toBeUndefined();
  });
});

describe("InProcessRunner", () => {
  const tasks = [97, 150, 99, 100, 101].map((threshold, index) => ({
    index,
    params: { threshold, length: 10 },
    from: 0,
    to: 2 * 480,
  }));

  it("runs every task in order; a failed one does not stop the others", async () => {
    const seen: VariantResult[] = [];
    await new InProcessRunner(context).run(tasks, (r) => seen.push(r));
    expect(seen.map((r) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
      [3, true],
      [4, true],
    ]);
  });

  it("stops once the signal is aborted, yielding to the host between tasks", async () => {
    const signal = { aborted: false };
    const seen: number[] = [];
    let yields = 0;
    const runner = new InProcessRunner(context, {
      yieldEveryMs: 0,
      yieldNow: async () => {
        yields++;
      },
    });
    await runner.run(
      tasks,
      (r) => {
        seen.push(r.index);
        if (seen.length === 2) signal.aborted = true;
      },
      signal,
    );
    expect(seen).toEqual([0, 1]);
    expect(yields).toBe(2);
  });
});
