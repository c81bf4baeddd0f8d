import type { z } from "zod";
import type { HistoryView } from "../bars/series.js";
import type { ExecutionContext } from "../context.js";
import { deepFreeze } from "../context.js";
import type { SymbolEvaluator } from "../ir/evaluator.js";
import { issueLines } from "../ir/zod-issues.js";
import type { ExecutionSignal, PositionState } from "../models.js";
import { FunctionError } from "./errors.js";

/**
 * What a function needs to build the per-stream state of one (symbol, rule
 * timeframe): the identity, and the symbol's shared {@link SymbolEvaluator}
 * (which owns the series lookup and compiles expressions).
 */
export interface FunctionStateEnv {
  readonly symbol: string;
  readonly timeframe: string;
  readonly evaluator: SymbolEvaluator;
  /**
   * Whether firings carry `metadata.why`, the values that decided them
   * (backtests: docs/backtest.md, "Why it fired"). Off by default: live runs
   * journal every signal's metadata, and do not need it.
   */
  readonly traceFirings?: boolean;
}

/**
 * Per-(symbol, stream) mutable state of one function instance.
 *
 * Why it exists: the registry pools instances, so one `close_above(150)`
 * object serves every symbol and stream the plan runs on. Anything that
 * differs per stream (compiled indicator nodes, the trailing stop's best
 * close) therefore cannot live on the instance. The engine calls
 * `fn.createState(env)` once per (symbol, rule) before the first bar, keeps
 * the object, and passes it back on every `evaluate`. The state is the
 * function's private business; the engine only stores it.
 */
export interface FunctionState {
  /** The instance that created the state (checked on evaluate). */
  readonly owner: ExecutionFunctionBase<unknown>;
  readonly symbol: string;
  readonly timeframe: string;
}

/**
 * A function that can say, from its state and the close's numbers alone,
 * whether a close may give anything but NONE. The columnar fast path
 * (backtest/runner.ts `feedRow`) asks it on every close while no position
 * is open, and builds a bar, a context and a signal only where it says
 * yes. It must never say no where `evaluateSync` would fire: each built-in
 * answers from the same code its `evaluateSync` decides with.
 */
export interface CloseGate<S extends FunctionState = FunctionState> {
  /**
   * May update the state exactly as `evaluateSync` would at this close (the
   * trailing stop's best close): evaluating the same close again after a yes
   * must give what one evaluation gives.
   *
   * @param close the close price of the bar that just closed (already in the stream's series)
   * @param volume its volume
   * @param position the symbol's position as the close's context would hold it
   * @param history the stream's series, the bar that just closed at back 0
   */
  mayFire(state: S, close: number, volume: number, position: PositionState, history: HistoryView): boolean;
}

/**
 * What the registry needs from a function class: a constructor taking raw
 * parameters, and the zod schema those parameters must satisfy.
 */
export interface ExecutionFunctionClass<P = unknown> {
  new (params: unknown): ExecutionFunctionBase<P>;
  /** The zod schema of the parameters (the registry validates with it before pooling). */
  readonly paramsSchema: z.ZodType<P>;
  /** One line for `listFunctions()`. */
  readonly description: string;
}

/**
 * Base of every execution function.
 *
 * Contract:
 * - parameters are validated with the function's zod schema in the
 *   constructor and then deeply frozen; instances are immutable and may be
 *   shared (pooled) between symbols and streams;
 * - `requiredLookback` is the number of bars of the rule's own stream that
 *   must have closed before it may fire; before that it yields NONE;
 * - per-stream state comes from {@link createState} (see {@link FunctionState});
 * - `evaluateSync` is the allocation-light fast path for backtests;
 *   `evaluate` is the async form the live engine awaits (a function that must
 *   do I/O overrides `evaluate` and leaves `evaluateSync` throwing).
 * - a throw means "this function failed on this bar"; the engine records it
 *   and treats the result as NONE.
 */
export abstract class ExecutionFunctionBase<P, S extends FunctionState = FunctionState> {
  /** Registry name, e.g. `close_above`. */
  abstract readonly name: string;
  readonly params: Readonly<P>;

  protected constructor(
    private readonly schema: z.ZodType<P>,
    params: unknown,
  ) {
    this.params = deepFreeze(this.validateParameters(params));
  }

  /** Validates raw parameters; throws `FN_INVALID_PARAMS` listing each issue as `path: message`. */
  validateParameters(params: unknown): P {
    return parseParams(this.schema, params, this.constructor.name);
  }

  /** Own-stream bars needed before the function may fire. */
  abstract get requiredLookback(): number;

  /** Creates the per-(symbol, stream) state; see {@link FunctionState}. */
  abstract createState(env: FunctionStateEnv): S;

  /** Synchronous evaluation of one closed bar. */
  abstract evaluateSync(ctx: ExecutionContext, state: S): ExecutionSignal;

  /** Asynchronous evaluation of one closed bar; a throw becomes a rejected promise. */
  evaluate(ctx: ExecutionContext, state: S): Promise<ExecutionSignal> {
    try {
      return Promise.resolve(this.evaluateSync(ctx, state));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Guards against a state made by another instance or for another stream. */
  protected checkState(ctx: ExecutionContext, state: S): void {
    if (state.owner !== this || state.symbol !== ctx.symbol || state.timeframe !== ctx.timeframe) {
      throw new FunctionError(
        "FN_FOREIGN_STATE",
        `${this.name}: state for ${state.symbol} ${state.timeframe} (owner ${state.owner?.name}) used for ${ctx.symbol} ${ctx.timeframe}`,
      );
    }
  }
}

/** Parses with a zod schema; throws `FN_INVALID_PARAMS` with `path: message` per issue. */
export function parseParams<P>(schema: z.ZodType<P>, params: unknown, what: string): P {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const issues = issueLines(r.error.issues);
  throw new FunctionError("FN_INVALID_PARAMS", `${what}: invalid parameters: ${issues.join("; ")}`, issues);
}
