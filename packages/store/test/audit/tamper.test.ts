import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { AuditError } from "../../src/audit/errors.js";
import { AuditJournal } from "../../src/audit/journal.js";
import { type AuditRow, recordHash } from "../../src/audit/record.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { insertForged, journalPath, KEY, row, rows, shiftSeqs, T0, tamper, writeJournal } from "./fixtures.js";

function verifyFile(file: string, hmacKey?: string) {
  const db = new Database(file, { readonly: true });
  try {
    return verifyJournal(db, hmacKey === undefined ? {} : { hmacKey });
  } finally {
    db.close();
  }
}

/** Recomputes every hash from `from` on (as a forger without the key can), optionally re-pointing checkpoints too; updates the head. */
function rechain(db: Database.Database, from: number, fixCheckpoints: boolean): void {
  let prev = row(db, from - 1).hash;
  for (const r of rows(db).filter((x) => x.seq >= from)) {
    let payload = r.payload;
    if (fixCheckpoints && r.kind === "checkpoint") {
      const p = JSON.parse(payload) as Record<string, unknown>;
      payload = JSON.stringify({ ...p, headHash: prev, headSeq: r.seq - 1 });
    }
    const hash = recordHash(prev, { ...r, payload });
    db.prepare("UPDATE audit_records SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?").run(
      payload,
      prev,
      hash,
      r.seq,
    );
    prev = hash;
  }
  const last = rows(db).at(-1) as AuditRow;
  db.prepare("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1").run(last.seq, last.hash);
}

describe("verifyJournal on an intact journal", () => {
  it("reports ok with the record and checkpoint counts", () => {
    const file = journalPath();
    writeJournal(file, 25, { hmacKey: KEY, checkpointEvery: 10 });
    const r = verifyFile(file, KEY);
    expect(r).toMatchObject({ ok: true, records: 28, checkpoints: 3, firstSeq: 1, lastSeq: 28, problem: null });
    expect(r.signaturesChecked).toBe(true);
    expect(verifyFile(file).ok).toBe(true);
  });

  it("accepts an empty journal", () => {
    const file = journalPath();
    writeJournal(file, 0);
    expect(verifyFile(file)).toMatchObject({ ok: true, records: 0, firstSeq: null, lastSeq: null });
  });
});

