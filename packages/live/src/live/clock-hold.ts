import type { Clock } from "@tradeplan/core";

/**
 * A clock whose timers can be held back: a session working through one
 * market instant in several turns of the event loop (ten thousand symbols'
 * bars, in slices) holds it, so that no later instant, and no close the
 * clock would detect, comes in between. {@link ScaledClock} and
 * {@link FastClock} are such clocks; a real clock is not (live bars come
 * one message at a time anyway).
 */
export interface HoldableClock extends Clock {
  /**
   * Fires no timer until the returned function is called (more than once
   * is harmless), and meanwhile shows the market time it showed when held:
   * timers due in between fire late, in order, once the last hold is let go.
   */
  hold(): () => void;
}

/** Whether `clock` can be held (see {@link HoldableClock}). */
export function canHold(clock: Clock): clock is HoldableClock {
  return typeof (clock as Partial<HoldableClock>).hold === "function";
}

/** The holds on a clock: how many are taken, and what to do once the last is let go. */
export class Holds {
  private count = 0;

  /** Whether a hold is taken. */
  get held(): boolean {
    return this.count > 0;
  }

  /** Takes a hold; the function returned lets it go, calling `onFree` when it was the last one. */
  take(onFree: () => void): () => void {
    this.count++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.count === 0) onFree();
    };
  }
}
