import { copyFileSync } from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { journalAnchor, parseAnchor } from "../../src/audit/anchor.js";
import { AuditJournal } from "../../src/audit/journal.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { journalPath, KEY, T0, tamper, tickClock } from "./fixtures.js";

function filled(n: number, file = journalPath(), options: { hmacKey?: string } = {}) {
  const j = new AuditJournal(file, { clock: tickClock(T0 - 1), checkpointEvery: 5, ...options });
  for (let i = 0; i < n; i++) j.append({ kind: "signal", symbol: "AAPL", payload: { i } });
  j.flush();
  return { file, j };
}

function verifyFile(file: string, options: Parameters<typeof verifyJournal>[1]) {
  const db = new Database(file, { readonly: true });
  try {
    return verifyJournal(db, options);
  } finally {
    db.close();
  }
}

describe("external anchors", () => {
  it("the journal's anchor is its signed head; it round-trips through its JSON", () => {
    const { file, j } = filled(12, undefined, { hmacKey: KEY });
    const a = j.anchor();
    expect(a).toMatchObject({ format: "tradeplan/audit-anchor", version: 1, seq: j.headSeq, hash: j.headHash });
    expect(a.hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(parseAnchor(JSON.stringify(a), "a.json")).toEqual(a);
    j.close();
    const db = new Database(file, { readonly: true });
    expect(journalAnchor(db, T0)).toMatchObject({ seq: a.seq + 1, checkpoints: a.checkpoints + 1 });
    db.close();
    expect(() => parseAnchor("{", "a.json")).toThrow(/a\.json is not an audit anchor: not JSON/);
    expect(() => parseAnchor('{"format":"x"}', "a.json")).toThrow(/a\.json is not an audit anchor .*format/);
  });

  it("a cut end with a rewritten head row (possible without the key) verifies alone, and is a rollback against the anchor", () => {
    const { file, j } = filled(20);
    const anchor = j.anchor();
    j.close();
    const db = tamper(file);
    db.exec("DELETE FROM audit_records WHERE seq > 15");
    const last = db.prepare("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1").get() as {
      seq: number;
      hash: string;
    };
    db.prepare("UPDATE audit_head SET seq = ?, hash = ?").run(last.seq, last.hash);
    db.close();
    expect(verifyFile(file, {}).ok).toBe(true);
    const r = verifyFile(file, { anchor });
    expect(r).toMatchObject({
      ok: false,
      externalAnchor: { seq: 20, pruned: false },
      problem: { code: "AUDIT_ROLLED_BACK", from: 16, to: 20 },
    });
  });

  it("an older copy of a signed journal: every signature valid, rolled back against the anchor", () => {
    const file = journalPath();
    const { j } = filled(8, file, { hmacKey: KEY });
    j.close();
    const older = `${file}.old`;
    copyFileSync(file, older);
    const { j: again } = filled(8, file, { hmacKey: KEY });
    const anchor = again.anchor();
    again.close();
    expect(verifyFile(older, { hmacKey: KEY }).ok).toBe(true);
    expect(verifyFile(older, { hmacKey: KEY, anchor }).problem?.code).toBe("AUDIT_ROLLED_BACK");
    expect(verifyFile(file, { hmacKey: KEY, anchor })).toMatchObject({ ok: true, externalAnchor: { seq: anchor.seq } });
  });

  it("an anchor in the pruned part checks the length; one at the retention anchor checks its hash", () => {
    const { file, j } = filled(30);
    const early = j.anchor();
    for (let i = 0; i < 10; i++) j.append({ kind: "signal", payload: { later: i } });
    j.flush();
    // Records 1..30 are stamped T0..T0+29, the anchor took T0+30, the later ones T0+31..: through seq 31.
    expect(j.prune(T0 + 32).throughSeq).toBe(31);
    j.close();
    expect(verifyFile(file, { anchor: early })).toMatchObject({ ok: true, externalAnchor: { seq: 30, pruned: true } });
    const db = new Database(file, { readonly: true });
    const retention = verifyJournal(db).anchor!;
    db.close();
    const at = { ...early, seq: retention.seq, hash: retention.hash };
    expect(verifyFile(file, { anchor: at })).toMatchObject({ ok: true, externalAnchor: { pruned: false } });
    expect(verifyFile(file, { anchor: { ...at, hash: "f".repeat(64) } }).problem?.code).toBe("AUDIT_REWRITTEN");
  });

  it("an empty journal's anchor is seq 0 and always holds; a tampered journal reports its own problem first", () => {
    const { file, j } = filled(0);
    const empty = j.anchor();
    expect(empty.seq).toBe(0);
    for (let i = 0; i < 5; i++) j.append({ kind: "signal" });
    j.close();
    expect(verifyFile(file, { anchor: empty }).ok).toBe(true);
    const db = tamper(file);
    db.exec("UPDATE audit_records SET reasoning = 'x' WHERE seq = 3");
    db.close();
    expect(verifyFile(file, { anchor: empty }).problem?.code).toBe("AUDIT_MODIFIED");
  });
});
