import { CONNECT_TIMEOUT_MS, connectProblem } from "@tradeplan/postgres";
import type { Client, ClientConfig } from "pg";
import { AuditError } from "../audit/errors.js";
import type { PostgresTarget } from "./url.js";

/** An open connection to the server (one per store or reader: the batches of one account commit in order on it). */
export type PgClient = Client;

/** PostgreSQL's type id of `bigint` (seq, times): read as a JavaScript number (seqs and epoch ms are far below 2^53). */
const INT8 = 20;

/**
 * Connects to `target` (`pg`, loaded on first use so that SQLite-only
 * commands never load it). The password comes from `PGPASSWORD` or the
 * password file, never the URL. Failures are one-line {@link AuditError}s:
 * `AUDIT_CANTOPEN` saying what to fix (server not running, wrong host or
 * port, authentication, no such database, TLS).
 */
export async function connectPostgres(target: PostgresTarget, applicationName: string): Promise<PgClient> {
  const pg = await import("pg");
  const Client = pg.default?.Client ?? pg.Client;
  const config: ClientConfig = {
    connectionString: target.url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
  const client = new Client(config);
  // An idle connection the server dropped must not crash the process: the next query reports it.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw new AuditError("AUDIT_CANTOPEN", `cannot connect to ${target.label}: ${connectProblem(e)}`, { cause: e });
  }
  return client;
}

/**
 * Maps a failed statement to an {@link AuditError} naming the server and
 * what was being done; an `AuditError` passes through.
 */
export function toPgAuditError(e: unknown, doing: string, label: string): AuditError {
  if (e instanceof AuditError) return e;
  const code = (e as { code?: unknown }).code;
  const detail = e instanceof Error ? e.message : String(e);
  const where = `audit journal ${label}`;
  if (code === "53100")
    return new AuditError("AUDIT_DISK_FULL", `${where}: the server's disk is full while ${doing} (${detail})`, {
      cause: e,
    });
  if (code === "25006" || code === "42501")
    return new AuditError("AUDIT_READONLY", `${where} cannot be written while ${doing} (${detail})`, { cause: e });
  if (code === "55P03" || code === "40001" || code === "40P01")
    return new AuditError("AUDIT_BUSY", `${where} is locked by another connection while ${doing} (${detail})`, {
      cause: e,
    });
  return new AuditError("AUDIT_IO", `${where}: failed while ${doing}: ${detail}`, { cause: e });
}
