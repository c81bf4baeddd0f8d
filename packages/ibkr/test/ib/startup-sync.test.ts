import type { BrokerEvent, BrokerOrder } from "@tradeplan/core";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeTws, type FakeTwsOptions, startFakeTws } from "../../../../test/fake-tws/index.js";
import { IbBroker, type IbBrokerOptions, IbError, type IbSyncWarning } from "../../src/ib/index.js";
import { FAST, nextConnectionEvent } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CLOSE = Date.UTC(2024, 0, 2, 14, 35);
const TP_ID = `abc123def456:r2:AAPL:1m:${CLOSE}`;

async function fakeTws(options: FakeTwsOptions = {}): Promise<FakeTws> {
  const tws = await startFakeTws({ nextOrderId: 100, accounts: ["DU555"], ...options });
  cleanups.push(() => tws.close());
  return tws;
}

function broker(tws: FakeTws, extra: Partial<IbBrokerOptions> = {}) {
  const b = new IbBroker({ connection: { port: tws.port, clientId: 9, ...FAST }, ...extra });
  cleanups.push(() => b.stop());
  const events: BrokerEvent[] = [];
  const warnings: IbSyncWarning[] = [];
  b.onEvent((e) => events.push(e));
  b.onWarning((w) => warnings.push(w));
  return { broker: b, events, warnings };
}

