import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { AuditError } from "../../src/audit/errors.js";
import { AuditJournal } from "../../src/audit/journal.js";
import { queryLogs } from "../../src/audit/query.js";
import { journalPath, T0, tickClock, writeJournal } from "./fixtures.js";

const BAR = 300_000;

function journal(n = 24): Database.Database {
  const file = journalPath();
  writeJournal(file, n);
  return new Database(file, { readonly: true });
}

describe("queryLogs", () => {
  it("returns the newest records first, 100 by default", () => {
    const db = journal(150);
    const rs = queryLogs(db);
    expect(rs).toHaveLength(100);
    expect(rs[0]?.seq).toBe(150);
    expect(rs[99]?.seq).toBe(51);
    expect(queryLogs(db, { order: "asc", limit: 3 }).map((r) => r.seq)).toEqual([1, 2, 3]);
    db.close();
  });

  it("filters by symbol, rule, function, action and kind, all of them together", () => {
    const db = journal();
    expect(queryLogs(db, { symbol: "AAPL", limit: 1000 }).every((r) => r.symbol === "AAPL")).toBe(true);
    expect(queryLogs(db, { symbol: "AAPL", limit: 1000 })).toHaveLength(12);
    expect(queryLogs(db, { rule: "r2", limit: 1000 }).map((r) => r.seq)).toEqual([23, 20, 17, 14, 11, 8, 5, 2]);
    expect(queryLogs(db, { action: "EXIT", order: "asc" }).map((r) => r.seq)).toEqual([4, 8, 12, 16, 20, 24]);
    // Seq 4, 8, ... are record i = 3, 7, ...: odd i trade MSFT.
    expect(queryLogs(db, { action: "EXIT", symbol: "MSFT" })).toHaveLength(6);
    expect(queryLogs(db, { action: "EXIT", symbol: "AAPL" })).toHaveLength(0);
    expect(queryLogs(db, { symbol: "MSFT", rule: "r1", action: "ENTER_LONG" }).map((r) => r.seq)).toEqual([22, 10]);
    expect(queryLogs(db, { function: "close_threshold" })).toHaveLength(24);
    expect(queryLogs(db, { function: "other" })).toHaveLength(0);
    expect(queryLogs(db, { kind: "signal" })).toHaveLength(24);
    expect(queryLogs(db, { kind: "fill" })).toHaveLength(0);
    db.close();
  });

  it("filters by bar time: since inclusive, until exclusive", () => {
    const db = journal();
    const rs = queryLogs(db, { since: T0 + 5 * BAR, until: T0 + 8 * BAR, order: "asc" });
    expect(rs.map((r) => r.bar_time)).toEqual([T0 + 5 * BAR, T0 + 6 * BAR, T0 + 7 * BAR]);
    expect(queryLogs(db, { since: T0 + 23 * BAR })).toHaveLength(1);
    db.close();
  });

  it("uses an index for every filter (no full table scan)", () => {
    const db = journal();
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join("; ");
    expect(plan("SELECT * FROM audit_records WHERE symbol = 'A' ORDER BY seq DESC LIMIT 100")).toContain(
      "USING INDEX audit_records_symbol",
    );
    expect(plan("SELECT * FROM audit_records WHERE rule = 'r1' ORDER BY seq DESC LIMIT 100")).toContain(
      "audit_records_rule",
    );
    expect(plan("SELECT * FROM audit_records WHERE function = 'f' ORDER BY seq DESC LIMIT 100")).toContain(
      "audit_records_function",
    );
    expect(plan("SELECT * FROM audit_records WHERE action = 'EXIT' ORDER BY seq DESC LIMIT 100")).toContain(
      "audit_records_action",
    );
    expect(plan("SELECT * FROM audit_records WHERE kind = 'fill' ORDER BY seq DESC LIMIT 100")).toContain(
      "audit_records_kind",
    );
    db.close();
  });

  it("rejects bad filters with AUDIT_BAD_INPUT naming them", () => {
    const db = journal(2);
    const bad = (f: Record<string, unknown>): string => {
      try {
        queryLogs(db, f);
      } catch (e) {
        expect(e).toBeInstanceOf(AuditError);
        expect((e as AuditError).code).toBe("AUDIT_BAD_INPUT");
        return (e as AuditError).message;
      }
      return "accepted";
    };
    expect(bad({ limit: 0 })).toMatch(/limit/);
    expect(bad({ limit: 1.5 })).toMatch(/limit/);
    expect(bad({ symbol: "" })).toMatch(/symbol/);
    expect(bad({ kind: "bogus" })).toMatch(/kind/);
    expect(bad({ since: 10, until: 5 })).toMatch(/since must be before until/);
    expect(bad({ sinse: 10 })).toMatch(/sinse/);
    db.close();
  });

  it("refuses a database without a journal", () => {
    const db = new Database(":memory:");
    expect(() => queryLogs(db)).toThrow(/holds no audit journal/);
    db.close();
  });

  it("AuditJournal.query sees the records not yet flushed", () => {
    const j = new AuditJournal(journalPath(), { clock: tickClock() });
    j.append({ kind: "signal", symbol: "AAPL" });
    expect(j.query({ symbol: "AAPL" })).toHaveLength(1);
    j.close();
  });
});
