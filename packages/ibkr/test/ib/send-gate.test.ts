import { afterEach, describe, expect, it } from "vitest";
import { type FakeTws, startFakeTws } from "../../../../test/fake-tws/index.js";
import { IbBroker } from "../../src/ib/index.js";
import { BrokerEvents as Events, FAST, order } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The hot standby's send gate (`--ha`): an order reaches TWS only once its gate resolves, never when it rejects. */
describe("IbBroker's send gate", () => {
  async function setup(gate: (id: string) => Promise<void>) {
    const tws: FakeTws = await startFakeTws({ orderPlan: () => ({ kind: "fill", price: 100 }) });
    cleanups.push(() => tws.close());
    const broker = new IbBroker({ connection: { port: tws.port, clientId: 9, ...FAST } }, { sendGate: gate });
    cleanups.push(() => broker.stop());
    const events = new Events();
    broker.onEvent(events.listener);
    await broker.start();
    return { tws, broker, events };
  }

  it("holds the order until the gate resolves, then writes it", async () => {
    let open: () => void = () => undefined;
    const asked: string[] = [];
    const { tws, broker, events } = await setup((id) => {
      asked.push(id);
      return new Promise((resolve) => {
        open = resolve;
      });
    });
    expect(broker.placeOrder(order("g1")).status).toBe("ACCEPTED");
    await new Promise((r) => setTimeout(r, 200));
    expect(asked).toEqual(["g1"]);
    expect(tws.orders).toEqual([]);
    open();
    await events.status("g1", "FILLED");
    expect(tws.orders.map((o) => o.orderRef)).toEqual(["g1"]);
  });

  it("refuses the order, unsent, when the gate rejects (the intent did not commit, the lease was lost)", async () => {
    const { tws, broker, events } = await setup(async () => {
      throw new Error("the lease of epoch 3 is no longer a's");
    });
    broker.placeOrder(order("g2"));
    await events.status("g2", "REJECTED");
    await new Promise((r) => setTimeout(r, 100));
    expect(tws.orders).toEqual([]);
    expect(events.list.find((e) => e.type === "status" && e.status === "REJECTED")).toMatchObject({
      reason: "not sent: the lease of epoch 3 is no longer a's",
    });
    expect(broker.openOrders()).toEqual([]);
  });
});
