import type { VariantResult } from "@tradeplan/core";
import type pg from "pg";
import { decodeResult, encodeResult } from "./job.js";

/**
 * The results of every queued sweep, one row per (sweep, variant index).
 * Writes are upserts on that key, so a job run twice (pg-boss delivers at
 * least once: a worker killed after writing but before completing its job)
 * leaves one row; `writes` counts how often it was written.
 */
export const RESULTS_TABLE = "tradeplan_sweep_results";

const DDL = `
CREATE TABLE IF NOT EXISTS ${RESULTS_TABLE} (
  sweep_id uuid NOT NULL,
  variant_index integer NOT NULL,
  ok boolean NOT NULL,
  result text NOT NULL,
  worker text NOT NULL,
  compute_ms double precision NOT NULL,
  writes integer NOT NULL DEFAULT 1,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sweep_id, variant_index)
)`;

/** Something that runs SQL: a pool or a client. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

/** Creates the results table when missing (idempotent; two processes may race to it). */
export async function ensureResultsTable(db: Queryable): Promise<void> {
  try {
    await db.query(DDL);
  } catch (e) {
    // Two first starts at once: CREATE TABLE IF NOT EXISTS can still collide on the type's name.
    if ((e as { code?: unknown }).code !== "23505") throw e;
  }
}

/** One variant's result as a worker writes it. */
export interface ResultRow {
  readonly result: VariantResult;
  readonly computeMs: number;
}

/** Upserts results of one sweep (one statement for the batch). */
export async function writeResults(db: Queryable, sweep: string, worker: string, rows: readonly ResultRow[]) {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO ${RESULTS_TABLE} (sweep_id, variant_index, ok, result, worker, compute_ms)
     SELECT $1::uuid, i, ok, r, $2, ms FROM unnest($3::int[], $4::bool[], $5::text[], $6::float8[]) AS t(i, ok, r, ms)
     ON CONFLICT (sweep_id, variant_index) DO UPDATE
       SET ok = EXCLUDED.ok, result = EXCLUDED.result, worker = EXCLUDED.worker,
           compute_ms = EXCLUDED.compute_ms, writes = ${RESULTS_TABLE}.writes + 1, written_at = now()`,
    [
      sweep,
      worker,
      rows.map((r) => r.result.index),
      rows.map((r) => r.result.ok),
      rows.map((r) => encodeResult(r.result)),
      rows.map((r) => r.computeMs),
    ],
  );
}

/** A written result with who computed it and how long it took: the coordinator sizes later jobs from it. */
export interface ReadResult {
  readonly result: VariantResult;
  readonly worker: string;
  readonly computeMs: number;
}

/** The results of `sweep` among `indexes` that are written. */
export async function readResults(db: Queryable, sweep: string, indexes: readonly number[]): Promise<ReadResult[]> {
  if (indexes.length === 0) return [];
  const { rows } = await db.query(
    `SELECT result, worker, compute_ms FROM ${RESULTS_TABLE} WHERE sweep_id = $1 AND variant_index = ANY($2::int[])`,
    [sweep, indexes],
  );
  return rows.map((r: { result: string; worker: string; compute_ms: number }) => ({
    result: decodeResult(r.result),
    worker: r.worker,
    computeMs: r.compute_ms,
  }));
}

/** Which of `indexes` already have a result (a retried job skips them). */
export async function writtenIndexes(db: Queryable, sweep: string, indexes: readonly number[]): Promise<Set<number>> {
  const { rows } = await db.query(
    `SELECT variant_index FROM ${RESULTS_TABLE} WHERE sweep_id = $1 AND variant_index = ANY($2::int[])`,
    [sweep, indexes],
  );
  return new Set(rows.map((r: { variant_index: number }) => r.variant_index));
}
