import type { BarUpdate } from "../aggregator/aggregator.js";

/** A base bar from a market-data feed (a 5-second bar from IBKR, a 1-minute bar from a replay). */
export interface FeedBar extends BarUpdate {
  readonly symbol: string;
}

/** What a feed reports besides bars: connection changes and errors, so a circuit breaker can react. */
export type FeedEvent =
  | { readonly type: "bar"; readonly bar: FeedBar }
  | { readonly type: "connection"; readonly state: "up" | "down"; readonly reason: string }
  | { readonly type: "error"; readonly code: string; readonly message: string };

export type FeedListener = (event: FeedEvent) => void;

/**
 * A source of base bars for the live runtime. Implementations: a simulated
 * feed, a replay of a CSV on a clock, and Interactive Brokers. Bars arrive
 * unvalidated; the runtime validates them (and rejects and counts bad ones).
 */
export interface MarketDataFeed {
  /** Timeframe of the bars it delivers (`5s`, `1m`). */
  readonly baseTimeframe: string;
  /** Connects; resolves once bars can be requested. Rejects with a clear error on failure or timeout. */
  start(): Promise<void>;
  /** Streams base bars of these symbols to the listener until the returned function is called. */
  subscribe(symbols: readonly string[], listener: FeedListener): () => void;
  /** Base bars of `symbol` whose open time is in [from, to), oldest first: backfill at start and after a reconnect. */
  history(symbol: string, from: number, to: number): Promise<FeedBar[]>;
  /** Disconnects; idempotent. */
  stop(): Promise<void>;
}
