import { createHash } from "node:crypto";
import { issueLines } from "@tradeplan/core/internal";
import { z } from "zod";
import { AuditError } from "../audit/errors.js";
import { connectPostgres, type PgClient, toPgAuditError } from "./client.js";
import { requirePgSchema } from "./schema.js";
import { checkAccount, parsePostgresUrl } from "./url.js";

/**
 * The hot standby's tables (docs/scale-out.md): one lease row per account
 * (who may write its chain and send its orders, in which epoch, until when)
 * and the order intents committed in the leader's fenced transactions, one
 * per idempotency key. Created on first use by `--ha` (idempotent), next to
 * the journal's tables, which `tradeplan audit init` creates.
 */
const HA_DDL = `
CREATE TABLE IF NOT EXISTS tradeplan_leases (
  account text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL,
  next_order_id bigint NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS tradeplan_order_intents (
  account text NOT NULL,
  key text NOT NULL,
  order_id bigint NOT NULL,
  epoch bigint NOT NULL,
  holder text NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL,
  quantity double precision NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (account, key)
);
CREATE UNIQUE INDEX IF NOT EXISTS tradeplan_order_intents_order_id ON tradeplan_order_intents (account, order_id);
`;

/** Options of {@link LeaseKeeper.open} (validated). */
export const LeaseOptionsSchema = z
  .object({
    /** The account whose chain, state and orders the lease guards. */
    account: z.string().default("default"),
    /** This process's name in the lease row: unique among the account's processes (default host:pid). */
    holder: z.string().min(1).max(200),
    /** How long a lease lives without a renewal; renewed every third of it. */
    ttlMs: z.number().int().min(300).max(600_000).default(3_000),
    /** Where the URL came from, for messages. */
    where: z.string().default("--ha"),
  })
  .strict();

export type LeaseOptions = z.input<typeof LeaseOptionsSchema>;

/** An order intent: what the leader decided to send, written in the fenced transaction before it is sent. */
export interface OrderIntent {
  /** The idempotency key: the client order id (plan version, rule, symbol, timeframe, bar close time), IB's `orderRef`. */
  readonly key: string;
  readonly symbol: string;
  readonly side: string;
  readonly quantity: number;
}

/** What the store's commit transaction needs from the lease: the fence, and the intents' rows. */
export interface CommitFence {
  /** The application name the fenced connections carry (a takeover terminates the old holder's). */
  readonly applicationName: string;
  /** `idle_in_transaction_session_timeout` for the fenced connections: below the TTL. */
  readonly idleInTransactionMs: number;
  /**
   * Run first in every commit transaction: checks the lease (holder, epoch,
   * not expired) and locks its row against a takeover until the commit ends;
   * allocates `count` order ids and returns the first. Throws
   * `AUDIT_LEASE_LOST` when this process may no longer write.
   */
  check(client: PgClient, count: number): Promise<number>;
  /** Inserts the intents (ids from {@link check}); a key already there fails the transaction (`AUDIT_LEASE_LOST`). */
  insertIntents(client: PgClient, intents: readonly OrderIntent[], firstOrderId: number): Promise<void>;
}

/** What {@link LeaseKeeper.tryAcquire} took over. */
export interface Acquired {
  readonly epoch: number;
  /** The holder before, if any (its connections were terminated). */
  readonly previous: string | undefined;
  /** How many of the previous holder's connections were terminated. */
  readonly terminated: number;
}

/** The application name of a holder's connections: a digest, since PostgreSQL keeps 63 bytes of it. */
export function haApplicationName(account: string, holder: string): string {
  return `tradeplan ha ${createHash("sha256").update(`${account}\0${holder}`).digest("hex").slice(0, 24)}`;
}

/**
 * The lease of one account in PostgreSQL: taken by one process at a time
 * (the leader), renewed every TTL/3, taken over by another once it expired.
 *
 * The leader may write the account's chain and send its orders only while
 * {@link holding} says so: locally, until TTL after the start of its last
 * successful renewal (the server's expiry is later than that, so the
 * leader stops before any standby can start), and in PostgreSQL, by
 * {@link fence} in every commit. A renewal that fails, finds the epoch
 * moved, or is still unanswered when the local lease runs out loses the
 * lease for good: `onLost` is called once, and this keeper never holds
 * again (the process steps down; a supervisor restarts it as a standby).
 */
