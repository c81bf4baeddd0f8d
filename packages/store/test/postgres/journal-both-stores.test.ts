import { afterEach, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../../test/support/postgres.js";
import { recordHash } from "../../src/audit/record.js";
import { KEY, T0 } from "../audit/fixtures.js";
import { type JournalBackend, postgresBackend, sqliteBackend } from "./backends.js";

const missing = postgresMissing();
if (missing) console.warn(`the PostgreSQL half of the journal tests is skipped: ${missing}`);

/**
 * The journal's behaviour (chain, verification and its findings, query,
 * retention, anchors) on both stores: one definition of the chain, checked
 * on each. A tampering is done with plain SQL, as an attacker would.
 */
function journalBehaviour(backend: () => JournalBackend): void {
  const b = () => backend();
  afterEach(async () => {
    await b().close();
  });

  it("an intact signed journal verifies, with its record and checkpoint counts", async () => {
    await b().write(25, { hmacKey: KEY, checkpointEvery: 10 });
    const r = await b().verify({ hmacKey: KEY });
    expect(r).toMatchObject({ ok: true, records: 28, checkpoints: 3, firstSeq: 1, lastSeq: 28, problem: null });
    expect(r.signaturesChecked).toBe(true);
    expect((await b().verify()).ok).toBe(true);
  });

  it("an empty journal verifies", async () => {
    await b().write(0);
    expect(await b().verify()).toMatchObject({ ok: true, records: 0, firstSeq: null, lastSeq: null });
  });

  it("the append-only guard refuses UPDATE and DELETE", async () => {
    await b().write(3);
    await expect(b().sql("UPDATE audit_records SET reasoning = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(b().sql("DELETE FROM audit_records WHERE seq = 1")).rejects.toThrow(/append-only/);
  });

  it("a field edited with SQL: AUDIT_MODIFIED naming the seq", async () => {
    await b().write(20);
    await b().unguard();
    expect(await b().sql("UPDATE audit_records SET reasoning = 'nothing to see' WHERE seq = 7")).toBe(1);
    const r = await b().verify();
    expect(r.ok).toBe(false);
    expect(r.problem).toMatchObject({ code: "AUDIT_MODIFIED", seq: 7, from: 7, to: 7 });
    expect(r.problem?.message).toContain("record 7 was modified");
    expect(r.records).toBe(6);
  });

  it("a record replaced with a recomputed hash: AUDIT_MODIFIED, 'replaced'", async () => {
    await b().write(20);
    await b().unguard();
    const r7 = await b().row(7);
    await b().sql(
      "UPDATE audit_records SET action = ?, hash = ? WHERE seq = 7",
      "ENTER_SHORT",
      recordHash(r7.prev_hash, { ...r7, action: "ENTER_SHORT" }),
    );
    const p = (await b().verify()).problem;
    expect(p).toMatchObject({ code: "AUDIT_MODIFIED", seq: 7 });
    expect(p?.message).toContain("record 7 was replaced");
  });

  it("deleted records: AUDIT_DELETED with the range", async () => {
    await b().write(20);
    await b().unguard();
    await b().sql("DELETE FROM audit_records WHERE seq BETWEEN 7 AND 9");
    const p = (await b().verify()).problem;
    expect(p).toMatchObject({ code: "AUDIT_DELETED", from: 7, to: 9 });
    expect(p?.message).toBe("records 7..9 were deleted");
  });

  it("two records swapped: AUDIT_REORDERED", async () => {
    await b().write(20);
    await b().unguard();
    await b().sql("UPDATE audit_records SET seq = -1 WHERE seq = 7");
    await b().sql("UPDATE audit_records SET seq = 7 WHERE seq = 8");
    await b().sql("UPDATE audit_records SET seq = 8 WHERE seq = -1");
    expect((await b().verify()).problem).toMatchObject({ code: "AUDIT_REORDERED", seq: 7 });
  });

  it("a truncated tail: AUDIT_TRUNCATED; the head row removed: AUDIT_HEAD_MISSING", async () => {
    await b().write(20);
    await b().unguard();
    await b().sql("DELETE FROM audit_records WHERE seq > 15");
    expect((await b().verify()).problem).toMatchObject({ code: "AUDIT_TRUNCATED", from: 16, to: 20 });
    await b().sql("DELETE FROM audit_head");
    expect((await b().verify()).problem).toMatchObject({ code: "AUDIT_HEAD_MISSING" });
  });

  it("with the key: a tail rewritten with recomputed hashes is AUDIT_REWRITTEN; the wrong key too", async () => {
    await b().write(50, { hmacKey: KEY, checkpointEvery: 10 });
    await b().unguard();
    // Rechain from 25 as a forger without the key would: every hash recomputed, the checkpoints left alone.
    let prev = (await b().row(24)).hash;
    for (let seq = 25; seq <= 55; seq++) {
      const r = await b().row(seq);
      if (!r) break;
      const changed = seq === 25 ? { ...r, action: "ENTER_SHORT" } : r;
      const hash = recordHash(prev, changed);
      if (seq === 25) await b().sql("UPDATE audit_records SET action = 'ENTER_SHORT' WHERE seq = 25");
      await b().sql("UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?", prev, hash, seq);
      prev = hash;
    }
    const p = (await b().verify({ hmacKey: KEY })).problem;
    expect(p?.code).toBe("AUDIT_REWRITTEN");
    expect(p?.from).toBe(23);
    expect((await b().verify({ hmacKey: "another-key-0123456789" })).problem?.code).toBe("AUDIT_REWRITTEN");
  });

  it("a key given for an unsigned journal: AUDIT_UNSIGNED", async () => {
    await b().write(5);
    expect((await b().verify({ hmacKey: KEY })).problem?.code).toBe("AUDIT_UNSIGNED");
  });

  it("an external anchor: the journal cut back before it is AUDIT_ROLLED_BACK", async () => {
    await b().write(20, { hmacKey: KEY, checkpointEvery: 100 });
    const anchor = await b().anchor();
    expect(anchor).toMatchObject({ seq: 21, checkpoints: 1 });
    expect((await b().verify({ hmacKey: KEY, anchor })).ok).toBe(true);
    await b().unguard();
    await b().sql("DELETE FROM audit_records WHERE seq > 15");
    const last = await b().row(15);
    await b().sql("UPDATE audit_head SET seq = 15, hash = ?, checkpoints = 0, hmac = NULL", last.hash);
    expect((await b().verify({ anchor })).problem).toMatchObject({ code: "AUDIT_ROLLED_BACK", from: 16, to: 21 });
  });

  it("query: filters, order and limit as documented", async () => {
    await b().write(20);
    const aapl = await b().query({ symbol: "AAPL", limit: 1000 });
    expect(aapl).toHaveLength(10);
    expect(aapl.every((r) => r.symbol === "AAPL")).toBe(true);
    expect(aapl[0]!.seq).toBeGreaterThan(aapl[1]!.seq);
    const exits = await b().query({ action: "EXIT", rule: "r1", order: "asc" });
    expect(exits.map((r) => r.seq)).toEqual([4, 16]);
    const window = await b().query({ since: T0 + 5 * 300_000, until: T0 + 8 * 300_000, order: "asc" });
    expect(window.map((r) => r.seq)).toEqual([6, 7, 8]);
    expect(await b().query({ limit: 3 })).toHaveLength(3);
    await expect(b().query({ limit: 0 })).rejects.toThrow(/invalid audit query: limit/);
    const one = (await b().query({ kind: "signal", order: "asc", limit: 1 }))[0]!;
    expect(one).toMatchObject({
      seq: 1,
      kind: "signal",
      symbol: "AAPL",
      bar_time: T0,
      duration_ms: null,
      payload: '{"i":0}',
    });
  });
}

describe("the journal on SQLite", () => {
  const backend = sqliteBackend();
  journalBehaviour(() => backend);
});

describe.skipIf(missing)("the journal on PostgreSQL", () => {
  const cluster = usePostgres();
  const backend = postgresBackend(cluster);
  journalBehaviour(() => backend);
});
