import { resolve } from "node:path";
import {
  AUDIT_ENTRY_KINDS,
  AUDIT_SYSTEM_KINDS,
  type AuditAnchor,
  AuditError,
  type AuditQuery,
  type AuditQueryRow,
  initPostgres,
  isPostgresUrl,
  journalAnchor,
  openDatabase,
  PostgresJournalReader,
  parseAnchor,
  queryLogs,
  type VerifyOptions,
  type VerifyReport,
  verifyJournal,
} from "@tradeplan/store";
import { z } from "zod";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { sanitize } from "../render/text.js";
import { displayPath } from "../source.js";
import { DEFAULT_AUDIT_DB } from "./choices.js";
import { parseOptions } from "./shared.js";

export { DEFAULT_AUDIT_DB };

const EnvName = z
  .string()
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/** `--account`: whose chain, on a PostgreSQL journal (several accounts share one database). */
const Account = z.string().trim().min(1, "must name an account").optional();

const VerifyOptionsSchema = z.object({
  hmacKeyEnv: EnvName.optional(),
  account: Account,
  anchor: z.string().trim().min(1, "must name a file printed by `tradeplan audit anchor`").optional(),
  format: z.enum(["pretty", "json"]).default("pretty"),
});

const AnchorOptionsSchema = z.object({
  hmacKeyEnv: EnvName.optional(),
  account: Account,
});

/** A time: epoch milliseconds or an ISO 8601 date/time (`2024-01-02`, `2024-01-02T14:30:00Z`). */
const TimeOption = z
  .string()
  .trim()
  .min(1, "must be a time")
  .transform((s, ctx) => {
    const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isSafeInteger(t)) {
      ctx.addIssue({ code: "custom", message: `\`${s}\` is not an ISO 8601 time or epoch milliseconds` });
      return z.NEVER;
    }
    return t;
  });

const Filter = z.string().trim().min(1, "must not be empty").max(200, "is longer than 200 characters");

const QueryOptionsSchema = z.object({
  account: Account,
  symbol: Filter.optional(),
  rule: Filter.optional(),
  function: Filter.optional(),
  action: Filter.optional(),
  kind: z.enum([...AUDIT_ENTRY_KINDS, ...AUDIT_SYSTEM_KINDS]).optional(),
  since: TimeOption.optional(),
  until: TimeOption.optional(),
  limit: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1, "must be at least 1").max(100_000, "must be at most 100000"))
    .default(100),
  format: z.enum(["table", "json"]).default("table"),
});

export type AuditVerifyCommandOptions = z.input<typeof VerifyOptionsSchema>;
export type AuditAnchorCommandOptions = z.input<typeof AnchorOptionsSchema>;
export type AuditQueryCommandOptions = z.input<typeof QueryOptionsSchema>;

/** A journal opened for reading, in an SQLite file or on a PostgreSQL server. */
interface OpenJournal {
  /** How messages name it: the path as given, or `postgres://user@host:port/db (account NAME)`. */
  readonly shown: string;
  verify(options: VerifyOptions): Promise<VerifyReport>;
  query(filters: AuditQuery): Promise<AuditQueryRow[]>;
  anchor(): Promise<AuditAnchor>;
  close(): Promise<void>;
}

/**
 * Opens a journal read-only: a `postgres://` URL (the account's chain), or
 * a file. A missing file, a server it cannot reach, a database without a
 * journal: a UsageError (exit 2) saying so.
 */
