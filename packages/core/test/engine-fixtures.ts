import type { CompiledFunction, CompiledPlan } from "@tradeplan/dsl";
import { z } from "zod";
import type { ExecutionContext } from "../src/context.js";
import { ExecutionFunctionBase, type FunctionState, type FunctionStateEnv } from "../src/functions/base.js";
import type { BarData, ExecutionSignal } from "../src/models.js";

export const SPAN = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } };
export const HASH = "ab".repeat(32);
export const MIN = 60_000;
/** 2024-01-02 09:30 New York. */
export const T0 = Date.UTC(2024, 0, 2, 14, 30);

export function plan(functions: CompiledFunction[], extra: Partial<CompiledPlan> = {}): CompiledPlan {
  const tfs = [...new Set(functions.map((f) => f.timeframe))];
  const symbols = extra.symbols ?? ["X"];
  return {
    format: "tradeplan/compiled-plan",
    version: 1,
    name: "test plan",
    sourceHash: HASH,
    timezone: "America/New_York",
    session: "always",
    symbols,
    risk: {},
    streams: symbols.flatMap((symbol) =>
      tfs.map((timeframe) => ({ symbol, timeframe, seconds: timeframe === "5m" ? 300 : 60, lookback: 30 })),
    ),
    functions,
    ...extra,
  };
}

/** A `condition` rule record (the engine reads id, line, timeframe and params from it). */
export function rule(
  line: number,
  action: "enter_long" | "enter_short" | "exit" | "exit_long" | "exit_short",
  extra: Record<string, unknown> = {},
  timeframe = "1m",
): CompiledFunction {
  return {
    id: `r${line}`,
    line,
    timeframe,
    lookback: 1,
    span: SPAN,
    source: `rule on line ${line}`,
    name: "condition",
    params: { action, condition: { k: "bool", v: true }, ...extra },
  } as CompiledFunction;
}

export function bar(i: number, close: number, symbol = "X", timeframe = "1m"): BarData {
  const time = T0 + i * MIN;
  return { symbol, timeframe, time, closeTime: time + MIN, open: close, high: close, low: close, close, volume: 1000 };
}

export function sig(action: ExecutionSignal["action"], exitSide?: "long" | "short"): ExecutionSignal {
  return Object.freeze({
    action,
    confidence: 0.8,
    reasoning: `scripted ${action}`,
    metadata: Object.freeze({}),
    ...(exitSide ? { exitSide } : {}),
  });
}

const NONE = sig("NONE");
const AnyParams = z.record(z.string(), z.unknown());

/**
 * A test function: `script(closeTime, ctx)` decides the result — a signal, a
 * thrown error, or anything at all (garbage).
 */
export class ScriptedFunction extends ExecutionFunctionBase<Record<string, unknown>> {
  readonly name = "scripted";
  readonly seen: ExecutionContext[] = [];
  constructor(private readonly script: (ctx: ExecutionContext) => unknown) {
    super(AnyParams, {});
  }
  get requiredLookback(): number {
    return 1;
  }
  createState(env: FunctionStateEnv): FunctionState {
    return { owner: this, symbol: env.symbol, timeframe: env.timeframe };
  }
  evaluateSync(ctx: ExecutionContext): ExecutionSignal {
    this.seen.push(ctx);
    return this.script(ctx) as ExecutionSignal;
  }
}

/** Fires `signal` on the bars whose index (from T0, 1-minute bars) is listed. */
export function firesOn(indexes: number[], signal: ExecutionSignal): ScriptedFunction {
  return new ScriptedFunction((ctx) => (indexes.includes((ctx.bar.time - T0) / MIN) ? signal : NONE));
}
