import type { Clock, TimerHandle } from "@tradeplan/core";

interface Pending {
  readonly run: () => void;
  readonly drop: (reason: string) => void;
}

/**
 * Outgoing message limiter: a token bucket refilled at `ratePerSecond` up to
 * `burst`. A message that finds no token waits in FIFO order; a timer on the
 * clock sends it when a token is due. `dropAll` discards waiting messages
 * (the connection went down: they must not be sent on the next one).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly queue: Pending[] = [];
  private timer: TimerHandle | undefined;
  private pausedUntil = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Runs `run` now when a token is free, else queues it; `drop` is called instead if it is discarded. */
  submit(run: () => void, drop: (reason: string) => void): void {
    this.queue.push({ run, drop });
    this.drain();
  }

  /** Sends nothing until `ms` from now (TWS reported too many messages). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.tokens = 0;
    this.arm();
  }

  /** Messages waiting for a token. */
  get waiting(): number {
    return this.queue.length;
  }

  dropAll(reason: string): void {
    const dropped = this.queue.splice(0);
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    for (const p of dropped) p.drop(reason);
  }

  private refill(): void {
    const now = this.clock.now();
    if (now < this.pausedUntil) {
      this.last = now;
      return;
    }
    const from = Math.max(this.last, this.pausedUntil);
    this.tokens = Math.min(this.burst, this.tokens + ((now - from) * this.ratePerSecond) / 1000);
    this.last = now;
  }

  private drain(): void {
    this.refill();
    while (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      const p = this.queue.shift();
      p?.run();
    }
    if (this.queue.length > 0) this.arm();
  }

  private arm(): void {
    if (this.timer) return;
    const now = this.clock.now();
    const waitTokens = Math.max(0, 1 - this.tokens);
    const at = Math.max(this.pausedUntil, now + Math.ceil((waitTokens * 1000) / this.ratePerSecond));
    this.timer = this.clock.setTimer(at, () => {
      this.timer = undefined;
      this.drain();
    });
  }
}
