import { type AuditAnchor, anchorOf } from "../audit/anchor.js";
import { AuditError } from "../audit/errors.js";
import { type AuditQuery, type AuditQueryRow, parseAuditQuery, queryConditions } from "../audit/query.js";
import type { AsyncJournalReader, StoredHead } from "../audit/reader.js";
import type { AuditRow } from "../audit/record.js";
import { type VerifyOptions, type VerifyReport, verifyJournalAsync } from "../audit/verify.js";
import { connectPostgres, type PgClient, toPgAuditError } from "./client.js";
import { requirePgSchema } from "./schema.js";
import { checkAccount, parsePostgresUrl } from "./url.js";

const COLUMNS =
  "seq, time, kind, function, rule, symbol, timeframe, bar_time, context_digest, context, action, reasoning, duration_ms, payload, prev_hash, hash";

/** The reads verification makes, on one account's chain. */
export function pgReader(client: PgClient, account: string): AsyncJournalReader {
  const rows = async <T extends object>(sql: string, params: unknown[]): Promise<T[]> =>
    (await client.query<T>(sql, [account, ...params])).rows;
  return {
    lastPrune: async () =>
      (
        await rows<AuditRow>(
          `SELECT ${COLUMNS} FROM audit_records WHERE account = $1 AND kind = 'prune' ORDER BY seq DESC LIMIT 1`,
          [],
        )
      )[0],
    page: (after, limit) =>
      rows<AuditRow>(`SELECT ${COLUMNS} FROM audit_records WHERE account = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [
        after,
        limit,
      ]),
    seqOfHash: async (hash) =>
      (await rows<{ seq: number }>("SELECT seq FROM audit_records WHERE account = $1 AND hash = $2 LIMIT 1", [hash]))[0]
        ?.seq,
    next: async (seq) =>
      (
        await rows<AuditRow>(
          `SELECT ${COLUMNS} FROM audit_records WHERE account = $1 AND seq > $2 ORDER BY seq LIMIT 1`,
          [seq],
        )
      )[0],
    head: async () =>
      (await rows<StoredHead>("SELECT seq, hash, checkpoints, hmac FROM audit_head WHERE account = $1", []))[0],
    hashAt: async (seq) =>
      (await rows<{ hash: string }>("SELECT hash FROM audit_records WHERE account = $1 AND seq = $2", [seq]))[0]?.hash,
  };
}

/** A read-only view of one account's journal on a server (`audit verify`, `audit query`, `audit anchor`). */
export class PostgresJournalReader {
  private constructor(
    private readonly client: PgClient,
    /** The account whose chain is read. */
    readonly account: string,
    /** `postgres://user@host:port/db (account NAME)`, for messages. */
    readonly label: string,
  ) {}

  /**
   * Connects and checks the tables. Throws one-line {@link AuditError}s:
   * `AUDIT_BAD_INPUT` (the URL, the account), `AUDIT_CANTOPEN`,
   * `AUDIT_NOT_A_JOURNAL` (no tables, or no chain for the account),
   * `AUDIT_SCHEMA_VERSION`.
   */
  static async open(url: string, account: string, where = "the connection string"): Promise<PostgresJournalReader> {
    const target = parsePostgresUrl(url, where);
    checkAccount(account, "--account");
    const client = await connectPostgres(target, "tradeplan audit");
    try {
      await requirePgSchema(client, target.label);
      const label = `${target.label} (account ${account})`;
      const head = await client.query("SELECT 1 FROM audit_head WHERE account = $1", [account]);
      if (head.rowCount === 0) {
        const known = await client.query<{ account: string }>(
          "SELECT account FROM audit_head ORDER BY account LIMIT 20",
        );
        throw new AuditError(
          "AUDIT_NOT_A_JOURNAL",
          `${label} has no audit journal${known.rows.length ? `; accounts there: ${known.rows.map((r) => r.account).join(", ")}` : ""}`,
        );
      }
      return new PostgresJournalReader(client, account, label);
    } catch (e) {
      await client.end().catch(() => undefined);
      throw toPgAuditError(e, "opening it", target.label);
    }
  }

  /** `verifyJournal` on this chain. */
  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    try {
      // One snapshot for the whole walk: a run may be committing batches meanwhile, and a head read after the
      // records would be ahead of them (reported as records removed from the end).
      await this.client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        return await verifyJournalAsync(pgReader(this.client, this.account), options);
      } finally {
        await this.client.query("COMMIT").catch(() => undefined);
      }
    } catch (e) {
      throw toPgAuditError(e, "verifying the chain", this.label);
    }
  }

  /** `queryLogs` on this chain (the same filters; `AUDIT_BAD_INPUT` names a bad one). */
  async query(filters: AuditQuery = {}): Promise<AuditQueryRow[]> {
    const q = parseAuditQuery(filters);
    const where = ["account = $1"];
    const params: (string | number)[] = [this.account];
    for (const c of queryConditions(q)) {
      params.push(c.value);
      where.push(`${c.column} ${c.op} $${params.length}`);
    }
    params.push(q.limit);
    const sql = `SELECT ${COLUMNS} FROM audit_records WHERE ${where.join(" AND ")} ORDER BY seq ${q.order === "asc" ? "ASC" : "DESC"} LIMIT $${params.length}`;
    try {
      return (await this.client.query<AuditQueryRow>(sql, params)).rows;
    } catch (e) {
      throw toPgAuditError(e, "querying records", this.label);
    }
  }

  /** The chain head as an external anchor (`tradeplan audit anchor`). */
  async anchor(now: number = Date.now()): Promise<AuditAnchor> {
    const head = await pgReader(this.client, this.account)
      .head()
      .catch((e: unknown) => {
        throw toPgAuditError(e, "reading the chain head", this.label);
      });
    if (!head) throw new AuditError("AUDIT_HEAD_MISMATCH", `${this.label} has no chain head row to anchor`);
    return anchorOf(head, now);
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
