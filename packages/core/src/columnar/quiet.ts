/**
 * The columnar fast path's plan: which closes a backtest may take without
 * entering the engine. While the symbol has no position and no working
 * order, a close is appended to its stream's series as numbers and each of
 * the stream's rules is asked, through its {@link CloseGate}, whether it
 * may fire; the rules answer from the same compiled IR nodes (and the same
 * code) their `evaluateSync` decides with, so the fast path has no
 * evaluator of its own. Only where one says yes, or a position is open,
 * does the backtest build the bar and hand it to the engine.
 */
import type { CompiledPlan } from "@tradeplan/dsl";
import type { BarSeries } from "../bars/series.js";
import type { Engine } from "../engine/engine.js";
import type { CloseGate, FunctionState } from "../functions/base.js";
import { BUILTIN_FUNCTIONS } from "../registry/defaults.js";

/** One rule of a stream, with its per-stream state, as the fast path asks it. */
export interface QuietRule {
  readonly gate: CloseGate;
  readonly state: FunctionState;
}

/** One stream of the symbol: where its closes are appended, and its rules in source order. */
export interface QuietStream {
  readonly timeframe: string;
  readonly series: BarSeries;
  readonly rules: readonly QuietRule[];
}

/** The streams of the plan's one symbol by timeframe. */
export interface QuietPlan {
  readonly symbol: string;
  readonly streams: ReadonlyMap<string, QuietStream>;
}

/** What decides the path besides the plan's rules (a backtest's own options). */
export interface QuietOptions {
  /** `"event"` forces the event path (to compare the two, `tradeplan backtest --event-path`). */
  readonly path?: "auto" | "event";
  /** A finite per-function time budget: results would depend on the clock, read on every evaluation. */
  readonly budgetMs?: number;
  /** The sink wants an event per evaluation (`--explain`, `--audit`): closes cannot be skipped. */
  readonly evaluations?: boolean;
}

const BUILTIN_CLASSES: ReadonlySet<unknown> = new Set(Object.values(BUILTIN_FUNCTIONS));

function isGate(fn: unknown): fn is CloseGate {
  return typeof (fn as Partial<CloseGate>).mayFire === "function";
}

/**
 * The fast path's plan for `engine` running `plan`, or why the backtest
 * must take the event path (every close through the engine): the path was
 * asked for, the plan trades more than one symbol, a rule's function is not
 * a built-in with a gate (a registry's own function may read anything), a
 * time budget is set, or the sink records every evaluation.
 */
export function planQuietCloses(engine: Engine, plan: CompiledPlan, options: QuietOptions): QuietPlan | string {
  if (options.path === "event") return "the event path was asked for";
  if (options.budgetMs !== undefined && Number.isFinite(options.budgetMs))
    return "a time budget per function is set: every evaluation is timed";
  if (options.evaluations === true) return "every evaluation is recorded (--explain or --audit)";
  if (plan.symbols.length !== 1) return `the plan trades ${plan.symbols.length} symbols`;
  const symbol = plan.symbols[0] as string;
  const streams = new Map<string, QuietStream>();
  for (const { timeframe } of engine.streams()) {
    const series = engine.series(symbol, timeframe);
    if (series === undefined) return `no series for ${symbol} ${timeframe}`;
    const rules: QuietRule[] = [];
    for (const f of plan.functions) {
      if (f.timeframe !== timeframe) continue;
      const rule = engine.rule(symbol, timeframe, f.id);
      if (rule === undefined) return `rule ${f.id} (line ${f.line}) is not bound`;
      if (!BUILTIN_CLASSES.has(rule.fn.constructor) || !isGate(rule.fn))
        return `rule ${f.id} (line ${f.line}) runs \`${rule.fn.name}\`, not a built-in function the fast path can ask`;
      rules.push({ gate: rule.fn, state: rule.state });
    }
    streams.set(timeframe, { timeframe, series, rules });
  }
  return { symbol, streams };
}
