import type { HistoryView } from "./bars/series.js";
import type { AccountInfo, BarData, PositionState } from "./models.js";

/** Plan-level facts a function may need (fixed for the plan's life; freeze once). */
export interface PlanInfo {
  readonly name: string;
  /** IANA zone the plan's `between` windows are read in. */
  readonly timezone: string;
  readonly sourceHash?: string;
}

/**
 * Everything a function sees when it evaluates one closed bar. Deeply frozen:
 * a function cannot change the position, the account or the bar, and the
 * history is a frozen accessor over the ring buffer (reading it copies
 * nothing). The position is the one before this close.
 */
export interface ExecutionContext {
  readonly symbol: string;
  readonly timeframe: string;
  /** The bar that just closed. */
  readonly bar: BarData;
  /** This stream's closed bars, newest first (`history.close(0) === bar.close`). */
  readonly history: HistoryView;
  readonly plan: PlanInfo;
  /** The rule's validated parameters. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly position: PositionState;
  readonly account: AccountInfo;
  /** Decision time: the bar's close time (epoch ms). */
  readonly timestamp: number;
}

/** Input of {@link createExecutionContext}: the context's parts; `timestamp` defaults to the bar's close time. */
export type ExecutionContextInput = Omit<ExecutionContext, "timestamp"> & { readonly timestamp?: number };

/**
 * Builds a frozen context. Cheap per bar: the bar, position and account are
 * flat objects, so a shallow freeze is a deep freeze, and objects already
 * frozen (the plan info, the history view, params frozen by the function
 * constructor, objects reused from the previous bar) are not walked again.
 */
export function createExecutionContext(input: ExecutionContextInput): ExecutionContext {
  return Object.freeze({
    symbol: input.symbol,
    timeframe: input.timeframe,
    bar: freezeFlat(input.bar),
    history: freezeFlat(input.history),
    plan: freezeFlat(input.plan),
    params: Object.isFrozen(input.params) ? input.params : deepFreeze(input.params),
    position: freezeFlat(input.position),
    account: freezeFlat(input.account),
    timestamp: input.timestamp ?? input.bar.closeTime,
  });
}

/**
 * Builds a context from parts the caller has frozen already (the engine
 * freezes the bar, position and account once per close, not once per rule):
 * only the context object itself is frozen here. Same result as
 * {@link createExecutionContext} for frozen parts.
 */
export function contextOfFrozenParts(input: ExecutionContextInput & { readonly timestamp: number }): ExecutionContext {
  return Object.freeze({
    symbol: input.symbol,
    timeframe: input.timeframe,
    bar: input.bar,
    history: input.history,
    plan: input.plan,
    params: input.params,
    position: input.position,
    account: input.account,
    timestamp: input.timestamp,
  });
}

/** Freezes a flat object (a bar, a position, an account) unless it is frozen already. */
export function freezeFlat<T extends object>(o: T): T {
  return Object.isFrozen(o) ? o : Object.freeze(o);
}

/**
 * Freezes an object graph (plain objects and arrays). Already-frozen
 * sub-objects are assumed frozen all the way down and not walked, which keeps
 * repeated freezing of shared structures O(1).
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return Object.freeze(value);
}
