import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { AuditJournal } from "../../src/audit/journal.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { journalPath, KEY, row, rows, T0, tamper, tickClock } from "./fixtures.js";

/** A journal of `n` records stamped T0, T0+1, ... (one per ms). */
function filled(n: number, options: { hmacKey?: string; checkpointEvery?: number } = {}) {
  const file = journalPath();
  // The first tick stamps the journal's creation.
  const j = new AuditJournal(file, { clock: tickClock(T0 - 1), ...options });
  for (let i = 0; i < n; i++) j.append({ kind: "signal", symbol: "AAPL", payload: { i } });
  j.flush();
  return { file, j };
}

describe("AuditJournal.prune", () => {
  it("deletes the old prefix and leaves a chain that verifies from the pruned head", () => {
    const { file, j } = filled(30);
    const lastPrunedHash = j.query({ order: "asc", limit: 10 })[9]?.hash;
    const r = j.prune(T0 + 10);
    expect(r).toEqual({ pruned: 10, throughSeq: 10 });
    j.close();
    const db = new Database(file, { readonly: true });
    const all = rows(db);
    expect(all[0]?.seq).toBe(11);
    const anchor = all.at(-1)!;
    expect(anchor.kind).toBe("prune");
    expect(JSON.parse(anchor.payload)).toMatchObject({
      prunedThroughSeq: 10,
      prunedHeadHash: lastPrunedHash,
      pruned: 10,
    });
    expect(verifyJournal(db)).toMatchObject({ ok: true, firstSeq: 11, anchor: { seq: 10, hash: lastPrunedHash } });
    db.close();
  });

  it("prunes nothing when no record is old enough, and everything when all are", () => {
    const { file, j } = filled(5);
    expect(j.prune(T0)).toEqual({ pruned: 0, throughSeq: null });
    expect(j.headSeq).toBe(5);
    expect(j.prune(T0 + 1000)).toEqual({ pruned: 5, throughSeq: 5 });
    j.append({ kind: "signal" });
    j.close();
    const db = new Database(file, { readonly: true });
    expect(rows(db).map((r) => r.kind)).toEqual(["prune", "signal"]);
    expect(verifyJournal(db).ok).toBe(true);
    db.close();
  });

  it("can prune again; the newest anchor wins", () => {
    const { file, j } = filled(20, { hmacKey: KEY, checkpointEvery: 5 });
    j.prune(T0 + 8);
    for (let i = 0; i < 10; i++) j.append({ kind: "signal" });
    j.prune(T0 + 20);
    j.close();
    const db = new Database(file, { readonly: true });
    const v = verifyJournal(db, { hmacKey: KEY });
    expect(v.ok).toBe(true);
    expect(v.anchor?.seq).toBeGreaterThan(20);
    db.close();
  });

  it("records deleted after the anchor are still detected", () => {
    const { file, j } = filled(30);
    j.prune(T0 + 10);
    j.close();
    const db = tamper(file);
    db.prepare("DELETE FROM audit_records WHERE seq IN (11, 12)").run();
    db.close();
    const ro = new Database(file, { readonly: true });
    expect(verifyJournal(ro).problem).toMatchObject({ code: "AUDIT_DELETED", from: 11, to: 12 });
    ro.close();
  });

  it("a forged anchor is caught by its signature", () => {
    const { file, j } = filled(30, { hmacKey: KEY, checkpointEvery: 100 });
    j.prune(T0 + 10);
    j.close();
    const db = tamper(file);
    // Pretend more was pruned: delete 11..15 and rewrite the anchor to say so (hash recomputed, no key).
    db.prepare("DELETE FROM audit_records WHERE seq <= 15").run();
    const anchor = rows(db).find((r) => r.kind === "prune")!;
    const payload = JSON.parse(anchor.payload) as Record<string, unknown>;
    const forged = JSON.stringify({ ...payload, prunedThroughSeq: 15, prunedHeadHash: row(db, 16).prev_hash });
    db.prepare("UPDATE audit_records SET payload = ? WHERE seq = ?").run(forged, anchor.seq);
    db.close();
    const ro = new Database(file, { readonly: true });
    expect(verifyJournal(ro).problem).toMatchObject({ code: "AUDIT_MODIFIED", seq: anchor.seq });
    ro.close();
  });

  it("rejects a bad cutoff", () => {
    const { j } = filled(1);
    expect(() => j.prune(Number.NaN)).toThrow(/olderThan/);
    j.close();
  });
});
