import Database from "better-sqlite3";
import { Client } from "pg";
import type { PgCluster } from "../../../../test/support/postgres.js";
import type { AuditAnchor } from "../../src/audit/anchor.js";
import { journalAnchor } from "../../src/audit/anchor.js";
import type { AuditJournalOptions } from "../../src/audit/journal.js";
import { type AuditQuery, type AuditQueryRow, queryLogs } from "../../src/audit/query.js";
import type { AuditRow } from "../../src/audit/record.js";
import { type VerifyOptions, type VerifyReport, verifyJournal } from "../../src/audit/verify.js";
import { connectPostgres } from "../../src/postgres/client.js";
import { PostgresJournalReader } from "../../src/postgres/read.js";
import { createPgSchema } from "../../src/postgres/schema.js";
import { PostgresStore } from "../../src/postgres/store.js";
import { parsePostgresUrl } from "../../src/postgres/url.js";
import { journalPath, tickClock, writeJournal } from "../audit/fixtures.js";

/** How the journal tests reach a store: the same behaviour is checked on SQLite and on PostgreSQL. */
export interface JournalBackend {
  readonly name: string;
  /** A fresh journal holding `n` signal records (as `writeJournal` writes them), closed. */
  write(n: number, options?: Pick<AuditJournalOptions, "hmacKey" | "checkpointEvery">): Promise<void>;
  /** Runs SQL on the journal written last (`?` placeholders), as an attacker would; returns the rows changed. */
  sql(statement: string, ...params: (string | number)[]): Promise<number>;
  /** Drops the append-only guards (as an attacker would). */
  unguard(): Promise<void>;
  row(seq: number): Promise<AuditRow>;
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  query(filters?: AuditQuery): Promise<AuditQueryRow[]>;
  anchor(): Promise<AuditAnchor>;
  close(): Promise<void>;
}

/** The SQLite journal (`writeJournal` of the audit fixtures). */
export function sqliteBackend(): JournalBackend {
  let file = "";
  let db: Database.Database | undefined;
  const conn = () => {
    db ??= new Database(file);
    return db;
  };
  return {
    name: "SQLite",
    write: async (n, options = {}) => {
      db?.close();
      db = undefined;
      file = journalPath();
      writeJournal(file, n, options);
    },
    sql: async (statement, ...params) =>
      conn()
        .prepare(statement)
        .run(...params).changes,
    unguard: async () => {
      conn().exec("DROP TRIGGER IF EXISTS audit_records_no_update; DROP TRIGGER IF EXISTS audit_records_no_delete;");
    },
    row: async (seq) => conn().prepare("SELECT * FROM audit_records WHERE seq = ?").get(seq) as AuditRow,
    verify: async (options) => verifyJournal(conn(), options),
    query: async (filters) => queryLogs(conn(), filters),
    anchor: async () => journalAnchor(conn()),
    close: async () => {
      db?.close();
      db = undefined;
    },
  };
}

/** Writes `n` records as `writeJournal` does, into a PostgreSQL store. */
export async function writePg(
  url: string,
  n: number,
  options: Pick<AuditJournalOptions, "hmacKey" | "checkpointEvery"> & { account?: string } = {},
): Promise<void> {
  const store = await PostgresStore.open(url, { clock: tickClock(), ...options });
  for (let i = 0; i < n; i++) store.append(signal(i));
  await store.close();
}

/** The i-th record `writeJournal` writes. */
export function signal(i: number) {
  return {
    kind: "signal" as const,
    symbol: i % 2 === 0 ? "AAPL" : "MSFT",
    rule: `r${(i % 3) + 1}`,
    function: "close_threshold",
    timeframe: "5m",
    barTime: Date.UTC(2024, 0, 2, 14, 30) + i * 300_000,
    action: i % 4 === 3 ? "EXIT" : "ENTER_LONG",
    reasoning: `close above 150 (#${i})`,
    payload: { i },
  };
}

/** Creates the tables in a fresh database of the cluster and returns its URL. */
export async function pgDatabase(cluster: PgCluster): Promise<string> {
  const url = cluster.createDatabase("journal");
  const c = await connectPostgres(parsePostgresUrl(url, "test"), "test");
  try {
    await createPgSchema(c, url);
  } finally {
    await c.end();
  }
  return url;
}

/** The PostgreSQL store: a fresh database per journal, the password in PGPASSWORD. */
export function postgresBackend(cluster: () => PgCluster): JournalBackend {
  let url = "";
  let client: Client | undefined;
  let reader: PostgresJournalReader | undefined;
  const admin = async () => {
    if (!client) {
      client = new Client({ connectionString: url, password: cluster().password });
      await client.connect();
    }
    return client;
  };
  const read = async () => {
    reader ??= await PostgresJournalReader.open(url, "default");
    return reader;
  };
  const close = async () => {
    await client?.end();
    await reader?.close();
    client = undefined;
    reader = undefined;
  };
  return {
    name: "PostgreSQL",
    write: async (n, options = {}) => {
      await close();
      Object.assign(process.env, cluster().env);
      url = await pgDatabase(cluster());
      await writePg(url, n, options);
    },
    sql: async (statement, ...params) => {
      let i = 0;
      const r = await (await admin()).query(
        statement.replace(/\?/g, () => `$${++i}`),
        params,
      );
      return r.rowCount ?? 0;
    },
    unguard: async () => {
      await (await admin()).query("DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records");
    },
    row: async (seq) =>
      (await (await read()).query({ order: "asc", limit: 100_000 })).find((r) => r.seq === seq) as AuditRow,
    verify: async (options) => (await read()).verify(options),
    query: async (filters) => (await read()).query(filters),
    anchor: async () => (await read()).anchor(),
    close,
  };
}
