import { canonicalJson, issueLines } from "@tradeplan/core/internal";
import type { Statement } from "better-sqlite3";
import { z } from "zod";
import { type AuditAnchor, journalAnchor } from "./anchor.js";
import {
  type ChainedRow,
  type ChainHead,
  chainBatch,
  type PendingRecord,
  pruneRecord,
  sinceCheckpoint,
} from "./chain.js";
import { checkedEntry } from "./checked-entry.js";
import { AuditError, notifyFatal, toAuditError } from "./errors.js";
import { type HmacKey, hmacKeyProblem } from "./hmac.js";
import { type AuditQuery, type AuditQueryRow, queryLogs } from "./query.js";
import { type AuditEntry, AuditEntrySchema } from "./record.js";
import { checkSchemaVersion, createSchema, dbLabel, openDatabase, type SqliteDatabase } from "./schema.js";
import { onTransactionEnd, runTransaction, type TransactionOutcome } from "./transaction.js";
import { type VerifyReport, verifyJournal } from "./verify.js";
import type { JournalWriter } from "./writer.js";

const HmacKeySchema = z.union([z.string(), z.instanceof(Uint8Array)]).superRefine((k, ctx) => {
  const problem = hmacKeyProblem(k);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** Options of {@link AuditJournal} (validated). */
export const AuditJournalOptionsSchema = z
  .object({
    /** Signs checkpoints and the chain head with HMAC-SHA256 (at least 16 bytes). */
    hmacKey: HmacKeySchema.optional(),
    /** A signed checkpoint after this many records (default 1000; only with `hmacKey`). */
    checkpointEvery: z.number().int().min(1).max(1_000_000).default(1000),
    /**
     * `full` (default): every committed batch survives a power cut. `normal`:
     * survives a crash of the process but the last batches may be lost on a
     * power cut; for replays that can be rerun. On a connection handed in,
     * the setting is left alone unless given.
     */
    synchronous: z.enum(["normal", "full"]).optional(),
    /** Store each record's context JSON, not only its digest (default false). */
    includeContext: z.boolean().default(false),
    /** Records buffered before a flush happens on its own (default 10,000). */
    maxPending: z.number().int().min(1).max(10_000_000).default(10_000),
    /** Record times (default `Date.now`). */
    clock: z.custom<() => number>((v) => typeof v === "function", "must be a function").optional(),
    /** Called once when a write fails (disk full, read-only); the runtime halts trading on it. */
    onFatal: z.custom<(error: AuditError) => void>((v) => typeof v === "function", "must be a function").optional(),
  })
  .strict();

export type AuditJournalOptions = z.input<typeof AuditJournalOptionsSchema>;

/** A record waiting for the next flush: fields as given, serialized when written. */
type Pending = PendingRecord;

/** The chain head as committed. */
type Head = ChainHead;

/**
 * A write made inside a transaction the journal does not own (the live
 * session's batch): on disk only if that transaction commits. Kept until its
 * outcome is known, so that a rollback can put the head and the records back.
 */
interface Unsettled {
  /** The head before the write: where the journal stands again if it is rolled back. */
  readonly before: Head;
  /** The records written (checkpoints are not kept: they are made again as due). */
  readonly batch: readonly Pending[];
  /** Whether `runTransaction` reports the outcome; otherwise the stored head is checked before the next write. */
  tracked: boolean;
}

/** What `prune` did. */
export interface PruneResult {
  /** Records deleted. */
  readonly pruned: number;
  /** The last pruned seq (the new retention anchor), or null when nothing was old enough. */
  readonly throughSeq: number | null;
}

/** The insert's parameters, in column order. */
type InsertParams = [
  seq: number,
  time: number,
  kind: string,
  fn: string | null,
  rule: string | null,
  symbol: string | null,
  timeframe: string | null,
  barTime: number | null,
  contextDigest: string | null,
  context: string | null,
  action: string | null,
  reasoning: string | null,
  durationMs: number | null,
  payload: string,
  prevHash: string,
  hash: string,
];

/**
 * The audit journal: an append-only, hash-chained table of records in
 * SQLite. Records are buffered by `append` and written by `flush` in one
 * transaction per call (the engine sink flushes once per bar-close batch), so
 * a batch is either entirely on disk or not at all.
 *
 * Each record's `hash` is SHA-256 over the previous record's hash and the
 * canonical JSON of its own fields; with an HMAC key, a signed checkpoint of
 * the chain head is added every `checkpointEvery` records and on `close`, and
 * the stored head row is signed on every flush. See `verifyJournal`.
 *
 * A write failure (disk full, read-only file) is reported once through
 * `onFatal` and thrown as an {@link AuditError}; the failed batch stays
 * buffered (nothing committed is touched) and a later `flush()` retries it.
 * Until one succeeds, `append` refuses new records with `AUDIT_FAILED`.
 *
 * On a connection shared with other tables, a flush inside the caller's
 * transaction is a savepoint of it: should that transaction roll back (the
 * state save failed, the disk filled at COMMIT), the journal's head goes
 * back to the stored one and the batch is buffered again, so memory and disk
 * never disagree. Open such transactions with `runTransaction` (as
 * `StateStore.transaction` does) and the journal is told at once; otherwise
 * it compares the stored head before its next write.
 */
export class AuditJournal implements JournalWriter {
  /** The connection (shared with the runtime's state tables when one was handed in). */
  readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;
  private readonly options: z.output<typeof AuditJournalOptionsSchema>;
  private readonly clock: () => number;
  private readonly label: string;
  private readonly insert: Statement<InsertParams>;
  private readonly updateHead: Statement<[number, string, number, string | null]>;
  private readonly storedHead: Statement<[], { seq: number; hash: string }>;
  private pending: Pending[] = [];
  private head: Head;
  private unsettled: Unsettled[] = [];
  private failure: AuditError | undefined;
  private closed = false;

  /**
   * Opens (or creates) a journal in a database file, or on a connection the
   * caller owns (which `close` then leaves open). Throws {@link AuditError}:
   * `AUDIT_READONLY`, `AUDIT_CANTOPEN`, `AUDIT_CORRUPT`, `AUDIT_SCHEMA_VERSION`,
   * `AUDIT_HEAD_MISMATCH` (the stored chain was altered), `AUDIT_BAD_INPUT`.
   */
  constructor(target: string | SqliteDatabase, options: AuditJournalOptions = {}) {
    const parsed = AuditJournalOptionsSchema.safeParse(options);
    if (!parsed.success)
      throw new AuditError(
        "AUDIT_BAD_INPUT",
        `invalid audit journal options: ${issueLines(parsed.error.issues).join("; ")}`,
      );
    this.options = parsed.data;
    this.clock = parsed.data.clock ?? Date.now;
    this.ownsDb = typeof target === "string";
    this.db = typeof target === "string" ? openDatabase(target) : target;
    this.label = dbLabel(this.db);
    try {
      // WAL: readers (verify, query, a dashboard) never block the writer, and a
      // commit appends to the log instead of rewriting pages in place.
      this.db.pragma("journal_mode = WAL");
      // FULL by default: with WAL, NORMAL skips the fsync at commit, so a power
      // cut can drop the last committed batches. An audit trail must keep every
      // decision it acknowledged, and batching makes the fsync one per bar
      // close, not one per record. Replays may choose NORMAL.
      const sync = parsed.data.synchronous ?? (this.ownsDb ? "full" : undefined);
      if (sync) this.db.pragma(`synchronous = ${sync.toUpperCase()}`);
      createSchema(this.db, this.clock());
      checkSchemaVersion(this.db);
      this.head = this.loadHead();
      // Positional parameters: binding sixteen named ones from an object cost more than the hashing.
      this.insert = this.db.prepare(
        `INSERT INTO audit_records (seq, time, kind, function, rule, symbol, timeframe, bar_time, context_digest, context,
           action, reasoning, duration_ms, payload, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      this.updateHead = this.db.prepare(
        "UPDATE audit_head SET seq = ?, hash = ?, checkpoints = ?, hmac = ? WHERE id = 1",
      );
      this.storedHead = this.db.prepare("SELECT seq, hash FROM audit_head WHERE id = 1");
    } catch (e) {
      if (this.ownsDb) this.db.close();
      throw toAuditError(e, "opening the journal", this.label);
    }
  }

  /** The head as stored; refuses a journal whose head does not match its last record. */
  private loadHead(): Head {
    const h = this.db.prepare("SELECT seq, hash, checkpoints FROM audit_head WHERE id = 1").get() as
      | { seq: number; hash: string; checkpoints: number }
      | undefined;
    const last = this.db.prepare("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1").get() as
      | { seq: number; hash: string }
      | undefined;
    const lastSeq = last?.seq ?? h?.seq ?? 0;
    if (!h || h.seq !== lastSeq || (last && last.hash !== h.hash)) {
      throw new AuditError(
        "AUDIT_HEAD_MISMATCH",
        `audit journal \`${this.label}\`: the stored chain head (${h ? `seq ${h.seq}` : "missing"}) does not match the last record (seq ${last?.seq ?? "none"}); run \`tradeplan audit verify\` before appending`,
      );
    }
    const cp = this.db
      .prepare("SELECT max(seq) AS seq FROM audit_records WHERE kind IN ('checkpoint', 'prune')")
      .get() as { seq: number | null };
    const first = this.db.prepare("SELECT min(seq) AS seq FROM audit_records").get() as { seq: number | null };
    return {
      seq: h.seq,
      hash: h.hash,
      checkpoints: h.checkpoints,
      sinceCheckpoint: sinceCheckpoint(h.seq, cp.seq, first.seq),
    };
  }

  /** Last written seq (0 for an empty journal). */
  get headSeq(): number {
    this.syncWithDisk();
    return this.head.seq;
  }

  /** Hash of the last written record ({@link GENESIS_HASH} for an empty journal). */
  get headHash(): string {
    this.syncWithDisk();
    return this.head.hash;
  }

  /** Records waiting for the next flush (with those of a batch an enclosing transaction rolled back). */
  get pendingCount(): number {
    this.syncWithDisk();
    return this.pending.length;
  }

  /** The write failure the journal is stuck on, if any (cleared by a successful `flush`). */
  get fatalError(): AuditError | undefined {
    return this.failure;
  }

  /**
   * Buffers one record (validated; `AUDIT_BAD_INPUT` names the bad field).
   * It is written by the next `flush` (or on its own once `maxPending` are buffered).
   */
  append(entry: AuditEntry): void {
    this.enqueue(checkedEntry(entry), this.options.includeContext);
  }

  /**
   * Buffers a record built by trusted code (the engine sink) without
   * validating it again: this is on the decision path.
   * @internal
   */
  enqueue(entry: AuditEntry, keepContext: boolean): void {
    if (this.closed) throw new AuditError("AUDIT_CLOSED", `audit journal \`${this.label}\` is closed`);
    if (this.failure)
      throw new AuditError("AUDIT_FAILED", `audit journal \`${this.label}\` is halted: ${this.failure.message}`, {
        cause: this.failure,
      });
    this.pending.push({ time: entry.time ?? this.clock(), entry, keepContext });
    if (this.pending.length >= this.options.maxPending) {
      try {
        this.flush();
      } catch {
        // Reported through onFatal; the records stay buffered for a retry.
      }
    }
  }

  /**
   * Writes every buffered record in one transaction (plus the checkpoints
   * due) and updates the signed head. Throws {@link AuditError} on failure
   * after reporting it through `onFatal`; the batch stays buffered.
   */
  flush(): void {
    if (this.closed) throw new AuditError("AUDIT_CLOSED", `audit journal \`${this.label}\` is closed`);
    this.syncWithDisk();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.write(batch, false, `writing a batch of ${batch.length} records`);
    this.pending = [];
  }

  /**
   * Drops the buffered records without writing them and returns how many
   * there were. For a batch whose transaction could not be committed at
   * shutdown: its records must not reach the disk without the state that
   * went with them (a restart decides that batch again, beside them).
   */
  discardPending(): number {
    const n = this.pending.length;
    this.pending = [];
    return n;
  }

  /** Writes a signed checkpoint of the current head now (requires an HMAC key). */
  checkpoint(): void {
    if (this.options.hmacKey === undefined)
      throw new AuditError("AUDIT_BAD_INPUT", "a checkpoint is signed: open the journal with an hmacKey");
    this.flush();
    this.write([], true, "writing a checkpoint");
  }

  /**
   * Runs one write transaction; on failure enters the failed state and
   * rethrows. Inside a transaction the journal does not own, the write is
   * kept as unsettled until that transaction ends (see {@link settle}).
   */
  private write(batch: readonly Pending[], forceCheckpoint: boolean, doing: string): void {
    const before = this.head;
    const nested = this.db.inTransaction;
    try {
      this.head = runTransaction(this.db, () => this.writeRecords(batch, forceCheckpoint));
      this.failure = undefined;
    } catch (e) {
      const err = toAuditError(e, doing, this.label);
      this.fail(err);
      throw err;
    }
    if (nested) this.unsettle(before, batch);
  }

  /**
   * A write went into a savepoint of someone else's transaction: its records
   * reach the disk only if that transaction commits. With `runTransaction`
   * (the state store's batches) the journal is told the outcome; otherwise
   * `syncWithDisk` compares the stored head before the next write.
   */
  private unsettle(before: Head, batch: readonly Pending[]): void {
    const u: Unsettled = { before, batch, tracked: false };
    this.unsettled.push(u);
    u.tracked = onTransactionEnd(this.db, (outcome) => this.settle(u, outcome));
    // Untracked writes inside long-lived foreign transactions: remember a bounded number of records.
    let held = 0;
    for (const x of this.unsettled) held += x.batch.length;
    while (held > this.options.maxPending && this.unsettled.length > 1) held -= this.unsettled.shift()!.batch.length;
  }

  private settle(u: Unsettled, outcome: TransactionOutcome): void {
    const i = this.unsettled.indexOf(u);
    if (i < 0) return;
    if (outcome === "committed") this.unsettled.splice(i, 1);
    else if (outcome === "unknown") u.tracked = false;
    else this.undo(i);
  }

  /**
   * Unsettled write `i` and every later one were rolled back: the head goes
   * back to where it stood before them, and their records back in front of
   * the buffer, so the next flush writes them again (no decision is lost).
   */
  private undo(i: number): void {
    const gone = this.unsettled.splice(i);
    this.head = gone[0]!.before;
    this.pending = [...gone.flatMap((u) => u.batch), ...this.pending];
  }

  /**
   * For writes whose enclosing transaction did not report its outcome: the
   * stored head says whether they are still there. A head that is neither
   * the journal's nor one it stood at before is read back from the disk.
   */
  private syncWithDisk(): void {
    if (!this.unsettled.some((u) => !u.tracked)) return;
    const stored = this.storedHead.get();
    if (stored && stored.seq === this.head.seq && stored.hash === this.head.hash) {
      // No transaction open: every write so far is committed.
      if (!this.db.inTransaction) this.unsettled = [];
      return;
    }
    const i = this.unsettled.findIndex((u) => stored && u.before.seq === stored.seq && u.before.hash === stored.hash);
    if (i >= 0) {
      this.undo(i);
      return;
    }
    this.unsettled = [];
    try {
      this.head = this.loadHead();
    } catch (e) {
      const err = toAuditError(e, "reading the chain head back after a rollback", this.label);
      this.fail(err);
      throw err;
    }
  }

  private fail(err: AuditError): void {
    const first = this.failure === undefined;
    this.failure = err;
    if (first) notifyFatal(err, this.options.onFatal);
  }

  /** Inside a transaction: appends the records and due checkpoints, updates the head; returns the new head. */
  private writeRecords(batch: readonly Pending[], forceCheckpoint: boolean): Head {
    const o = this.options;
    const h = chainBatch(
      this.head,
      batch,
      forceCheckpoint,
      { hmacKey: o.hmacKey, checkpointEvery: o.checkpointEvery, now: this.clock },
      (row) => this.insertRow(row),
    );
    this.updateHead.run(h.seq, h.hash, h.checkpoints, h.hmac);
    return { seq: h.seq, hash: h.hash, checkpoints: h.checkpoints, sinceCheckpoint: h.sinceCheckpoint };
  }

  private insertRow(r: ChainedRow): void {
    this.insert.run(
      r.seq,
      r.time,
      r.kind,
      r.function,
      r.rule,
      r.symbol,
      r.timeframe,
      r.bar_time,
      r.context_digest,
      r.context,
      r.action,
      r.reasoning,
      r.duration_ms,
      r.payload,
      r.prev_hash,
      r.hash,
    );
  }

  /**
   * Deletes the records written before `olderThan` (epoch ms, record time),
   * oldest first and only as a prefix of the chain, then appends a `prune`
   * record holding the last pruned record's seq and hash (signed with the
   * key), from which `verifyJournal` starts. Returns what was deleted.
   */
  prune(olderThan: number): PruneResult {
    if (!Number.isFinite(olderThan))
      throw new AuditError("AUDIT_BAD_INPUT", `prune: olderThan must be a time in epoch ms, got ${olderThan}`);
    this.flush();
    const key = this.options.hmacKey;
    let result: PruneResult = { pruned: 0, throughSeq: null };
    const before = this.head;
    const nested = this.db.inTransaction;
    try {
      this.head = runTransaction(this.db, (): Head => {
        const keep = this.db
          .prepare("SELECT seq FROM audit_records WHERE time >= ? ORDER BY seq LIMIT 1")
          .get(Math.floor(olderThan)) as { seq: number } | undefined;
        const through = keep ? keep.seq - 1 : this.head.seq;
        const last = this.db
          .prepare("SELECT seq, hash FROM audit_records WHERE seq <= ? ORDER BY seq DESC LIMIT 1")
          .get(through) as { seq: number; hash: string } | undefined;
        if (!last) return this.head;
        this.db.prepare("INSERT OR REPLACE INTO audit_meta (key, value) VALUES ('pruning', '1')").run();
        const deleted = this.db.prepare("DELETE FROM audit_records WHERE seq <= ?").run(last.seq).changes;
        this.db.prepare("DELETE FROM audit_meta WHERE key = 'pruning'").run();
        result = { pruned: deleted, throughSeq: last.seq };
        const p = pruneRecord(this.head, last, deleted, this.clock(), key);
        this.insertRow(p.row);
        this.updateHead.run(p.head.seq, p.head.hash, p.head.checkpoints, p.head.hmac);
        return { seq: p.head.seq, hash: p.head.hash, checkpoints: p.head.checkpoints, sinceCheckpoint: 0 };
      });
    } catch (e) {
      const err = toAuditError(e, "pruning old records", this.label);
      this.fail(err);
      throw err;
    }
    if (nested) this.unsettle(before, []);
    return result;
  }

  /** Records matching `filters` (flushes first, so the caller sees its own records). */
  query(filters: AuditQuery = {}): AuditQueryRow[] {
    this.flush();
    return queryLogs(this.db, filters);
  }

  /**
   * The chain head as an external anchor (flushes first): keep it outside
   * the database, and `verifyJournal(db, { anchor })` later proves the
   * journal was not rolled back before it.
   */
  anchor(): AuditAnchor {
    this.flush();
    return journalAnchor(this.db, this.clock());
  }

  /** Verifies the whole chain (flushes first). */
  verify(options: { hmacKey?: HmacKey } = {}): VerifyReport {
    this.flush();
    return verifyJournal(this.db, options);
  }

  /**
   * Flushes, writes a closing checkpoint when signed, and closes the file
   * when the journal opened it. The connection is closed even when the last
   * flush fails (committed records are safe); the failure is rethrown.
   */
  close(): void {
    if (this.closed) return;
    let failed: unknown;
    try {
      this.flush();
      if (this.options.hmacKey !== undefined && this.head.sinceCheckpoint > 0)
        this.write([], true, "writing the closing checkpoint");
    } catch (e) {
      failed = e;
    }
    this.closed = true;
    if (this.ownsDb) {
      try {
        // Refreshes the planner's statistics when stale (bounded work), so a query
        // with several filters starts from the most selective index.
        // 0x10002: also tables this connection never queried (a writer never does).
        if (!failed) this.db.pragma("optimize = 0x10002");
      } catch {
        // Statistics are an optimisation; the records are committed already.
      }
      this.db.close();
    }
    if (failed) throw failed;
  }
}
