import { canonicalJson } from "@tradeplan/core/internal";
import { checkpointMac, type HmacKey, headMac, pruneMac } from "./hmac.js";
import { type AuditEntry, type AuditKind, type HashedFields, recordHash, sha256Hex } from "./record.js";

/**
 * The chain itself, apart from where it is stored: how a batch of entries
 * becomes numbered, hash-linked rows with their checkpoints, and the signed
 * head after them. The SQLite journal and the PostgreSQL store both write
 * what this computes, so the record format and the chain are one definition.
 */

/** A record waiting to be written: fields as given, serialized when chained. */
export interface PendingRecord {
  readonly time: number;
  readonly entry: AuditEntry;
  readonly keepContext: boolean;
}

/** The chain head as committed. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  /** Checkpoints written so far (the next one's ordinal is this + 1). */
  readonly checkpoints: number;
  /** Records since the last checkpoint (or retention anchor). */
  readonly sinceCheckpoint: number;
}

/** A stored row: the hashed fields, the previous record's hash and its own. */
export type ChainedRow = HashedFields & { prev_hash: string; hash: string };

/** How a batch is chained. */
export interface ChainOptions {
  /** Signs checkpoints and the head. */
  readonly hmacKey?: HmacKey | undefined;
  /** A signed checkpoint after this many records (only with a key). */
  readonly checkpointEvery: number;
  /** Time of a closing checkpoint. */
  readonly now: () => number;
}

/** The head after a chained batch, and its signature as the head row stores it (null without a key). */
export interface ChainedHead extends ChainHead {
  readonly hmac: string | null;
}

/**
 * Numbers and links `batch` after `head`, adding the interval checkpoints
 * due (and a closing one with `forceCheckpoint`), handing each row to `put`
 * in order. Returns the new head with its signature. Pure but for `put`.
 */
export function chainBatch(
  head: ChainHead,
  batch: readonly PendingRecord[],
  forceCheckpoint: boolean,
  options: ChainOptions,
  put: (row: ChainedRow) => void,
): ChainedHead {
  const key = options.hmacKey;
  const every = options.checkpointEvery;
  let { seq, hash, checkpoints, sinceCheckpoint } = head;
  const add = (fields: HashedFields): void => {
    const row: ChainedRow = { ...fields, prev_hash: hash, hash: recordHash(hash, fields) };
    put(row);
    seq = fields.seq;
    hash = row.hash;
  };
  // An interval checkpoint carries the time of the record it follows, so record
  // times stay in seq order and retention (a prefix by time) is not cut short.
  const addCheckpoint = (reason: string, time: number): void => {
    checkpoints++;
    add(
      systemFields(seq + 1, time, "checkpoint", reason, {
        ordinal: checkpoints,
        headSeq: seq,
        headHash: hash,
        hmac: key === undefined ? null : checkpointMac(key, checkpoints, seq, hash),
      }),
    );
    sinceCheckpoint = 0;
  };
  for (const p of batch) {
    add(entryFields(seq + 1, p));
    sinceCheckpoint++;
    if (key !== undefined && sinceCheckpoint >= every) addCheckpoint("interval", p.time);
  }
  if (forceCheckpoint && key !== undefined && sinceCheckpoint > 0) addCheckpoint("close", options.now());
  return {
    seq,
    hash,
    checkpoints,
    sinceCheckpoint,
    hmac: key === undefined ? null : headMac(key, seq, hash, checkpoints),
  };
}

/**
 * The `prune` record appended after deleting records through `last` (the
 * retention anchor verification starts from), and the head after it.
 */
export function pruneRecord(
  head: ChainHead,
  last: { readonly seq: number; readonly hash: string },
  deleted: number,
  time: number,
  key: HmacKey | undefined,
): { readonly row: ChainedRow; readonly head: ChainedHead } {
  const fields = systemFields(head.seq + 1, time, "prune", "retention", {
    prunedThroughSeq: last.seq,
    prunedHeadHash: last.hash,
    pruned: deleted,
    hmac: key === undefined ? null : pruneMac(key, last.seq, last.hash),
  });
  const hash = recordHash(head.hash, fields);
  const cps = head.checkpoints;
  return {
    row: { ...fields, prev_hash: head.hash, hash },
    head: {
      seq: fields.seq,
      hash,
      checkpoints: cps,
      sinceCheckpoint: 0,
      hmac: key === undefined ? null : headMac(key, fields.seq, hash, cps),
    },
  };
}

/**
 * Records since the last checkpoint or retention anchor, from the stored
 * head, the newest such record's seq and the first seq still stored.
 */
export function sinceCheckpoint(headSeq: number, lastCheckpointSeq: number | null, firstSeq: number | null): number {
  return headSeq - (lastCheckpointSeq ?? (firstSeq === null ? headSeq : firstSeq - 1));
}

/** The stored fields of a caller's record. */
export function entryFields(seq: number, p: PendingRecord): HashedFields {
  const e = p.entry;
  const ctx = e.context === undefined ? null : safeJson(e.context);
  return {
    seq,
    time: p.time,
    kind: e.kind,
    function: e.function ?? null,
    rule: e.rule ?? null,
    symbol: e.symbol ?? null,
    timeframe: e.timeframe ?? null,
    bar_time: e.barTime ?? null,
    context_digest: ctx === null ? null : sha256Hex(ctx),
    context: p.keepContext ? ctx : null,
    action: e.action ?? null,
    reasoning: e.reasoning ?? null,
    duration_ms: e.durationMs ?? null,
    payload: safeJson(e.payload ?? {}),
  };
}

/**
 * Canonical JSON of a value from trusted code; a value that cannot be
 * serialized (a cycle, a BigInt in a function's metadata) is recorded as
 * such rather than failing the whole batch.
 */
function safeJson(v: unknown): string {
  try {
    return canonicalJson(v) ?? "null";
  } catch (e) {
    return canonicalJson({ unserializable: e instanceof Error ? e.message : String(e) });
  }
}

/** The stored fields of a record the journal writes itself. */
function systemFields(seq: number, time: number, kind: AuditKind, reasoning: string, payload: unknown): HashedFields {
  return {
    seq,
    time,
    kind,
    function: null,
    rule: null,
    symbol: null,
    timeframe: null,
    bar_time: null,
    context_digest: null,
    context: null,
    action: null,
    reasoning,
    duration_ms: null,
    payload: canonicalJson(payload),
  };
}
