import type { BarData, BrokerOrder } from "@tradeplan/core";
import { type InstrumentConfig, Instruments, PaperBroker, Portfolio, resolveInstruments } from "@tradeplan/core";
import { InstrumentSchema, onTick, roundToTick } from "@tradeplan/core/internal";
import { analyze } from "@tradeplan/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { near, rawFills, timed } from "../../core/test/portfolio-fills.js";
import { parseTradeplanConfig } from "../src/config/load.js";
import { createBroker } from "../src/live/factory.js";

const FESX: InstrumentConfig = { type: "future", multiplier: 10, tick_size: 1, currency: "EUR" };

describe("roundToTick", () => {
  it("rounds against the trader to a multiple of the tick, with no more decimals than the tick", () => {
    expect(roundToTick(3600.2, 1, "BUY")).toBe(3601);
    expect(roundToTick(3600.2, 1, "SELL")).toBe(3600);
    expect(roundToTick(100.13, 0.25, "BUY")).toBe(100.25);
    expect(roundToTick(100.13, 0.25, "SELL")).toBe(100);
    expect(roundToTick(0.3, 0.1, "BUY")).toBe(0.3); // 0.3 / 0.1 = 2.9999999999999996: on the tick
    expect(roundToTick(1.005, 0.01, "SELL")).toBe(1);
  });

  it("property: the result is on the tick, at most one tick away, on the adverse side", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 20_000, noNaN: true }),
        fc.constantFrom(0.01, 0.05, 0.1, 0.25, 0.5, 1, 5),
        fc.constantFrom("BUY" as const, "SELL" as const),
        (price, tick, side) => {
          const r = roundToTick(price, tick, side);
          expect(onTick(r, tick)).toBe(true);
          expect(Math.abs(r - price)).toBeLessThan(tick + 1e-9);
          if (side === "BUY") expect(r).toBeGreaterThanOrEqual(price - tick * 1e-9);
          else expect(r).toBeLessThanOrEqual(price + tick * 1e-9);
          // Rounding again changes nothing.
          expect(roundToTick(r, tick, side)).toBe(r);
        },
      ),
    );
  });
});

describe("instruments: schema and resolution", () => {
  it("a future needs its multiplier; a multiplier <= 0 and a stock's other than 1 are refused", () => {
    const issues = (v: unknown) =>
      InstrumentSchema.safeParse(v).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ type: "future" })).toEqual([
      "multiplier: a future needs its multiplier (currency per point, e.g. 10 for the Euro Stoxx 50 future)",
    ]);
    expect(issues({ type: "future", multiplier: 0 })).toEqual(["multiplier: must be a finite number > 0"]);
    expect(issues({ type: "future", multiplier: -5 })).toEqual(["multiplier: must be a finite number > 0"]);
    expect(issues({ multiplier: 100 })).toEqual(["multiplier: a stock's multiplier is 1; declare `type: future`"]);
    expect(issues({ type: "future", multiplier: 10, tick_size: 0 })).toEqual([
      "tick_size: must be a finite number > 0",
    ]);
    expect(issues({ currency: "euro" })).toEqual(["currency: must be an ISO 4217 code such as USD or EUR"]);
  });

  it("tradeplan.yaml: a bad entry is refused with its line", () => {
    const text = "instruments:\n  FESX:\n    type: future\n    multiplier: 0\n";
    expect(() => parseTradeplanConfig(text, "t.yaml")).toThrow(
      "CONFIG_INVALID: t.yaml:4:17: instruments.FESX.multiplier: must be a finite number > 0",
    );
  });

  it("refuses an entry for a symbol the plan does not trade, and mixed currencies without fx", () => {
    expect(resolveInstruments({ FESX: FESX, ES: { ...FESX, currency: "USD" } }, undefined, ["FESX"])).toEqual([
      { path: ["instruments", "ES"], message: "the plan does not trade ES (it trades FESX)" },
    ]);
    const mixed = resolveInstruments({ FESX }, undefined, ["FESX", "NVDA"]);
    expect(mixed).toEqual([
      {
        path: ["instruments"],
        message: expect.stringContaining("priced in EUR and USD (FESX EUR, NVDA USD); one account needs one currency"),
      },
    ]);
    expect(resolveInstruments({ FESX }, { base: "USD", rates: {} }, ["FESX", "NVDA"])).toEqual([
      { path: ["fx", "rates"], message: "no rate for EUR (USD per EUR); the plan trades FESX in EUR" },
    ]);
  });

  it("one currency needs no fx: the account is in it; fx converts at its fixed rate", () => {
    const eur = resolveInstruments({ FESX }, undefined, ["FESX"]);
    if (Array.isArray(eur)) throw new Error("unexpected issues");
    expect(eur.currency).toBe("EUR");
    expect(eur.pointValue("FESX")).toBe(10);
    const usd = resolveInstruments({ FESX }, { base: "USD", rates: { EUR: 1.1 } }, ["FESX", "NVDA"]);
    if (Array.isArray(usd)) throw new Error("unexpected issues");
    expect(usd.currency).toBe("USD");
    expect(usd.pointValue("FESX")).toBeCloseTo(11, 12);
    expect(usd.pointValue("NVDA")).toBe(1);
    expect(usd.spec("NVDA")).toMatchObject({ type: "stock", multiplier: 1, tickSize: undefined, currency: "USD" });
  });
});

