import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FillEvent, Portfolio, type Trade } from "../src/portfolio/portfolio.js";
import { near, rawFills, timed } from "./portfolio-fills.js";

const INITIAL = 100_000;
const sign = (f: FillEvent) => (f.side === "BUY" ? 1 : -1);

/**
 * The book against what can be computed without it: cash from the fills' cash flows, quantities from their
 * signed sums, round trips from what was paid and received. Every sequence mixes symbols, both sides,
 * partial fills (several fills building or reducing one position), reversals through zero and commissions.
 */
describe("Portfolio on random fill sequences", () => {
  it("conserves value net of commissions: cash + positions at the last fill prices = initial + realized + unrealized", () => {
    fc.assert(
      fc.property(rawFills(["A", "B", "C"]), (raw) => {
        const book = new Portfolio(INITIAL);
        const qty = new Map<string, number>();
        const last = new Map<string, number>();
        let cashFlow = 0;
        let paid = 0;
        let tradePnl = 0;
        for (const f of timed(raw)) {
          const { trade } = book.apply(f);
          book.setMark(f.symbol, f.price);
          tradePnl += trade?.pnl ?? 0;
          qty.set(f.symbol, (qty.get(f.symbol) ?? 0) + sign(f) * f.quantity);
          last.set(f.symbol, f.price);
          cashFlow -= sign(f) * f.quantity * f.price;
          paid += f.commission;

          // Read before the account is built (and cached): the number-returning read is the account's figure.
          const equity = book.equity();
          const a = book.account();
          expect(equity).toBe(a.equity);
          let value = 0;
          for (const [s, q] of qty) value += q * last.get(s)!;
          expect(near(a.cash, INITIAL + cashFlow - paid)).toBe(true);
          expect(near(book.commissions, paid)).toBe(true);
          expect(near(a.equity, a.cash + value)).toBe(true);
          // Conservation: what the book reports as P&L is exactly what the account gained or lost.
          expect(near(a.cash + value, INITIAL + a.realizedPnl + a.unrealizedPnl)).toBe(true);
          // Before commissions: realized + unrealized + commissions paid is what trading gained (the fills' cash
          // flows plus the positions' value), so equity = initial + that gain - commissions.
          expect(near(a.realizedPnl + a.unrealizedPnl + book.commissions, cashFlow + value)).toBe(true);
          expect(near(a.realizedPnl, tradePnl)).toBe(true);
          const held = Object.fromEntries(book.positions().map((p) => [p.symbol, p.quantity]));
          expect(held).toEqual(Object.fromEntries([...qty].filter(([, q]) => q !== 0)));
          const open = book.openPositions();
          expect(
            near(
              open.reduce((s, p) => s + p.unrealizedPnl, 0),
              a.unrealizedPnl,
            ),
          ).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("realizes a round trip's hand-computed P&L: received - paid - commissions, reversals and partial fills included", () => {
    fc.assert(
      fc.property(rawFills(["X"], 30), fc.integer({ min: 100, max: 50_000 }), (raw, closeCents) => {
        const fills = timed(raw);
        const held = fills.reduce((q, f) => q + sign(f) * f.quantity, 0);
        const lastFill = fills[fills.length - 1]!;
        if (held !== 0) {
          const t = lastFill.time + 60_000;
          fills.push({
            ...lastFill,
            side: held > 0 ? "SELL" : "BUY",
            quantity: Math.abs(held),
            price: closeCents / 100,
            commission: 1,
            time: t,
            rule: "close",
          });
        }
        const book = new Portfolio(INITIAL);
        const trades: Trade[] = [];
        for (const f of fills) {
          const { trade } = book.apply(f);
          if (trade) trades.push(trade);
        }
        const received = fills.reduce((s, f) => s - sign(f) * f.quantity * f.price, 0);
        const commissions = fills.reduce((s, f) => s + f.commission, 0);
        const a = book.account();
        expect(book.hasPositions()).toBe(false);
        expect(near(a.realizedPnl, received - commissions)).toBe(true);
        expect(a.unrealizedPnl).toBe(0);
        expect(near(a.equity, INITIAL + received - commissions)).toBe(true);
        // Every commission ends up in a trade, each share closed once.
        expect(
          near(
            trades.reduce((s, t) => s + t.commission, 0),
            commissions,
          ),
        ).toBe(true);
        expect(
          near(
            trades.reduce((s, t) => s + t.pnl, 0),
            a.realizedPnl,
          ),
        ).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("restarts the daily realized P&L on each new day key", () => {
    fc.assert(
      fc.property(rawFills(["A", "B"]), (raw) => {
        const book = new Portfolio(INITIAL);
        let day = "";
        let today = 0;
        for (const f of timed(raw)) {
          if (f.day !== day) {
            day = f.day;
            today = 0;
          }
          today += book.apply(f).trade?.pnl ?? 0;
          expect(near(book.account().dailyRealizedPnl, today)).toBe(true);
        }
        const realized = book.account().realizedPnl;
        book.startDay("2099-01-01");
        expect(book.account()).toMatchObject({ dailyRealizedPnl: 0, realizedPnl: realized });
      }),
      { numRuns: 200 },
    );
  });

  it("exports and imports exactly: a restored book equals the saved one and stays equal on the fills after", () => {
    fc.assert(
      fc.property(rawFills(["A", "B", "C"]), fc.nat(), (raw, cutAt) => {
        const fills = timed(raw);
        const cut = cutAt % (fills.length + 1);
        const book = new Portfolio(INITIAL);
        fills.slice(0, cut).forEach((f, i) => {
          book.apply(f);
          if (i % 3 === 0) book.setMark(f.symbol, f.price + 0.25);
        });
        // As the state store keeps it: JSON, numbers and all.
        const saved = JSON.parse(JSON.stringify(book.exportState()));
        const restored = new Portfolio(INITIAL);
        restored.importState(saved);
        expect(restored.exportState()).toEqual(book.exportState());
        expect(restored.account()).toEqual(book.account());
        expect(restored.positions()).toEqual(book.positions());
        expect(restored.openPositions()).toEqual(book.openPositions());
        expect(restored.commissions).toBe(book.commissions);
        const trades: [Trade | undefined, Trade | undefined][] = [];
        for (const f of fills.slice(cut)) trades.push([book.apply(f).trade, restored.apply(f).trade]);
        for (const [a, b] of trades) expect(b).toEqual(a);
        expect(restored.exportState()).toEqual(book.exportState());
        expect(restored.account()).toEqual(book.account());
      }),
      { numRuns: 200 },
    );
  });
});
