import { PaperBroker, RiskValidator } from "@tradeplan/core";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { type SessionState, StateStore } from "../../src/persistence/index.js";

/**
 * A save writes only the rows that changed since the last one; what loads
 * back is always exactly the last state saved, whatever changed, appeared or
 * went away in between, and after a transaction holding a save rolled back.
 */

const T = Date.UTC(2024, 2, 4, 14, 30);
// In the order the store reads them back (by symbol).
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${i}`).sort();

function state(step: number, broker = new PaperBroker(), extra: Partial<SessionState> = {}): SessionState {
  return {
    savedAt: T + step * 60_000,
    watermarks: SYMBOLS.map((symbol, i) => ({ symbol, closeTime: T + (i % 3 === 0 ? step : 0) * 60_000 })),
    streams: SYMBOLS.flatMap((symbol, i) =>
      ["1m", "5m"].map((timeframe) => ({
        symbol,
        timeframe,
        lastClose: i % 2 === 0 ? T + step * 60_000 : null,
        lookback: 20,
      })),
    ),
    broker: { kind: "paper", state: broker.exportState() },
    risk: new RiskValidator({}).exportState(),
    engines: [{ plan: "p", functions: [{ symbol: "S1", rule: "r1", state: { best: step } }] }],
    trading: { state: "ACTIVE", reason: "streaming" },
    orderOrigins: [{ clientOrderId: `o${step}`, rule: "r1", timeframe: "1m" }],
    ...extra,
  };
}

/** Rows changed by `fn` on `db` (SQLite's own count of rows inserted, updated or deleted). */
function changes(db: Database.Database, fn: () => void): number {
  const before = (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
  fn();
  return (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n - before;
}

describe("StateStore: incremental saves", () => {
  it("writes only what changed: a save of a state one watermark away changes two rows", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    const first = state(1);
    const all = changes(db, () => store.save(first));
    expect(all).toBeGreaterThan(150);
    // The same state again: only saved_at is written (and it did not change either).
    expect(changes(db, () => store.save({ ...first }))).toBe(0);
    const moved = {
      ...first,
      savedAt: first.savedAt + 1,
      watermarks: first.watermarks.map((w, i) => (i === 7 ? { ...w, closeTime: w.closeTime + 60_000 } : w)),
    };
    expect(changes(db, () => store.save(moved))).toBe(2);
    expect(new StateStore(db).load()).toEqual(moved);
  });

  it("what loads back is the last state saved, through rows that change, appear and go away", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    const broker = new PaperBroker();
    for (let step = 1; step <= 6; step++) {
      broker.onBar({
        symbol: `S${step}`,
        timeframe: "1m",
        time: T + step * 60_000,
        closeTime: T + (step + 1) * 60_000,
        open: 10 + step,
        high: 11 + step,
        low: 9 + step,
        close: 10.5 + step,
        volume: 100,
      });
      if (step % 2 === 0)
        broker.placeOrder({
          clientOrderId: `id${step}`,
          symbol: `S${step}`,
          side: "BUY",
          quantity: step,
          type: "MKT",
          ruleId: "r1",
          reason: "test",
          decidedAt: T + (step + 1) * 60_000,
          refPrice: 10,
        });
      // Streams and watermarks of fewer symbols each step: the others' rows must go.
      const s = state(step, broker);
      const shrunk: SessionState = {
        ...s,
        watermarks: s.watermarks.slice(step),
        streams: s.streams.slice(0, s.streams.length - step * 2),
        engines: step === 4 ? [] : s.engines,
      };
      store.save(shrunk);
      expect(new StateStore(db).load()).toEqual(shrunk);
    }
  });

  it("a save inside a transaction that rolls back leaves nothing in memory out of step: the next save rewrites", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    const one = state(1);
    store.save(one);
    const two = state(2);
    expect(() =>
      store.transaction(() => {
        store.save(two);
        throw new Error("the batch failed after the save");
      }),
    ).toThrow(/batch failed/);
    expect(new StateStore(db).load()).toEqual(one);
    // Were the store to believe `two` is on disk, this save (equal to it) would write nothing.
    store.save(two);
    expect(new StateStore(db).load()).toEqual(two);
  });

  it("a new store on a database with a state rewrites it whole on its first save", () => {
    const db = new Database(":memory:");
    new StateStore(db).save(state(1));
    const next = state(2, new PaperBroker(), { watermarks: [{ symbol: "Z", closeTime: T }] });
    new StateStore(db).save(next);
    expect(new StateStore(db).load()).toEqual(next);
  });
});
