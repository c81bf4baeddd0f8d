import type { Clock, FeedBar, FeedListener, MarketDataFeed } from "@tradeplan/core";
import { GapFiller } from "@tradeplan/core/internal";

/** Options of a {@link GapFreeFeed}. */
export interface GapFreeFeedOptions {
  /** Length of one base bar (5 000 for IBKR's 5-second bars). */
  readonly barMs: number;
  readonly clock: Clock;
  /** Wait before retrying a failed backfill (default 10 s). */
  readonly retryMs?: number;
}

/**
 * A feed that reconnects (IBKR), made gap-free for a consumer that only
 * reads events, such as the live session. After the connection comes back,
 * live bars are held while {@link GapFiller} asks `history()` for every bar
 * missed during the outage; those are delivered first, then the held ones,
 * and only then is the connection reported `up`. So `up` means "every bar
 * since the outage has been delivered, in order": a circuit breaker may
 * take it as the end of its backfill. `down` is reported at once; a
 * backfill that fails is retried, and `up` waits for it.
 */
export class GapFreeFeed implements MarketDataFeed {
  private readonly fillers = new Set<GapFiller>();

  constructor(
    private readonly inner: MarketDataFeed,
    private readonly options: GapFreeFeedOptions,
  ) {}

  get baseTimeframe(): string {
    return this.inner.baseTimeframe;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  subscribe(symbols: readonly string[], listener: FeedListener): () => void {
    const { barMs, clock } = this.options;
    let upReason: string | undefined;
    let outage = false;
    const filler = new GapFiller(this.inner, {
      symbols,
      barMs,
      clock,
      ...(this.options.retryMs !== undefined ? { retryMs: this.options.retryMs } : {}),
      onEvent: (e) => {
        if (e.type === "connection" && e.state === "up") {
          upReason = e.reason;
          return;
        }
        if (e.type === "connection") {
          upReason = undefined;
          outage = true;
        }
        listener(e);
      },
      onBackfillComplete: () => {
        if (upReason === undefined) return;
        const reason = upReason;
        upReason = undefined;
        listener({
          type: "connection",
          state: "up",
          reason: outage ? `${reason}; the bars missed while down are backfilled` : reason,
        });
      },
    });
    this.fillers.add(filler);
    // Bars after this moment are live or backfilled after a reconnect; earlier ones are the subscriber's history.
    void filler.start(Math.floor(clock.now() / barMs) * barMs);
    return () => {
      this.fillers.delete(filler);
      filler.stop();
    };
  }

  history(symbol: string, from: number, to: number): Promise<FeedBar[]> {
    return this.inner.history(symbol, from, to);
  }

  async stop(): Promise<void> {
    for (const f of this.fillers) f.stop();
    this.fillers.clear();
    await this.inner.stop();
  }
}
