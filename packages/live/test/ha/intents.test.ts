import type { BrokerOrder, EngineEvent } from "@tradeplan/core";
import type { OrderIntent } from "@tradeplan/store";
import { describe, expect, it } from "vitest";
import { LeaderIntents } from "../../src/ha/intents.js";

const ORDER: BrokerOrder = {
  clientOrderId: "abc:r1:AAPL:1m:1000",
  symbol: "AAPL",
  side: "BUY",
  quantity: 10,
  type: "MKT",
  ruleId: "r1",
  reason: "close > open",
  decidedAt: 1000,
  refPrice: 100,
};

function orderEvent(order: BrokerOrder, status: "ACCEPTED" | "DUPLICATE" | "REJECTED"): EngineEvent {
  return {
    type: "order",
    time: 1000,
    symbol: order.symbol,
    timeframe: "1m",
    rule: "r1",
    line: 3,
    order,
    ack: { clientOrderId: order.clientOrderId, status },
  };
}

/** A store whose commits the test resolves or fails by hand. */
function fakeStore() {
  const added: { intent: OrderIntent; commit: () => void; fail: (e: Error) => void }[] = [];
  return {
    added,
    addIntent(intent: OrderIntent): Promise<void> {
      return new Promise((commit, fail) => added.push({ intent, commit, fail }));
    },
  };
}

describe("a leader's order intents (--ha)", () => {
  it("an accepted order becomes an intent keyed by its client order id; the gate opens once it committed and the lease holds", async () => {
    const store = fakeStore();
    let held = true;
    const intents = new LeaderIntents(store, { holding: () => held, lost: undefined });
    intents.sink.emit(orderEvent(ORDER, "ACCEPTED"));
    intents.sink.emit(orderEvent({ ...ORDER, clientOrderId: "abc:r1:AAPL:1m:2000" }, "DUPLICATE"));
    expect(store.added.map((a) => a.intent)).toEqual([
      { key: "abc:r1:AAPL:1m:1000", symbol: "AAPL", side: "BUY", quantity: 10 },
    ]);
    let sent = false;
    const gate = intents.gate(ORDER.clientOrderId).then(() => {
      sent = true;
    });
    await Promise.resolve();
    expect(sent).toBe(false);
    store.added[0]?.commit();
    await gate;
    expect(sent).toBe(true);
    expect(intents.pending).toBe(0);
    // Committed, but the lease ran out before the send: refused.
    intents.sink.emit(orderEvent({ ...ORDER, clientOrderId: "abc:r1:AAPL:1m:3000" }, "ACCEPTED"));
    store.added[1]?.commit();
    held = false;
    await expect(intents.gate("abc:r1:AAPL:1m:3000")).rejects.toThrow("the lease is no longer held");
  });

  it("refuses an order whose intent failed to commit, and one with no intent at all", async () => {
    const store = fakeStore();
    const intents = new LeaderIntents(store, { holding: () => true, lost: undefined });
    intents.sink.emit(orderEvent(ORDER, "ACCEPTED"));
    store.added[0]?.fail(new Error("AUDIT_LEASE_LOST: taken over"));
    await expect(intents.gate(ORDER.clientOrderId)).rejects.toThrow("taken over");
    await expect(intents.gate("abc:r9:AAPL:1m:1")).rejects.toThrow("has no intent in a fenced transaction");
  });
});