describe("verifyJournal finds and classifies tampering (no key)", () => {
  const make = (n = 20) => {
    const file = journalPath();
    writeJournal(file, n);
    return { file, db: tamper(file) };
  };

  it("a modified field: AUDIT_MODIFIED at that record", () => {
    const { file, db } = make();
    db.prepare("UPDATE audit_records SET reasoning = 'nothing to see' WHERE seq = 7").run();
    db.close();
    const r = verifyFile(file);
    expect(r.ok).toBe(false);
    expect(r.problem).toMatchObject({ code: "AUDIT_MODIFIED", seq: 7, from: 7, to: 7 });
    expect(r.problem?.message).toContain("record 7 was modified");
    expect(r.records).toBe(6);
  });

  it("a modified record whose own hash was recomputed: AUDIT_MODIFIED at that record", () => {
    const { file, db } = make();
    const r7 = row(db, 7);
    const changed = { ...r7, action: "ENTER_SHORT" };
    db.prepare("UPDATE audit_records SET action = ?, hash = ? WHERE seq = 7").run(
      "ENTER_SHORT",
      recordHash(r7.prev_hash, changed),
    );
    db.close();
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_MODIFIED", seq: 7 });
    expect(verifyFile(file).problem?.message).toContain("record 7 was replaced");
  });

  it("a deleted record: AUDIT_DELETED naming it", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq = 7").run();
    db.close();
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_DELETED", seq: 7, from: 7, to: 7 });
  });

  it("several deleted records: AUDIT_DELETED with the range", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq BETWEEN 7 AND 9").run();
    db.close();
    const p = verifyFile(file).problem;
    expect(p).toMatchObject({ code: "AUDIT_DELETED", from: 7, to: 9 });
    expect(p?.message).toBe("records 7..9 were deleted");
  });

  it("a deleted record with the later ones renumbered: AUDIT_DELETED", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq = 7").run();
    shiftSeqs(db, 8, -1);
    db.prepare("UPDATE audit_head SET seq = 19").run();
    db.close();
    const p = verifyFile(file).problem;
    expect(p).toMatchObject({ code: "AUDIT_DELETED", from: 7, to: 7 });
    expect(p?.message).toContain("renumbered");
  });

  it("records deleted at the start: AUDIT_DELETED from seq 1", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq <= 3").run();
    db.close();
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_DELETED", from: 1, to: 3 });
  });

  it("two adjacent records swapped: AUDIT_REORDERED at the first", () => {
    const { file, db } = make();
    db.prepare("UPDATE audit_records SET seq = -1 WHERE seq = 7").run();
    db.prepare("UPDATE audit_records SET seq = 7 WHERE seq = 8").run();
    db.prepare("UPDATE audit_records SET seq = 8 WHERE seq = -1").run();
    db.close();
    const p = verifyFile(file).problem;
    expect(p).toMatchObject({ code: "AUDIT_REORDERED", seq: 7 });
    expect(p?.message).toContain("record 8 was moved to seq 7");
  });

  it("two distant records swapped: AUDIT_REORDERED", () => {
    const { file, db } = make();
    db.prepare("UPDATE audit_records SET seq = -1 WHERE seq = 5").run();
    db.prepare("UPDATE audit_records SET seq = 5 WHERE seq = 12").run();
    db.prepare("UPDATE audit_records SET seq = 12 WHERE seq = -1").run();
    db.close();
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_REORDERED", seq: 5 });
  });

  it("a forged record inserted with a correct hash, later ones renumbered: AUDIT_INSERTED", () => {
    const { file, db } = make();
    const r7 = row(db, 7);
    shiftSeqs(db, 8, 1);
    insertForged(db, { ...r7, seq: 8, action: "ENTER_SHORT", reasoning: "forged" }, r7.hash);
    db.prepare("UPDATE audit_head SET seq = 21").run();
    db.close();
    const p = verifyFile(file).problem;
    expect(p).toMatchObject({ code: "AUDIT_INSERTED", from: 8, to: 8 });
    expect(p?.message).toContain("record 8 was inserted");
  });

  it("a record inserted with a made-up hash: AUDIT_INSERTED", () => {
    const { file, db } = make();
    const r7 = row(db, 7);
    shiftSeqs(db, 8, 1);
    db.prepare(
      "INSERT INTO audit_records (seq, time, kind, payload, prev_hash, hash) VALUES (8, ?, 'signal', '{}', ?, ?)",
    ).run(T0, r7.hash, "f".repeat(64));
    db.close();
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_INSERTED", from: 8, to: 8 });
  });

  it("a forged record appended after the head: AUDIT_INSERTED", () => {
    const { file, db } = make();
    const last = row(db, 20);
    insertForged(db, { ...last, seq: 21, reasoning: "appended" }, last.hash);
    db.close();
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_INSERTED", from: 21, to: 21 });
  });

  it("a truncated tail: AUDIT_TRUNCATED with the missing range", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq > 15").run();
    db.close();
    const p = verifyFile(file).problem;
    expect(p).toMatchObject({ code: "AUDIT_TRUNCATED", from: 16, to: 20 });
    expect(p?.message).toContain("records 16..20 were removed from the end");
  });

  it("a deleted head row: AUDIT_HEAD_MISSING", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_head").run();
    db.close();
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_HEAD_MISSING" });
  });

  it("known limit: without a key, a truncation that also rewrites the head is not detectable", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq > 15").run();
    db.prepare("UPDATE audit_head SET seq = 15, hash = ?").run(row(db, 15).hash);
    db.close();
    expect(verifyFile(file).ok).toBe(true);
  });

  it("the append-only triggers refuse UPDATE and DELETE", () => {
    const file = journalPath();
    writeJournal(file, 3);
    const db = new Database(file);
    expect(() => db.prepare("UPDATE audit_records SET reasoning = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM audit_records WHERE seq = 1").run()).toThrow(/append-only/);
    db.close();
    expect(verifyFile(file).ok).toBe(true);
  });
});

