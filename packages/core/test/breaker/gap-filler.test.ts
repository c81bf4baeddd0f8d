import { describe, expect, it } from "vitest";
import { CircuitBreaker, GapFiller } from "../../src/breaker/index.js";
import { VirtualClock } from "../../src/clock/index.js";
import type { FeedBar, FeedEvent, FeedListener, MarketDataFeed } from "../../src/feeds/feed.js";

const S5 = 5_000;
const T = 1_700_000_000_000;

const bar = (i: number, symbol = "X"): FeedBar => ({
  symbol,
  time: T + i * S5,
  closeTime: T + (i + 1) * S5,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
});

/** A scripted feed: the test emits events and answers history calls by hand. */
class ScriptedFeed implements MarketDataFeed {
  readonly baseTimeframe = "5s";
  listener: FeedListener = () => undefined;
  readonly calls: {
    symbol: string;
    from: number;
    to: number;
    resolve: (b: FeedBar[]) => void;
    reject: (e: Error) => void;
  }[] = [];
  async start(): Promise<void> {}
  subscribe(_symbols: readonly string[], listener: FeedListener): () => void {
    this.listener = listener;
    return () => {
      this.listener = () => undefined;
    };
  }
  history(symbol: string, from: number, to: number): Promise<FeedBar[]> {
    return new Promise((resolve, reject) => this.calls.push({ symbol, from, to, resolve, reject }));
  }
  async stop(): Promise<void> {}
}

const flush = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const clock = new VirtualClock(T + 10 * S5 + 1_234);
  const feed = new ScriptedFeed();
  const out: FeedEvent[] = [];
  const breaker = new CircuitBreaker(
    { maxBarAgeMs: 10_000, freshBarsToClose: 1, openBackoffMs: 1, maxOpenBackoffMs: 1 },
    { clock },
  );
  const filler = new GapFiller(feed, {
    symbols: ["X"],
    barMs: S5,
    clock,
    breaker,
    retryMs: 1_000,
    onEvent: (e) => out.push(e),
  });
  const times = () => out.flatMap((e) => (e.type === "bar" ? [(e.bar.time - T) / S5] : []));
  return { clock, feed, out, breaker, filler, times };
}

describe("GapFiller", () => {
  it("backfills at start up to the last complete bar, holds live bars meanwhile, drops duplicates", async () => {
    const s = setup();
    const started = s.filler.start(T);
    await flush();
    expect(s.feed.calls.map((c) => [c.from, c.to])).toEqual([[T, T + 10 * S5]]);
    s.feed.listener({ type: "bar", bar: bar(10) });
    s.feed.listener({ type: "bar", bar: bar(9) });
    expect(s.times()).toEqual([]);
    s.feed.calls[0]?.resolve([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => bar(i)));
    await started;
    expect(s.times()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.filler.duplicates).toBe(1);
    expect(s.breaker.state).toBe("closed");
  });

  it("after a reconnect, asks for the gap since the last bar delivered; a failed backfill keeps holding and retries", async () => {
    const s = setup();
    await s.filler.start();
    s.feed.listener({ type: "bar", bar: bar(3) });
    s.feed.listener({ type: "connection", state: "down", reason: "socket closed" });
    expect(s.breaker.state).toBe("open");
    s.clock.advanceBy(7 * S5);
    s.feed.listener({ type: "connection", state: "up", reason: "reconnected" });
    await flush();
    const nowBoundary = Math.floor(s.clock.now() / S5) * S5;
    expect(s.feed.calls.map((c) => [c.from, c.to])).toEqual([[T + 4 * S5, nowBoundary]]);
    s.feed.listener({ type: "bar", bar: bar(17) });
    s.feed.calls[0]?.reject(new Error("IB_NOT_CONNECTED: dropped again"));
    await flush();
    expect(s.out.some((e) => e.type === "error" && e.code === "BACKFILL_FAILED")).toBe(true);
    expect(s.times()).toEqual([3]);
    expect(s.breaker.state).not.toBe("closed");
    s.clock.advanceBy(1_000);
    await flush();
    expect(s.feed.calls.length).toBe(2);
    s.feed.calls[1]?.resolve([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((i) => bar(i)));
    await flush();
    expect(s.times()).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(s.breaker.state).toBe("closed");
  });

  it("passes errors on and stops listening after stop()", async () => {
    const s = setup();
    await s.filler.start();
    s.feed.listener({ type: "error", code: "TWS_420", message: "pacing" });
    s.filler.stop();
    s.feed.listener({ type: "bar", bar: bar(1) });
    expect(s.out).toEqual([{ type: "error", code: "TWS_420", message: "pacing" }]);
  });
});
