import type { Clock, TimerHandle } from "../clock/clock.js";
import type { FeedBar, FeedEvent, MarketDataFeed } from "../feeds/feed.js";
import type { CircuitBreaker } from "./circuit-breaker.js";

export interface GapFillerOptions {
  readonly symbols: readonly string[];
  /** Length of one base bar (5 000 for IBKR's 5-second bars). */
  readonly barMs: number;
  readonly clock: Clock;
  /** Where bars, connection changes and errors go, in order, without duplicates. */
  readonly onEvent: (event: FeedEvent) => void;
  /** Told about bars, connection changes and backfill progress. */
  readonly breaker?: CircuitBreaker;
  /** Wait before retrying a failed backfill (default 10 s). */
  readonly retryMs?: number;
  /** Called whenever a backfill completed (at start and after each reconnect): every bar up to now is delivered. */
  readonly onBackfillComplete?: () => void;
}

/**
 * Keeps a live feed gap-free across reconnects. It passes live bars on; when
 * the connection comes back it holds live bars, asks `history()` for every
 * bar from the last one delivered up to the current bar boundary, delivers
 * those, then the held ones, dropping duplicates; so every close reaches the
 * consumer exactly once and in order. A failed backfill keeps holding and
 * retries. The breaker, when given, is told when a backfill starts and
 * completes, and about every bar and connection change.
 */
export class GapFiller {
  private readonly last = new Map<string, number>();
  private held: FeedBar[] = [];
  private filling = false;
  private again = false;
  private retry: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private initialFrom: number | undefined;
  private stopped = false;
  private subscribing = false;
  /** Bars dropped because an equal or later one was already delivered. */
  duplicates = 0;

  constructor(
    private readonly feed: MarketDataFeed,
    private readonly options: GapFillerOptions,
  ) {}

  /**
   * Call after the feed's `start()` resolved (the feed is connected).
   * Subscribes, then backfills from `from` (epoch ms) when given; without it
   * the first backfill is considered done.
   */
  async start(from?: number): Promise<void> {
    this.initialFrom = from;
    this.options.breaker?.connection("up", "feed started");
    // A feed reports its state to a new subscriber ("up"): that is this start, whose backfill follows.
    this.subscribing = true;
    try {
      this.unsubscribe = this.feed.subscribe(this.options.symbols, (e) => this.onFeed(e));
    } finally {
      this.subscribing = false;
    }
    if (from === undefined) this.completed();
    else await this.backfill();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.retry) this.options.clock.clearTimer(this.retry);
  }

  /** Open time of the last bar delivered for a symbol. */
  lastBarTime(symbol: string): number | undefined {
    return this.last.get(symbol);
  }

  private onFeed(e: FeedEvent): void {
    if (e.type === "bar") {
      if (this.filling) this.held.push(e.bar);
      else this.deliver(e.bar);
      return;
    }
    this.options.onEvent(e);
    if (e.type === "connection") {
      if (this.subscribing) return;
      this.options.breaker?.connection(e.state, e.reason);
      if (e.state === "up") void this.backfill();
      else this.options.breaker?.backfillStarted();
    }
  }

  private async backfill(): Promise<void> {
    if (this.stopped) return;
    if (this.filling && !this.retry) {
      // One is running: run again when it ends, the gap may have grown.
      this.again = true;
      return;
    }
    if (this.retry) this.options.clock.clearTimer(this.retry);
    this.retry = undefined;
    this.filling = true;
    this.options.breaker?.backfillStarted();
    const { barMs, clock } = this.options;
    const to = Math.floor(clock.now() / barMs) * barMs;
    try {
      for (const symbol of this.options.symbols) {
        const last = this.last.get(symbol);
        const from = last !== undefined ? last + barMs : this.initialFrom;
        if (from === undefined || from >= to) continue;
        const bars = await this.feed.history(symbol, from, to);
        for (const b of bars) this.deliver(b);
      }
    } catch (e) {
      this.options.onEvent({
        type: "error",
        code: "BACKFILL_FAILED",
        message: `backfill failed, retrying: ${e instanceof Error ? e.message : String(e)}`,
      });
      if (!this.stopped) {
        this.retry = clock.setTimer(clock.now() + (this.options.retryMs ?? 10_000), () => {
          this.retry = undefined;
          this.filling = false;
          void this.backfill();
        });
      }
      return;
    }
    const held = this.held.sort((a, b) => a.time - b.time);
    this.held = [];
    for (const b of held) this.deliver(b);
    this.filling = false;
    if (this.again) {
      this.again = false;
      await this.backfill();
      return;
    }
    this.completed();
  }

  private completed(): void {
    this.options.breaker?.backfillComplete();
    this.options.onBackfillComplete?.();
  }

  private deliver(bar: FeedBar): void {
    const last = this.last.get(bar.symbol);
    if (last !== undefined && bar.time <= last) {
      this.duplicates++;
      return;
    }
    this.last.set(bar.symbol, bar.time);
    this.options.onEvent({ type: "bar", bar });
    this.options.breaker?.bar(bar.closeTime);
  }
}