describe("the book with multipliers", () => {
  it("property: equity = initial + realized + unrealized, and each round trip = qty x move x point value - commissions", () => {
    const pv: Record<string, number> = { A: 1, B: 10, C: 50 };
    fc.assert(
      fc.property(rawFills(["A", "B", "C"]), (raw) => {
        const book = new Portfolio(1_000_000, (s) => pv[s] ?? 1);
        let tradePnl = 0;
        let cashFlow = 0;
        for (const f of timed(raw)) {
          const { trade } = book.apply(f);
          book.setMark(f.symbol, f.price);
          const dir = f.side === "BUY" ? 1 : -1;
          cashFlow -= dir * f.quantity * f.price * (pv[f.symbol] ?? 1) + f.commission;
          if (trade) {
            const d = trade.side === "long" ? 1 : -1;
            const gross = trade.quantity * (trade.exitPrice - trade.entryPrice) * d * (pv[trade.symbol] ?? 1);
            expect(near(trade.pnl, gross - trade.commission)).toBe(true);
            tradePnl += trade.pnl;
          }
        }
        const a = book.account();
        expect(near(a.cash, 1_000_000 + cashFlow)).toBe(true);
        expect(near(a.equity, 1_000_000 + a.realizedPnl + a.unrealizedPnl)).toBe(true);
        expect(near(a.realizedPnl, tradePnl)).toBe(true);
        const open = book.openPositions().reduce((s, p) => s + p.unrealizedPnl, 0);
        expect(near(open, a.unrealizedPnl)).toBe(true);
      }),
    );
  });
});

const M = 60_000;
const T = Date.UTC(2006, 0, 3, 9, 0);

function bar(i: number, o: number, h: number, l: number, c: number): BarData {
  return {
    symbol: "FESX",
    timeframe: "1m",
    time: T + i * M,
    closeTime: T + (i + 1) * M,
    open: o,
    high: h,
    low: l,
    close: c,
    volume: 100,
  };
}

function order(
  id: string,
  side: "BUY" | "SELL",
  qty: number,
  decidedAt: number,
  extra: Partial<BrokerOrder> = {},
): BrokerOrder {
  return {
    clientOrderId: id,
    symbol: "FESX",
    side,
    quantity: qty,
    type: "MKT",
    ruleId: "r1",
    reason: "t",
    decidedAt,
    refPrice: 3600,
    ...extra,
  };
}

