/**
 * The kernels of the columnar fast path: each built-in's `CloseGate`. Over
 * random parameters, bars and positions, two copies of a rule run side by
 * side, one evaluated at every close, the other asked its gate first and
 * evaluated after it. The gate must never say no where the evaluation
 * fires, asking it must not change what the evaluation gives, and it must
 * say no somewhere (a gate that always says yes is sound but skips nothing).
 * And the fast path's plan: which plans and options fall back, and why.
 */
import { analyze, type ExprIR } from "@tradeplan/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Backtest } from "../../src/backtest/runner.js";
import { BarSeries } from "../../src/bars/series.js";
import { planQuietCloses } from "../../src/columnar/quiet.js";
import { createExecutionContext } from "../../src/context.js";
import {
  type CloseGate,
  CrossAboveFunction,
  type ExecutionFunctionBase,
  type FunctionState,
} from "../../src/functions/index.js";
import { SymbolEvaluator } from "../../src/ir/index.js";
import { type BarData, FLAT, type PositionState } from "../../src/models.js";
import { BUILTIN_FUNCTIONS } from "../../src/registry/defaults.js";

const T0 = Date.UTC(2024, 2, 4, 14, 30);
const STEP = 300_000;
const ACCOUNT = Object.freeze({ cash: 1e5, equity: 1e5, realizedPnl: 0, unrealizedPnl: 0, dailyRealizedPnl: 0 });
const PLAN = Object.freeze({ name: "p", timezone: "America/New_York" });
const close: ExprIR = { k: "field", f: "close" };
const volume: ExprIR = { k: "field", f: "volume" };
const sma: ExprIR = { k: "ind", fn: "sma", src: close, period: 3 };
const highest: ExprIR = { k: "back", n: 1, e: { k: "ind", fn: "highest", src: { k: "field", f: "high" }, period: 4 } };

const common = fc.record(
  {
    action: fc.constantFrom("enter_long", "enter_short", "exit", "exit_long", "exit_short"),
    minConfidence: fc.double({ min: 0, max: 1, noNaN: true }),
    window: fc.constant({ from: "09:30", to: "12:00" }),
  },
  { requiredKeys: ["action"] },
);
const filter = fc.option(
  fc.constant<ExprIR>({ k: "cmp", op: ">", l: volume, r: { k: "ind", fn: "sma", src: volume, period: 3 } }),
  { nil: undefined },
);

/** Parameters of each built-in the way the compiler writes them. */
const PARAMS: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  close_above: fc
    .tuple(common, fc.double({ min: 95, max: 105, noNaN: true }), fc.option(fc.integer({ min: 0, max: 2000 })))
    .map(([c, threshold, minVolume]) => ({ ...c, threshold, ...(minVolume === null ? {} : { minVolume }) })),
  close_below: fc
    .tuple(common, fc.double({ min: 95, max: 105, noNaN: true }))
    .map(([c, threshold]) => ({ ...c, threshold })),
  trailing_stop: fc
    .tuple(fc.double({ min: 0.1, max: 3, noNaN: true }), fc.option(fc.double({ min: 95, max: 105, noNaN: true })))
    .map(([trailPercent, act]) => ({ trailPercent, ...(act === null ? {} : { activationPrice: act }) })),
  cross_above: fc
    .tuple(common, filter)
    .map(([c, f]) => ({ ...c, left: close, right: highest, ...(f ? { filter: f } : {}) })),
  cross_below: fc
    .tuple(common, filter)
    .map(([c, f]) => ({ ...c, left: close, right: sma, ...(f ? { filter: f } : {}) })),
  condition: fc.tuple(common, filter).map(([c, f]) => ({
    ...c,
    condition: { k: "cmp", op: ">", l: close, r: sma },
    ...(f ? { filter: f } : {}),
  })),
};

const bars = fc.array(
  fc.record({ close: fc.double({ min: 94, max: 106, noNaN: true }), volume: fc.integer({ min: 0, max: 2000 }) }),
  { minLength: 1, maxLength: 60 },
);
/** A position that changes now and then (each one opened at the bar it starts on). */
const positions = fc.array(fc.constantFrom("flat", "long", "short", "same", "same", "same"), {
  minLength: 60,
  maxLength: 60,
});

/** One copy of a rule on its own series. */
function copy(fn: ExecutionFunctionBase<unknown, FunctionState>) {
  const series = new BarSeries("AAPL", "5m", { capacity: 100 });
  const evaluator = new SymbolEvaluator((t) => (t === "5m" ? series : undefined));
  const state = fn.createState({ symbol: "AAPL", timeframe: "5m", evaluator });
  return { series, state };
}

