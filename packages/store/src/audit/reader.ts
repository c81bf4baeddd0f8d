import type { Statement } from "better-sqlite3";
import type { AuditRow } from "./record.js";
import type { SqliteDatabase } from "./schema.js";

/** The stored chain head row. */
export interface StoredHead {
  readonly seq: number;
  readonly hash: string;
  readonly checkpoints: number;
  readonly hmac: string | null;
}

/**
 * What verification reads from a journal, whatever stores it. SQLite
 * answers at once (better-sqlite3 is synchronous), PostgreSQL with promises
 * ({@link AsyncJournalReader}); the walk in `verify.ts` is written once, as
 * steps that name these reads (see {@link Steps}), and run by either.
 */
export interface JournalReader {
  /** The newest `prune` record (the retention anchor), if any. */
  lastPrune(): AuditRow | undefined;
  /** Up to `limit` records with seq greater than `after`, in seq order. */
  page(after: number, limit: number): AuditRow[];
  /** The seq of a record with this hash, if any. */
  seqOfHash(hash: string): number | undefined;
  /** The first record after `seq`. */
  next(seq: number): AuditRow | undefined;
  /** The stored head, or undefined when its row was removed. */
  head(): StoredHead | undefined;
  /** The hash of the record at `seq`, if there is one. */
  hashAt(seq: number): string | undefined;
}

/** A {@link JournalReader} whose reads return promises. */
export type AsyncJournalReader = {
  readonly [K in keyof JournalReader]: (...args: Parameters<JournalReader[K]>) => Promise<ReturnType<JournalReader[K]>>;
};

/** One read, as a step asks for it. */
export type Read = { [K in keyof JournalReader]: { op: K; args: Parameters<JournalReader[K]> } }[keyof JournalReader];

/**
 * A computation that reads a journal: a generator yielding {@link Read}s
 * and given back their results, returning `T`. Sans I/O, so one definition
 * serves a synchronous and an asynchronous store.
 */
export type Steps<T> = Generator<Read, T, unknown>;

/** A step reading `op` (use with `yield*`). */
export function* read<K extends keyof JournalReader>(
  op: K,
  ...args: Parameters<JournalReader[K]>
): Generator<Read, ReturnType<JournalReader[K]>, unknown> {
  // The driver answers each read with its reader's result for that very op.
  return (yield { op, args } as Read) as ReturnType<JournalReader[K]>;
}

function call(reader: JournalReader | AsyncJournalReader, r: Read): unknown {
  const f = reader[r.op] as (...args: unknown[]) => unknown;
  return f.apply(reader, r.args);
}

/** Runs `steps` against a synchronous store. */
export function runSync<T>(steps: Steps<T>, reader: JournalReader): T {
  let next = steps.next();
  while (!next.done) next = steps.next(call(reader, next.value));
  return next.value;
}

/** Runs `steps` against an asynchronous store. */
export async function runAsync<T>(steps: Steps<T>, reader: AsyncJournalReader): Promise<T> {
  let next = steps.next();
  while (!next.done) next = steps.next(await call(reader, next.value));
  return next.value;
}

/** The reads on an SQLite journal (statements prepared once per reader). */
export function sqliteReader(db: SqliteDatabase): JournalReader {
  const cache = new Map<string, Statement>();
  const q = (sql: string): Statement => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  return {
    lastPrune: () =>
      q("SELECT * FROM audit_records WHERE kind = 'prune' ORDER BY seq DESC LIMIT 1").get() as AuditRow | undefined,
    page: (after, limit) =>
      q("SELECT * FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?").all(after, limit) as AuditRow[],
    seqOfHash: (hash) =>
      (q("SELECT seq FROM audit_records WHERE hash = ? LIMIT 1").get(hash) as { seq: number } | undefined)?.seq,
    next: (seq) => q("SELECT * FROM audit_records WHERE seq > ? ORDER BY seq LIMIT 1").get(seq) as AuditRow | undefined,
    head: () => q("SELECT seq, hash, checkpoints, hmac FROM audit_head WHERE id = 1").get() as StoredHead | undefined,
    hashAt: (seq) => (q("SELECT hash FROM audit_records WHERE seq = ?").get(seq) as { hash: string } | undefined)?.hash,
  };
}
