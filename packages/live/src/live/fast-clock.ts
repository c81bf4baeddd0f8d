import type { Clock, TimerHandle } from "@tradeplan/core";
import { VirtualClock } from "@tradeplan/core";

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
 * signals, I/O and pending promises are served while it runs.
 */
export class FastClock implements Clock {
  private readonly virtual: VirtualClock;
  private until: number;
  private readonly sliceMs: number;
  private running = false;
  private scheduled = false;
  private draining = false;
  private disposed = false;

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
    if (!this.running || this.scheduled || this.draining || this.disposed) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    if (this.disposed) return;
    const stop = performance.now() + this.sliceMs;
    this.draining = true;
    try {
      for (;;) {
        if (this.disposed) return;
        const next = this.virtual.nextTimerAt();
        if (next === undefined || next > this.until) return;
        this.virtual.advanceTo(Math.max(next, this.virtual.now()));
        if (performance.now() >= stop) break;
      }
    } finally {
      this.draining = false;
    }
    // The slice is used up: let signals, I/O and promises in, then go on.
    this.wake();
  }
}
