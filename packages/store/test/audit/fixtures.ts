import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach } from "vitest";
import { AuditJournal, type AuditJournalOptions } from "../../src/audit/journal.js";
import { type AuditRow, recordHash } from "../../src/audit/record.js";

export const KEY = "test-hmac-key-0123456789";
/** 2024-01-02 14:30 UTC. */
export const T0 = Date.UTC(2024, 0, 2, 14, 30);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tradeplan-audit-"));
  dirs.push(d);
  return d;
}

/** A journal file path in a fresh temporary directory. */
export function journalPath(): string {
  return join(tempDir(), "audit.db");
}

/** A deterministic clock: 1 ms per call from T0. */
export function tickClock(start = T0): () => number {
  let t = start;
  return () => t++;
}

/** Writes `n` signal records (symbol/rule alternating) and closes the journal. */
export function writeJournal(file: string, n: number, options: AuditJournalOptions = {}): void {
  const j = new AuditJournal(file, { clock: tickClock(), synchronous: "normal", ...options });
  for (let i = 0; i < n; i++) {
    j.append({
      kind: "signal",
      symbol: i % 2 === 0 ? "AAPL" : "MSFT",
      rule: `r${(i % 3) + 1}`,
      function: "close_threshold",
      timeframe: "5m",
      barTime: T0 + i * 300_000,
      action: i % 4 === 3 ? "EXIT" : "ENTER_LONG",
      reasoning: `close above 150 (#${i})`,
      payload: { i },
    });
  }
  j.close();
}

/** Opens a journal file for tampering: the append-only triggers are dropped, as an attacker would. */
export function tamper(file: string): Database.Database {
  const db = new Database(file);
  db.exec("DROP TRIGGER IF EXISTS audit_records_no_update; DROP TRIGGER IF EXISTS audit_records_no_delete;");
  return db;
}

export function row(db: Database.Database, seq: number): AuditRow {
  const r = db.prepare("SELECT * FROM audit_records WHERE seq = ?").get(seq) as AuditRow | undefined;
  if (!r) throw new Error(`no record ${seq}`);
  return r;
}

/** Every record in seq order. */
export function rows(db: Database.Database): AuditRow[] {
  return db.prepare("SELECT * FROM audit_records ORDER BY seq").all() as AuditRow[];
}

/** Inserts a record whose hash is computed correctly from `prevHash` (what a forger without a key can do). */
export function insertForged(
  db: Database.Database,
  fields: Omit<AuditRow, "prev_hash" | "hash">,
  prevHash: string,
): string {
  const hash = recordHash(prevHash, fields);
  db.prepare(
    `INSERT INTO audit_records (seq, time, kind, function, rule, symbol, timeframe, bar_time, context_digest, context,
       action, reasoning, duration_ms, payload, prev_hash, hash)
     VALUES (@seq, @time, @kind, @function, @rule, @symbol, @timeframe, @bar_time, @context_digest, @context,
       @action, @reasoning, @duration_ms, @payload, @prev_hash, @hash)`,
  ).run({ ...fields, prev_hash: prevHash, hash });
  return hash;
}

/** Renumbers records `from..` by `delta` (through negative seqs, so the primary key never collides). */
export function shiftSeqs(db: Database.Database, from: number, delta: number): void {
  db.prepare("UPDATE audit_records SET seq = -seq WHERE seq >= ?").run(from);
  db.prepare("UPDATE audit_records SET seq = -seq + ? WHERE seq < 0").run(delta);
}
