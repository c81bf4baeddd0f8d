import { afterEach, describe, expect, it } from "vitest";
import { type FakeTws, startFakeTws } from "../../../../test/fake-tws/index.js";
import { IbBroker, type IbSyncWarning } from "../../src/ib/index.js";
import { BrokerEvents, FAST, order } from "./helpers.js";

/**
 * After a restart, the orders the last run saved as working that TWS does
 * not work now are settled by what TWS knows of them: filled, cancelled, or
 * unknown to TWS (accepted by the last run but still waiting for the wire
 * when it died): lost, with a record, and never sent again.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function broker(tws: FakeTws) {
  const b = new IbBroker({ connection: { port: tws.port, clientId: 5, ...FAST }, syncTimeoutMs: 2_000 });
  cleanups.push(() => b.stop());
  const events = new BrokerEvents();
  b.onEvent(events.listener);
  const warnings: IbSyncWarning[] = [];
  b.onWarning((w) => warnings.push(w));
  return { b, events, warnings };
}

describe("IbBroker.settleSaved after a restart", () => {
  it("filled, cancelled, still working and never received orders each get their fate; the lost one is refused DUPLICATE if decided again", async () => {
    const tws = await startFakeTws({
      trackPositions: true,
      orderPlan: (o) => (o.orderRef === "filled" ? { kind: "fill", price: 150 } : { kind: "hold" }),
    });
    cleanups.push(() => tws.close());
    // The last run: three orders reach TWS (one fills, one is cancelled, one works on), then the process dies.
    const last = broker(tws);
    await last.b.start();
    for (const id of ["filled", "cancelled", "working"]) expect(last.b.placeOrder(order(id)).status).toBe("ACCEPTED");
    await last.events.status("filled", "FILLED");
    await tws.waitForCount((m) => m.fields[0] === "3", 3);
    expect(last.b.cancel("cancelled")).toBe(true);
    await last.events.status("cancelled", "CANCELLED");
    await last.b.stop();
    await tws.waitForNoConnections();

    const next = broker(tws);
    await next.b.start();
    // TWS's position (the fill) and its working order are taken over at start.
    expect(next.b.position("AAPL").quantity).toBe(100);
    expect(next.b.openOrders().map((o) => o.clientOrderId)).toEqual(["working"]);
    // What the last run saved as working: all four, one of which never left that process.
    await next.b.settleSaved(["filled", "cancelled", "working", "never-sent"].map((id) => order(id)));
    expect(next.events.of("filled")).toEqual(["FILLED"]);
    expect(next.events.list.find((e) => e.type === "status" && e.clientOrderId === "filled")).toMatchObject({
      reason: expect.stringMatching(/^executed at TWS while tradeplan was not running/),
    });
    expect(next.events.of("cancelled")).toEqual(["CANCELLED"]);
    expect(next.events.of("working")).toEqual([]);
    expect(next.events.of("never-sent")).toEqual(["REJECTED"]);
    const lost = next.events.list.find((e) => e.type === "status" && e.clientOrderId === "never-sent");
    expect(lost).toMatchObject({
      lost: true,
      reason: expect.stringMatching(
        /^IB_ORDER_LOST: TWS has no record of the order with orderRef never-sent after the restart/,
      ),
    });
    expect(next.b.lostOrders).toBe(1);
    expect(next.warnings.map((w) => w.code)).toEqual(["IB_ORDER_LOST"]);
    // Nothing was booked again (the fill is in the position TWS reported), and nothing is sent again.
    expect(next.b.position("AAPL").quantity).toBe(100);
    expect(next.b.placeOrder(order("never-sent")).status).toBe("DUPLICATE");
    expect(next.b.openOrders().map((o) => o.clientOrderId)).toEqual(["working"]);
    expect(tws.orders.map((o) => o.orderRef)).toEqual(["filled", "cancelled", "working"]);
  });

  it("an incomplete answer settles nothing", async () => {
    const tws = await startFakeTws();
    cleanups.push(() => tws.close());
    tws.sendCompletedOrdersEnd = false;
    const next = broker(tws);
    await next.b.start();
    await next.b.settleSaved([order("unknown")]);
    expect(next.events.list).toEqual([]);
    expect(next.warnings.map((w) => w.code)).toEqual(["IB_RECONCILE_INCOMPLETE"]);
    expect(next.warnings[0]?.message).toMatch(
      /the 1 order\(s\) the previous run left working .*no completedOrdersEnd.*they are not settled$/,
    );
  });
});
