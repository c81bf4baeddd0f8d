import { issueLines } from "@tradeplan/core/internal";
import { z } from "zod";
import { AuditError, toAuditError } from "./errors.js";
import { dbLabel, requireJournal, type SqliteDatabase } from "./schema.js";

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 hex digits");

/**
 * An external anchor: the journal's chain head (seq, hash, checkpoint count
 * and, with a key, the head's HMAC) at one moment, printed by `tradeplan
 * audit anchor` to be kept outside the database (another machine, a ticket,
 * an e-mail). Verifying with it proves the journal still contains that
 * record and has not been rolled back before it, which no signature inside
 * the file can prove: an older copy of the file carries valid signatures of
 * its own, older head.
 */
export const AuditAnchorSchema = z
  .object({
    format: z.literal("tradeplan/audit-anchor"),
    version: z.literal(1),
    /** Last seq of the journal when anchored (0: empty). */
    seq: z.number().int().min(0),
    /** Hash of that record. */
    hash: Hex64,
    /** Checkpoints written up to it. */
    checkpoints: z.number().int().min(0),
    /** The head's HMAC signature as stored (null when the journal is written without a key). */
    hmac: Hex64.nullable(),
    /** When the anchor was taken (ISO 8601, UTC); for people, not checked. */
    anchoredAt: z.string(),
  })
  .strict();

export type AuditAnchor = z.infer<typeof AuditAnchorSchema>;

/** The journal's stored head as an anchor. Throws {@link AuditError} when the database holds no journal. */
export function journalAnchor(db: SqliteDatabase, now: number = Date.now()): AuditAnchor {
  requireJournal(db);
  let head: { seq: number; hash: string; checkpoints: number; hmac: string | null } | undefined;
  try {
    head = db.prepare("SELECT seq, hash, checkpoints, hmac FROM audit_head WHERE id = 1").get() as typeof head;
  } catch (e) {
    throw toAuditError(e, "reading the chain head", dbLabel(db));
  }
  if (!head)
    throw new AuditError("AUDIT_HEAD_MISMATCH", `audit journal \`${dbLabel(db)}\` has no chain head row to anchor`);
  return anchorOf(head, now);
}

/** A stored head as an anchor taken at `now`. */
export function anchorOf(
  head: { seq: number; hash: string; checkpoints: number; hmac: string | null },
  now: number,
): AuditAnchor {
  return {
    format: "tradeplan/audit-anchor",
    version: 1,
    seq: head.seq,
    hash: head.hash,
    checkpoints: head.checkpoints,
    hmac: head.hmac,
    anchoredAt: new Date(now).toISOString(),
  };
}

/** Reads an anchor from its JSON text; `AUDIT_BAD_INPUT` says where (`source`) and what is wrong. */
export function parseAnchor(text: string, source: string): AuditAnchor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AuditError(
      "AUDIT_BAD_INPUT",
      `${source} is not an audit anchor: not JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const r = AuditAnchorSchema.safeParse(json);
  if (!r.success)
    throw new AuditError(
      "AUDIT_BAD_INPUT",
      `${source} is not an audit anchor (as printed by \`tradeplan audit anchor\`): ${issueLines(r.error.issues).join("; ")}`,
    );
  return r.data;
}
