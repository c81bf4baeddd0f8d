import { describe, expect, it } from "vitest";
import { type FillEvent, Portfolio } from "../src/portfolio/portfolio.js";

const T = Date.UTC(2024, 0, 2, 15, 0);

function fill(
  side: "BUY" | "SELL",
  quantity: number,
  price: number,
  commission: number,
  extra: Partial<FillEvent> = {},
) {
  return {
    symbol: "X",
    side,
    quantity,
    price,
    commission,
    time: T,
    day: "2024-01-02",
    rule: "r1",
    decidedAt: T - 60_000,
    refPrice: price,
    ...extra,
  } satisfies FillEvent;
}

describe("Portfolio: the booking rules, by hand", () => {
  it("holds an entry's commission with the position and realizes it with the shares it was paid for", () => {
    const p = new Portfolio(10_000);
    p.apply(fill("BUY", 100, 10, 2));
    p.setMark("X", 10.5);
    // cash 10,000 - 1,000 - 2; unrealized 100 x 0.5 - 2 (the held entry commission).
    expect(p.account()).toEqual({
      cash: 8_998,
      equity: 10_048,
      realizedPnl: 0,
      unrealizedPnl: 48,
      dailyRealizedPnl: 0,
    });
    const { trade } = p.apply(fill("SELL", 40, 11, 1, { rule: "r2", time: T + 60_000 }));
    // 40 x (11 - 10) - 40% of the entry's 2 - the exit's 1.
    expect(trade).toEqual({
      symbol: "X",
      side: "long",
      quantity: 40,
      entryTime: T,
      entryPrice: 10,
      exitTime: T + 60_000,
      exitPrice: 11,
      commission: 0.8 + 1,
      pnl: 40 - 0.8 - 1,
      entryRule: "r1",
      exitRule: "r2",
    });
    expect(p.account().realizedPnl).toBeCloseTo(38.2, 12);
    expect(p.openPositions()).toEqual([
      { symbol: "X", quantity: 60, avgPrice: 10, mark: 10.5, unrealizedPnl: expect.closeTo(60 * 0.5 - 1.2, 12) },
    ]);
    expect(p.commissions).toBe(3);
  });

  it("books a reversal through zero as a round trip and a new position at the fill price (long 10, sell 25)", () => {
    const p = new Portfolio(10_000);
    p.apply(fill("BUY", 10, 100, 1));
    const rev = p.apply(
      fill("SELL", 25, 110, 2.5, { rule: "r2", time: T + 60_000, decidedAt: T + 30_000, refPrice: 109 }),
    );
    // Closes 10: 10 x 10 - 1 (entry) - 10/25 x 2.5 (exit); opens short 15 holding 15/25 x 2.5.
    expect(rev.trade).toMatchObject({ side: "long", quantity: 10, pnl: 98, commission: 2 });
    expect(rev.opened).toBe(15);
    expect(p.position("X")).toEqual({
      symbol: "X",
      side: "short",
      quantity: -15,
      avgPrice: 110,
      openedAt: T + 30_000,
      entryClose: 109,
    });
    // Still marked at the first fill's 100 (fills mark only an unmarked symbol): the short is 150 up, less its 1.5.
    expect(p.openPositions()[0]?.unrealizedPnl).toBe(148.5);
    p.setMark("X", 110);
    expect(p.openPositions()[0]?.unrealizedPnl).toBe(-1.5);
    const cover = p.apply(fill("BUY", 15, 105, 1.5, { rule: "r3", time: T + 120_000 }));
    // 15 x 5 - 1.5 (held) - 1.5 (exit).
    expect(cover.trade).toMatchObject({ side: "short", quantity: 15, pnl: 72, entryRule: "r2", exitRule: "r3" });
    expect(p.hasPositions()).toBe(false);
    // The round trip by hand: sold 25 x 110, bought 10 x 100 + 15 x 105, commissions 5.
    const hand = 25 * 110 - (10 * 100 + 15 * 105) - 5;
    expect(p.account()).toMatchObject({
      realizedPnl: hand,
      unrealizedPnl: 0,
      cash: 10_000 + hand,
      equity: 10_000 + hand,
    });
  });

  it("averages partial fills of an entry and keeps the average when reducing", () => {
    const p = new Portfolio(50_000);
    p.apply(fill("BUY", 30, 100, 1));
    p.apply(fill("BUY", 70, 101, 1));
    expect(p.position("X").avgPrice).toBeCloseTo((30 * 100 + 70 * 101) / 100, 12);
    p.apply(fill("SELL", 50, 102, 1));
    expect(p.position("X")).toMatchObject({ quantity: 50, avgPrice: expect.closeTo(100.7, 12) });
    // The position keeps the first fill's decision.
    expect(p.position("X").openedAt).toBe(T - 60_000);
  });

  it("restarts the daily realized P&L on another day key, from a fill or from startDay", () => {
    const p = new Portfolio(10_000);
    p.apply(fill("BUY", 10, 10, 0));
    p.apply(fill("SELL", 5, 12, 0));
    expect(p.account().dailyRealizedPnl).toBe(10);
    p.apply(fill("SELL", 5, 11, 0, { day: "2024-01-03" }));
    expect(p.account()).toMatchObject({ realizedPnl: 15, dailyRealizedPnl: 5 });
    p.startDay("2024-01-04");
    expect(p.account()).toMatchObject({ realizedPnl: 15, dailyRealizedPnl: 0 });
  });

  it("marks a symbol at its first fill only; market prices mark it after that", () => {
    const p = new Portfolio(10_000);
    p.apply(fill("BUY", 10, 10, 0));
    p.apply(fill("BUY", 10, 12, 0));
    expect(p.markOf("X")).toBe(10);
    p.setMark("X", 13);
    expect(p.account().equity).toBe(10_000 - 220 + 20 * 13);
  });

  it("adopts a position held before it existed without changing equity", () => {
    const p = new Portfolio(100_000);
    p.adopt("AAPL", 100, 150.5, T);
    expect(p.account()).toMatchObject({ cash: 100_000 - 15_050, equity: 100_000, unrealizedPnl: 0 });
    expect(p.position("AAPL")).toEqual({ symbol: "AAPL", side: "long", quantity: 100, avgPrice: 150.5 });
    expect(() => p.adopt("AAPL", 1, 1, T)).toThrow(/already holds/);
    const round = new Portfolio(1);
    round.importState(JSON.parse(JSON.stringify(p.exportState())));
    expect(round.position("AAPL")).toEqual(p.position("AAPL"));
  });

  it("refuses a fill it cannot book, naming the field", () => {
    const p = new Portfolio(10_000);
    expect(() => p.apply(fill("BUY", 0, 10, 0))).toThrow(/quantity must be a finite number > 0, got 0/);
    expect(() => p.apply(fill("BUY", 1, Number.NaN, 0))).toThrow(/price/);
    expect(() => p.apply(fill("BUY", 1, 10, Number.POSITIVE_INFINITY))).toThrow(/commission/);
    expect(p.account().cash).toBe(10_000);
  });

  it("hands out the same frozen snapshots until something changes", () => {
    const p = new Portfolio(10_000);
    p.apply(fill("BUY", 1, 10, 0));
    const a = p.account();
    const pos = p.position("X");
    expect(Object.isFrozen(a) && Object.isFrozen(pos)).toBe(true);
    p.setMark("X", 10);
    expect(p.account()).toBe(a);
    expect(p.position("X")).toBe(pos);
    p.setMark("X", 11);
    expect(p.account()).not.toBe(a);
    expect(p.position("X")).toBe(pos);
  });
});
