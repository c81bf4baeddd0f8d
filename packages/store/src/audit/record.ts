import { hash } from "node:crypto";
import { z } from "zod";

/** Kinds of records callers append. */
export const AUDIT_ENTRY_KINDS = [
  "evaluation",
  "signal",
  "suppressed",
  "risk",
  "order",
  "fill",
  "error",
  "bar_rejected",
  "session",
] as const;

/** Kinds the journal writes itself: signed chain-head checkpoints and retention anchors. */
export const AUDIT_SYSTEM_KINDS = ["checkpoint", "prune"] as const;

export type AuditEntryKind = (typeof AUDIT_ENTRY_KINDS)[number];
export type AuditKind = AuditEntryKind | (typeof AUDIT_SYSTEM_KINDS)[number];

/** `prev_hash` of the first record of a journal. */
export const GENESIS_HASH = "0".repeat(64);

const Name = z.string().min(1).max(200);

/** One record as a caller hands it to `AuditJournal.append` (validated). */
export const AuditEntrySchema = z
  .object({
    kind: z.enum(AUDIT_ENTRY_KINDS),
    /** Record time (epoch ms); default: the journal's clock when appended. */
    time: z.number().int().nonnegative().optional(),
    /** Execution function name (`close_threshold`). */
    function: Name.optional(),
    /** Rule id (`r3`). */
    rule: Name.optional(),
    symbol: Name.optional(),
    timeframe: Name.optional(),
    /** Close time of the bar the record is about (epoch ms). */
    barTime: z.number().int().optional(),
    /** What the decision saw; always digested, stored only when the journal keeps contexts. */
    context: z.unknown().optional(),
    /** `ENTER_LONG`, `BUY`, `REJECTED`, ... */
    action: z.string().max(100).optional(),
    reasoning: z.string().max(100_000).optional(),
    durationMs: z.number().nonnegative().finite().optional(),
    /** Everything else about the record (any JSON value). */
    payload: z.unknown().optional(),
  })
  .strict();

export type AuditEntry = z.input<typeof AuditEntrySchema>;

/** A record as stored (column values; JSON columns as canonical JSON text). */
export interface AuditRow {
  readonly seq: number;
  readonly time: number;
  readonly kind: string;
  readonly function: string | null;
  readonly rule: string | null;
  readonly symbol: string | null;
  readonly timeframe: string | null;
  readonly bar_time: number | null;
  readonly context_digest: string | null;
  readonly context: string | null;
  readonly action: string | null;
  readonly reasoning: string | null;
  readonly duration_ms: number | null;
  readonly payload: string;
  readonly prev_hash: string;
  readonly hash: string;
}

/** The hashed fields of a row: every column but `prev_hash` (prefixed instead) and `hash`. */
export type HashedFields = Omit<AuditRow, "prev_hash" | "hash">;

/** Hex SHA-256 of a string (UTF-8). */
export function sha256Hex(text: string): string {
  // The one-shot hash: a Hash object per record was a tenth of a live commit's time.
  return hash("sha256", text, "hex");
}

/**
 * The canonical JSON a record's hash covers: its fields with sorted keys,
 * `null` for absent values, JSON columns as their stored text. Verification
 * recomputes it from the stored columns, so it must depend on nothing else.
 */
export function hashedJson(f: HashedFields): string {
  // Keys written in sorted order: JSON.stringify keeps insertion order, so this
  // is exactly canonicalJson(fields) without its per-key replacer (the hot path
  // of every flush; a test pins the equality).
  return JSON.stringify({
    action: f.action,
    barTime: f.bar_time,
    context: f.context,
    contextDigest: f.context_digest,
    durationMs: f.duration_ms,
    function: f.function,
    kind: f.kind,
    payload: f.payload,
    reasoning: f.reasoning,
    rule: f.rule,
    seq: f.seq,
    symbol: f.symbol,
    time: f.time,
    timeframe: f.timeframe,
  });
}

/** `hash = SHA-256(prev_hash + canonical JSON of the record's fields)`, hex. */
export function recordHash(prevHash: string, f: HashedFields): string {
  return hash("sha256", prevHash + hashedJson(f), "hex");
}
