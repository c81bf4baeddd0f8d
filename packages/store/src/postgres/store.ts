import { canonicalJson, issueLines } from "@tradeplan/core/internal";
import { z } from "zod";
import {
  type ChainedHead,
  type ChainedRow,
  type ChainHead,
  chainBatch,
  type PendingRecord,
  pruneRecord,
  sinceCheckpoint,
} from "../audit/chain.js";
import { checkedEntry } from "../audit/checked-entry.js";
import { AuditError, notifyFatal } from "../audit/errors.js";
import { type HmacKey, hmacKeyProblem } from "../audit/hmac.js";
import { type AuditEntry, AuditEntrySchema } from "../audit/record.js";
import type { JournalWriter } from "../audit/writer.js";
import { StateError } from "../persistence/errors.js";
import type { SessionState } from "../persistence/store.js";
import { connectPostgres, type PgClient, toPgAuditError } from "./client.js";
import type { CommitFence, OrderIntent } from "./lease.js";
import { ensureHead, requirePgSchema } from "./schema.js";
import { parseSnapshot, type Snapshot, snapshotText } from "./state.js";
import { checkAccount, type PostgresTarget, parsePostgresUrl } from "./url.js";

/** Options of {@link PostgresStore.open} (validated). */
export const PostgresStoreOptionsSchema = z
  .object({
    /** The chain and state to write (default `default`). */
    account: z.string().default("default"),
    hmacKey: z
      .union([z.string(), z.instanceof(Uint8Array)])
      .superRefine((k, ctx) => {
        const problem = hmacKeyProblem(k);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
    checkpointEvery: z.number().int().min(1).max(1_000_000).default(1000),
    includeContext: z.boolean().default(false),
    /** Batches committed together at most, when they queue up behind a slow commit. */
    maxGroup: z.number().int().min(1).max(10_000).default(256),
    /**
     * Batches handed over and not committed at most: past it the store
     * refuses new batches (`AUDIT_BACKLOG`: the session halts, as on a
     * failed commit) while it goes on committing those it holds, so a
     * server slower than the decisions costs bounded memory, not all of it.
     */
    maxQueued: z.number().int().min(1).max(1_000_000).default(10_000),
    /**
     * After a lost connection (the server restarted, the connection was
     * cut), how long to keep connecting again and committing the queue
     * before halting; 0 halts at once. The head's compare-and-set tells a
     * batch that did commit before the loss from one that did not, so
     * nothing is written twice. Not with a lease (`fence`): a leader that
     * loses its connection steps down and a standby takes over instead.
     */
    reconnectMs: z.number().int().min(0).max(3_600_000).default(30_000),
    clock: z.custom<() => number>((v) => typeof v === "function", "must be a function").optional(),
    /** Called once when a commit fails; the session halts at its next batch anyway. */
    onFatal: z.custom<(error: AuditError) => void>((v) => typeof v === "function", "must be a function").optional(),
    /** Where the URL came from, for messages (`tradeplan.yaml: storage.database`). */
    where: z.string().default("the connection string"),
    /**
     * With `--ha`: the lease every commit checks first, in its transaction,
     * and the intents' rows (see {@link PostgresStore.addIntent}). The
     * account's advisory lock is then waited for (a takeover terminated the
     * old holder's connections: its lock goes with them) instead of refused.
     */
    fence: z.custom<CommitFence>((v) => typeof v === "object" && v !== null, "must be a lease's fence").optional(),
  })
  .strict();

export type PostgresStoreOptions = z.input<typeof PostgresStoreOptionsSchema>;

/** One queued commit: a batch's records and the state after it (a session batch), or a retention prune. */
interface Commit {
  readonly records: readonly PendingRecord[];
  /** The state after the batch, as stored. */
  readonly state?: string;
  readonly savedAt?: number;
  /** A retention prune of the records older than this (epoch ms). */
  readonly pruneBefore?: number;
  /** A closing checkpoint after the records (with a key). */
  readonly closeCheckpoint?: boolean;
  /** Order intents decided in the batch (`--ha`), inserted in its fenced transaction. */
  readonly intents?: readonly PendingIntent[];
}

/** An intent waiting for its commit; the promise its sender awaits. */
interface PendingIntent {
  readonly intent: OrderIntent;
  readonly committed: () => void;
  readonly failed: (e: AuditError) => void;
}

/** A transaction of the session being built: what `flush` and `save` hand over inside `transaction(fn)`. */
interface Open {
  records: PendingRecord[];
  state?: string;
  savedAt?: number;
}

/** Insert of a group's rows: one statement whatever their number (a column per array). */
const INSERT = `INSERT INTO audit_records (account, seq, time, kind, function, rule, symbol, timeframe, bar_time,
    context_digest, context, action, reasoning, duration_ms, payload, prev_hash, hash)
  SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
    $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], $14::float8[], $15::text[], $16::text[], $17::text[])`;

/**
 * The audit journal and the session state of one account in PostgreSQL.
 *
 * The seam with the synchronous session: the session decides a batch and,
 * in `transaction(fn)`, hands over its records (the audit sink's `flush`)
 * and the state after it (`save`), synchronously, as it does with SQLite.
 * Here that only queues the batch; one connection commits the queue in
 * order, each batch (or a group of batches that queued up behind a slow
 * commit) in one transaction: its records chained from the committed head
 * (`chainBatch`, the SQLite journal's code), the head moved by
 * compare-and-set, the state upserted. Records and state commit together
 * or not at all. A failed commit is kept ({@link fatalError}) and reported
 * once (`onFatal`); from then on `transaction` and `flush` throw it, so the
 * session halts at its next batch, and nothing more is committed: a
 * restart continues from the last committed batch. `drain()` awaits the
 * queue; `close()` drains, then closes the connection.
 *
 * One writer per account: `open` takes an advisory lock on the account for
 * the life of the connection, and the head's compare-and-set refuses a
 * commit onto a head that moved anyway (see docs/scale-out.md).
 */
export class PostgresStore implements JournalWriter {
  private readonly options: z.output<typeof PostgresStoreOptionsSchema>;
  private readonly clock: () => number;
  private pending: PendingRecord[] = [];
  private intents: PendingIntent[] = [];
  private queue: Commit[] = [];
  private open: Open | undefined;
  private head: ChainHead;
  private snapshot: Snapshot | undefined;
  private failure: AuditError | undefined;
  /** Set once the queue reached `maxQueued`: new batches are refused, queued ones still commit. */
  private backlog: AuditError | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  /** The head the commit in flight would leave, set just before its COMMIT (see reconnect). */
  private attempted: ChainedHead | undefined;

  private constructor(
    private client: PgClient,
    private readonly target: PostgresTarget,
    /** `postgres://user@host:port/db (account NAME)`, for messages. */
    readonly label: string,
    options: z.output<typeof PostgresStoreOptionsSchema>,
    head: ChainHead,
    snapshot: Snapshot | undefined,
  ) {
    this.options = options;
    this.clock = options.clock ?? Date.now;
    this.head = head;
    this.snapshot = snapshot;
  }

  /**
   * Connects, checks the tables (created beforehand by `tradeplan audit
   * init`), takes the account, checks its chain head matches its last
   * record and reads its saved state. Throws one-line errors saying what to
   * fix: {@link AuditError} `AUDIT_BAD_INPUT` (URL, account, options),
   * `AUDIT_CANTOPEN`, `AUDIT_NOT_A_JOURNAL`, `AUDIT_SCHEMA_VERSION`,
   * `AUDIT_BUSY` (another process writes the account), `AUDIT_HEAD_MISMATCH`;
   * {@link StateError} for a bad saved state.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const parsed = PostgresStoreOptionsSchema.safeParse(options);
    if (!parsed.success)
      throw new AuditError(
        "AUDIT_BAD_INPUT",
        `invalid PostgreSQL store options: ${issueLines(parsed.error.issues).join("; ")}`,
      );
    const o = parsed.data;
    const target = parsePostgresUrl(url, o.where);
    const account = checkAccount(o.account, "storage.account");
    const client = await connectPostgres(target, o.fence?.applicationName ?? `tradeplan run (${account})`);
    const label = `${target.label} (account ${account})`;
    try {
      await requirePgSchema(client, target.label);
      if (o.fence)
        await client.query(`SET idle_in_transaction_session_timeout = ${Math.max(1, o.fence.idleInTransactionMs)}`);
      if (!(await takeAccountLock(client, account, o.fence !== undefined)))
        throw new AuditError(
          "AUDIT_BUSY",
          `${label} is being written by another process (it holds the account's lock); stop it first, or use another storage.account`,
        );
      await ensureHead(client, account);
      const head = await loadHead(client, account, label);
      const row = await client.query<{ state: string }>("SELECT state FROM state_snapshots WHERE account = $1", [
        account,
      ]);
      const text = row.rows[0]?.state;
      const snapshot = text === undefined ? undefined : parseSnapshot(text, `${label}: state_snapshots`);
      return new PostgresStore(client, target, label, o, head, snapshot);
    } catch (e) {
      await client.end().catch(() => undefined);
      if (e instanceof StateError) throw e;
      throw toPgAuditError(e, "opening it", label);
    }
  }

  /** Last committed seq (0 for an empty chain). */
  get headSeq(): number {
    return this.head.seq;
  }

  /** Records waiting for the next flush. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** The commit failure the store is stuck on, if any. */
  get fatalError(): AuditError | undefined {
    return this.failure;
  }

  /** Batches handed over and not committed yet. */
  get queued(): number {
    return this.queue.length;
  }

  /** Buffers one record (validated; `AUDIT_BAD_INPUT` names the bad field), written by the next flush. */
  append(entry: AuditEntry): void {
    this.enqueue(checkedEntry(entry), this.options.includeContext);
  }

  /** Buffers a record built by trusted code (the engine sink), unvalidated. @internal */
  enqueue(entry: AuditEntry, keepContext: boolean): void {
    this.refuseIfBroken();
    this.pending.push({ time: entry.time ?? this.clock(), entry, keepContext });
  }

  /**
   * Hands the buffered records over: to the transaction being built, or as
   * a commit of their own. Throws the store's failure ({@link fatalError}).
   */
  flush(): void {
    this.refuseIfBroken();
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    if (this.open) this.open.records.push(...records);
    else this.push({ records, ...this.takeIntents() });
  }

  /**
   * With `--ha`: an order intent decided now, inserted by the next commit
   * in its fenced transaction. Resolves once that commit succeeded (then,
   * and only then, may the order be sent); rejects with the store's failure
   * (`AUDIT_LEASE_LOST` when the lease was lost, or its key was committed before).
   */
  addIntent(intent: OrderIntent): Promise<void> {
    // Never a throw: the caller is an engine sink, mid-batch.
    try {
      this.refuseIfBroken();
    } catch (e) {
      return Promise.reject(e);
    }
    if (!this.options.fence)
      return Promise.reject(new AuditError("AUDIT_BAD_INPUT", "order intents need a store opened with a lease (--ha)"));
    return new Promise((committed, failed) => {
      this.intents.push({ intent, committed, failed });
    });
  }

  /** Drops the buffered records unwritten (a batch whose transaction failed at shutdown); returns how many. */
  discardPending(): number {
    const n = this.pending.length;
    this.pending = [];
    return n;
  }

  /**
   * Runs `fn` (the session's batch: the sink's flush, then `save`) and
   * queues what it handed over as one commit. A throw from `fn` queues
   * nothing and puts its records back in front of the buffer.
   */
  transaction<T>(fn: () => T): T {
    if (this.open) return fn();
    this.refuseIfBroken();
    const open: Open = { records: [] };
    this.open = open;
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.pending = [...open.records, ...this.pending];
      throw e;
    } finally {
      this.open = undefined;
    }
    if (open.records.length > 0 || open.state !== undefined || this.intents.length > 0)
      this.push({
        records: open.records,
        ...(open.state !== undefined ? { state: open.state, savedAt: open.savedAt ?? 0 } : {}),
        ...this.takeIntents(),
      });
    return result;
  }

  /** The saved state, or undefined when none was saved. */
  load(): SessionState | undefined {
    return this.snapshot?.state;
  }

  /** Whether a state was ever saved. */
  hasState(): boolean {
    return this.snapshot !== undefined;
  }

  /**
   * Saves `state` (serialized now: the session goes on changing its objects).
   * Inside `transaction` it commits with the batch's records; alone, as a commit of its own.
   */
  save(state: SessionState): void {
    this.refuseIfBroken();
    const seenAt = { ...(this.snapshot?.seenAt ?? {}) };
    if (state.broker.kind === "paper")
      for (const id of state.broker.state.seen) if (seenAt[id] === undefined) seenAt[id] = state.savedAt;
    this.snapshot = { state, seenAt };
    const text = snapshotText(this.snapshot);
    if (this.open) {
      this.open.state = text;
      this.open.savedAt = state.savedAt;
    } else this.push({ records: [], state: text, savedAt: state.savedAt });
  }

  /**
   * Forgets client order ids first saved before `before` from the saved
   * state (storage retention); returns how many. Takes effect with the next save.
   */
  pruneOrderIds(before: number): number {
    const s = this.snapshot;
    if (s?.state.broker.kind !== "paper") return 0;
    const keep = s.state.broker.state.seen.filter((id) => (s.seenAt[id] ?? before) >= before);
    const n = s.state.broker.state.seen.length - keep.length;
    if (n === 0) return 0;
    const seenAt: Record<string, number> = {};
    for (const id of keep) if (s.seenAt[id] !== undefined) seenAt[id] = s.seenAt[id];
    this.snapshot = {
      seenAt,
      state: { ...s.state, broker: { kind: "paper", state: { ...s.state.broker.state, seen: keep } } },
    };
    return n;
  }

  /**
   * Queues a retention prune: records written before `olderThan` are
   * deleted (a prefix of the chain) and a `prune` record is appended, as
   * the SQLite journal does. Its outcome is known after `drain()`.
   */
  prune(olderThan: number): void {
    if (!Number.isFinite(olderThan))
      throw new AuditError("AUDIT_BAD_INPUT", `prune: olderThan must be a time in epoch ms, got ${olderThan}`);
    this.flush();
    this.push({ records: [], pruneBefore: Math.floor(olderThan) });
  }

  /** Waits until everything handed over is committed; throws the failure that stopped the queue. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }

  /**
   * Flushes, writes a closing checkpoint when signed, drains and closes the
   * connection (also after a failure, which is then rethrown).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    let failed: unknown;
    try {
      if (!this.failure && !this.backlog) {
        this.flush();
        if (this.options.hmacKey !== undefined) this.push({ records: [], closeCheckpoint: true });
      }
    } catch (e) {
      failed = e;
    }
    try {
      // What was handed over is committed even after a refusal (a backlog, a bad record).
      await this.drain();
    } catch (e) {
      failed = e;
    }
    failed ??= this.backlog;
    this.closed = true;
    await this.client.end().catch(() => undefined);
    if (failed) throw failed;
  }

  private refuseIfBroken(): void {
    if (this.closed) throw new AuditError("AUDIT_CLOSED", `audit journal ${this.label} is closed`);
    const why = this.failure ?? this.backlog;
    if (why)
      throw new AuditError("AUDIT_FAILED", `audit journal ${this.label} is halted: ${why.message}`, {
        cause: why,
      });
  }

  private takeIntents(): { intents?: PendingIntent[] } {
    if (this.intents.length === 0) return {};
    const intents = this.intents;
    this.intents = [];
    return { intents };
  }

  private push(c: Commit): void {
    this.queue.push(c);
    if (this.queue.length >= this.options.maxQueued && this.backlog === undefined) {
      // This batch is kept (its decisions are made); the next is refused and the session halts.
      this.backlog = new AuditError(
        "AUDIT_BACKLOG",
        `${this.label}: ${this.queue.length} batches wait for the server (at most ${this.options.maxQueued}): it commits slower than the session decides; trading halts while the queue is written`,
      );
      notifyFatal(this.backlog, this.options.onFatal);
    }
    this.running ??= this.pump().finally(() => {
      this.running = undefined;
    });
  }

  /** Commits the queue in order, in groups, until it is empty or a commit fails. */
  private async pump(): Promise<void> {
    // Let the rest of the turn hand over its batches first: they join the group.
    await Promise.resolve();
    while (this.queue.length > 0 && this.failure === undefined) {
      const group = this.queue.splice(0, this.options.maxGroup);
      const before = this.head;
      try {
        this.attempted = undefined;
        this.head = await this.commit(group);
        for (const c of group) for (const i of c.intents ?? []) i.committed();
      } catch (e) {
        const failure = toPgAuditError(e, `committing ${group.length} batches`, this.label);
        const after = this.canReconnect(e) ? await this.reconnect(before, this.attempted, failure) : failure;
        if (after === "committed") {
          for (const c of group) for (const i of c.intents ?? []) i.committed();
          continue;
        }
        this.queue.unshift(...group);
        if (after !== "retry") this.fail(after);
      }
    }
    // Intents that will never commit now: their orders are not sent.
    if (this.failure) {
      const failure = this.failure;
      for (const c of this.queue) for (const i of c.intents ?? []) i.failed(failure);
      for (const i of this.intents.splice(0)) i.failed(failure);
    }
  }

  /** A connection lost (not a refused statement), and reconnecting allowed. */
  private canReconnect(e: unknown): boolean {
    if (this.options.fence || this.options.reconnectMs === 0 || this.closed || e instanceof AuditError) return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (code.startsWith("08") || code.startsWith("57P"))) return true;
    const message = e instanceof Error ? e.message : String(e);
    return /Connection terminated|not queryable|ECONNRESET|ECONNREFUSED|EPIPE|socket|closed/i.test(message);
  }

  /**
   * Connects again (retrying until `reconnectMs` passed), takes the
   * account's lock, and reads the committed head: still `before`, the lost
   * commit did not happen ("retry"); the head that commit would have left,
   * it did ("committed"); anything else, another writer moved it
   * (`AUDIT_HEAD_MISMATCH`). Out of time: the original failure.
   */
  private async reconnect(
    before: ChainHead,
    attempted: ChainedHead | undefined,
    failure: AuditError,
  ): Promise<"retry" | "committed" | AuditError> {
    const deadline = Date.now() + this.options.reconnectMs;
    await this.client.end().catch(() => undefined);
    for (let wait = 100; Date.now() < deadline; wait = Math.min(wait * 2, 2_000)) {
      await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
      let client: PgClient | undefined;
      try {
        client = await connectPostgres(this.target, `tradeplan run (${this.options.account})`);
        if (!(await takeAccountLock(client, this.options.account, true)))
          throw new AuditError("AUDIT_BUSY", `${this.label}: another process took the account while reconnecting`);
        const head = await loadHead(client, this.options.account, this.label);
        this.client = client;
        if (head.seq === before.seq && head.hash === before.hash) return "retry";
        if (attempted && head.seq === attempted.seq && head.hash === attempted.hash) {
          this.head = head;
          return "committed";
        }
        return new AuditError(
          "AUDIT_HEAD_MISMATCH",
          `${this.label}: after reconnecting, the chain head is seq ${head.seq}, neither the last committed (${before.seq}) nor the one the lost commit would have left: another process wrote this account`,
        );
      } catch (e) {
        if (client && client !== this.client) await client.end().catch(() => undefined);
        if (e instanceof AuditError && e.code !== "AUDIT_CANTOPEN") return e;
      }
    }
    return failure;
  }

  private fail(err: AuditError): void {
    const first = this.failure === undefined;
    this.failure = err;
    if (first) notifyFatal(err, this.options.onFatal);
  }

  /**
   * One transaction: the group's records chained from the committed head,
   * the head moved by compare-and-set, the last state saved. Returns the new head.
   * This is where a hot standby's lease check joins (docs/scale-out.md).
   */
  private async commit(group: readonly Commit[]): Promise<ChainHead> {
    const c = this.client;
    const account = this.options.account;
    const chain = {
      hmacKey: this.options.hmacKey,
      checkpointEvery: this.options.checkpointEvery,
      now: this.clock,
    };
    const before = this.head;
    let head: ChainedHead = { ...before, hmac: null };
    let rows: ChainedRow[] = [];
    let state: { text: string; savedAt: number } | undefined;
    await c.query("BEGIN");
    try {
      const fence = this.options.fence;
      if (fence) {
        // First, the lease: holder and epoch still ours, its row locked against a takeover until COMMIT.
        const intents = group.flatMap((item) => (item.intents ?? []).map((i) => i.intent));
        const firstOrderId = await fence.check(c, intents.length);
        await fence.insertIntents(c, intents, firstOrderId);
      }
      for (const item of group) {
        if (item.pruneBefore !== undefined) {
          await insertRows(c, account, rows);
          rows = [];
          head = await prune(c, account, head, item.pruneBefore, this.clock(), this.options.hmacKey);
          continue;
        }
        head = chainBatch(head, item.records, item.closeCheckpoint === true, chain, (row) => rows.push(row));
        if (item.state !== undefined) state = { text: item.state, savedAt: item.savedAt ?? 0 };
      }
      await insertRows(c, account, rows);
      if (head.seq !== before.seq) {
        const moved = await c.query(
          "UPDATE audit_head SET seq = $2, hash = $3, checkpoints = $4, hmac = $5 WHERE account = $1 AND seq = $6 AND hash = $7",
          [account, head.seq, head.hash, head.checkpoints, head.hmac, before.seq, before.hash],
        );
        if (moved.rowCount !== 1)
          throw new AuditError(
            "AUDIT_HEAD_MISMATCH",
            `${this.label}: the chain head is no longer seq ${before.seq}: another process wrote this account`,
          );
      }
      if (state)
        await c.query(
          `INSERT INTO state_snapshots (account, saved_at, state) VALUES ($1, $2, $3)
           ON CONFLICT (account) DO UPDATE SET saved_at = excluded.saved_at, state = excluded.state`,
          [account, state.savedAt, state.text],
        );
      // If the connection dies now, the commit may or may not have happened: reconnect() reads which.
      this.attempted = head;
      await c.query("COMMIT");
    } catch (e) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw e;
    }
    return head;
  }
}