describe("verifyJournal with an HMAC key", () => {
  const make = () => {
    const file = journalPath();
    writeJournal(file, 50, { hmacKey: KEY, checkpointEvery: 10 });
    return { file, db: tamper(file) };
  };
  // 50 records, a checkpoint after every 10: checkpoints at seqs 11, 22, 33, 44, 55 (the last written at close).

  it("a truncated tail with a rewritten head is detected through the signed checkpoint count", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq > 40").run();
    db.prepare("UPDATE audit_head SET seq = 40, hash = ?").run(row(db, 40).hash);
    db.close();
    // Without the key this truncation is invisible: the head was rewritten to match.
    expect(verifyFile(file).ok).toBe(true);
    const p = verifyFile(file, KEY).problem;
    expect(p).toMatchObject({ code: "AUDIT_TRUNCATED", from: 41 });
    expect(p?.message).toContain("signed head counts 5 checkpoints, the last one present is number 3");
  });

  it("a plain truncation is reported with and without the key", () => {
    const { file, db } = make();
    db.prepare("DELETE FROM audit_records WHERE seq > 40").run();
    db.close();
    expect(verifyFile(file, KEY).problem).toMatchObject({ code: "AUDIT_TRUNCATED", from: 41, to: 55 });
    expect(verifyFile(file).problem).toMatchObject({ code: "AUDIT_TRUNCATED", from: 41, to: 55 });
  });

  it("a tail rewritten with recomputed hashes: AUDIT_REWRITTEN at the first checkpoint after it", () => {
    const { file, db } = make();
    db.prepare("UPDATE audit_records SET action = 'ENTER_SHORT' WHERE seq = 25").run();
    rechain(db, 25, true);
    db.close();
    const p = verifyFile(file, KEY).problem;
    expect(p).toMatchObject({ code: "AUDIT_REWRITTEN", seq: 23, from: 23, to: 33 });
    expect(p?.message).toContain("does not match its HMAC signature");
  });

  it("known limit: without the key, a consistent rewrite (checkpoints re-pointed) passes", () => {
    const { file, db } = make();
    db.prepare("UPDATE audit_records SET action = 'ENTER_SHORT' WHERE seq = 25").run();
    rechain(db, 25, true);
    db.close();
    expect(verifyFile(file).ok).toBe(true);
  });

  it("a rewrite that leaves the checkpoints alone is caught even without the key", () => {
    const { file, db } = make();
    db.prepare("UPDATE audit_records SET action = 'ENTER_SHORT' WHERE seq = 25").run();
    rechain(db, 25, false);
    db.close();
    const p = verifyFile(file).problem;
    expect(p).toMatchObject({ code: "AUDIT_REWRITTEN", from: 23, to: 33 });
    expect(p?.message).toContain("does not name the record before it");
  });

  it("a rewrite after the last checkpoint is caught by the signed head", () => {
    const file = journalPath();
    const j = new AuditJournal(file, { hmacKey: KEY, checkpointEvery: 10, synchronous: "normal" });
    for (let i = 0; i < 15; i++) j.append({ kind: "signal", symbol: "AAPL", payload: { i } });
    j.flush();
    // Not closed: no closing checkpoint, so records 12..16 come after the last one (seq 11).
    const db = tamper(file);
    db.prepare("UPDATE audit_records SET symbol = 'MSFT' WHERE seq = 14").run();
    rechain(db, 14, true);
    db.close();
    const p = verifyFile(file, KEY).problem;
    expect(p).toMatchObject({ code: "AUDIT_REWRITTEN", from: 12, to: 16 });
    expect(p?.message).toContain("chain head's HMAC signature does not match");
    j.close();
  });

  it("the wrong key: AUDIT_REWRITTEN at the first checkpoint", () => {
    const { file, db } = make();
    db.close();
    expect(verifyFile(file, "another-key-of-enough-length").problem).toMatchObject({
      code: "AUDIT_REWRITTEN",
      seq: 1,
      to: 11,
    });
  });

  it("a key given for an unsigned journal: AUDIT_UNSIGNED", () => {
    const file = journalPath();
    writeJournal(file, 5);
    expect(verifyFile(file, KEY).problem).toMatchObject({ code: "AUDIT_UNSIGNED" });
  });

  it("refuses a key shorter than 16 bytes", () => {
    const file = journalPath();
    writeJournal(file, 1);
    expect(() => verifyFile(file, "short")).toThrow(/at least 16/);
  });
});

describe("opening a tampered journal for appending", () => {
  it("refuses with AUDIT_HEAD_MISMATCH when the end was cut", () => {
    const file = journalPath();
    writeJournal(file, 10);
    const db = tamper(file);
    db.prepare("DELETE FROM audit_records WHERE seq > 8").run();
    db.close();
    let err: unknown;
    try {
      new AuditJournal(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).code).toBe("AUDIT_HEAD_MISMATCH");
    expect((err as AuditError).message).toContain("tradeplan audit verify");
  });
});
