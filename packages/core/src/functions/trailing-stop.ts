import { type TrailingStopParams, TrailingStopParamsSchema } from "@tradeplan/dsl";
import { z } from "zod";
import type { HistoryView } from "../bars/series.js";
import type { ExecutionContext } from "../context.js";
import { confidenceLevel, type ExecutionSignal, type PositionState } from "../models.js";
import { type CloseGate, ExecutionFunctionBase, type FunctionState, type FunctionStateEnv } from "./base.js";
import { formatNumber, formatPrice } from "./format.js";
import { clamp01, noneBecause } from "./signals.js";

/** Mutable per-stream state of a trailing stop: which position it follows and the best close so far. */
export interface TrailingStopState extends FunctionState {
  /** The side of the position being trailed, or flat when none. */
  side: "flat" | "long" | "short";
  /** `openedAt` of the trailed position (identifies it; a new position resets the state). */
  openedAt: number | undefined;
  /** Whether the activation price has been reached (always true without one). */
  active: boolean;
  /** Best close since the position opened or since activation; NaN before. */
  best: number;
  /** Milliseconds per bar of the stream (to find bars that closed after the entry). */
  readonly barMs: number;
}

/** The saved form of a {@link TrailingStopState} (JSON: a NaN best close is `null`). */
export const TrailingStopSnapshotSchema = z
  .object({
    side: z.enum(["flat", "long", "short"]),
    openedAt: z.number().nullable(),
    active: z.boolean(),
    best: z.number().nullable(),
  })
  .strict();

export type TrailingStopSnapshot = z.infer<typeof TrailingStopSnapshotSchema>;

