/**
 * The engine does not re-validate the results of the built-in functions on
 * every call (see `builtIn` in engine.ts): this test is what stands behind
 * that. Every built-in, with random parameters, over random bars and random
 * positions, returns frozen signals that the signal schema accepts.
 */
import type { ExprIR } from "@tradeplan/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BarSeries } from "../src/bars/series.js";
import { createExecutionContext } from "../src/context.js";
import { ExecutionSignalSchema } from "../src/engine/signal.js";
import type { ExecutionFunctionBase, FunctionState } from "../src/functions/index.js";
import { SymbolEvaluator } from "../src/ir/index.js";
import { type BarData, FLAT, type PositionState } from "../src/models.js";
import { BUILTIN_FUNCTIONS } from "../src/registry/defaults.js";

const T0 = Date.UTC(2024, 2, 4, 14, 30);
const STEP = 300_000;
const ACCOUNT = Object.freeze({ cash: 1e5, equity: 1e5, realizedPnl: 0, unrealizedPnl: 0, dailyRealizedPnl: 0 });
const PLAN = Object.freeze({ name: "p", timezone: "America/New_York" });
const close: ExprIR = { k: "field", f: "close" };
const sma: ExprIR = { k: "ind", fn: "sma", src: close, period: 3 };

const action = fc.constantFrom("enter_long", "enter_short", "exit", "exit_long", "exit_short");
const common = fc.record(
  {
    action,
    minConfidence: fc.double({ min: 0, max: 1, noNaN: true }),
    window: fc.constant({ from: "09:30", to: "12:00" }),
  },
  { requiredKeys: ["action"] },
);

/** Parameters of each built-in the way the compiler writes them. */
const PARAMS: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  close_above: fc
    .tuple(common, fc.double({ min: 90, max: 110, noNaN: true }), fc.option(fc.integer({ min: 0, max: 2000 })))
    .map(([c, threshold, minVolume]) => ({ ...c, threshold, ...(minVolume === null ? {} : { minVolume }) })),
  close_below: fc
    .tuple(common, fc.double({ min: 90, max: 110, noNaN: true }))
    .map(([c, threshold]) => ({ ...c, threshold })),
  trailing_stop: fc
    .tuple(fc.double({ min: 0.1, max: 10, noNaN: true }), fc.option(fc.double({ min: 90, max: 110, noNaN: true })))
    .map(([trailPercent, act]) => ({ trailPercent, ...(act === null ? {} : { activationPrice: act }) })),
  cross_above: common.map((c) => ({ ...c, left: close, right: sma })),
  cross_below: common.map((c) => ({ ...c, left: close, right: sma })),
  condition: common.map((c) => ({
    ...c,
    condition: { k: "cmp", op: ">", l: close, r: sma },
  })),
};

const bars = fc.array(
  fc.record({ close: fc.double({ min: 80, max: 120, noNaN: true }), volume: fc.integer({ min: 0, max: 5000 }) }),
  { minLength: 1, maxLength: 40 },
);
const positions = fc.array(fc.constantFrom("flat", "long", "short"), { minLength: 40, maxLength: 40 });

describe("built-in function results", () => {
  it("covers every built-in", () => {
    expect(Object.keys(PARAMS).sort()).toEqual(Object.keys(BUILTIN_FUNCTIONS).sort());
  });

  for (const [name, cls] of Object.entries(BUILTIN_FUNCTIONS)) {
    it(`${name}: every result is a frozen signal the schema accepts`, () => {
      let built = 0;
      let fired = 0;
      fc.assert(
        fc.property(PARAMS[name]!, bars, positions, (params, seq, sides) => {
          let fn: ExecutionFunctionBase<unknown, FunctionState>;
          try {
            fn = new cls(params);
          } catch {
            // A parameter combination the function's schema refuses is not a result to check.
            return;
          }
          built++;
          const series = new BarSeries("AAPL", "5m", { capacity: 100 });
          const evaluator = new SymbolEvaluator((t) => (t === "5m" ? series : undefined));
          const state = fn.createState({ symbol: "AAPL", timeframe: "5m", evaluator });
          seq.forEach((b, i) => {
            const time = T0 + i * STEP;
            const bar: BarData = {
              symbol: "AAPL",
              timeframe: "5m",
              time,
              closeTime: time + STEP,
              open: b.close,
              high: b.close + 1,
              low: b.close - 1,
              close: b.close,
              volume: b.volume,
            };
            series.push(bar);
            const side = sides[i]!;
            const position: PositionState =
              side === "flat"
                ? FLAT("AAPL")
                : {
                    symbol: "AAPL",
                    side,
                    quantity: side === "long" ? 100 : -100,
                    avgPrice: 100,
                    openedAt: T0,
                    entryClose: 100,
                  };
            const ctx = createExecutionContext({
              symbol: "AAPL",
              timeframe: "5m",
              bar,
              history: series.history,
              plan: PLAN,
              params: fn.params as Record<string, unknown>,
              position,
              account: ACCOUNT,
            });
            const out = fn.evaluateSync(ctx, state);
            expect(ExecutionSignalSchema.safeParse(out).success, JSON.stringify(out)).toBe(true);
            expect(Object.isFrozen(out) && Object.isFrozen(out.metadata)).toBe(true);
            if (out.action !== "NONE") fired++;
          });
        }),
        { numRuns: 200 },
      );
      // The check means something only if the functions were built and fired.
      expect(built).toBeGreaterThan(100);
      expect(fired).toBeGreaterThan(0);
    });
  }
});
