import type { TimerHandle } from "@tradeplan/core";
import { VirtualClock } from "@tradeplan/core";
import { ClockError } from "@tradeplan/core/internal";
import { type HoldableClock, Holds } from "./clock-hold.js";

/** Options of a {@link ScaledClock}. */
export interface ScaledClockOptions {
  /** Market time (epoch ms) the clock shows when created. */
  readonly start: number;
  /** Market milliseconds per wall-clock millisecond (1: real time; 60: a minute per second). */
  readonly speed: number;
  /** Wall-clock source (default `Date.now`); injectable for tests. */
  readonly wall?: () => number;
  /**
   * Stand still at `start` until {@link ScaledClock.run} is called (a
   * session's startup then takes no market time, however fast the replay).
   * Default false: time runs from construction.
   */
  readonly held?: boolean;
  /** Wall-clock milliseconds it runs due timers before letting other work in (signals, I/O). Default 20. */
  readonly sliceMs?: number;
}

/**
 * Market time that runs `speed` times as fast as the wall clock, from
 * `start`: a replay or simulation on a real clock. Timers are kept in a
 * {@link VirtualClock} and fired in (due time, creation) order from one
 * wall-clock timer, so two timers due at different market instants always
 * fire in that order, however late the process wakes up — a replay's
 * outcome does not depend on the machine's load. A process that fell far
 * behind catches up in slices of `sliceMs`, letting signals and I/O in
 * between, rather than firing an hour of market time in one go. It can be
 * held ({@link hold}): a session working through one instant in slices
 * keeps the next instant out meanwhile.
 */
export class ScaledClock implements HoldableClock {
  private readonly virtual: VirtualClock;
  private readonly wall: () => number;
  private wallStart: number;
  private running: boolean;
  private readonly start: number;
  private readonly speed: number;
  private handle: ReturnType<typeof setTimeout> | undefined;
  private armedFor: number | undefined;
  private firing = false;
  private disposed = false;
  private readonly sliceMs: number;
  private idle: { readonly next: () => number; readonly minGapMs: number; readonly maxWaitMs: number } | undefined;
  private readonly holds = new Holds();
  /** The market time shown while held. */
  private heldAt = Number.NaN;

  constructor(options: ScaledClockOptions) {
    if (!Number.isFinite(options.start)) throw new ClockError("CLOCK_BAD_TIME", `start ${options.start} is not finite`);
    if (!(options.speed > 0) || !Number.isFinite(options.speed)) {
      throw new ClockError("CLOCK_BAD_TIME", `speed ${options.speed} must be a positive finite number`);
    }
    this.wall = options.wall ?? Date.now;
    this.wallStart = this.wall();
    this.running = options.held !== true;
    this.start = options.start;
    this.speed = options.speed;
    this.virtual = new VirtualClock(options.start);
    this.sliceMs = options.sliceMs ?? 20;
  }

  /**
   * Skips idle market time: whenever the next bar (`next()`, market time;
   * Infinity when there is none) is more than `minGapMs` of market time and
   * more than `maxWaitMs` of wall-clock time away, market time jumps ahead
   * to `maxWaitMs` before it, so the nights, weekends and holidays of a
   * replay or simulation pass at once (the bars of a session come at their
   * pace). Timers due in between (a breaker's watchdog) still fire, in
   * order, as the clock catches up.
   */
  skipIdle(next: () => number, options: { minGapMs?: number; maxWaitMs?: number } = {}): void {
    this.idle = { next, minGapMs: options.minGapMs ?? 3_600_000, maxWaitMs: options.maxWaitMs ?? 1000 };
    this.arm();
  }

  /** The wall-clock time (epoch ms) at which this clock shows market time `t` (or showed it). */
  wallTimeOf(t: number): number {
    return this.wallStart + (t - this.start) / this.speed;
  }

  /** The market time now; inside a timer callback, that timer's due time; while held, the time it was held at. */
  now(): number {
    if (this.firing) return this.virtual.now();
    if (this.holds.held) return this.heldAt;
    return Math.max(this.virtual.now(), this.scaled());
  }

  /** See {@link HoldableClock.hold}. Inside a timer callback, the timers due at the same instant still fire. */
  hold(): () => void {
    if (!this.holds.held) this.heldAt = this.now();
    return this.holds.take(() => this.arm());
  }

  setTimer(at: number, cb: () => void): TimerHandle {
    const handle = this.virtual.setTimer(at, cb);
    if (!this.firing) this.arm();
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.virtual.clearTimer(handle);
  }

  /** Starts a held clock: market time runs from `start` from now on. A no-op when it runs already. */
  run(): void {
    if (this.running) return;
    this.running = true;
    this.wallStart = this.wall();
    this.arm();
  }

  /** Cancels the wall-clock timer; pending timers never fire. */
  dispose(): void {
    this.disposed = true;
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }

  private scaled(): number {
    return this.running ? this.start + (this.wall() - this.wallStart) * this.speed : this.start;
  }

  private arm(): void {
    if (this.disposed || !this.running || this.holds.held) return;
    this.skipAhead();
    const next = this.virtual.nextTimerAt();
    if (next === this.armedFor) return;
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedFor = next;
    if (next === undefined) return;
    const delay = Math.max(0, Math.ceil((next - this.scaled()) / this.speed));
    this.handle = setTimeout(() => this.tick(), delay);
  }

  /** Jumps over idle market time (see {@link skipIdle}). */
  private skipAhead(): void {
    if (!this.idle) return;
    const due = this.idle.next();
    if (!Number.isFinite(due)) return;
    const gap = due - this.scaled();
    const wait = gap / this.speed;
    if (gap <= this.idle.minGapMs || wait <= this.idle.maxWaitMs) return;
    this.wallStart -= wait - this.idle.maxWaitMs;
    // The next timer may be due now: arm from scratch.
    this.armedFor = undefined;
  }

  private tick(): void {
    this.handle = undefined;
    this.armedFor = undefined;
    // Held: the last hold let go arms the clock again.
    if (this.disposed || this.holds.held) return;
    const target = this.scaled();
    const stop = performance.now() + this.sliceMs;
    this.firing = true;
    let behind = false;
    try {
      // Timer by timer while the slice lasts: timers set in the past are due at the current time.
      for (;;) {
        const next = this.virtual.nextTimerAt();
        if (next === undefined || next > target) {
          this.virtual.advanceTo(Math.max(target, this.virtual.now()));
          break;
        }
        this.virtual.advanceTo(Math.max(next, this.virtual.now()));
        if (this.disposed) return;
        // A timer held the clock (the rest of its instant waits for the next turn): stop here.
        if (this.holds.held) break;
        if (performance.now() >= stop) {
          behind = true;
          break;
        }
      }
    } finally {
      this.firing = false;
    }
    if (behind) {
      // The slice is used up with timers still due: let signals and I/O in, then go on.
      this.handle = setTimeout(() => this.tick(), 0);
      return;
    }
    this.arm();
  }
}
