import type { BarData } from "@tradeplan/core";
import { PaperBroker, RiskValidator } from "@tradeplan/core";
import { TrailingStopFunction } from "@tradeplan/core/internal";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { type SessionState, StateError, StateStore } from "../../src/persistence/index.js";

const T = Date.UTC(2024, 2, 4, 14, 30);
const bar = (i: number, price: number): BarData => ({
  symbol: "X",
  timeframe: "1m",
  time: T + i * 60_000,
  closeTime: T + (i + 1) * 60_000,
  open: price,
  high: price + 1,
  low: price - 1,
  close: price + 0.5,
  volume: 1000,
});

/** A broker with an open position (stop and target attached), a working order and history. */
function busyBroker(): PaperBroker {
  const b = new PaperBroker({ commissionPerShare: 0.01 });
  b.onBar(bar(0, 100));
  b.placeOrder({
    clientOrderId: "h:r1:X:1m:1",
    symbol: "X",
    side: "BUY",
    quantity: 10,
    type: "MKT",
    ruleId: "r1",
    reason: "test",
    decidedAt: T + 60_000,
    refPrice: 100.5,
    stopLoss: { kind: "percent", percent: 2 },
    takeProfit: { kind: "price", price: 120 },
  });
  b.onBar(bar(1, 101));
  b.placeOrder({
    clientOrderId: "h:r2:X:1m:2",
    symbol: "X",
    side: "SELL",
    quantity: 4,
    type: "MKT",
    ruleId: "r2",
    reason: "partial exit",
    decidedAt: T + 120_000,
    refPrice: 101.5,
  });
  return b;
}

function stateOf(broker: PaperBroker, risk: RiskValidator, extra: Partial<SessionState> = {}): SessionState {
  return {
    savedAt: T + 180_000,
    watermarks: [{ symbol: "X", closeTime: T + 120_000 }],
    streams: [
      { symbol: "X", timeframe: "1m", lastClose: T + 120_000, lookback: 20 },
      { symbol: "X", timeframe: "5m", lastClose: null, lookback: 3 },
    ],
    broker: { kind: "paper", state: broker.exportState() },
    risk: risk.exportState(),
    engines: [
      {
        plan: "abc",
        functions: [{ symbol: "X", rule: "r3", state: { side: "long", openedAt: 5, active: true, best: null } }],
      },
    ],
    trading: { state: "ACTIVE", reason: "streaming" },
    orderOrigins: [
      { clientOrderId: "h:r2:X:1m:2", rule: "r2", timeframe: "1m", function: "close_threshold" },
      { clientOrderId: "h:r1:X:1m:1", rule: "r1", timeframe: "1m" },
    ],
    ...extra,
  };
}

