import type { BackoffOptions } from "./options.js";

/**
 * Exponential backoff with jitter. `random` returns a number in [0, 1) and
 * is injectable so tests get fixed delays.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt; each call grows the following one. */
  next(): number {
    const base = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * this.options.factor ** this.attempt);
    this.attempt++;
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.max(1, Math.round(base * (1 - this.options.jitter * r)));
  }

  /** Attempts made since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
