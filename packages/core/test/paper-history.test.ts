import { describe, expect, it } from "vitest";
import { PaperBroker } from "../src/brokers/paper.js";
import type { BarData } from "../src/models.js";

/** A live session's paper broker keeps no history of fills and trades: its memory must not grow with them. */

const M = 60_000;
const T = Date.UTC(2024, 0, 2, 14, 30);

function bar(i: number, price: number): BarData {
  return {
    symbol: "X",
    timeframe: "1m",
    time: T + i * M,
    closeTime: T + (i + 1) * M,
    open: price,
    high: price + 1,
    low: price - 1,
    close: price,
    volume: 1000,
  };
}

/** Enters and leaves a position `n` times (a fill each way, a trade per round trip); returns the broker. */
function roundTrips(b: PaperBroker, n: number): PaperBroker {
  for (let i = 0; i < n; i++) {
    for (const [k, side] of [
      [0, "BUY"],
      [1, "SELL"],
    ] as const) {
      const at = 2 * i + k;
      b.onBar(bar(at, 100 + i));
      b.placeOrder({
        clientOrderId: `o${at}`,
        symbol: "X",
        side,
        quantity: 10,
        type: "MKT",
        ruleId: "r1",
        reason: "test",
        decidedAt: T + (at + 1) * M,
        refPrice: 100 + i,
      });
    }
  }
  b.onBar(bar(2 * n, 100 + n));
  return b;
}

describe("PaperBroker.forgetHistory", () => {
  it("keeps no fills or trades from then on, and books positions, cash and P&L as before", () => {
    const kept = roundTrips(new PaperBroker(), 50);
    const forgetting = new PaperBroker();
    forgetting.forgetHistory();
    roundTrips(forgetting, 50);
    expect(kept.fills().length).toBe(100);
    expect(kept.trades().length).toBe(50);
    expect(forgetting.fills()).toEqual([]);
    expect(forgetting.trades()).toEqual([]);
    expect(forgetting.account()).toEqual(kept.account());
    expect(forgetting.positions()).toEqual(kept.positions());
    expect(forgetting.exportState()).toEqual(kept.exportState());
  });

  it("drops what was kept before it is called", () => {
    const b = roundTrips(new PaperBroker(), 3);
    expect(b.fills().length).toBe(6);
    b.forgetHistory();
    expect(b.fills()).toEqual([]);
    expect(b.trades()).toEqual([]);
  });
});
