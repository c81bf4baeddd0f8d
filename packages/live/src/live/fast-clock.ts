import type { TimerHandle } from "@tradeplan/core";
import { VirtualClock } from "@tradeplan/core";
import { type HoldableClock, Holds } from "./clock-hold.js";

/** Options of a {@link FastClock}. */
export interface FastClockOptions {
  /** Market time (epoch ms) the clock shows when created. */
  readonly start: number;
  /**
   * The last market instant it moves to: timers due later never fire (a
   * replay's last bar close, so that nothing is detected after the data
   * ends, as in a backtest). Default: no end.
   */
  readonly until?: number;
  /** Wall-clock milliseconds it runs timers before letting other work in (signals, I/O). Default 20. */
  readonly sliceMs?: number;
}

/**
 * Market time with no wall clock: once {@link run} is called it jumps from
 * one timer to the next at once, firing timers in (due time, creation)
 * order with `now()` at each one's due time — a replay at `speed: max`
 * goes through the live session exactly as on a real clock, as fast as the
 * machine allows. It yields to the event loop every `sliceMs` of work, so
 * signals, I/O and pending promises are served while it runs, and can be
 * held ({@link hold}) while a session works through one instant in slices.
 */
export class FastClock implements HoldableClock {
  private readonly virtual: VirtualClock;
  private until: number;
  private readonly sliceMs: number;
  private running = false;
  private scheduled = false;
  private draining = false;
  private disposed = false;
  private readonly holds = new Holds();

  constructor(options: FastClockOptions) {
    this.virtual = new VirtualClock(options.start);
    this.until = options.until ?? Number.POSITIVE_INFINITY;
    this.sliceMs = options.sliceMs ?? 20;
  }

  now(): number {
    return this.virtual.now();
  }

  setTimer(at: number, cb: () => void): TimerHandle {
    const handle = this.virtual.setTimer(at, cb);
    this.wake();
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.virtual.clearTimer(handle);
  }

  /** See {@link HoldableClock.hold} (market time stands still between timers anyway). */
  hold(): () => void {
    return this.holds.take(() => this.wake());
  }

  /** Sets the last market instant it moves to (see {@link FastClockOptions.until}). */
  endAt(until: number): void {
    this.until = until;
  }

  /** Starts moving time (it stands still at `start` until then, while the session starts up). */
  run(): void {
    this.running = true;
    this.wake();
  }

  /** Whether every timer due up to `until` has fired (nothing is left to run). */
  get idle(): boolean {
    const next = this.virtual.nextTimerAt();
    return next === undefined || next > this.until;
  }

  /** Stops for good; pending timers never fire. */
  dispose(): void {
    this.disposed = true;
  }

  private wake(): void {
    if (!this.running || this.scheduled || this.draining || this.disposed || this.holds.held) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.disposed || this.holds.held) return;
    const stop = performance.now() + this.sliceMs;
    this.draining = true;
    try {
      for (;;) {
        if (this.disposed) return;
        const next = this.virtual.nextTimerAt();
        if (next === undefined || next > this.until) return;
        this.virtual.advanceTo(Math.max(next, this.virtual.now()));
        // A timer held the clock: the last hold let go wakes it again.
        if (this.holds.held) return;
        if (performance.now() >= stop) break;
      }
    } finally {
      this.draining = false;
    }
    // The slice is used up: let signals, I/O and promises in, then go on.
    this.wake();
  }
}
