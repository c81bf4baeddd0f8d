import { describe, expect, it } from "vitest";
import type { BrokerEvent, BrokerOrder } from "../src/brokers/broker.js";
import { PaperBroker } from "../src/brokers/paper.js";
import type { BarData } from "../src/models.js";

const M = 60_000;
const T = Date.UTC(2024, 0, 2, 14, 30);

function bar(i: number, o: number, h: number, l: number, c: number): BarData {
  return {
    symbol: "X",
    timeframe: "1m",
    time: T + i * M,
    closeTime: T + (i + 1) * M,
    open: o,
    high: h,
    low: l,
    close: c,
    volume: 1000,
  };
}

function order(
  id: string,
  side: "BUY" | "SELL",
  qty: number,
  decidedAt: number,
  refPrice: number,
  extra: Partial<BrokerOrder> = {},
): BrokerOrder {
  return {
    clientOrderId: id,
    symbol: "X",
    side,
    quantity: qty,
    type: "MKT",
    ruleId: "r1",
    reason: "test",
    decidedAt,
    refPrice,
    ...extra,
  };
}

const FREE = { commissionPerShare: 0, commissionMinimum: 0, slippageBps: 0 };

describe("PaperBroker", () => {
  it("fills a market order at the next bar's open and marks at the close", () => {
    const b = new PaperBroker({ initialCash: 10_000, commissionPerShare: 0.01, commissionMinimum: 1, slippageBps: 0 });
    b.onBar(bar(0, 10, 11, 9, 10.5));
    expect(b.placeOrder(order("a", "BUY", 100, T + M, 10.5)).status).toBe("ACCEPTED");
    expect(b.position("X").quantity).toBe(0);
    expect(b.openOrders("X")).toHaveLength(1);
    b.onBar(bar(1, 10.6, 11, 10.2, 10.8));
    const p = b.position("X");
    expect(p).toMatchObject({ side: "long", quantity: 100, avgPrice: 10.6, openedAt: T + M, entryClose: 10.5 });
    // cash = 10000 - 1060 - max(1, 100 x 0.01) = 8939; equity = 8939 + 100 x 10.8
    const a = b.account();
    expect(a.cash).toBeCloseTo(8939, 9);
    expect(a.equity).toBeCloseTo(10_019, 9);
    expect(a.unrealizedPnl).toBeCloseTo(19, 9);
    expect(a.realizedPnl).toBe(0);
  });

  it("records a round trip with commissions on both legs", () => {
    const b = new PaperBroker({ initialCash: 10_000, commissionPerShare: 0.005, commissionMinimum: 1, slippageBps: 0 });
    b.placeOrder(order("in", "BUY", 100, T, 10));
    b.onBar(bar(0, 10, 10, 10, 10));
    b.placeOrder(order("out", "SELL", 100, T + M, 10));
    b.onBar(bar(1, 12, 12, 12, 12));
    const [t] = b.trades();
    // (12 - 10) x 100 - 1 - 1
    expect(t).toMatchObject({
      side: "long",
      quantity: 100,
      entryPrice: 10,
      exitPrice: 12,
      commission: 2,
      pnl: 198,
      entryRule: "r1",
    });
    expect(b.account()).toMatchObject({ cash: 10_198, equity: 10_198, realizedPnl: 198, unrealizedPnl: 0 });
  });

  it("applies slippage against the trader", () => {
    const b = new PaperBroker({ ...FREE, slippageBps: 10 });
    b.placeOrder(order("in", "BUY", 10, T, 100));
    b.onBar(bar(0, 100, 100, 100, 100));
    expect(b.position("X").avgPrice).toBeCloseTo(100.1, 9);
    b.placeOrder(order("out", "SELL", 10, T + M, 100));
    b.onBar(bar(1, 100, 100, 100, 100));
    expect(b.trades()[0]?.exitPrice).toBeCloseTo(99.9, 9);
    expect(b.trades()[0]?.pnl).toBeCloseTo(-2, 9);
  });

  it("fills at the decision close in close mode", () => {
    const b = new PaperBroker({ ...FREE, fillAt: "close" });
    b.placeOrder(order("in", "SELL", 10, T, 50));
    expect(b.position("X")).toMatchObject({ side: "short", quantity: -10, avgPrice: 50 });
    b.onBar(bar(0, 49, 49, 48, 48));
    expect(b.account().unrealizedPnl).toBeCloseTo(20, 9);
  });

  it("ignores a repeated client order id", () => {
    const b = new PaperBroker(FREE);
    expect(b.placeOrder(order("same", "BUY", 1, T, 10)).status).toBe("ACCEPTED");
    expect(b.placeOrder(order("same", "BUY", 1, T, 10)).status).toBe("DUPLICATE");
    b.onBar(bar(0, 10, 10, 10, 10));
    expect(b.position("X").quantity).toBe(1);
  });

  it("rejects unsupported and malformed orders with a reason", () => {
    const b = new PaperBroker(FREE);
    expect(b.placeOrder(order("l", "BUY", 1, T, 10, { type: "LMT", limitPrice: 9 }))).toMatchObject({
      status: "REJECTED",
    });
    expect(b.placeOrder(order("q", "BUY", 0, T, 10)).reason).toMatch(/positive whole number/);
    expect(b.placeOrder(order("p", "BUY", 1, T, Number.NaN)).reason).toMatch(/reference price/);
  });

  it("rejects bad settings", () => {
    expect(() => new PaperBroker({ slippageBps: -1 })).toThrow(/slippageBps/);
    expect(() => new PaperBroker({ fillAt: "open" as "close" })).toThrow();
  });

  it("cancels working orders and reports status events", () => {
    const b = new PaperBroker(FREE);
    const events: BrokerEvent[] = [];
    b.onEvent((e) => events.push(e));
    b.placeOrder(order("c", "BUY", 1, T, 10));
    expect(b.cancel("c")).toBe(true);
    expect(b.cancel("c")).toBe(false);
    b.onBar(bar(0, 10, 10, 10, 10));
    expect(b.position("X").quantity).toBe(0);
    expect(events.map((e) => (e.type === "status" ? e.status : "fill"))).toEqual(["ACCEPTED", "CANCELLED"]);
  });

  it("does not fill an order on a bar that opened before the decision", () => {
    const b = new PaperBroker(FREE);
    b.placeOrder(order("late", "BUY", 1, T + 5 * M, 10));
    b.onBar(bar(0, 10, 10, 10, 10));
    expect(b.position("X").quantity).toBe(0);
    b.onBar(bar(5, 11, 11, 11, 11));
    expect(b.position("X").avgPrice).toBe(11);
  });

  it("reverses a position: closes it and opens the other side", () => {
    const b = new PaperBroker({ ...FREE, fillAt: "close" });
    b.placeOrder(order("in", "BUY", 10, T, 10));
    b.placeOrder(order("rev", "SELL", 30, T + M, 12));
    expect(b.trades()[0]).toMatchObject({ quantity: 10, pnl: 20 });
    expect(b.position("X")).toMatchObject({ quantity: -20, avgPrice: 12, openedAt: T + M });
  });

  it("triggers a protective stop at the stop price, or at the open on a gap", () => {
    const b = new PaperBroker(FREE);
    b.placeOrder(
      order("in", "BUY", 10, T, 100, {
        stopLoss: { kind: "percent", percent: 5 },
        takeProfit: { kind: "price", price: 120 },
      }),
    );
    b.onBar(bar(0, 100, 101, 99, 100));
    expect(b.position("X").quantity).toBe(10);
    b.onBar(bar(1, 98, 99, 94, 96));
    expect(b.position("X").quantity).toBe(0);
    expect(b.trades()[0]).toMatchObject({ exitPrice: 95, exitRule: "stop_loss", pnl: -50 });

    const g = new PaperBroker(FREE);
    g.placeOrder(order("in", "BUY", 10, T, 100, { stopLoss: { kind: "price", price: 95 } }));
    g.onBar(bar(0, 100, 100, 100, 100));
    g.onBar(bar(1, 90, 91, 89, 90));
    expect(g.trades()[0]?.exitPrice).toBe(90);
  });

  it("takes profit at the target; a bar touching both levels takes the stop", () => {
    const b = new PaperBroker(FREE);
    b.placeOrder(order("in", "SELL", 10, T, 100, { takeProfit: { kind: "percent", percent: 10 } }));
    b.onBar(bar(0, 100, 100, 100, 100));
    b.onBar(bar(1, 95, 95, 89, 92));
    expect(b.trades()[0]).toMatchObject({ side: "short", exitPrice: 90, exitRule: "take_profit", pnl: 100 });

    const both = new PaperBroker(FREE);
    both.placeOrder(
      order("in", "BUY", 1, T, 100, {
        stopLoss: { kind: "price", price: 98 },
        takeProfit: { kind: "price", price: 102 },
      }),
    );
    both.onBar(bar(0, 100, 100, 100, 100));
    both.onBar(bar(1, 100, 103, 97, 100));
    expect(both.trades()[0]?.exitRule).toBe("stop_loss");
  });

  it("keeps equity = initial cash + realized + unrealized", () => {
    const b = new PaperBroker({ initialCash: 5_000, commissionPerShare: 0.01, commissionMinimum: 1, slippageBps: 3 });
    b.placeOrder(order("a", "BUY", 30, T, 10));
    b.onBar(bar(0, 10, 11, 9, 10.4));
    b.placeOrder(order("b", "SELL", 10, T + M, 10.4));
    b.onBar(bar(1, 10.5, 11, 10, 10.9));
    const a = b.account();
    expect(a.equity).toBeCloseTo(5_000 + a.realizedPnl + a.unrealizedPnl, 9);
    expect(b.trades()[0]?.quantity).toBe(10);
    expect(b.position("X").quantity).toBe(20);
  });

  it("resets the daily realized P&L on a new day", () => {
    const b = new PaperBroker({ ...FREE, fillAt: "close" });
    b.placeOrder(order("a", "BUY", 1, T, 10));
    b.placeOrder(order("b", "SELL", 1, T + M, 11));
    expect(b.account().dailyRealizedPnl).toBe(1);
    b.onBar(bar(24 * 60, 10, 10, 10, 10));
    expect(b.account().dailyRealizedPnl).toBe(0);
    expect(b.account().realizedPnl).toBe(1);
  });
});
