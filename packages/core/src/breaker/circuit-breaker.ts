import type { Clock, TimerHandle } from "../clock/clock.js";
import type { TradingState } from "../risk/validator.js";
import { ALWAYS_DUE, type DataExpectation } from "./expectation.js";
import { type CircuitBreakerInput, type CircuitBreakerOptions, CircuitBreakerOptionsSchema } from "./options.js";

/** `closed`: data is healthy, trading on; `open`: tripped, waiting out the backoff; `half_open`: probing for recovery. */
export type BreakerState = "closed" | "open" | "half_open";

/** Why the breaker moved. */
export type BreakerReason = "no_data" | "rejected_bars" | "connection_lost" | "backoff_elapsed" | "recovered";

export interface BreakerChange {
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: BreakerReason;
  readonly detail: string;
  /** ACTIVE when closed, otherwise the configured HALTED or REDUCING (feed it to `RiskValidator.setState`). */
  readonly trading: TradingState;
  /** Clock time of the change (epoch ms). */
  readonly at: number;
}

export type BreakerListener = (change: BreakerChange) => void;

export interface CircuitBreakerDeps {
  readonly clock: Clock;
  /**
   * When bars are due: the no-data watchdog counts only that time as
   * silence (market hours, a replay's schedule, hours learned from the
   * data). Default: every instant.
   */
  readonly expectation?: DataExpectation;
}

/**
 * A circuit breaker on market data. It starts half-open, waiting for the
 * first backfill and fresh bars. It opens when no bar arrives for
 * `noDataTimeoutMs` of the time bars are due (see {@link DataExpectation}:
 * a closed market is not silence), when too many bars are rejected within a window, or when
 * the connection is lost; while not closed, trading is HALTED (or REDUCING)
 * and nothing may be evaluated, since the bars on hand may be incomplete.
 * After a backoff it goes half-open (if connected), and closes once the
 * backfill is complete and `freshBarsToClose` fresh bars arrived. A failure
 * in half-open opens it again with a longer backoff.
 *
 * Pure logic on an injected clock: the caller reports bars, rejected bars,
 * connection changes and backfill progress.
 */
export class CircuitBreaker {
  readonly options: CircuitBreakerOptions;
  private readonly clock: Clock;
  private readonly expectation: DataExpectation;
  private readonly listeners = new Set<BreakerListener>();
  private current: BreakerState = "half_open";
  private connected = false;
  private backfillPending = true;
  private freshBars = 0;
  private consecutiveOpens = 0;
  private rejected: number[] = [];
  private lastDataAt: number;
  private watchdog: TimerHandle | undefined;
  private openTimer: TimerHandle | undefined;
  private backoffElapsed = false;
  private disposed = false;

  /** @param options validated with `CircuitBreakerOptionsSchema` (throws a ZodError naming the bad field) */
  constructor(options: CircuitBreakerInput, deps: CircuitBreakerDeps) {
    this.options = CircuitBreakerOptionsSchema.parse(options);
    this.clock = deps.clock;
    this.expectation = deps.expectation ?? ALWAYS_DUE;
    this.lastDataAt = this.clock.now();
    this.armWatchdog();
  }

  get state(): BreakerState {
    return this.current;
  }

  get trading(): TradingState {
    return this.current === "closed" ? "ACTIVE" : this.options.whileOpen;
  }

  /** Whether rules may be evaluated on bar closes now. */
  get canEvaluate(): boolean {
    return this.current === "closed";
  }

