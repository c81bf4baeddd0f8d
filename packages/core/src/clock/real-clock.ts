import { type Clock, ClockError, type TimerHandle } from "./clock.js";

/** setTimeout's largest delay; longer waits are covered by re-arming. */
const MAX_DELAY_MS = 2_147_483_647;

interface RealTimer extends TimerHandle {
  readonly cb: () => void;
  timeout: ReturnType<typeof setTimeout> | undefined;
  active: boolean;
}

/**
 * Wall-clock time. Each timer computes its delay from `Date.now()` when it
 * is armed and checks the wall clock again when it fires: a timer that fires
 * early (Node rounds delays, the system clock may be stepped) is re-armed for
 * the remainder instead of running, so errors never accumulate across timers.
 */
export class RealClock implements Clock {
  private readonly unref: boolean;

  /** @param options.unref do not keep the process alive for pending timers. */
  constructor(options: { unref?: boolean } = {}) {
    this.unref = options.unref ?? false;
  }

  now(): number {
    return Date.now();
  }

  setTimer(at: number, cb: () => void): TimerHandle {
    if (Number.isNaN(at)) throw new ClockError("CLOCK_BAD_TIME", "timer time is NaN");
    const timer: RealTimer = { at, cb, timeout: undefined, active: true };
    this.arm(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const timer = handle as RealTimer;
    if (!timer.active) return;
    timer.active = false;
    if (timer.timeout !== undefined) clearTimeout(timer.timeout);
    timer.timeout = undefined;
  }

  private arm(timer: RealTimer): void {
    const delay = Math.min(Math.max(timer.at - Date.now(), 0), MAX_DELAY_MS);
    timer.timeout = setTimeout(() => this.fire(timer), delay);
    // Node's timers have unref(); a browser's are numbers and never keep anything alive.
    if (this.unref) (timer.timeout as { unref?: () => void }).unref?.();
  }

  private fire(timer: RealTimer): void {
    if (!timer.active) return;
    if (Date.now() < timer.at) {
      this.arm(timer);
      return;
    }
    timer.active = false;
    timer.timeout = undefined;
    timer.cb();
  }
}