describe("built-in gates (the fast path's kernels)", () => {
  it("covers every built-in, and every built-in has a gate", () => {
    expect(Object.keys(PARAMS).sort()).toEqual(Object.keys(BUILTIN_FUNCTIONS).sort());
    for (const cls of Object.values(BUILTIN_FUNCTIONS))
      expect(typeof (cls.prototype as Partial<CloseGate>).mayFire).toBe("function");
  });

  for (const [name, cls] of Object.entries(BUILTIN_FUNCTIONS)) {
    it(`${name}: never says no where the rule fires, and asking it changes nothing`, () => {
      let fired = 0;
      let skipped = 0;
      fc.assert(
        fc.property(PARAMS[name]!, bars, positions, (params, seq, changes) => {
          let fn: ExecutionFunctionBase<unknown, FunctionState>;
          try {
            fn = new cls(params);
          } catch {
            return;
          }
          const gate = fn as unknown as CloseGate;
          const plain = copy(fn);
          const gated = copy(fn);
          let position: PositionState = FLAT("AAPL");
          seq.forEach((b, i) => {
            const time = T0 + i * STEP;
            const bar: BarData = {
              symbol: "AAPL",
              timeframe: "5m",
              time,
              closeTime: time + STEP,
              open: b.close,
              high: b.close + 0.5,
              low: b.close - 0.5,
              close: b.close,
              volume: b.volume,
            };
            const change = changes[i]!;
            if (change === "flat") position = FLAT("AAPL");
            else if (change !== "same")
              position = {
                symbol: "AAPL",
                side: change,
                quantity: change === "long" ? 100 : -100,
                avgPrice: b.close,
                openedAt: time,
                entryClose: b.close,
              };
            plain.series.push(bar);
            gated.series.push(bar);
            const ctx = (history: BarSeries) =>
              createExecutionContext({
                symbol: "AAPL",
                timeframe: "5m",
                bar,
                history: history.history,
                plan: PLAN,
                params: fn.params as Record<string, unknown>,
                position,
                account: ACCOUNT,
              });
            const expected = fn.evaluateSync(ctx(plain.series), plain.state);
            const may = gate.mayFire(gated.state, b.close, b.volume, position, gated.series.history);
            const got = fn.evaluateSync(ctx(gated.series), gated.state);
            if (expected.action !== "NONE") {
              fired++;
              expect(may, `${name} at bar ${i}: the gate said no, the rule fired ${JSON.stringify(expected)}`).toBe(
                true,
              );
            }
            if (!may) skipped++;
            expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
          });
        }),
        { numRuns: 150, seed: 16 },
      );
      expect(fired).toBeGreaterThan(0);
      expect(skipped).toBeGreaterThan(0);
    });
  }
});

describe("which plans take the fast path", () => {
  const plan = (lines: string[]) => {
    const a = analyze(['plan "p"', 'timezone "America/New_York"', ...lines, ""].join("\n"), { fileName: "p.plan" });
    if (!a.compiled) throw new Error(a.diagnostics.map((d) => d.message).join("\n"));
    return a.compiled;
  };
  const one = plan(["symbol X", "on 5m close crosses above sma(close, 5) enter long", "on 1m trailing stop 1%"]);

  it("a one-symbol plan of built-ins takes it", () => {
    expect(new Backtest({ plan: one }).path).toEqual({ kind: "columnar" });
  });

  it("falls back, saying why: asked, a time budget, a sink of every evaluation, several symbols", () => {
    expect(new Backtest({ plan: one, path: "event" }).path).toEqual({
      kind: "event",
      reason: "the event path was asked for",
    });
    expect(new Backtest({ plan: one, budgetMs: 100 }).path).toMatchObject({ kind: "event", reason: /time budget/ });
    const sink = { evaluations: true, emit: () => {} };
    expect(new Backtest({ plan: one, sink }).path).toMatchObject({ kind: "event", reason: /every evaluation/ });
    const two = plan(["symbols X, Y", "on 5m close above 10 enter long"]);
    expect(new Backtest({ plan: two }).path).toEqual({ kind: "event", reason: "the plan trades 2 symbols" });
  });

  it("a rule whose function is not a built-in (a subclass included) falls back", () => {
    const bt = new Backtest({ plan: one });
    const rule = bt.engine.rule("X", "5m", one.functions[0]!.id)!;
    // A subclass of a built-in may read anything in its own evaluateSync: the gate of its base says nothing of it.
    expect(rule.fn).toBeInstanceOf(CrossAboveFunction);
    const mine = new (class extends CrossAboveFunction {})(rule.fn.params);
    const rules = one.functions.map((compiled, i) => ({
      compiled,
      fn: i === 0 ? mine : bt.engine.rule("X", compiled.timeframe, compiled.id)!.fn,
    }));
    const custom = new Backtest({ plan: one, rules });
    expect(custom.path).toMatchObject({ kind: "event", reason: /not a built-in/ });
    expect(planQuietCloses(custom.engine, one, {})).toMatch(/not a built-in/);
  });
});