/**
 * The account's advisory lock, held for the connection's life. Without a
 * lease, a lock held elsewhere is refused at once; with one, waited for up
 * to 5 s: the takeover that gave this process the lease has just
 * terminated the old holder's connections, whose lock goes when they do.
 */
async function takeAccountLock(c: PgClient, account: string, wait: boolean): Promise<boolean> {
  const deadline = Date.now() + (wait ? 5_000 : 0);
  for (;;) {
    const lock = await c.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('tradeplan account'), hashtext($1)) AS ok",
      [account],
    );
    if (lock.rows[0]?.ok) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The committed head; refuses a chain whose head row does not match its last record. */
async function loadHead(c: PgClient, account: string, label: string): Promise<ChainHead> {
  const h = (
    await c.query<{ seq: number; hash: string; checkpoints: number }>(
      "SELECT seq, hash, checkpoints FROM audit_head WHERE account = $1",
      [account],
    )
  ).rows[0];
  const last = (
    await c.query<{ seq: number; hash: string }>(
      "SELECT seq, hash FROM audit_records WHERE account = $1 ORDER BY seq DESC LIMIT 1",
      [account],
    )
  ).rows[0];
  const lastSeq = last?.seq ?? h?.seq ?? 0;
  if (!h || h.seq !== lastSeq || (last && last.hash !== h.hash))
    throw new AuditError(
      "AUDIT_HEAD_MISMATCH",
      `${label}: the stored chain head (${h ? `seq ${h.seq}` : "missing"}) does not match the last record (seq ${last?.seq ?? "none"}); run \`tradeplan audit verify\` before appending`,
    );
  const marks = (
    await c.query<{ cp: number | null; first: number | null }>(
      "SELECT max(seq) FILTER (WHERE kind IN ('checkpoint', 'prune')) AS cp, min(seq) AS first FROM audit_records WHERE account = $1",
      [account],
    )
  ).rows[0];
  return {
    seq: h.seq,
    hash: h.hash,
    checkpoints: h.checkpoints,
    sinceCheckpoint: sinceCheckpoint(h.seq, marks?.cp ?? null, marks?.first ?? null),
  };
}