describe("StateStore", () => {
  it("round-trips a session state: the restored broker and risk validator equal the saved ones", () => {
    const store = new StateStore(new Database(":memory:"));
    expect(store.load()).toBeUndefined();
    const broker = busyBroker();
    const risk = new RiskValidator({ maxOrdersPerMinute: 5, maxDailyLoss: 500 });
    risk.observeEquity("2024-03-04", 100_000);
    risk.check({ symbol: "X", side: "BUY", quantity: 1, price: 10, position: 0, time: T });
    risk.observeEquity("2024-03-04", 99_800);
    const saved = stateOf(broker, risk);
    store.save(saved);
    const loaded = store.load();
    expect(loaded).toEqual(saved);

    const broker2 = new PaperBroker({ commissionPerShare: 0.01 });
    broker2.importState(loaded!.broker.kind === "paper" ? loaded!.broker.state : broker.exportState());
    expect(broker2.exportState()).toEqual(broker.exportState());
    expect(broker2.position("X")).toEqual(broker.position("X"));
    expect(broker2.account()).toEqual(broker.account());
    expect(broker2.openOrders()).toEqual(broker.openOrders());
    const risk2 = new RiskValidator(risk.config);
    risk2.importState(loaded!.risk);
    expect(risk2.exportState()).toEqual(risk.exportState());
  });

  it("a restored paper broker answers DUPLICATE to an order id sent before the restart", () => {
    const store = new StateStore(new Database(":memory:"));
    store.save(stateOf(busyBroker(), new RiskValidator({})));
    const b = new PaperBroker();
    const s = store.load()!;
    if (s.broker.kind !== "paper") throw new Error("paper state expected");
    b.importState(s.broker.state);
    const ack = b.placeOrder({
      clientOrderId: "h:r1:X:1m:1",
      symbol: "X",
      side: "BUY",
      quantity: 10,
      type: "MKT",
      ruleId: "r1",
      reason: "again",
      decidedAt: T + 60_000,
      refPrice: 100.5,
    });
    expect(ack.status).toBe("DUPLICATE");
  });

  it("the restored broker continues exactly as the original: same fills on the same bars", () => {
    const a = busyBroker();
    const b = new PaperBroker({ commissionPerShare: 0.01 });
    b.importState(JSON.parse(JSON.stringify(a.exportState())));
    for (const x of [a, b]) for (let i = 2; i < 12; i++) x.onBar(bar(i, 100 - i));
    expect(b.exportState()).toEqual(a.exportState());
    expect(b.fills()).toEqual(a.fills().slice(-b.fills().length));
  });

  it("replaces the previous state on each save and remembers order ids incrementally", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    const broker = busyBroker();
    store.save(stateOf(broker, new RiskValidator({})));
    broker.onBar(bar(2, 99));
    store.save(stateOf(broker, new RiskValidator({}), { savedAt: T + 999_000, watermarks: [] }));
    const loaded = store.load()!;
    expect(loaded.savedAt).toBe(T + 999_000);
    expect(loaded.watermarks).toEqual([]);
    expect(loaded.broker.kind === "paper" && loaded.broker.state.working).toEqual([]);
    expect(db.prepare("SELECT count(*) AS n FROM state_order_ids").get()).toEqual({ n: 2 });
    expect(store.pruneOrderIds(T + 180_001)).toBe(2);
    const again = store.load()!;
    expect(again.broker.kind === "paper" && again.broker.state.seen).toEqual([]);
  });

  it("a save inside a transaction that fails leaves the previous state", () => {
    const store = new StateStore(new Database(":memory:"));
    const first = stateOf(busyBroker(), new RiskValidator({}));
    store.save(first);
    expect(() =>
      store.transaction(() => {
        store.save({ ...first, savedAt: 1, watermarks: [] });
        throw new Error("the audit write failed");
      }),
    ).toThrow("the audit write failed");
    expect(store.load()).toEqual(first);
  });

  it("order ids of a save whose enclosing transaction rolled back afterwards are written by the next save", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    const state = stateOf(busyBroker(), new RiskValidator({}));
    // The save itself succeeds (a released savepoint); the batch around it fails later (a full disk at COMMIT).
    expect(() =>
      store.transaction(() => {
        store.save(state);
        throw new Error("COMMIT: database or disk is full");
      }),
    ).toThrow(/disk is full/);
    expect(db.prepare("SELECT count(*) AS n FROM state_order_ids").get()).toEqual({ n: 0 });
    store.save({ ...state, savedAt: state.savedAt + 1 });
    const loaded = store.load()!;
    expect(loaded.broker.kind === "paper" && loaded.broker.state.seen).toEqual(["h:r1:X:1m:1", "h:r2:X:1m:2"]);
  });

  it("saves the positions and open orders of an external broker for reconciliation", () => {
    const store = new StateStore(new Database(":memory:"));
    const b = busyBroker();
    const s = stateOf(b, new RiskValidator({}), {
      broker: { kind: "external", positions: b.positions(), openOrders: [...b.openOrders()] },
    });
    store.save(s);
    expect(store.load()).toEqual(s);
  });

  it("refuses a damaged row with STATE_CORRUPT naming the table and field", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    store.save(stateOf(busyBroker(), new RiskValidator({})));
    db.prepare("UPDATE state_positions SET data = ? WHERE symbol = 'X'").run('{"symbol":"X","qty":"ten"}');
    expect(() => store.load()).toThrow(StateError);
    expect(() => store.load()).toThrow(/STATE_CORRUPT: state_positions\[X\]\.data: qty/);
    db.prepare("UPDATE state_meta SET value = 'not json' WHERE key = 'risk'").run();
    db.prepare("DELETE FROM state_positions").run();
    expect(() => store.load()).toThrow(/state_meta\.risk: is not JSON/);
  });

  it("refuses a database of another schema version", () => {
    const db = new Database(":memory:");
    new StateStore(db);
    db.prepare("UPDATE state_meta SET value = '99' WHERE key = 'schema_version'").run();
    expect(() => new StateStore(db)).toThrow(/STATE_SCHEMA_VERSION/);
  });

  it("an unopenable file is STATE_IO", () => {
    expect(() => new StateStore("/nonexistent/dir/state.db")).toThrow(/STATE_IO/);
  });
});

describe("trailing stop state", () => {
  it("round-trips through JSON, NaN best close included, and rejects foreign data", () => {
    const fn = new TrailingStopFunction({ trailPercent: 2 });
    const env = { symbol: "X", timeframe: "1m", evaluator: undefined as never };
    const a = fn.createState(env);
    expect(fn.exportState(a)).toEqual({ side: "flat", openedAt: null, active: false, best: null });
    a.side = "long";
    a.openedAt = 123;
    a.active = true;
    a.best = 101.25;
    const b = fn.createState(env);
    expect(fn.importState(b, JSON.parse(JSON.stringify(fn.exportState(a))))).toBe(true);
    expect(fn.exportState(b)).toEqual(fn.exportState(a));
    expect(b.best).toBe(101.25);
    expect(fn.importState(b, { side: "sideways" })).toBe(false);
    expect(b.side).toBe("long");
  });
});
