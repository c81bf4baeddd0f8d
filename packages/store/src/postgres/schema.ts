import { AuditError } from "../audit/errors.js";
import { GENESIS_HASH } from "../audit/record.js";
import { connectPostgres, type PgClient, toPgAuditError } from "./client.js";
import { parsePostgresUrl } from "./url.js";

/**
 * Version of the PostgreSQL tables (`tradeplan_meta.schema_version`). A
 * database of another version is refused, never migrated behind the
 * operator's back: `tradeplan audit init` creates the tables.
 */
export const PG_SCHEMA_VERSION = 1;

/**
 * The tables: the audit journal's (as in SQLite, with an `account` column:
 * one hash chain per account, its own head row) and one state snapshot per
 * account. Append-only as in SQLite: a trigger refuses UPDATE and DELETE on
 * the records unless the transaction set `tradeplan.pruning` (retention);
 * a guard against mistakes, not attackers: the chain detects tampering.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS tradeplan_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_records (
  account text NOT NULL,
  seq bigint NOT NULL,
  time bigint NOT NULL,
  kind text NOT NULL,
  function text,
  rule text,
  symbol text,
  timeframe text,
  bar_time bigint,
  context_digest text,
  context text,
  action text,
  reasoning text,
  duration_ms double precision,
  payload text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (account, seq)
);
CREATE INDEX IF NOT EXISTS audit_records_symbol ON audit_records (account, symbol, seq);
CREATE INDEX IF NOT EXISTS audit_records_rule ON audit_records (account, rule, seq);
CREATE INDEX IF NOT EXISTS audit_records_function ON audit_records (account, function, seq);
CREATE INDEX IF NOT EXISTS audit_records_action ON audit_records (account, action, seq);
CREATE INDEX IF NOT EXISTS audit_records_kind ON audit_records (account, kind, seq);
CREATE INDEX IF NOT EXISTS audit_records_bar_time ON audit_records (account, bar_time);
CREATE INDEX IF NOT EXISTS audit_records_hash ON audit_records (account, hash);
CREATE TABLE IF NOT EXISTS audit_head (
  account text PRIMARY KEY,
  seq bigint NOT NULL,
  hash text NOT NULL,
  checkpoints bigint NOT NULL,
  hmac text
);
CREATE TABLE IF NOT EXISTS state_snapshots (
  account text PRIMARY KEY,
  saved_at bigint NOT NULL,
  state text NOT NULL
);
CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('tradeplan.pruning', true) = '1' THEN RETURN OLD; END IF;
  RAISE EXCEPTION 'audit_records is append-only%', CASE WHEN TG_OP = 'DELETE' THEN '; use prune()' ELSE '' END;
END $$;
DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records;
CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
`;

/**
 * Creates the tables (idempotent, one transaction, serialised with an
 * advisory lock so that two `init`s at once do not race). Refuses a
 * database holding another version's tables.
 */
export async function createPgSchema(client: PgClient, label: string): Promise<"created" | "present"> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('tradeplan schema'))");
    const version = await storedVersion(client);
    if (version !== undefined) {
      await client.query("ROLLBACK");
      checkVersion(version, label);
      return "present";
    }
    await client.query(DDL);
    await client.query("INSERT INTO tradeplan_meta (key, value) VALUES ('schema_version', $1), ('created_at', $2)", [
      String(PG_SCHEMA_VERSION),
      String(Date.now()),
    ]);
    await client.query("COMMIT");
    return "created";
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

/** The stored schema version, or undefined when the database has no tradeplan tables. */
async function storedVersion(client: PgClient): Promise<string | undefined> {
  const t = await client.query<{ present: boolean }>("SELECT to_regclass('tradeplan_meta') IS NOT NULL AS present");
  if (!t.rows[0]?.present) return undefined;
  const r = await client.query<{ value: string }>("SELECT value FROM tradeplan_meta WHERE key = 'schema_version'");
  return r.rows[0]?.value ?? "(none)";
}

function checkVersion(version: string, label: string): void {
  if (version !== String(PG_SCHEMA_VERSION))
    throw new AuditError(
      "AUDIT_SCHEMA_VERSION",
      `${label} has tradeplan tables of schema version ${version}; this tradeplan reads version ${PG_SCHEMA_VERSION}`,
    );
}

/**
 * Checks the database holds our tables at our version: `AUDIT_NOT_A_JOURNAL`
 * (saying to run `tradeplan audit init`) or `AUDIT_SCHEMA_VERSION`.
 */
export async function requirePgSchema(client: PgClient, label: string): Promise<void> {
  const version = await storedVersion(client);
  if (version === undefined)
    throw new AuditError(
      "AUDIT_NOT_A_JOURNAL",
      `${label} has no tradeplan tables: create them once with \`tradeplan audit init ${label}\``,
    );
  checkVersion(version, label);
}

/** Adds the account's head row (seq 0) if it has none. */
export async function ensureHead(client: PgClient, account: string): Promise<void> {
  await client.query(
    "INSERT INTO audit_head (account, seq, hash, checkpoints, hmac) VALUES ($1, 0, $2, 0, NULL) ON CONFLICT (account) DO NOTHING",
    [account, GENESIS_HASH],
  );
}

/**
 * Connects to `url` and creates the tables (`tradeplan audit init`). Throws
 * one-line {@link AuditError}s (the URL, the connection, another version).
 */
export async function initPostgres(
  url: string,
  where: string,
): Promise<{ readonly label: string; readonly created: boolean }> {
  const target = parsePostgresUrl(url, where);
  const client = await connectPostgres(target, "tradeplan audit init");
  try {
    return { label: target.label, created: (await createPgSchema(client, target.label)) === "created" };
  } catch (e) {
    throw toPgAuditError(e, "creating the tables", target.label);
  } finally {
    await client.end().catch(() => undefined);
  }
}