async function insertRows(c: PgClient, account: string, rows: readonly ChainedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof ChainedRow>(k: K): ChainedRow[K][] => rows.map((r) => r[k]);
  await c.query(INSERT, [
    account,
    col("seq"),
    col("time"),
    col("kind"),
    col("function"),
    col("rule"),
    col("symbol"),
    col("timeframe"),
    col("bar_time"),
    col("context_digest"),
    col("context"),
    col("action"),
    col("reasoning"),
    col("duration_ms"),
    col("payload"),
    col("prev_hash"),
    col("hash"),
  ]);
}

/** Deletes the records older than `before` (a prefix) and appends the `prune` record, inside the open transaction. */
async function prune(
  c: PgClient,
  account: string,
  head: ChainedHead,
  before: number,
  now: number,
  key: HmacKey | undefined,
): Promise<ChainedHead> {
  const keep = (
    await c.query<{ seq: number }>(
      "SELECT seq FROM audit_records WHERE account = $1 AND time >= $2 ORDER BY seq LIMIT 1",
      [account, before],
    )
  ).rows[0];
  const through = keep ? keep.seq - 1 : head.seq;
  const last = (
    await c.query<{ seq: number; hash: string }>(
      "SELECT seq, hash FROM audit_records WHERE account = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1",
      [account, through],
    )
  ).rows[0];
  if (!last) return head;
  await c.query("SELECT set_config('tradeplan.pruning', '1', true)");
  const deleted = (await c.query("DELETE FROM audit_records WHERE account = $1 AND seq <= $2", [account, last.seq]))
    .rowCount;
  await c.query("SELECT set_config('tradeplan.pruning', '', true)");
  const p = pruneRecord(head, last, deleted ?? 0, now, key);
  await insertRows(c, account, [p.row]);
  return p.head;
}