describe("the paper broker with a future", () => {
  const instruments = (() => {
    const r = resolveInstruments({ FESX }, undefined, ["FESX"]);
    if (Array.isArray(r)) throw new Error("unexpected issues");
    return r;
  })();

  it("fills on the tick with slippage in ticks, charges per contract, and books P&L x multiplier", () => {
    const b = new PaperBroker(
      { commission: "1.5/contract", slippage: "1tick", initialCash: 100_000 },
      undefined,
      instruments,
    );
    b.placeOrder(order("a", "BUY", 2, T));
    b.onBar(bar(0, 3600.4, 3610, 3590, 3605)); // 3600.4 + 1 tick = 3601.4, rounded up: 3602
    b.placeOrder(order("b", "SELL", 2, T + M));
    b.onBar(bar(1, 3620.6, 3630, 3615, 3625)); // 3620.6 - 1 = 3619.6, rounded down: 3619
    const [entry, exit] = b.fills();
    expect(entry?.price).toBe(3602);
    expect(exit?.price).toBe(3619);
    expect(entry?.commission).toBe(3);
    const [t] = b.trades();
    expect(t?.pnl).toBeCloseTo(2 * 17 * 10 - 6, 9);
    expect(b.account().equity).toBeCloseTo(100_000 + 334, 9);
    expect(b.account().cash).toBeCloseTo(100_000 + 334, 9);
  });

  it("marks an open future at its multiplier, and converts at the fx rate into the account currency", () => {
    const usd = resolveInstruments({ FESX }, { base: "USD", rates: { EUR: 1.25 } }, ["FESX"]);
    if (Array.isArray(usd)) throw new Error("unexpected issues");
    const b = new PaperBroker({ commission: "2/contract", slippage: "0" }, undefined, usd);
    b.placeOrder(order("a", "BUY", 1, T));
    b.onBar(bar(0, 3600, 3610, 3590, 3608));
    expect(b.fills()[0]?.commission).toBe(2.5); // EUR 2 at 1.25
    const [p] = b.portfolio.openPositions();
    expect(p?.unrealizedPnl).toBeCloseTo(8 * 10 * 1.25 - 2.5, 9);
    expect(b.account().equity).toBeCloseTo(100_000 + 8 * 12.5 - 2.5, 9);
  });

  it("slippage in ticks needs a tick size: refused at start for a declared instrument without one", () => {
    const noTick = resolveInstruments({ FESX: { type: "future", multiplier: 10, currency: "EUR" } }, undefined, [
      "FESX",
    ]);
    if (Array.isArray(noTick)) throw new Error("unexpected issues");
    expect(() => new PaperBroker({ slippage: "1tick" }, undefined, noTick)).toThrow(
      "slippage in ticks needs the tick size of FESX: declare instruments.FESX.tick_size",
    );
    expect(() => new PaperBroker({ slippage: "1tick" }, undefined, Instruments.stocks())).not.toThrow();
  });

  it("refuses a fractional quantity of contracts", () => {
    const b = new PaperBroker({}, undefined, instruments);
    expect(b.placeOrder(order("a", "BUY", 1.5, T))).toMatchObject({
      status: "REJECTED",
      reason: "quantity must be a positive whole number of contracts, got 1.5",
    });
  });
});

describe("tradeplan run's paper broker takes the same instruments", () => {
  const plan = analyze(
    'plan "f"\nsymbol FESX\ntimezone "Europe/Berlin"\nsession always\non 1m close > 1 enter long\n',
  ).compiled;
  if (!plan) throw new Error("no plan");

  it("values the book with the config's multiplier and currency", () => {
    const config = parseTradeplanConfig(
      "instruments:\n  FESX: { type: future, multiplier: 10, tick_size: 1, currency: EUR }\n",
    );
    const { broker } = createBroker(config, "paper", [plan]);
    if (!(broker instanceof PaperBroker)) throw new Error("not the paper broker");
    expect(broker.instruments.currency).toBe("EUR");
    expect(broker.instruments.pointValue("FESX")).toBe(10);
  });

  it("refuses an entry for a symbol no plan trades, before the session starts", () => {
    const config = parseTradeplanConfig("instruments:\n  ES: { type: future, multiplier: 50 }\n");
    expect(() => createBroker(config, "paper", [plan])).toThrow(
      "LIVE_BAD_INSTRUMENTS: instruments.ES: the plan does not trade ES (it trades FESX)",
    );
  });
});
