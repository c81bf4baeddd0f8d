/** An armed timer; pass it to {@link Clock.clearTimer} to cancel. Opaque to callers. */
export interface TimerHandle {
  /** The instant (epoch ms) the timer is due. */
  readonly at: number;
}

/**
 * The runtime's only source of time. Live code uses {@link RealClock};
 * tests and replays use {@link VirtualClock} and move time themselves, so no
 * component reads `Date.now()` or calls `setTimeout` directly.
 */
export interface Clock {
  /** Current time, epoch ms. */
  now(): number;
  /** Calls `cb` once, when `now() >= at` (never synchronously inside this call). */
  setTimer(at: number, cb: () => void): TimerHandle;
  /** Cancels a timer; a no-op when it already fired or was cleared. */
  clearTimer(handle: TimerHandle): void;
}

/** Stable codes of clock errors. */
export type ClockErrorCode = "CLOCK_BAD_TIME" | "CLOCK_BACKWARDS" | "CLOCK_REENTRANT";

/** A clock was driven in a way that would break time order. */
export class ClockError extends Error {
  override readonly name = "ClockError";
  constructor(
    readonly code: ClockErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