  onChange(listener: BreakerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An accepted bar arrived; `closeTime` tells whether it is fresh or backfill. */
  bar(closeTime: number): void {
    if (this.disposed) return;
    const now = this.clock.now();
    this.lastDataAt = now;
    this.armWatchdog();
    if (this.current !== "half_open") return;
    if (now - closeTime <= this.options.maxBarAgeMs) this.freshBars++;
    this.tryClose();
  }

  /** A bar failed validation. */
  rejectedBar(reason: string): void {
    if (this.disposed) return;
    const now = this.clock.now();
    const from = now - this.options.rejectedBarsWindowMs;
    this.rejected = this.rejected.filter((t) => t > from);
    this.rejected.push(now);
    if (this.rejected.length >= this.options.maxRejectedBars && this.current !== "open") {
      this.trip(
        "rejected_bars",
        `${this.rejected.length} bars rejected within ${this.options.rejectedBarsWindowMs} ms (last: ${reason})`,
      );
    }
  }

  /** The feed's connection went up or down. A lost connection needs a backfill before closing again. */
  connection(state: "up" | "down", reason: string): void {
    if (this.disposed) return;
    if (state === "down") {
      this.connected = false;
      this.backfillPending = true;
      if (this.current !== "open") this.trip("connection_lost", reason);
      return;
    }
    this.connected = true;
    this.lastDataAt = this.clock.now();
    this.armWatchdog();
    if (this.current === "open" && this.backoffElapsed) this.halfOpen(`connection back (${reason})`);
  }

  /** A backfill started (it must complete before the breaker closes). */
  backfillStarted(): void {
    this.backfillPending = true;
  }

  /** The backfill after a start or reconnect finished: no close is missing. */
  backfillComplete(): void {
    if (this.disposed) return;
    this.backfillPending = false;
    this.tryClose();
  }

  /** Stops the timers. */
  dispose(): void {
    this.disposed = true;
    if (this.watchdog) this.clock.clearTimer(this.watchdog);
    if (this.openTimer) this.clock.clearTimer(this.openTimer);
    this.watchdog = undefined;
    this.openTimer = undefined;
    this.listeners.clear();
  }

  private tryClose(): void {
    if (this.current !== "half_open" || !this.connected || this.backfillPending) return;
    if (this.freshBars < this.options.freshBarsToClose) return;
    this.consecutiveOpens = 0;
    this.rejected = [];
    this.move("closed", "recovered", `${this.freshBars} fresh bars after a complete backfill`);
  }

  private trip(reason: BreakerReason, detail: string): void {
    const delay = Math.min(
      this.options.maxOpenBackoffMs,
      this.options.openBackoffMs * this.options.backoffFactor ** this.consecutiveOpens,
    );
    this.consecutiveOpens++;
    this.backoffElapsed = false;
    this.freshBars = 0;
    if (this.openTimer) this.clock.clearTimer(this.openTimer);
    this.openTimer = this.clock.setTimer(this.clock.now() + delay, () => {
      this.openTimer = undefined;
      this.backoffElapsed = true;
      if (this.current === "open" && this.connected) this.halfOpen(`backoff of ${delay} ms elapsed`);
    });
    this.move("open", reason, detail);
  }

  private halfOpen(detail: string): void {
    this.freshBars = 0;
    this.lastDataAt = this.clock.now();
    this.armWatchdog();
    this.move("half_open", "backoff_elapsed", detail);
    this.tryClose();
  }

  private armWatchdog(at = this.lastDataAt + this.options.noDataTimeoutMs): void {
    if (this.disposed) return;
    if (this.watchdog) this.clock.clearTimer(this.watchdog);
    this.watchdog = this.clock.setTimer(at, () => {
      this.watchdog = undefined;
      const now = this.clock.now();
      const silent = this.expectation.dueMs(this.lastDataAt, now);
      if (silent < this.options.noDataTimeoutMs) {
        // Part of the silence was a closed market or a pause in the data: look again when the rest could be up.
        this.armWatchdog(now + (this.options.noDataTimeoutMs - silent));
        return;
      }
      if (this.current !== "open")
        this.trip(
          "no_data",
          `no bar for ${silent} ms while bars were due (since ${new Date(this.lastDataAt).toISOString()})`,
        );
    });
  }

  private move(to: BreakerState, reason: BreakerReason, detail: string): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const change: BreakerChange = { from, to, reason, detail, trading: this.trading, at: this.clock.now() };
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener's failure must not stop the breaker.
      }
    }
  }
}
