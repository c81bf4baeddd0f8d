import { issueLines } from "@tradeplan/core/internal";
import type { Statement } from "better-sqlite3";
import { z } from "zod";
import { AuditError, toAuditError } from "./errors.js";
import { AUDIT_ENTRY_KINDS, AUDIT_SYSTEM_KINDS, type AuditRow } from "./record.js";
import { dbLabel, requireJournal, type SqliteDatabase } from "./schema.js";

const Name = z.string().trim().min(1).max(200);
const Time = z.number().int();

/** Filters of {@link queryLogs}; every one optional, all must match. */
export const AuditQuerySchema = z
  .object({
    symbol: Name.optional(),
    rule: Name.optional(),
    function: Name.optional(),
    /** `ENTER_LONG`, `EXIT`, `BUY`, `APPROVED`, ... (exact). */
    action: Name.optional(),
    kind: z.enum([...AUDIT_ENTRY_KINDS, ...AUDIT_SYSTEM_KINDS]).optional(),
    /** Bar time (epoch ms) at or after this. Records without a bar time never match a time filter. */
    since: Time.optional(),
    /** Bar time (epoch ms) strictly before this. */
    until: Time.optional(),
    /** Most records returned (default 100, at most 100,000). */
    limit: z.number().int().min(1).max(100_000).default(100),
    /** `desc` (default): the newest first; `asc`: the oldest first. */
    order: z.enum(["asc", "desc"]).default("desc"),
  })
  .strict()
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
    message: "since must be before until",
    path: ["since"],
  });

export type AuditQuery = z.input<typeof AuditQuerySchema>;

/** A record as a query returns it: the stored columns. */
export type AuditQueryRow = AuditRow;

/** Column of each equality filter. */
const EQUALS = [
  ["symbol", "symbol"],
  ["rule", "rule"],
  ["function", "function"],
  ["action", "action"],
  ["kind", "kind"],
] as const;

/** A parsed query (defaults applied). */
export type ParsedAuditQuery = z.output<typeof AuditQuerySchema>;

/** Validates filters; `AUDIT_BAD_INPUT` names the bad one. */
export function parseAuditQuery(filters: AuditQuery): ParsedAuditQuery {
  const parsed = AuditQuerySchema.safeParse(filters);
  if (!parsed.success)
    throw new AuditError("AUDIT_BAD_INPUT", `invalid audit query: ${issueLines(parsed.error.issues).join("; ")}`);
  return parsed.data;
}

/** One condition of a query: `column op value`, `key` naming the filter. */
export interface QueryCondition {
  readonly key: string;
  readonly column: string;
  readonly op: "=" | ">=" | "<";
  readonly value: string | number;
}

/** The conditions a query's filters make, in a fixed order (each store writes them in its own SQL). */
export function queryConditions(q: ParsedAuditQuery): QueryCondition[] {
  const out: QueryCondition[] = [];
  for (const [key, column] of EQUALS) {
    const v = q[key];
    if (v !== undefined) out.push({ key, column, op: "=", value: v });
  }
  if (q.since !== undefined) out.push({ key: "since", column: "bar_time", op: ">=", value: q.since });
  if (q.until !== undefined) out.push({ key: "until", column: "bar_time", op: "<", value: q.until });
  return out;
}

/** Prepared statements per connection and filter shape: a filter set is one SQL text. */
const statements = new WeakMap<SqliteDatabase, Map<string, Statement>>();

/**
 * Records matching every filter, newest first by default. Each equality
 * filter is served by an index on (column, seq), the time range by the
 * bar_time index, so a query over millions of records reads only the rows
 * it returns plus those the other filters reject. Throws {@link AuditError}
 * (`AUDIT_BAD_INPUT` naming the bad filter, `AUDIT_NOT_A_JOURNAL`, ...).
 */
export function queryLogs(db: SqliteDatabase, filters: AuditQuery = {}): AuditQueryRow[] {
  const q = parseAuditQuery(filters);
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: q.limit };
  for (const c of queryConditions(q)) {
    where.push(`${c.column} ${c.op} @${c.key}`);
    params[c.key] = c.value;
  }
  const sql = `SELECT * FROM audit_records${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${q.order === "asc" ? "ASC" : "DESC"} LIMIT @limit`;
  try {
    let cache = statements.get(db);
    if (!cache) {
      requireJournal(db);
      cache = new Map();
      statements.set(db, cache);
    }
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt.all(params) as AuditQueryRow[];
  } catch (e) {
    throw toAuditError(e, "querying records", dbLabel(db));
  }
}
