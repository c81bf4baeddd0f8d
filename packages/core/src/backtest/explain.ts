import type { Engine } from "../engine/engine.js";
import type { EngineEvent, EngineEventSink } from "../engine/events.js";
import type { FunctionState } from "../functions/base.js";
import type { ConditionTrace } from "../ir/trace.js";
import type { ExecutionSignal } from "../models.js";

/** One rule evaluated at the explained close: what it decided and the values it decided on. */
export interface ExplainedRule {
  /** Close time (UTC ISO). */
  readonly time: string;
  readonly symbol: string;
  readonly timeframe: string;
  /** 1-based source line of the rule. */
  readonly line: number;
  /** The function (`condition`, `cross_above`, `close_above`, ...). */
  readonly function: string;
  readonly action: ExecutionSignal["action"];
  readonly reasoning: string;
  /** The condition's trace (then the filter's); absent for functions that are not expression rules. */
  readonly why?: readonly ConditionTrace[];
}

/** A function that can trace its condition on a state (the expression rules: `condition`, `cross_above`, `cross_below`). */
interface Traceable {
  trace(state: FunctionState): readonly ConditionTrace[];
}

function isTraceable(fn: object): fn is Traceable {
  return typeof (fn as Partial<Traceable>).trace === "function";
}

/**
 * Records every rule evaluated at the closes `at` selects, with its trace,
 * for `tradeplan backtest --explain`. It asks for evaluation events and
 * traces inside `emit`, right after the rule ran and before the next bar, so
 * the trace reads the very node values the rule decided on.
 */
export class ExplainSink implements EngineEventSink {
  readonly evaluations = true;
  readonly rules: ExplainedRule[] = [];
  private engine: Pick<Engine, "rule"> | undefined;

  constructor(private readonly at: (closeTime: number) => boolean) {}

  /** The engine whose rules are traced (the sink is made before the engine it is given to). */
  attach(engine: Pick<Engine, "rule">): void {
    this.engine = engine;
  }

  emit(e: EngineEvent): void {
    if (e.type !== "evaluation" || !this.at(e.time)) return;
    const bound = this.engine?.rule(e.symbol, e.timeframe, e.rule);
    const why = bound && isTraceable(bound.fn) ? bound.fn.trace(bound.state) : undefined;
    this.rules.push({
      time: new Date(e.time).toISOString(),
      symbol: e.symbol,
      timeframe: e.timeframe,
      line: e.line,
      function: bound?.compiled.name ?? e.rule,
      action: e.signal.action,
      reasoning: e.signal.reasoning,
      ...(why ? { why } : {}),
    });
  }
}
