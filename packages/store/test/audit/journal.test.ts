import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "@tradeplan/core/internal";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { AuditError } from "../../src/audit/errors.js";
import { AuditJournal } from "../../src/audit/journal.js";
import { GENESIS_HASH, hashedJson, recordHash, sha256Hex } from "../../src/audit/record.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { journalPath, KEY, row, rows, T0, tempDir, tickClock } from "./fixtures.js";

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof AuditError ? e.code : `not an AuditError: ${String(e)}`;
  }
  return undefined;
}

const count = (db: Database.Database) =>
  (db.prepare("SELECT count(*) AS n FROM audit_records").get() as { n: number }).n;

describe("AuditJournal: records and the hash chain", () => {
  it("chains each record to the previous one: SHA-256(prev_hash + canonical JSON of the fields)", () => {
    const file = journalPath();
    const j = new AuditJournal(file, { clock: tickClock(), includeContext: true });
    j.append({
      kind: "signal",
      function: "close_threshold",
      rule: "r1",
      symbol: "AAPL",
      timeframe: "5m",
      barTime: T0,
      context: { z: 1, a: { y: 2, b: 3 } },
      action: "ENTER_LONG",
      reasoning: "close 151 > 150",
      durationMs: 0.25,
      payload: { price: 151 },
    });
    j.append({ kind: "session", payload: { started: true } });
    j.close();
    const db = new Database(file, { readonly: true });
    const [a, b] = rows(db);
    expect(a).toMatchObject({
      seq: 1,
      time: T0 + 1, // the clock's first tick stamped the journal's creation
      kind: "signal",
      function: "close_threshold",
      bar_time: T0,
      context: '{"a":{"b":3,"y":2},"z":1}',
      context_digest: sha256Hex('{"a":{"b":3,"y":2},"z":1}'),
      duration_ms: 0.25,
      payload: '{"price":151}',
      prev_hash: GENESIS_HASH,
    });
    expect(a?.hash).toBe(sha256Hex(GENESIS_HASH + hashedJson(a!)));
    expect(b?.prev_hash).toBe(a?.hash);
    expect(b?.hash).toBe(recordHash(a!.hash, b!));
    // The hashed JSON is the canonical JSON of the fields, keys sorted.
    expect(hashedJson(a!)).toBe(
      canonicalJson({
        action: "ENTER_LONG",
        barTime: T0,
        context: a?.context,
        contextDigest: a?.context_digest,
        durationMs: 0.25,
        function: "close_threshold",
        kind: "signal",
        payload: '{"price":151}',
        reasoning: "close 151 > 150",
        rule: "r1",
        seq: 1,
        symbol: "AAPL",
        time: T0 + 1,
        timeframe: "5m",
      }),
    );
    db.close();
  });

  it("keeps only the context digest unless includeContext", () => {
    const file = journalPath();
    const j = new AuditJournal(file);
    j.append({ kind: "evaluation", context: { bar: 1 } });
    j.close();
    const db = new Database(file, { readonly: true });
    expect(row(db, 1)).toMatchObject({ context: null, context_digest: sha256Hex('{"bar":1}') });
    db.close();
  });

  it("writes nothing until flush, then the whole batch in one transaction", () => {
    const file = journalPath();
    const j = new AuditJournal(file);
    const reader = new Database(file, { readonly: true });
    for (let i = 0; i < 5; i++) j.append({ kind: "signal", payload: { i } });
    expect(count(reader)).toBe(0);
    expect(j.pendingCount).toBe(5);
    const tx = vi.spyOn(j.db, "transaction");
    j.flush();
    expect(tx).toHaveBeenCalledTimes(1);
    expect(count(reader)).toBe(5);
    expect(j.pendingCount).toBe(0);
    expect(j.headSeq).toBe(5);
    reader.close();
    j.close();
  });

  it("flushes on its own once maxPending records are buffered", () => {
    const j = new AuditJournal(journalPath(), { maxPending: 3 });
    for (let i = 0; i < 7; i++) j.append({ kind: "signal" });
    expect(j.headSeq).toBe(6);
    expect(j.pendingCount).toBe(1);
    j.close();
  });

  it("continues the chain when reopened", () => {
    const file = journalPath();
    const a = new AuditJournal(file, { hmacKey: KEY, checkpointEvery: 4 });
    for (let i = 0; i < 6; i++) a.append({ kind: "signal", payload: { i } });
    a.close();
    const b = new AuditJournal(file, { hmacKey: KEY, checkpointEvery: 4 });
    expect(b.headSeq).toBe(8); // 6 records + checkpoints after 4 and at close
    for (let i = 0; i < 6; i++) b.append({ kind: "signal", payload: { i } });
    b.close();
    const db = new Database(file, { readonly: true });
    const kinds = rows(db).map((r) => r.kind);
    expect(kinds.filter((k) => k === "checkpoint")).toHaveLength(4);
    expect(verifyJournal(db, { hmacKey: KEY })).toMatchObject({ ok: true, checkpoints: 4 });
    db.close();
  });

  it("writes a signed checkpoint every N records and one at close", () => {
    const file = journalPath();
    const j = new AuditJournal(file, { hmacKey: KEY, checkpointEvery: 3 });
    for (let i = 0; i < 7; i++) j.append({ kind: "signal" });
    j.close();
    const db = new Database(file, { readonly: true });
    const cps = rows(db).filter((r) => r.kind === "checkpoint");
    expect(cps.map((r) => r.seq)).toEqual([4, 8, 10]);
    const last = JSON.parse(cps[2]!.payload) as Record<string, unknown>;
    expect(last).toMatchObject({ ordinal: 3, headSeq: 9, headHash: row(db, 9).hash });
    expect(last.hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(cps[2]?.reasoning).toBe("close");
    db.close();
  });

  it("checkpoint() needs a key", () => {
    const j = new AuditJournal(journalPath());
    expect(codeOf(() => j.checkpoint())).toBe("AUDIT_BAD_INPUT");
    j.close();
  });

  it("shares a connection it was handed and leaves it open", () => {
    const file = journalPath();
    const db = new Database(file);
    db.exec("CREATE TABLE state_positions (symbol TEXT PRIMARY KEY, qty INTEGER)");
    const j = new AuditJournal(db);
    j.append({ kind: "fill", symbol: "AAPL" });
    j.close();
    expect(db.open).toBe(true);
    expect(count(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual([
      "audit_head",
      "audit_meta",
      "audit_records",
      "state_positions",
    ]);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("records a value that cannot be serialized instead of failing the batch", () => {
    const file = journalPath();
    const j = new AuditJournal(file);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    j.enqueue({ kind: "signal", payload: cyclic }, false);
    j.close();
    const db = new Database(file, { readonly: true });
    expect(JSON.parse(row(db, 1).payload)).toHaveProperty("unserializable");
    db.close();
  });
});

describe("AuditJournal: bad input", () => {
  it("rejects an invalid record naming the field", () => {
    const j = new AuditJournal(journalPath());
    expect(() => j.append({ kind: "nonsense" as "signal" })).toThrow(/invalid audit record: kind/);
    expect(() => j.append({ kind: "signal", barTime: 1.5 })).toThrow(/barTime/);
    expect(() => j.append({ kind: "signal", durationMs: -1 })).toThrow(/durationMs/);
    expect(() => j.append({ kind: "checkpoint" as "signal" })).toThrow(/kind/);
    expect(() => j.append({ kind: "signal", extra: 1 } as never)).toThrow(/extra/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => j.append({ kind: "signal", payload: cyclic }))).toBe("AUDIT_BAD_INPUT");
    expect(j.pendingCount).toBe(0);
    j.close();
  });

  it("rejects bad options", () => {
    expect(codeOf(() => new AuditJournal(journalPath(), { hmacKey: "short" }))).toBe("AUDIT_BAD_INPUT");
    expect(() => new AuditJournal(journalPath(), { checkpointEvery: 0 })).toThrow(/checkpointEvery/);
    expect(() => new AuditJournal(journalPath(), { synchronous: "off" as "full" })).toThrow(/synchronous/);
    expect(() => new AuditJournal(journalPath(), { onFatal: 1 as never })).toThrow(/onFatal: must be a function/);
  });

  it("rejects a file that is not a database", () => {
    const file = join(tempDir(), "notes.db");
    writeFileSync(file, "this is not sqlite ".repeat(100));
    expect(codeOf(() => new AuditJournal(file))).toBe("AUDIT_CORRUPT");
  });

  it("rejects a path in a missing directory", () => {
    expect(codeOf(() => new AuditJournal(join(tempDir(), "no", "such", "dir", "a.db")))).toBe("AUDIT_CANTOPEN");
  });

  it("rejects a journal of a newer schema version", () => {
    const file = journalPath();
    new AuditJournal(file).close();
    const db = new Database(file);
    db.prepare("UPDATE audit_meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    expect(codeOf(() => new AuditJournal(file))).toBe("AUDIT_SCHEMA_VERSION");
  });

  it("refuses appends after close", () => {
    const j = new AuditJournal(journalPath());
    j.close();
    expect(codeOf(() => j.append({ kind: "signal" }))).toBe("AUDIT_CLOSED");
  });
});

describe("AuditJournal: write failures", () => {
  it("disk full: AUDIT_DISK_FULL through onFatal, nothing committed lost, the batch retried later", () => {
    const file = journalPath();
    const fatal: AuditError[] = [];
    const j = new AuditJournal(file, { onFatal: (e) => fatal.push(e), hmacKey: KEY, checkpointEvery: 50 });
    for (let i = 0; i < 20; i++) j.append({ kind: "signal", payload: { i } });
    j.flush();
    const pages = j.db.pragma("page_count", { simple: true }) as number;
    // Simulates a full disk: the file may not grow past its current size.
    j.db.pragma(`max_page_count = ${pages}`);
    for (let i = 0; i < 500; i++) j.append({ kind: "signal", reasoning: "x".repeat(200), payload: { i } });
    let err: unknown;
    try {
      j.flush();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).code).toBe("AUDIT_DISK_FULL");
    expect((err as AuditError).message).toContain("disk full while writing a batch of 500 records");
    expect(fatal.map((e) => e.code)).toEqual(["AUDIT_DISK_FULL"]);
    expect(j.fatalError?.code).toBe("AUDIT_DISK_FULL");
    expect(codeOf(() => j.append({ kind: "signal" }))).toBe("AUDIT_FAILED");
    // Committed records are intact and the chain verifies.
    const reader = new Database(file, { readonly: true });
    expect(count(reader)).toBe(20);
    expect(verifyJournal(reader, { hmacKey: KEY }).ok).toBe(true);
    // A second failure is not reported again.
    expect(() => j.flush()).toThrow(AuditError);
    expect(fatal).toHaveLength(1);
    // Space freed: the buffered batch is written and the journal accepts records again.
    j.db.pragma("max_page_count = 1000000");
    j.flush();
    expect(j.fatalError).toBeUndefined();
    j.append({ kind: "signal" });
    j.close();
    expect(count(reader)).toBe(20 + 500 + 1 + 11); // plus checkpoints every 50 and at close
    expect(verifyJournal(reader, { hmacKey: KEY }).ok).toBe(true);
    reader.close();
  });

  it("read-only while running: AUDIT_READONLY through onFatal, nothing committed lost", () => {
    const file = journalPath();
    const fatal: AuditError[] = [];
    const j = new AuditJournal(file, { onFatal: (e) => fatal.push(e) });
    j.append({ kind: "signal" });
    j.flush();
    j.db.pragma("query_only = 1");
    j.append({ kind: "signal" });
    expect(codeOf(() => j.flush())).toBe("AUDIT_READONLY");
    expect(fatal.map((e) => e.code)).toEqual(["AUDIT_READONLY"]);
    expect(j.pendingCount).toBe(1);
    const reader = new Database(file, { readonly: true });
    expect(count(reader)).toBe(1);
    reader.close();
    // close() still closes the connection and reports the failure.
    expect(codeOf(() => j.close())).toBe("AUDIT_READONLY");
    expect(j.db.open).toBe(false);
  });

  it("a read-only connection: AUDIT_READONLY on open", () => {
    const file = journalPath();
    new AuditJournal(file).close();
    const db = new Database(file, { readonly: true });
    expect(codeOf(() => new AuditJournal(db))).toBe("AUDIT_READONLY");
    db.close();
  });

  it("an onFatal that throws does not hide the journal's error", () => {
    const j = new AuditJournal(journalPath(), {
      onFatal: () => {
        throw new Error("boom");
      },
    });
    j.append({ kind: "signal" });
    j.db.pragma("query_only = 1");
    expect(codeOf(() => j.flush())).toBe("AUDIT_READONLY");
    j.db.pragma("query_only = 0");
    j.close();
  });
});