async function openJournal(db: string | undefined, account: string | undefined, io: CliIO): Promise<OpenJournal> {
  const target = db ?? io.env.TRADEPLAN_AUDIT_DB ?? DEFAULT_AUDIT_DB;
  if (isPostgresUrl(target)) return openPostgresJournal(target, account ?? "default");
  if (account !== undefined)
    throw new UsageError("--account names a chain of a PostgreSQL journal; an SQLite file holds one chain");
  const path = resolve(io.cwd, target);
  const shown = displayPath(path, io.cwd);
  const kind = await io.fs.kind(path).catch((e: unknown) => {
    throw new UsageError(`cannot read \`${shown}\`: ${describeFsError(e)}`);
  });
  if (kind === "missing") throw new UsageError(`\`${shown}\`: no such file or directory`);
  if (kind !== "file") throw new UsageError(`\`${shown}\` is not a file`);
  let conn: ReturnType<typeof openDatabase>;
  try {
    conn = openDatabase(path, { readonly: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(path, shown) : String(e));
  }
  // Journal errors become usage errors that show the path as the user wrote it.
  const run = async <T>(f: () => T): Promise<T> => {
    try {
      return f();
    } catch (e) {
      if (e instanceof AuditError) throw new UsageError(e.message.replace(conn.name, shown));
      throw e;
    }
  };
  return {
    shown,
    verify: (options) => run(() => verifyJournal(conn, options)),
    query: (filters) => run(() => queryLogs(conn, filters)),
    anchor: () => run(() => journalAnchor(conn)),
    close: async () => {
      conn.close();
    },
  };
}

/** One account's chain on a PostgreSQL server (the password from PGPASSWORD or the password file). */
async function openPostgresJournal(url: string, account: string): Promise<OpenJournal> {
  const usage = (e: unknown): never => {
    if (e instanceof AuditError) throw new UsageError(e.message);
    throw e;
  };
  const reader = await PostgresJournalReader.open(url, account, "the journal's URL").catch(usage);
  return {
    shown: reader.label,
    verify: (options) => reader.verify(options).catch(usage),
    query: (filters) => reader.query(filters).catch(usage),
    anchor: () => reader.anchor().catch(usage),
    close: () => reader.close(),
  };
}

function renderVerify(r: VerifyReport, shown: string): string {
  const range = r.firstSeq === null ? "no records" : `${r.records} records (seq ${r.firstSeq}..${r.lastSeq})`;
  const signed = r.signaturesChecked ? "signatures checked" : "signatures not checked (no --hmac-key-env)";
  const pruned = r.anchor ? `, pruned through seq ${r.anchor.seq}` : "";
  const a = r.externalAnchor;
  const anchored = a
    ? `; the anchor of ${a.anchoredAt} (seq ${a.seq}) ${a.pruned ? "lies in the pruned part: the chain goes past it" : "is in the chain"}`
    : "";
  if (r.ok)
    return `audit journal \`${shown}\`: OK, ${range}, ${r.checkpoints} checkpoints${pruned}; ${signed}${anchored}\n`;
  const p = r.problem;
  const lines = [
    `audit journal \`${shown}\`: TAMPERED`,
    p ? `  ${p.code} at seq ${p.seq}: ${sanitize(p.message)}` : "",
    r.records > 0
      ? `  records up to seq ${r.lastSeq} verified (${r.records} records)`
      : "  no record before it verified",
    `  ${signed}`,
  ];
  return `${lines.filter((l) => l !== "").join("\n")}\n`;
}

/**
 * `tradeplan audit verify [DB]`: recomputes the hash chain. Exit 0 when
 * intact, 1 when tampered (the first bad record and what is wrong on
 * stdout), 2 for usage problems (missing file, not a journal, key unset).
 */
export async function runAuditVerify(
  db: string | undefined,
  raw: AuditVerifyCommandOptions,
  io: CliIO,
): Promise<number> {
  const options = parseOptions(VerifyOptionsSchema, raw);
  const hmacKey = keyFromEnv(options.hmacKeyEnv, io);
  const anchor = options.anchor === undefined ? undefined : await readAnchorFile(options.anchor, io);
  const journal = await openJournal(db, options.account, io);
  const shown = journal.shown;
  try {
    const report = await journal.verify({
      ...(hmacKey === undefined ? {} : { hmacKey }),
      ...(anchor === undefined ? {} : { anchor }),
    });
    if (options.format === "json") io.stdout.write(`${JSON.stringify({ file: shown, ...report }, null, 2)}\n`);
    else io.stdout.write(renderVerify(report, shown));
    return report.ok ? EXIT.ok : EXIT.problems;
  } finally {
    await journal.close();
  }
}

/** The HMAC key from the environment variable `--hmac-key-env` names; a usage error when it is unset. */
function keyFromEnv(name: string | undefined, io: CliIO): string | undefined {
  if (name === undefined) return undefined;
  const key = io.env[name];
  if (key === undefined || key === "")
    throw new UsageError(`--hmac-key-env ${name}: the environment variable is not set`);
  return key;
}

/** Reads and checks an anchor file (`--anchor`); a missing or malformed one is a usage error. */
async function readAnchorFile(file: string, io: CliIO): Promise<AuditAnchor> {
  const path = resolve(io.cwd, file);
  const shown = displayPath(path, io.cwd);
  let text: string;
  try {
    text = new TextDecoder().decode(await io.fs.readFile(path));
  } catch (e) {
    throw new UsageError(`--anchor: cannot read \`${shown}\`: ${describeFsError(e)}`);
  }
  try {
    return parseAnchor(text, `--anchor \`${shown}\``);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * `tradeplan audit anchor [DB]`: verifies the journal (with the key when
 * given), then prints its chain head as JSON, to be kept somewhere the
 * journal's writer cannot reach. Exit 1 (nothing printed on stdout) when
 * the journal does not verify: an anchor of a tampered journal proves nothing.
 */
export async function runAuditAnchor(
  db: string | undefined,
  raw: AuditAnchorCommandOptions,
  io: CliIO,
): Promise<number> {
  const options = parseOptions(AnchorOptionsSchema, raw);
  const hmacKey = keyFromEnv(options.hmacKeyEnv, io);
  const journal = await openJournal(db, options.account, io);
  try {
    const report = await journal.verify(hmacKey === undefined ? {} : { hmacKey });
    if (!report.ok) {
      io.stderr.write(`error: no anchor printed: ${renderVerify(report, journal.shown)}`);
      return EXIT.problems;
    }
    io.stdout.write(`${JSON.stringify(await journal.anchor(), null, 2)}\n`);
    return EXIT.ok;
  } finally {
    await journal.close();
  }
}

const iso = (t: number | null) => (t === null ? "" : new Date(t).toISOString().replace(".000Z", "Z"));

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Rows as an aligned table; free text is sanitized and shortened. */
function renderTable(rows: readonly AuditQueryRow[]): string {
  if (rows.length === 0) return "no matching records\n";
  const head = ["seq", "bar time (UTC)", "kind", "symbol", "tf", "rule", "action", "reasoning"];
  const cells = rows.map((r) => {
    const reason = sanitize(r.reasoning ?? "").replace(/\s+/g, " ");
    return [
      String(r.seq),
      iso(r.bar_time),
      r.kind,
      r.symbol ?? "",
      r.timeframe ?? "",
      r.rule ?? "",
      r.action ?? "",
      reason.length > 80 ? `${reason.slice(0, 79)}…` : reason,
    ].map(sanitize);
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(head), ...cells.map(line)].join("\n")}\n`;
}

/** `tradeplan audit query [DB]`: records matching the filters, newest first. */
export async function runAuditQuery(db: string | undefined, raw: AuditQueryCommandOptions, io: CliIO): Promise<number> {
  const o = parseOptions(QueryOptionsSchema, raw);
  const journal = await openJournal(db, o.account, io);
  try {
    const rows = await journal.query({
      limit: o.limit,
      ...(o.symbol !== undefined ? { symbol: o.symbol } : {}),
      ...(o.rule !== undefined ? { rule: o.rule } : {}),
      ...(o.function !== undefined ? { function: o.function } : {}),
      ...(o.action !== undefined ? { action: o.action } : {}),
      ...(o.kind !== undefined ? { kind: o.kind } : {}),
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(o.until !== undefined ? { until: o.until } : {}),
    });
    if (o.format === "json") {
      const out = rows.map((r) => ({ ...r, payload: parseJson(r.payload), context: parseJson(r.context) }));
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else io.stdout.write(renderTable(rows));
    return EXIT.ok;
  } finally {
    await journal.close();
  }
}

/**
 * `tradeplan audit init URL`: creates the tables of a PostgreSQL journal
 * and state store (idempotent; another version's tables are refused).
 * `tradeplan run` with `storage.database: postgres://...` refuses a
 * database without them, so the tables are made once, by whoever may.
 */
export async function runAuditInit(url: string, io: CliIO): Promise<number> {
  if (!isPostgresUrl(url))
    throw new UsageError(`\`${url}\` is not a postgres:// URL; an SQLite journal is created by its first writer`);
  try {
    const outcome = await initPostgres(url, "the URL");
    io.stdout.write(`${outcome.label}: ${outcome.created ? "tables created" : "tables already there"}\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof AuditError) throw new UsageError(e.message);
    throw e;
  }
}
