import type { BrokerEvent, Fill, PositionState } from "@tradeplan/core";
import { PaperBroker, VirtualClock } from "@tradeplan/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayOf, START } from "../../core/test/portfolio-fills.js";
import { IbBroker } from "../src/ib/broker.js";
import { OfflineConnection } from "./ib/offline-connection.js";

const INITIAL = 250_000;

/**
 * A position as the book holds it, less `entryClose`: that is the decision's close, and the paper exchange
 * fills an order at one price, so here each execution of an order is a paper order of its own whose
 * decision close is that execution's price.
 */
const bookOf = ({ entryClose: _, ...p }: PositionState) => p;

/** An order as the exchange fills it: one to three executions (partial fills), each with its own price. */
const orders = fc.array(
  fc.record({
    symbol: fc.constantFrom("AAPL", "MSFT"),
    side: fc.constantFrom("BUY" as const, "SELL" as const),
    parts: fc.array(
      fc.record({ quantity: fc.integer({ min: 1, max: 80 }), cents: fc.integer({ min: 100, max: 50_000 }) }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    /** Whether TWS sends each execution's commission report before the execution (it may). */
    commissionFirst: fc.boolean(),
    newDay: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  }),
  { minLength: 1, maxLength: 25 },
);

/** A per-share commission with a minimum, as the paper broker charges: both paths must book the same amounts. */
const costs = fc.record({
  commissionPerShare: fc.constantFrom(0, 0.005, 0.0035, 0.01),
  commissionMinimum: fc.constantFrom(0, 0.35, 1),
});

/**
 * The same executions through the paper broker's path (its simulated exchange fills each at the decision
 * close, no slippage, and marks at a bar's close) and the IB adapter's (execDetails and commissionReport
 * messages, in either order, through `IbBroker`'s own handlers): one book, so every account figure and
 * position is the same, to the last bit, after every execution.
 */
describe("paper and IB book the same fills the same", () => {
  it("gives identical positions and account figures after every execution", () => {
    fc.assert(
      fc.property(orders, costs, (list, cost) => {
        const paper = new PaperBroker({ initialCash: INITIAL, fillAt: "close", slippageBps: 0, ...cost }, dayOf);
        const clock = new VirtualClock(START - 60_000);
        const conn = new OfflineConnection({}, { clock });
        const ib = new IbBroker({ initialCash: INITIAL }, { connection: conn, clock, dayKey: dayOf });
        const fills: [Fill[], Fill[]] = [[], []];
        const collect = (into: Fill[]) => (e: BrokerEvent) => {
          if (e.type === "fill") into.push(e.fill);
        };
        paper.onEvent(collect(fills[0]));
        ib.onEvent(collect(fills[1]));
        let t = START - 60_000;
        let n = 0;
        list.forEach((o, i) => {
          t = o.newDay ? (Math.floor(t / 86_400_000) + 1) * 86_400_000 + 15 * 3_600_000 : t + 60_000;
          const quantity = o.parts.reduce((s, p) => s + p.quantity, 0);
          const decision = {
            symbol: o.symbol,
            side: o.side,
            type: "MKT" as const,
            ruleId: "r1",
            reason: "parity",
            decidedAt: t,
          };
          clock.advanceTo(t);
          expect(
            ib.placeOrder({ ...decision, clientOrderId: `o${i}`, quantity, refPrice: o.parts[0]!.cents / 100 }).status,
          ).toBe("ACCEPTED");
          const orderId = conn.lastOrderId;
          let cum = 0;
          for (const part of o.parts) {
            const price = part.cents / 100;
            const commission = Math.max(cost.commissionMinimum, part.quantity * cost.commissionPerShare);
            // Paper: each execution is an order its exchange fills at the decision close, then a bar marks it.
            paper.placeOrder({ ...decision, clientOrderId: `p${n}`, quantity: part.quantity, refPrice: price });
            paper.onBar({
              symbol: o.symbol,
              timeframe: "1m",
              time: t,
              closeTime: t + 60_000,
              open: price,
              high: price,
              low: price,
              close: price,
              volume: 1,
            });
            // IB: the execution and its commission report, from TWS.
            cum += part.quantity;
            const execId = `e${n++}`;
            const exec = () =>
              conn.deliver("execDetails", [
                -1,
                { symbol: o.symbol },
                { orderId, execId, side: o.side === "BUY" ? "BOT" : "SLD", shares: part.quantity, price, cumQty: cum },
              ]);
            const report = () => conn.deliver("commissionReport", [{ execId, commission }]);
            if (o.commissionFirst) {
              report();
              exec();
            } else {
              exec();
              report();
            }
            expect(ib.account()).toEqual(paper.account());
            expect(ib.positions().map(bookOf)).toEqual(paper.positions().map(bookOf));
          }
        });
        // The whole book, as a restart would save it.
        const saved = (b: PaperBroker | IbBroker) => {
          const state = b.portfolio.exportState();
          return { ...state, positions: state.positions.map(({ entryClose: _, ...p }) => p) };
        };
        expect(saved(ib)).toEqual(saved(paper));
        // The fills each path reported carry the same executions (ids and triggers aside).
        const strip = (f: Fill) => [f.symbol, f.side, f.quantity, f.price, f.commission, f.time];
        expect(fills[1].map(strip)).toEqual(fills[0].map(strip));
      }),
      { numRuns: 150 },
    );
  });
});
