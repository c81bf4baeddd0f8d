import type { BrokerEvent } from "@tradeplan/core";
import { VirtualClock } from "@tradeplan/core";
import { describe, expect, it } from "vitest";
import { IbBroker } from "../../src/ib/broker.js";
import { order, T } from "./helpers.js";
import { OfflineConnection } from "./offline-connection.js";

function setup() {
  const clock = new VirtualClock(T);
  const conn = new OfflineConnection({}, { clock });
  const broker = new IbBroker({ initialCash: 100_000 }, { connection: conn, clock });
  const events: string[] = [];
  broker.onEvent((e: BrokerEvent) =>
    events.push(e.type === "fill" ? `fill ${e.fill.quantity}@${e.fill.price} c${e.fill.commission}` : e.status),
  );
  const exec = (orderId: number, execId: string, shares: number, price: number, cumQty: number, side = "BOT") =>
    conn.deliver("execDetails", [
      -1,
      { symbol: "AAPL" },
      { orderId, execId, side: side === "BOT" ? "BOT" : "SLD", shares, price, cumQty },
    ]);
  const commission = (execId: string, amount: number) =>
    conn.deliver("commissionReport", [{ execId, commission: amount }]);
  return { conn, broker, events, exec, commission };
}

describe("IbBroker books each execution with its commission, in the shared book", () => {
  it("books an execution when its commission report arrives: position, cash and the Fill change together", () => {
    const { conn, broker, events, exec, commission } = setup();
    broker.placeOrder(order("a"));
    const id = conn.lastOrderId;
    exec(id, "x1", 40, 150, 40);
    // TWS has reported the execution but not its cost yet: nothing is booked, and the order still works its 100.
    expect(broker.position("AAPL").quantity).toBe(0);
    expect(broker.openOrders()).toHaveLength(1);
    commission("x1", 0.4);
    expect(broker.position("AAPL")).toMatchObject({ quantity: 40, avgPrice: 150, openedAt: T, entryClose: 151 });
    // The entry commission is held with the position, as the paper broker holds it.
    expect(broker.account()).toEqual({
      cash: 100_000 - 6_000 - 0.4,
      equity: 100_000 - 0.4,
      realizedPnl: 0,
      unrealizedPnl: -0.4,
      dailyRealizedPnl: 0,
    });
    // A commission report may also come first.
    commission("x2", 0.6);
    exec(id, "x2", 60, 151, 100);
    expect(events).toEqual(["fill 40@150 c0.4", "fill 60@151 c0.6", "FILLED"]);
    expect(broker.position("AAPL")).toMatchObject({ quantity: 100, avgPrice: 150.6 });
    expect(broker.portfolio.commissions).toBe(1);
  });

  it("realizes a round trip net of both legs' commissions and marks at the last execution", () => {
    const { conn, broker, exec, commission } = setup();
    broker.placeOrder(order("in"));
    exec(conn.lastOrderId, "a", 100, 150, 100);
    commission("a", 1);
    broker.placeOrder(order("out", { side: "SELL", quantity: 150 }));
    exec(conn.lastOrderId, "b", 150, 152, 150, "SLD");
    commission("b", 1.5);
    // 100 closed: 100 x 2 - 1 - 1; 50 short opened at 152, holding 0.5.
    expect(broker.account().realizedPnl).toBeCloseTo(198, 9);
    expect(broker.position("AAPL")).toMatchObject({ side: "short", quantity: -50, avgPrice: 152 });
    expect(broker.account().unrealizedPnl).toBeCloseTo(-0.5, 9);
    expect(broker.account().equity).toBeCloseTo(100_000 + 198 - 0.5, 9);
  });

  it("does not book an execution twice when TWS reports it again (reqExecutions after a reconnect)", () => {
    const { conn, broker, exec, commission } = setup();
    broker.placeOrder(order("a"));
    exec(conn.lastOrderId, "dup", 100, 150, 100);
    commission("dup", 1);
    exec(conn.lastOrderId, "dup", 100, 150, 100);
    commission("dup", 1);
    expect(broker.position("AAPL").quantity).toBe(100);
    expect(broker.account().cash).toBe(100_000 - 15_000 - 1);
  });
});