function waitForEvent(b: IbBroker, pred: (e: BrokerEvent) => boolean): Promise<BrokerEvent> {
  return new Promise((resolve) => {
    const off = b.onEvent((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

async function startError(b: IbBroker): Promise<IbError> {
  const err = await b.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IbError);
  return err as IbError;
}

const order = (id: string, extra: Partial<BrokerOrder> = {}): BrokerOrder => ({
  clientOrderId: id,
  symbol: "AAPL",
  side: "BUY",
  quantity: 100,
  type: "MKT",
  ruleId: "r1",
  reason: "test",
  decidedAt: CLOSE,
  refPrice: 150,
  ...extra,
});

describe("IbBroker start: positions and working orders TWS already holds", () => {
  it("after a restart reports TWS's position and adopts the working tradeplan order, which then fills", async () => {
    const tws = await fakeTws({ positions: [{ account: "DU555", symbol: "AAPL", position: 100, avgCost: 150.5 }] });
    tws.seedOrder({
      clientId: 9,
      orderId: 50,
      symbol: "AAPL",
      action: "SELL",
      quantity: 100,
      orderType: "LMT",
      lmtPrice: 160,
      orderRef: TP_ID,
    });
    const { broker: b, events, warnings } = broker(tws);
    await b.start();

    expect(b.connection.counters.badMessages).toBe(0);
    expect(tws.received.map((r) => r.fields[0])).toEqual(expect.arrayContaining(["61", "5"]));
    expect(b.position("AAPL")).toEqual({ symbol: "AAPL", side: "long", quantity: 100, avgPrice: 150.5 });
    expect(b.positions().map((p) => [p.symbol, p.quantity])).toEqual([["AAPL", 100]]);
    expect(b.openOrders()).toEqual([
      {
        clientOrderId: TP_ID,
        symbol: "AAPL",
        side: "SELL",
        quantity: 100,
        type: "LMT",
        limitPrice: 160,
        ruleId: "r2",
        reason: "working at TWS when the broker started (order 50)",
        decidedAt: CLOSE,
        refPrice: 160,
      },
    ]);
    expect(b.openOrders("MSFT")).toEqual([]);
    expect(warnings).toEqual([]);
    expect(b.startupSync?.orders.map((o) => o.orderId)).toEqual([50]);
    // The engine's decision for the same close is answered DUPLICATE, not sent again.
    expect(b.placeOrder(order(TP_ID, { side: "SELL" })).status).toBe("DUPLICATE");

    const filled = waitForEvent(b, (e) => e.type === "status" && e.status === "FILLED");
    tws.fill(50, 100, 160, 1);
    await filled;
    expect(events.map((e) => (e.type === "fill" ? `fill ${e.fill.quantity}@${e.fill.price}` : e.status))).toEqual([
      "fill 100@160",
      "FILLED",
    ]);
    expect(b.position("AAPL").quantity).toBe(0);
    expect(b.openOrders()).toEqual([]);
    expect(b.account().realizedPnl).toBeCloseTo(100 * (160 - 150.5) - 1, 6);
    expect(b.account().cash).toBeCloseTo(100_000 + 100 * (160 - 150.5) - 1, 6);
  });

  it("adopts bracket children with their role, so a stop fill is reported as stop_loss", async () => {
    const tws = await fakeTws({ positions: [{ account: "DU555", symbol: "AAPL", position: -20, avgCost: 50 }] });
    tws.seedOrder({
      clientId: 9,
      orderId: 61,
      symbol: "AAPL",
      action: "BUY",
      quantity: 20,
      orderType: "STP",
      auxPrice: 52,
      orderRef: "p:r:AAPL:1m:5:stop_loss",
    });
    const { broker: b } = broker(tws);
    await b.start();
    expect(b.position("AAPL")).toMatchObject({ side: "short", quantity: -20, avgPrice: 50 });
    // Protective children are not engine orders.
    expect(b.openOrders()).toEqual([]);
    const fill = waitForEvent(b, (e) => e.type === "fill");
    tws.fill(61, 20, 52);
    const e = await fill;
    expect(e.type === "fill" && e.fill).toMatchObject({
      clientOrderId: "p:r:AAPL:1m:5:stop_loss",
      trigger: "stop_loss",
      side: "BUY",
    });
    expect(b.position("AAPL").quantity).toBe(0);
  });

  it("does not adopt a working order without orderRef; it is reported as a warning", async () => {
    const tws = await fakeTws();
    tws.seedOrder({
      clientId: 9,
      orderId: 70,
      symbol: "MSFT",
      action: "BUY",
      quantity: 5,
      orderType: "LMT",
      lmtPrice: 300,
      orderRef: "",
    });
    const { broker: b, warnings } = broker(tws);
    await b.start();
    expect(b.connection.counters.badMessages).toBe(0);
    expect(b.openOrders()).toEqual([]);
    expect(b.cancel("")).toBe(false);
    expect(warnings).toEqual([
      {
        code: "IB_FOREIGN_ORDER",
        message: "working order 70 (BUY 5 MSFT LMT) has no orderRef: not placed by tradeplan, left alone",
      },
    ]);
    expect(b.startupSync?.warnings).toEqual(warnings);
  });

  it("takes only stock positions of the trading account; the others are reported", async () => {
    const tws = await fakeTws({
      accounts: ["DU555", "DU999"],
      positions: [
        { account: "DU555", symbol: "AAPL", position: 10, avgCost: 100 },
        { account: "DU999", symbol: "AAPL", position: 70, avgCost: 90 },
        { account: "DU555", symbol: "SPX", secType: "OPT", position: 1, avgCost: 500 },
        { account: "DU555", symbol: "MSFT", position: 0, avgCost: 0 },
      ],
    });
    const { broker: b, warnings } = broker(tws, {});
    await b.start();
    expect(b.positions().map((p) => [p.symbol, p.quantity, p.avgPrice])).toEqual([["AAPL", 10, 100]]);
    expect(warnings.map((w) => w.code)).toEqual(["IB_OTHER_ACCOUNT", "IB_UNSUPPORTED_POSITION"]);
    expect(warnings[0]?.message).toMatch(/account DU999 ignored \(trading account DU555\)/);
  });

  it("uses the configured account for the filter", async () => {
    const tws = await fakeTws({
      accounts: ["DU555", "DU999"],
      positions: [
        { account: "DU555", symbol: "AAPL", position: 10, avgCost: 100 },
        { account: "DU999", symbol: "AAPL", position: 70, avgCost: 90 },
      ],
    });
    const b = new IbBroker({ connection: { port: tws.port, clientId: 9, account: "DU999", ...FAST } });
    cleanups.push(() => b.stop());
    await b.start();
    expect(b.position("AAPL")).toMatchObject({ quantity: 70, avgPrice: 90 });
  });

  it("does not book again the executions of an adopted order that happened before the restart", async () => {
    const tws = await fakeTws({ orderPlan: () => ({ kind: "hold" }) });
    const first = broker(tws);
    await first.broker.start();
    const accepted = waitForEvent(first.broker, (e) => e.type === "status" && e.status === "ACCEPTED");
    first.broker.placeOrder(order("part"));
    await accepted;
    const partial = waitForEvent(first.broker, (e) => e.type === "fill");
    tws.fill(100, 40, 10);
    await partial;
    await first.broker.stop();
    await tws.waitForNoConnections();

    // TWS now holds 40 shares and the order with 60 to go.
    tws.positions = [{ account: "DU555", symbol: "AAPL", position: 40, avgCost: 10 }];
    const { broker: b, events } = broker(tws);
    await b.start();
    expect(b.position("AAPL").quantity).toBe(40);
    expect(b.openOrders().map((o) => o.clientOrderId)).toEqual(["part"]);

    // After a reconnect reqExecutions replays the day, including the 40 shares filled before the restart.
    const down = nextConnectionEvent(b.connection, (e) => e.type === "state" && e.state === "reconnecting");
    tws.dropAll();
    await down;
    const before = tws.received.length;
    await tws.waitFor((r) => r.fields[0] === "7" && tws.received.indexOf(r) >= before);
    const filled = waitForEvent(b, (e) => e.type === "status" && e.status === "FILLED");
    tws.fill(100, 60, 11);
    await filled;
    expect(events.flatMap((e) => (e.type === "fill" ? [e.fill.quantity] : []))).toEqual([60]);
    expect(b.position("AAPL")).toMatchObject({ quantity: 100, avgPrice: 10.6 });
    expect(b.openOrders()).toEqual([]);
  });

  it("rejects with IB_SYNC_TIMEOUT when positionEnd never arrives, and closes its connection", async () => {
    const tws = await fakeTws({ positions: [{ account: "DU555", symbol: "AAPL", position: 100, avgCost: 150 }] });
    tws.sendPositionEnd = false;
    const { broker: b } = broker(tws, { syncTimeoutMs: 300 });
    const err = await startError(b);
    expect(err.code).toBe("IB_SYNC_TIMEOUT");
    expect(err.message).toMatch(/within 300 ms \(no positionEnd\)/);
    expect(b.connection.state).toBe("stopped");
    expect(b.startupSync).toBeUndefined();
  });

  it("counts a malformed position message, does not crash, and refuses to start on a partial account", async () => {
    const tws = await fakeTws({
      positions: [
        { account: "DU555", symbol: "AAPL", position: "abc", avgCost: 150 },
        { account: "DU555", symbol: "MSFT", position: 5, avgCost: 300 },
      ],
    });
    const { broker: b } = broker(tws);
    const bad: string[] = [];
    b.connection.onEvent((e) => {
      if (e.type === "bad_message") bad.push(`${e.event}: ${e.reason}`);
    });
    const err = await startError(b);
    expect(err.code).toBe("IB_SYNC_INCOMPLETE");
    expect(err.message).toMatch(/1 position\/open-order message\(s\) from TWS failed validation/);
    expect(b.connection.counters.badMessages).toBe(1);
    expect(bad).toEqual([expect.stringMatching(/^position: 2: /)]);
    expect(b.positions()).toEqual([]);
  });

  it("counts a malformed open order (non-numeric quantity) the same way", async () => {
    const tws = await fakeTws();
    tws.seedOrder({
      clientId: 9,
      orderId: 80,
      symbol: "AAPL",
      action: "BUY",
      quantity: 1,
      orderType: "MKT",
      orderRef: "x",
    });
    // Field 14 of OPEN_ORDER is totalQuantity.
    tws.openOrderTransform = (fields) => fields.map((f, i) => (i === 14 ? "many" : f));
    const { broker: b } = broker(tws);
    const err = await startError(b);
    expect(err.code).toBe("IB_SYNC_INCOMPLETE");
    expect(b.connection.counters.badMessages).toBe(1);
    expect(b.openOrders()).toEqual([]);
  });

  it("rejects with IB_NOT_CONNECTED when the shared connection is already closed", async () => {
    const tws = await fakeTws();
    const { broker: b } = broker(tws);
    await b.connection.close();
    const err = await startError(b);
    expect(err.code).toBe("IB_NOT_CONNECTED");
  });
});
