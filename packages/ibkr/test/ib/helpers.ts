import type { BrokerEvent, BrokerOrder, FeedEvent, FeedListener } from "@tradeplan/core";
import type { IbConnection, IbConnectionEvent } from "../../src/ib/index.js";

/** Fast reconnects without jitter, so tests wait for events, not for time. */
export const FAST = {
  connectTimeoutMs: 5_000,
  reconnect: { initialDelayMs: 10, maxDelayMs: 50, factor: 2, jitter: 0 },
};

/** Resolves with the first connection event that matches, from now on. */
export function nextConnectionEvent(
  conn: IbConnection,
  pred: (e: IbConnectionEvent) => boolean,
): Promise<IbConnectionEvent> {
  return new Promise((resolve) => {
    const off = conn.onEvent((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

/** Collects feed events and lets a test await one that matches. */
export class FeedRecorder {
  readonly events: FeedEvent[] = [];
  private readonly waiters = new Set<{ pred: (e: FeedEvent) => boolean; resolve: (e: FeedEvent) => void }>();

  readonly listener: FeedListener = (e) => {
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters.delete(w);
        w.resolve(e);
      }
    }
  };

  /** The first matching event, already recorded or future. */
  waitFor(pred: (e: FeedEvent) => boolean): Promise<FeedEvent> {
    const hit = this.events.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.add({ pred, resolve }));
  }

  /** The next matching event after those recorded. */
  waitForNext(pred: (e: FeedEvent) => boolean): Promise<FeedEvent> {
    return new Promise((resolve) => this.waiters.add({ pred, resolve }));
  }

  barTimes(symbol: string): number[] {
    return this.events.flatMap((e) => (e.type === "bar" && e.bar.symbol === symbol ? [e.bar.time] : []));
  }
}

export const isBarAt =
  (time: number, symbol = "AAPL") =>
  (e: FeedEvent): boolean =>
    e.type === "bar" && e.bar.symbol === symbol && e.bar.time === time;

/** A 5-second bar at `time` (ms) around a price. */
export function wireBar(time: number, close: number, volume = 1_000) {
  return { time, open: close - 0.1, high: close + 0.2, low: close - 0.2, close, volume };
}

/** A decision time used by the broker tests. */
export const T = Date.UTC(2024, 0, 2, 14, 35);

/** A market order for 100 AAPL with client order id `id`. */
export function order(id: string, extra: Partial<BrokerOrder> = {}): BrokerOrder {
  return {
    clientOrderId: id,
    symbol: "AAPL",
    side: "BUY",
    quantity: 100,
    type: "MKT",
    ruleId: "r3",
    reason: "close above 150.25",
    decidedAt: T,
    refPrice: 151,
    ...extra,
  };
}

/** Collects broker events and lets a test await one that matches. */
export class BrokerEvents {
  readonly list: BrokerEvent[] = [];
  private readonly waiters = new Set<{ pred: (e: BrokerEvent) => boolean; resolve: (e: BrokerEvent) => void }>();
  readonly listener = (e: BrokerEvent) => {
    this.list.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters.delete(w);
        w.resolve(e);
      }
    }
  };
  waitFor(pred: (e: BrokerEvent) => boolean): Promise<BrokerEvent> {
    const hit = this.list.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.add({ pred, resolve }));
  }
  status(id: string, status: string) {
    return this.waitFor((e) => e.type === "status" && e.clientOrderId === id && e.status === status);
  }
  of(id: string): string[] {
    return this.list.flatMap((e) =>
      e.type === "status" && e.clientOrderId === id
        ? [e.status]
        : e.type === "fill" && e.fill.clientOrderId === id
          ? [`fill ${e.fill.quantity}@${e.fill.price} c${e.fill.commission}`]
          : [],
    );
  }
}