const TF_UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5m` → 300000; NaN when the string is not a timeframe. */
export function timeframeMs(tf: string): number {
  const m = /^([1-9][0-9]*)([smhd])$/.exec(tf);
  return m ? Number(m[1]) * TF_UNIT_MS[m[2]!]! : Number.NaN;
}

/**
 * `trailing_stop`: exits an open position when a close gives back
 * `trailPercent` from the best close.
 *
 * - Long: best = highest close since the position opened, the entry bar's
 *   close (`position.entryClose`) included; exit when `close <= best * (1 - P/100)`.
 *   Short: best = lowest close; exit when `close >= best * (1 + P/100)`.
 * - With `activationPrice`, tracking starts at the first close at or above
 *   it (at or below for a short), the entry close included; before that the
 *   stop does nothing.
 * - The state resets whenever the position goes flat or a different
 *   position (other side or other `openedAt`) appears. When the state is
 *   (re)created while a position is open, the best close is rebuilt from the
 *   cached bars that closed after `openedAt`, so a restart loses nothing.
 * - The comparison allows a relative 1e-12 of floating-point slack, so a
 *   close exactly at the stop level triggers.
 * - Confidence when it triggers: `0.7 + 0.3 * clamp(overshoot / (best * P/100))`,
 *   where overshoot is how far the close went past the stop level: exactly at
 *   the stop is 0.7 (HIGH), a full trail width past it is 1.0.
 * - Signal: EXIT with `exitSide` = the position's side.
 */
export class TrailingStopFunction
  extends ExecutionFunctionBase<TrailingStopParams, TrailingStopState>
  implements CloseGate<TrailingStopState>
{
  static readonly paramsSchema = TrailingStopParamsSchema;
  static readonly description =
    "Exits the open position when a close falls trailPercent below the best close (mirrored for shorts).";
  readonly name = "trailing_stop";
  private readonly frac: number;
  private readonly noneFlat = noneBecause("no_position", "no open position to trail");
  private readonly noneInactive: ExecutionSignal;
  private readonly noneHolding: ExecutionSignal;

  constructor(params: unknown) {
    super(TrailingStopParamsSchema, params);
    this.frac = this.params.trailPercent / 100;
    const act = this.params.activationPrice;
    this.noneInactive = noneBecause(
      "condition_false",
      `trailing stop not active yet: waiting for a close at the activation price ${act === undefined ? "" : formatPrice(act)}`,
    );
    this.noneHolding = noneBecause(
      "condition_false",
      `close is within ${formatNumber(this.params.trailPercent)}% of the best close`,
    );
  }

  get requiredLookback(): number {
    return 1;
  }

  createState(env: FunctionStateEnv): TrailingStopState {
    return Object.seal({
      owner: this,
      symbol: env.symbol,
      timeframe: env.timeframe,
      side: "flat",
      openedAt: undefined,
      active: false,
      best: Number.NaN,
      barMs: timeframeMs(env.timeframe),
    });
  }

  /** {@link CloseGate}: whether the stop is hit at this close (the best close brought up to date, as evaluating does). */
  mayFire(
    state: TrailingStopState,
    close: number,
    _volume: number,
    position: PositionState,
    history: HistoryView,
  ): boolean {
    return typeof this.track(state, position, history, close) === "number";
  }

  evaluateSync(ctx: ExecutionContext, state: TrailingStopState): ExecutionSignal {
    this.checkState(ctx, state);
    const pos = ctx.position;
    const close = ctx.bar.close;
    const stop = this.track(state, pos, ctx.history, close);
    if (typeof stop !== "number") return stop;
    const long = pos.side === "long";
    const side = long ? "long" : "short";
    const best = state.best;
    const overshoot = long ? stop - close : close - stop;
    const confidence = 0.7 + 0.3 * clamp01(overshoot / (best * this.frac));
    const word = long ? "<=" : ">=";
    const sign = long ? "-" : "+";
    return Object.freeze({
      action: "EXIT",
      exitSide: side,
      confidence,
      reasoning: `close ${formatPrice(close)} ${word} stop ${formatPrice(stop)} (best close ${formatPrice(best)} ${sign}${formatNumber(this.params.trailPercent)}%)`,
      metadata: Object.freeze({
        function: this.name,
        close,
        best,
        stop,
        trailPercent: this.params.trailPercent,
        confidenceLevel: confidenceLevel(confidence),
      }),
    });
  }

  /**
   * Brings the state up to this close (a new position starts it over; flat
   * forgets it) and returns the stop level when the close hits it, else the
   * NONE to give: the one place the stop decides, for `evaluateSync` and the
   * fast path's gate. Evaluating one close twice gives the same answer.
   */
  private track(
    state: TrailingStopState,
    pos: PositionState,
    history: HistoryView,
    close: number,
  ): number | ExecutionSignal {
    if (pos.side === "flat") {
      state.side = "flat";
      state.openedAt = undefined;
      state.active = false;
      state.best = Number.NaN;
      return this.noneFlat;
    }
    const long = pos.side === "long";
    if (state.side !== pos.side || state.openedAt !== pos.openedAt) this.start(state, pos, history);
    this.consider(state, close, long);
    if (!state.active) return this.noneInactive;
    const best = state.best;
    const stop = long ? best * (1 - this.frac) : best * (1 + this.frac);
    // A relative 1e-12 slack absorbs rounding (105 * 0.98 is 102.89999...), so a close exactly at the stop triggers.
    const hit = long ? close <= stop * (1 + 1e-12) : close >= stop * (1 - 1e-12);
    return hit ? stop : this.noneHolding;
  }

  /** The state as JSON-safe data, for the state store (a restart then trails on from the same best close). */
  exportState(state: TrailingStopState): TrailingStopSnapshot {
    return {
      side: state.side,
      openedAt: state.openedAt ?? null,
      active: state.active,
      best: Number.isNaN(state.best) ? null : state.best,
    };
  }

  /**
   * Restores what {@link exportState} saved. Returns false, leaving the state
   * as it was, when the data is not a snapshot (the stop then rebuilds its
   * best close from the cached bars, as on a fresh start).
   */
  importState(state: TrailingStopState, data: unknown): boolean {
    const r = TrailingStopSnapshotSchema.safeParse(data);
    if (!r.success) return false;
    state.side = r.data.side;
    state.openedAt = r.data.openedAt ?? undefined;
    state.active = r.data.active;
    state.best = r.data.best ?? Number.NaN;
    return true;
  }

  /** Starts trailing a new position: the entry close, then cached bars that closed after the entry (oldest first). */
  private start(state: TrailingStopState, pos: PositionState, history: HistoryView): void {
    const long = pos.side === "long";
    state.side = pos.side;
    state.openedAt = pos.openedAt;
    state.active = this.params.activationPrice === undefined;
    state.best = Number.NaN;
    if (pos.entryClose !== undefined && Number.isFinite(pos.entryClose)) this.consider(state, pos.entryClose, long);
    const opened = pos.openedAt;
    if (opened === undefined || !Number.isFinite(state.barMs)) return;
    // Back 0 is the bar being evaluated now; the caller considers it.
    let oldest = 0;
    while (oldest + 1 < history.length && history.time(oldest + 1) + state.barMs > opened) oldest++;
    for (let back = oldest; back >= 1; back--) this.consider(state, history.close(back), long);
  }

  private consider(state: TrailingStopState, close: number, long: boolean): void {
    if (!state.active) {
      const act = this.params.activationPrice!;
      if (long ? close < act : close > act) return;
      state.active = true;
    }
    const b = state.best;
    if (Number.isNaN(b) || (long ? close > b : close < b)) state.best = close;
  }
}
