import { afterEach, describe, expect, it } from "vitest";
import { type FakeTws, type OrderPlan, type ReceivedOrder, startFakeTws } from "../../../../test/fake-tws/index.js";
import { IbBroker, IbConnection, IbFeed } from "../../src/ib/index.js";
import { BrokerEvents as Events, FAST, nextConnectionEvent, order, T } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(plan?: (o: ReceivedOrder) => OrderPlan) {
  const tws: FakeTws = await startFakeTws({
    nextOrderId: 100,
    accounts: ["DU555"],
    ...(plan ? { orderPlan: plan } : {}),
  });
  cleanups.push(() => tws.close());
  const broker = new IbBroker({ connection: { port: tws.port, clientId: 9, ...FAST } });
  cleanups.push(() => broker.stop());
  const events = new Events();
  broker.onEvent(events.listener);
  await broker.start();
  return { tws, broker, events };
}

describe("IbBroker against the fake TWS", () => {
  it("places a market order with the client order id in orderRef; reports accept, fill with commission, position", async () => {
    const { tws, broker, events } = await setup(() => ({ kind: "fill", price: 151.5, commission: 1.25 }));
    const ack = broker.placeOrder(order("c1"));
    expect(ack).toEqual({ clientOrderId: "c1", status: "ACCEPTED" });
    await events.status("c1", "FILLED");
    expect(events.of("c1")).toEqual(["ACCEPTED", "fill 100@151.5 c1.25", "FILLED"]);
    const [placed] = tws.orders;
    expect(placed).toMatchObject({
      orderId: 100,
      symbol: "AAPL",
      exchange: "SMART",
      currency: "USD",
      action: "BUY",
      quantity: 100,
      orderType: "MKT",
      account: "DU555",
      orderRef: "c1",
      transmit: true,
    });
    const fill = events.list.find((e) => e.type === "fill");
    expect(fill?.type === "fill" && fill.fill).toMatchObject({ symbol: "AAPL", side: "BUY", trigger: "order" });
    expect(broker.position("AAPL")).toEqual({
      symbol: "AAPL",
      side: "long",
      quantity: 100,
      avgPrice: 151.5,
      openedAt: T,
      entryClose: 151,
    });
    expect(broker.openOrders()).toEqual([]);
    expect(broker.account().cash).toBeCloseTo(100_000 - 15_150 - 1.25, 6);
  });

  it("reports partial fills one by one and FILLED after the last", async () => {
    const { broker, events } = await setup(() => ({ kind: "fill", price: 20, partials: [30, 70] }));
    broker.placeOrder(order("p1"));
    await events.status("p1", "FILLED");
    expect(events.of("p1")).toEqual(["ACCEPTED", "fill 30@20 c1", "fill 70@20 c1", "FILLED"]);
    expect(broker.position("AAPL").quantity).toBe(100);
  });

  it("a partially filled order is open with its partial position until the rest fills", async () => {
    const { tws, broker, events } = await setup(() => ({ kind: "hold" }));
    broker.placeOrder(order("h1"));
    await events.status("h1", "ACCEPTED");
    tws.fill(100, 40, 10);
    await events.waitFor((e) => e.type === "fill" && e.fill.quantity === 40);
    expect(broker.position("AAPL").quantity).toBe(40);
    expect(broker.openOrders("AAPL").map((o) => o.clientOrderId)).toEqual(["h1"]);
    tws.fill(100, 60, 11);
    await events.status("h1", "FILLED");
    expect(broker.position("AAPL")).toMatchObject({ quantity: 100, avgPrice: 10.6 });
    expect(broker.openOrders()).toEqual([]);
  });

  it("a rejected order (201) is REJECTED with TWS's reason", async () => {
    const { broker, events } = await setup(() => ({ kind: "reject", reason: "insufficient buying power" }));
    expect(broker.placeOrder(order("r1")).status).toBe("ACCEPTED");
    const e = await events.status("r1", "REJECTED");
    expect(e.type === "status" && e.reason).toMatch(/TWS 201: Order rejected - reason:insufficient buying power/);
    expect(events.of("r1")).toEqual(["REJECTED"]);
    expect(broker.position("AAPL").quantity).toBe(0);
  });

  it("cancels a working order", async () => {
    const { tws, broker, events } = await setup(() => ({ kind: "hold" }));
    broker.placeOrder(order("k1"));
    await events.status("k1", "ACCEPTED");
    expect(broker.cancel("k1")).toBe(true);
    await events.status("k1", "CANCELLED");
    expect(tws.received.some((r) => r.fields[0] === "4" && r.fields[1] === "100")).toBe(true);
    expect(broker.cancel("k1")).toBe(false);
    expect(broker.cancel("unknown")).toBe(false);
  });

  it("answers DUPLICATE for a repeated client order id and refuses invalid orders without sending them", async () => {
    const { tws, broker, events } = await setup();
    broker.placeOrder(order("d1"));
    expect(broker.placeOrder(order("d1")).status).toBe("DUPLICATE");
    expect(broker.placeOrder(order("q0", { quantity: 0 }))).toMatchObject({ status: "REJECTED", reason: /quantity/ });
    expect(broker.placeOrder(order("l0", { type: "LMT" }))).toMatchObject({
      status: "REJECTED",
      reason: /limit price/,
    });
    expect(broker.placeOrder(order("s0", { type: "STP", stopPrice: -1 }))).toMatchObject({
      status: "REJECTED",
      reason: /stop price/,
    });
    await events.status("d1", "FILLED");
    expect(tws.orders.map((o) => o.orderRef)).toEqual(["d1"]);
  });

  it("sends a limit order with its price", async () => {
    const { tws, broker, events } = await setup(() => ({ kind: "hold" }));
    broker.placeOrder(order("lmt", { type: "LMT", limitPrice: 149.5, side: "SELL" }));
    await events.status("lmt", "ACCEPTED");
    expect(tws.orders[0]).toMatchObject({ orderType: "LMT", lmtPrice: "149.5", action: "SELL" });
  });

  it("sends protective exits as a bracket; a stop fill closes the position with trigger stop_loss", async () => {
    const { tws, broker, events } = await setup((o) =>
      o.parentId === 0 ? { kind: "fill", price: 151 } : { kind: "hold" },
    );
    broker.placeOrder(
      order("b1", { stopLoss: { kind: "percent", percent: 2 }, takeProfit: { kind: "price", price: 160 } }),
    );
    await events.status("b1", "FILLED");
    await events.status("b1:take_profit", "ACCEPTED");
    expect(
      tws.orders.map((o) => [o.orderId, o.orderType, o.action, o.parentId, o.transmit, o.auxPrice, o.lmtPrice]),
    ).toEqual([
      [100, "MKT", "BUY", 0, false, "", ""],
      [101, "STP", "SELL", 100, false, "147.98", ""],
      [102, "LMT", "SELL", 100, true, "", "160"],
    ]);
    tws.fill(101, 100, 147.9);
    await events.status("b1:stop_loss", "FILLED");
    const stopFill = events.list.find((e) => e.type === "fill" && e.fill.clientOrderId === "b1:stop_loss");
    expect(stopFill?.type === "fill" && stopFill.fill).toMatchObject({
      trigger: "stop_loss",
      side: "SELL",
      quantity: 100,
    });
    expect(broker.position("AAPL").quantity).toBe(0);
    expect(broker.account().realizedPnl).toBeCloseTo(100 * (147.9 - 151) - 2, 6);
  });

  it("refuses orders while disconnected, and the refused order is never sent after the reconnect", async () => {
    const { tws, broker, events } = await setup();
    const down = nextConnectionEvent(broker.connection, (e) => e.type === "state" && e.state === "reconnecting");
    const ready = nextConnectionEvent(broker.connection, (e) => e.type === "ready");
    tws.dropAll();
    await down;
    expect(broker.placeOrder(order("late"))).toEqual({
      clientOrderId: "late",
      status: "REJECTED",
      reason: "not connected",
    });
    expect(events.of("late")).toEqual(["REJECTED"]);
    await ready;
    // An order after the reconnect is the sync point: everything the client sent before it has arrived.
    broker.placeOrder(order("after"));
    await tws.waitFor((r) => r.fields[0] === "3" && r.fields[26] === "after");
    await events.status("after", "FILLED");
    expect(tws.orders.map((o) => o.orderRef)).toEqual(["after"]);
    expect(broker.placeOrder(order("late")).status).toBe("DUPLICATE");
  });

  it("refuses orders while TWS has lost IB (1100) and accepts again after 1102", async () => {
    const { tws, broker, events } = await setup();
    const lost = nextConnectionEvent(broker.connection, (e) => e.type === "state" && e.state === "link_lost");
    tws.sendError(-1, 1100, "Connectivity between IB and Trader Workstation has been lost.");
    await lost;
    expect(broker.placeOrder(order("x1"))).toMatchObject({ status: "REJECTED", reason: "not connected" });
    const back = nextConnectionEvent(broker.connection, (e) => e.type === "ready");
    tws.sendError(-1, 1102, "restored - data maintained");
    await back;
    broker.placeOrder(order("x2"));
    await events.status("x2", "FILLED");
    expect(tws.orders.map((o) => o.orderRef)).toEqual(["x2"]);
  });

  it("recovers executions that happened while disconnected (reqExecutions after the reconnect)", async () => {
    const { tws, broker, events } = await setup(() => ({ kind: "hold" }));
    broker.placeOrder(order("w1"));
    await events.status("w1", "ACCEPTED");
    const down = nextConnectionEvent(broker.connection, (e) => e.type === "state" && e.state === "reconnecting");
    tws.dropAll();
    await down;
    // The order fills at the exchange while nobody is connected.
    tws.fill(100, 100, 12.5, 0.75);
    await events.status("w1", "FILLED");
    expect(events.of("w1")).toEqual(["ACCEPTED", "fill 100@12.5 c0.75", "FILLED"]);
    expect(broker.position("AAPL").quantity).toBe(100);
    const req = await tws.waitFor((r) => r.fields[0] === "7");
    expect(req.fields[3]).toBe("9");
  });

  it("shares one connection with a feed when given one", async () => {
    const tws = await startFakeTws();
    cleanups.push(() => tws.close());
    const conn = new IbConnection({ port: tws.port, clientId: 2, ...FAST });
    cleanups.push(() => conn.close());
    const broker = new IbBroker({}, { connection: conn });
    const feed = new IbFeed({}, { connection: conn });
    await broker.start();
    await feed.start();
    expect(conn.state).toBe("ready");
    expect(tws.sessions).toBe(1);
    // Stopping the feed leaves the shared connection to its owner: the broker keeps trading.
    await feed.stop();
    const events = new Events();
    broker.onEvent(events.listener);
    broker.placeOrder(order("shared"));
    await events.status("shared", "FILLED");
    expect(tws.sessions).toBe(1);
  });
});