export class LeaseKeeper {
  private epochNo = 0;
  /** performance.now() until which the lease is ours locally (0: not the leader). */
  private validUntil = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private renewing = false;
  private lostReason: string | undefined;
  private readonly lostListeners = new Set<(reason: string) => void>();
  private closed = false;

  private constructor(
    private client: PgClient,
    private readonly url: string,
    readonly label: string,
    private readonly options: z.output<typeof LeaseOptionsSchema>,
  ) {}

  /**
   * Connects, checks the journal's tables (`tradeplan audit init`), creates
   * the lease and intent tables when absent. One-line {@link AuditError}s.
   */
  static async open(url: string, options: LeaseOptions): Promise<LeaseKeeper> {
    const parsed = LeaseOptionsSchema.safeParse(options);
    if (!parsed.success)
      throw new AuditError("AUDIT_BAD_INPUT", `invalid lease options: ${issueLines(parsed.error.issues).join("; ")}`);
    const o = parsed.data;
    checkAccount(o.account, "storage.account");
    const target = parsePostgresUrl(url, o.where);
    const client = await LeaseKeeper.connect(url, o);
    try {
      await requirePgSchema(client, target.label);
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext('tradeplan schema'))");
      await client.query(HA_DDL);
      await client.query("COMMIT");
    } catch (e) {
      await client.end().catch(() => undefined);
      throw toPgAuditError(e, "creating the lease tables", target.label);
    }
    return new LeaseKeeper(client, url, `${target.label} (account ${o.account})`, o);
  }

  private static async connect(url: string, o: z.output<typeof LeaseOptionsSchema>): Promise<PgClient> {
    const client = await connectPostgres(parsePostgresUrl(url, o.where), haApplicationName(o.account, o.holder));
    await client.query(`SET idle_in_transaction_session_timeout = ${Math.floor(o.ttlMs / 2)}`);
    return client;
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  get holder(): string {
    return this.options.holder;
  }

  get account(): string {
    return this.options.account;
  }

  /** The epoch held (0 before the first acquisition). */
  get epoch(): number {
    return this.epochNo;
  }

  /** Why the lease was lost, once it was. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  /** True while this process may send orders: the lease was taken and its local validity has not run out. */
  holding(): boolean {
    return this.lostReason === undefined && this.validUntil > performance.now();
  }

  /** Calls `listener` once when the lease is lost (at once if it already was). */
  onLost(listener: (reason: string) => void): () => void {
    if (this.lostReason !== undefined) listener(this.lostReason);
    else this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /**
   * Takes the lease if nobody holds it or its holder let it expire: the
   * epoch moves on and the previous holder's connections are terminated
   * (a frozen leader's transaction dies with them, its advisory lock on the
   * account is released). Returns undefined while another holder's lease is
   * live. Starts the renewals on success. A lost connection is reopened.
   */
  async tryAcquire(): Promise<Acquired | undefined> {
    if (this.lostReason !== undefined) throw new AuditError("AUDIT_LEASE_LOST", this.lostReason);
    const c = await this.connection();
    const started = performance.now();
    const ttl = this.options.ttlMs;
    try {
      await c.query("BEGIN");
      const row = (
        await c.query<{ holder: string; epoch: number; expired: boolean }>(
          "SELECT holder, epoch, expires_at < clock_timestamp() AS expired FROM tradeplan_leases WHERE account = $1 FOR UPDATE",
          [this.options.account],
        )
      ).rows[0];
      if (row && !row.expired) {
        await c.query("ROLLBACK");
        return undefined;
      }
      const epoch = (row?.epoch ?? 0) + 1;
      await c.query(
        `INSERT INTO tradeplan_leases (account, holder, epoch, expires_at, acquired_at)
           VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 millisecond', clock_timestamp())
         ON CONFLICT (account) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch,
           expires_at = excluded.expires_at, acquired_at = excluded.acquired_at`,
        [this.options.account, this.options.holder, epoch, ttl],
      );
      await c.query("COMMIT");
      let terminated = 0;
      if (row) {
        const t = await c.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
          [haApplicationName(this.options.account, row.holder)],
        );
        terminated = t.rowCount ?? 0;
      }
      this.epochNo = epoch;
      this.validUntil = started + ttl - ttl / 10;
      this.startRenewing();
      return { epoch, previous: row?.holder, terminated };
    } catch (e) {
      await c.query("ROLLBACK").catch(() => undefined);
      await this.dropConnection();
      throw toPgAuditError(e, "taking the lease", this.label);
    }
  }

  /** The fence the store's commit transactions run (holder and epoch of the lease now held). */
  fence(): CommitFence {
    const { account, holder, ttlMs } = this.options;
    const label = this.label;
    return {
      applicationName: haApplicationName(account, holder),
      idleInTransactionMs: Math.floor(ttlMs / 2),
      check: async (client, count) => {
        const epoch = this.epochNo;
        const r = await client.query<{ first: number }>(
          `UPDATE tradeplan_leases SET next_order_id = next_order_id + $4
           WHERE account = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()
           RETURNING next_order_id - $4 AS first`,
          [account, holder, epoch, count],
        );
        const first = r.rows[0]?.first;
        if (first === undefined) {
          const reason = `${label}: the lease of epoch ${epoch} is no longer ${holder}'s (expired or taken over): nothing more is written or sent`;
          this.lose(reason);
          throw new AuditError("AUDIT_LEASE_LOST", reason);
        }
        return first;
      },
      insertIntents: async (client, intents, firstOrderId) => {
        if (intents.length === 0) return;
        try {
          await client.query(
            `INSERT INTO tradeplan_order_intents (account, key, order_id, epoch, holder, symbol, side, quantity)
             SELECT $1, k, $2 + o - 1, $3, $4, s, d, q
             FROM unnest($5::text[], $6::text[], $7::text[], $8::float8[]) WITH ORDINALITY AS t(k, s, d, q, o)`,
            [
              account,
              firstOrderId,
              this.epochNo,
              holder,
              intents.map((i) => i.key),
              intents.map((i) => i.symbol),
              intents.map((i) => i.side),
              intents.map((i) => i.quantity),
            ],
          );
        } catch (e) {
          if ((e as { code?: unknown }).code === "23505")
            throw new AuditError(
              "AUDIT_LEASE_LOST",
              `${label}: an order intent with one of these keys (${intents.map((i) => i.key).join(", ")}) was committed already, by an earlier leader: not sent again`,
              { cause: e },
            );
          throw e;
        }
      },
    };
  }

  /** Stops renewing and gives the lease up (expires now) if still held; closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const held = this.holding();
    this.validUntil = 0;
    if (held)
      await this.client
        .query(
          "UPDATE tradeplan_leases SET expires_at = clock_timestamp() WHERE account = $1 AND holder = $2 AND epoch = $3",
          [this.options.account, this.options.holder, this.epochNo],
        )
        .catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }

  private startRenewing(): void {
    const every = Math.max(50, Math.floor(this.options.ttlMs / 3));
    this.timer = setInterval(() => void this.renew(), every);
  }

  private async renew(): Promise<void> {
    if (this.lostReason !== undefined) return;
    if (this.renewing) {
      // The last renewal is still unanswered: past the local validity the lease is gone.
      if (performance.now() >= this.validUntil)
        this.lose(`${this.label}: the lease could not be renewed within its ${this.options.ttlMs} ms (no answer)`);
      return;
    }
    if (performance.now() >= this.validUntil) {
      this.lose(`${this.label}: the lease ran out before it was renewed (the process was paused or starved)`);
      return;
    }
    this.renewing = true;
    const started = performance.now();
    try {
      const r = await this.client.query(
        `UPDATE tradeplan_leases SET expires_at = clock_timestamp() + $4 * interval '1 millisecond'
         WHERE account = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()`,
        [this.options.account, this.options.holder, this.epochNo, this.options.ttlMs],
      );
      if (r.rowCount !== 1)
        this.lose(`${this.label}: the lease of epoch ${this.epochNo} expired or was taken over before its renewal`);
      else if (this.lostReason === undefined) this.validUntil = started + this.options.ttlMs - this.options.ttlMs / 10;
    } catch (e) {
      this.lose(`${this.label}: renewing the lease failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.renewing = false;
    }
  }

  private lose(reason: string): void {
    if (this.lostReason !== undefined) return;
    this.lostReason = reason;
    this.validUntil = 0;
    if (this.timer) clearInterval(this.timer);
    for (const l of [...this.lostListeners]) l(reason);
    this.lostListeners.clear();
  }

  /** The connection, reopened when the last one failed (a server restart while standing by). */
  private async connection(): Promise<PgClient> {
    if (this.broken) {
      this.client = await LeaseKeeper.connect(this.url, this.options);
      this.broken = false;
    }
    return this.client;
  }

  private broken = false;

  private async dropConnection(): Promise<void> {
    this.broken = true;
    await this.client.end().catch(() => undefined);
  }
}
