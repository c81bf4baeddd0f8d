import { describe, expect, it } from "vitest";
import { planAdoption, type TwsOpenOrder } from "../../src/ib/index.js";

const base: TwsOpenOrder = {
  orderId: 1,
  symbol: "AAPL",
  secType: "STK",
  action: "BUY",
  quantity: 10,
  orderType: "MKT",
  lmtPrice: undefined,
  auxPrice: undefined,
  account: "DU1",
  orderRef: "h:r:AAPL:1m:60000",
  parentId: 0,
  status: "Submitted",
  filled: 0,
};

const snapshot = (orders: TwsOpenOrder[]) => ({ positions: [], orders, badMessages: 0 });

describe("planAdoption", () => {
  it("adopts a plain tradeplan order and recovers rule and decision time from the client order id", () => {
    const a = planAdoption(snapshot([base]), "DU1");
    expect(a.warnings).toEqual([]);
    expect(a.orders).toEqual([
      expect.objectContaining({ orderId: 1, role: "order", filled: 0, quantity: 10, side: "BUY" }),
    ]);
    expect(a.orders[0]?.order).toMatchObject({ ruleId: "r", decidedAt: 60_000, type: "MKT" });
  });

  it("keeps an orderRef it cannot parse as the client order id, with an unknown rule", () => {
    const a = planAdoption(snapshot([{ ...base, orderRef: "manual-ref" }]), undefined);
    expect(a.orders[0]?.order).toMatchObject({ clientOrderId: "manual-ref", ruleId: "", decidedAt: 0 });
  });

  it("leaves alone and reports orders tradeplan never sends", () => {
    const a = planAdoption(
      snapshot([
        { ...base, orderId: 2, orderType: "TRAIL" },
        { ...base, orderId: 3, secType: "OPT" },
        { ...base, orderId: 4, action: "SSHORT" },
        { ...base, orderId: 5, quantity: 2.5 },
        { ...base, orderId: 6, account: "DU2" },
      ]),
      "DU1",
    );
    expect(a.orders).toEqual([]);
    expect(a.warnings.map((w) => [w.code, w.message.match(/order (\d+)/)?.[1]])).toEqual([
      ["IB_FOREIGN_ORDER", "2"],
      ["IB_FOREIGN_ORDER", "3"],
      ["IB_FOREIGN_ORDER", "4"],
      ["IB_FOREIGN_ORDER", "5"],
      ["IB_OTHER_ACCOUNT", "6"],
    ]);
  });

  it("skips orders TWS reports as done", () => {
    const a = planAdoption(
      snapshot([
        { ...base, status: "Filled" },
        { ...base, orderId: 7, status: "Cancelled" },
      ]),
      "DU1",
    );
    expect(a.orders).toEqual([]);
    expect(a.warnings).toEqual([]);
  });

  it("sums stock positions of one symbol into one with the weighted average cost", () => {
    const a = planAdoption(
      {
        positions: [
          { account: "DU1", symbol: "AAPL", secType: "STK", quantity: 10, avgCost: 100 },
          { account: "DU1", symbol: "AAPL", secType: "STK", quantity: 30, avgCost: 120 },
        ],
        orders: [],
        badMessages: 0,
      },
      "DU1",
    );
    expect(a.positions).toEqual([{ symbol: "AAPL", quantity: 40, avgPrice: 115 }]);
  });
});
