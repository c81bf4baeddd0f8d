import { z } from "zod";
import type { AuditAnchor } from "./anchor.js";
import { AuditError, toAuditError } from "./errors.js";
import { checkpointMac, type HmacKey, headMac, hmacKeyProblem, macMatches, pruneMac } from "./hmac.js";
import { type AsyncJournalReader, read, runAsync, runSync, type Steps, sqliteReader } from "./reader.js";
import { type AuditRow, GENESIS_HASH, recordHash } from "./record.js";
import { dbLabel, requireJournal, type SqliteDatabase } from "./schema.js";

/**
 * Stable codes of what verification finds.
 * - `AUDIT_MODIFIED`: a record's fields no longer match its hash, or a
 *   record was replaced with a recomputed hash (its successor still links
 *   to the original).
 * - `AUDIT_DELETED`: records are missing from the middle or the start.
 * - `AUDIT_REORDERED`: a record sits at another record's position.
 * - `AUDIT_INSERTED`: a record was added that the chain does not contain.
 * - `AUDIT_TRUNCATED`: records are missing at the end (the stored head, or
 *   the signed checkpoint count, says there were more).
 * - `AUDIT_REWRITTEN`: the chain is consistent but a signature (checkpoint,
 *   head, retention anchor) does not match it: records were rewritten with
 *   recomputed hashes by someone without the key.
 * - `AUDIT_UNSIGNED`: a key was given but the journal holds no signatures.
 * - `AUDIT_HEAD_MISSING`: the head row was removed.
 * - `AUDIT_ROLLED_BACK`: the journal ends before the head an external
 *   anchor recorded: an older copy was put back, or the end cut along with
 *   the head row and its signatures.
 */
export type AuditProblemCode =
  | "AUDIT_MODIFIED"
  | "AUDIT_DELETED"
  | "AUDIT_REORDERED"
  | "AUDIT_INSERTED"
  | "AUDIT_TRUNCATED"
  | "AUDIT_REWRITTEN"
  | "AUDIT_UNSIGNED"
  | "AUDIT_HEAD_MISSING"
  | "AUDIT_ROLLED_BACK";

/** The first thing wrong with a journal. */
export interface AuditProblem {
  readonly code: AuditProblemCode;
  /** Seq of the first bad record (for missing records: the first missing seq). */
  readonly seq: number;
  /** The range of seqs concerned, inclusive (`from === to` for one record). */
  readonly from: number;
  readonly to: number;
  readonly message: string;
}

/** The outcome of {@link verifyJournal}. */
export interface VerifyReport {
  readonly ok: boolean;
  /** Records checked (up to the first problem). */
  readonly records: number;
  /** Checkpoint records checked. */
  readonly checkpoints: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** Where the chain starts after retention pruning. */
  readonly anchor: { readonly seq: number; readonly hash: string } | null;
  /** Whether signatures were checked (a key was given). */
  readonly signaturesChecked: boolean;
  /**
   * The external anchor checked (`--anchor`): its seq and when it was taken;
   * `pruned` when retention removed the anchored record (then only the
   * length of the chain is checked against it).
   */
  readonly externalAnchor: { readonly seq: number; readonly anchoredAt: string; readonly pruned: boolean } | null;
  readonly problem: AuditProblem | null;
}

export interface VerifyOptions {
  /** The journal's HMAC key: checks checkpoints, the head and the retention anchor. */
  readonly hmacKey?: HmacKey;
  /**
   * A head recorded outside the journal (`tradeplan audit anchor`): the
   * journal must still contain it. With the key, the anchor's own signature
   * is checked too (`AUDIT_BAD_INPUT` when it is not this key's).
   */
  readonly anchor?: AuditAnchor;
}

/**
 * How far a record's stored seq may be from the seq it was hashed with and
 * still be recognised as moved (reordered, shifted by a deletion or an
 * insertion) rather than modified.
 */
const MAX_SHIFT = 4096;

const CheckpointPayload = z.object({
  ordinal: z.number().int().min(1),
  headSeq: z.number().int().min(0),
  headHash: z.string(),
  hmac: z.string().nullable(),
});

const PrunePayload = z.object({
  prunedThroughSeq: z.number().int().min(1),
  prunedHeadHash: z.string().regex(/^[0-9a-f]{64}$/),
  hmac: z.string().nullable(),
});

function problem(code: AuditProblemCode, from: number, to: number, message: string): AuditProblem {
  return { code, seq: from, from, to, message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const selfHashOk = (r: AuditRow, seq = r.seq): boolean =>
  recordHash(r.prev_hash, seq === r.seq ? r : { ...r, seq }) === r.hash;

/** State of the walk up to the last good record. */
interface Walk {
  /** Seq the next record must have. */
  expected: number;
  /** Hash the next record must link to. */
  prevHash: string;
  /** The last good record. */
  prev: AuditRow | undefined;
  /** Seq and ordinal of the last good checkpoint (or the anchor). */
  lastCheckpointSeq: number;
  lastOrdinal: number | undefined;
  records: number;
  checkpoints: number;
  firstSeq: number | null;
}

/**
 * Recomputes the hash chain of a journal and reports the FIRST bad record
 * and what is wrong with it. Reads the records in seq order once (SHA-256
 * per record); only when something is wrong does it look further to
 * classify it. Throws {@link AuditError} when the database holds no journal
 * or the key is too short.
 */
export function verifyJournal(db: SqliteDatabase, options: VerifyOptions = {}): VerifyReport {
  checkOptions(options);
  requireJournal(db);
  try {
    return runSync(verification(options), sqliteReader(db));
  } catch (e) {
    throw toAuditError(e, "verifying the chain", dbLabel(db));
  }
}

/**
 * {@link verifyJournal} on a store read asynchronously (PostgreSQL): the
 * same walk, the same findings. The caller checks first that the store
 * holds a journal, and maps its own read failures.
 */
export async function verifyJournalAsync(
  reader: AsyncJournalReader,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  checkOptions(options);
  return runAsync(verification(options), reader);
}

/** Refuses a short key, and an anchor signed with another key. */
function checkOptions(options: VerifyOptions): void {
  const key = options.hmacKey;
  if (key !== undefined) {
    const bad = hmacKeyProblem(key);
    if (bad) throw new AuditError("AUDIT_BAD_INPUT", bad);
  }
  const anchor = options.anchor;
  if (
    key !== undefined &&
    anchor?.hmac != null &&
    !macMatches(anchor.hmac, headMac(key, anchor.seq, anchor.hash, anchor.checkpoints))
  )
    throw new AuditError(
      "AUDIT_BAD_INPUT",
      `the anchor (seq ${anchor.seq}, taken ${anchor.anchoredAt}) is not signed by this key: it was not taken from this journal, or was edited`,
    );
}

/** The whole verification, as steps that read the store (see `reader.ts`). */
function* verification(options: VerifyOptions): Steps<VerifyReport> {
  const report = yield* verify(options.hmacKey);
  const anchor = options.anchor;
  if (!anchor || !report.ok) return report;
  return yield* withAnchor(report, anchor);
}

/** Records read per step of the walk. */
const PAGE = 2048;

function* verify(key: HmacKey | undefined): Steps<VerifyReport> {
  const report = (w: Walk, anchor: VerifyReport["anchor"], found: AuditProblem | null): VerifyReport => ({
    ok: found === null,
    records: w.records,
    checkpoints: w.checkpoints,
    firstSeq: w.firstSeq,
    lastSeq: w.prev?.seq ?? null,
    anchor,
    signaturesChecked: key !== undefined,
    externalAnchor: null,
    problem: found,
  });
  const walk: Walk = {
    expected: 1,
    prevHash: GENESIS_HASH,
    prev: undefined,
    lastCheckpointSeq: 0,
    lastOrdinal: undefined,
    records: 0,
    checkpoints: 0,
    firstSeq: null,
  };

  // Retention: the newest prune record says where the remaining chain starts.
  const pruneRow = yield* read("lastPrune");
  let anchor: VerifyReport["anchor"] = null;
  if (pruneRow) {
    const p = PrunePayload.safeParse(parseJson(pruneRow.payload));
    if (!selfHashOk(pruneRow) || !p.success)
      return report(
        walk,
        null,
        problem(
          "AUDIT_MODIFIED",
          pruneRow.seq,
          pruneRow.seq,
          `record ${pruneRow.seq} (retention anchor) was modified: its fields do not match its hash`,
        ),
      );
    if (key !== undefined && !macMatches(p.data.hmac, pruneMac(key, p.data.prunedThroughSeq, p.data.prunedHeadHash)))
      return report(
        walk,
        null,
        problem(
          "AUDIT_REWRITTEN",
          pruneRow.seq,
          pruneRow.seq,
          `record ${pruneRow.seq} (retention anchor) is not signed by this key: the pruned head it names was forged`,
        ),
      );
    anchor = { seq: p.data.prunedThroughSeq, hash: p.data.prunedHeadHash };
    walk.expected = anchor.seq + 1;
    walk.prevHash = anchor.hash;
    walk.lastCheckpointSeq = anchor.seq;
  }

  let bad: AuditRow | undefined;
  let found: AuditProblem | null = null;
  let after = Number.MIN_SAFE_INTEGER;
  scan: for (;;) {
    const page = yield* read("page", after, PAGE);
    for (const r of page) {
      if (anchor && r.seq <= anchor.seq) {
        found = problem(
          "AUDIT_INSERTED",
          r.seq,
          r.seq,
          `record ${r.seq} lies at or before the retention anchor (seq ${anchor.seq}), which pruned everything up to it`,
        );
        break scan;
      }
      if (!(r.seq === walk.expected && r.prev_hash === walk.prevHash && selfHashOk(r))) {
        bad = r;
        break scan;
      }
      if (r.kind === "checkpoint") {
        found = checkCheckpoint(r, walk, key);
        if (found) break scan;
        walk.checkpoints++;
      }
      walk.records++;
      walk.firstSeq ??= r.seq;
      walk.prev = r;
      walk.prevHash = r.hash;
      walk.expected = r.seq + 1;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.seq;
  }
  if (found) return report(walk, anchor, found);
  if (bad) return report(walk, anchor, yield* classify(bad, walk));
  return report(walk, anchor, yield* checkHead(walk, key));
}

/**
 * After a clean walk: the journal must still hold the anchored head. Ending
 * before it is a rollback; a different record at its seq, a replaced chain.
 */
function* withAnchor(report: VerifyReport, anchor: AuditAnchor): Steps<VerifyReport> {
  const lastSeq = report.lastSeq ?? report.anchor?.seq ?? 0;
  const taken = `the anchor taken ${anchor.anchoredAt}`;
  const done = (pruned: boolean, problem: AuditProblem | null): VerifyReport => ({
    ...report,
    ok: problem === null,
    externalAnchor: { seq: anchor.seq, anchoredAt: anchor.anchoredAt, pruned },
    problem,
  });
  if (anchor.seq > lastSeq)
    return done(
      false,
      problem(
        "AUDIT_ROLLED_BACK",
        lastSeq + 1,
        anchor.seq,
        `the journal ends at seq ${lastSeq}, but ${taken} shows it reached seq ${anchor.seq}: it was rolled back (an older copy put back) or records ${lastSeq + 1}..${anchor.seq} were cut with its head`,
      ),
    );
  if (anchor.seq === 0) return done(false, null);
  const retention = report.anchor;
  if (retention && anchor.seq <= retention.seq) {
    if (anchor.seq < retention.seq) return done(true, null);
    return done(
      false,
      retention.hash === anchor.hash
        ? null
        : problem(
            "AUDIT_REWRITTEN",
            anchor.seq,
            lastSeq,
            `the retention anchor at seq ${anchor.seq} is not the record ${taken} names: the journal was replaced by another chain`,
          ),
    );
  }
  if ((yield* read("hashAt", anchor.seq)) === anchor.hash) return done(false, null);
  return done(
    false,
    problem(
      "AUDIT_REWRITTEN",
      anchor.seq,
      lastSeq,
      `record ${anchor.seq} is not the one ${taken} names: the journal from there on is another chain (rewritten, or another journal put in its place)`,
    ),
  );
}

/** A checkpoint must sign the head just before it and follow the previous checkpoint's number. */
function checkCheckpoint(r: AuditRow, w: Walk, key: HmacKey | undefined): AuditProblem | null {
  const span = (why: string) =>
    problem(
      "AUDIT_REWRITTEN",
      w.lastCheckpointSeq + 1,
      r.seq,
      `checkpoint at seq ${r.seq} ${why}: records ${w.lastCheckpointSeq + 1}..${r.seq} were rewritten with recomputed hashes`,
    );
  const p = CheckpointPayload.safeParse(parseJson(r.payload));
  if (!p.success) return span("is malformed");
  const c = p.data;
  if (c.headSeq !== r.seq - 1 || c.headHash !== r.prev_hash) return span("does not name the record before it");
  if (w.lastOrdinal !== undefined && c.ordinal !== w.lastOrdinal + 1)
    return span(`is number ${c.ordinal} after number ${w.lastOrdinal}`);
  if (key !== undefined) {
    if (c.hmac === null)
      return problem(
        "AUDIT_UNSIGNED",
        r.seq,
        r.seq,
        `checkpoint at seq ${r.seq} is not signed; the journal was written without a key`,
      );
    if (!macMatches(c.hmac, checkpointMac(key, c.ordinal, c.headSeq, c.headHash)))
      return span("does not match its HMAC signature");
  }
  w.lastCheckpointSeq = r.seq;
  w.lastOrdinal = c.ordinal;
  return null;
}

/** After a clean walk: the stored head must be the last record, and signed when a key is given. */
function* checkHead(w: Walk, key: HmacKey | undefined): Steps<AuditProblem | null> {
  const lastSeq = w.expected - 1;
  const head = yield* read("head");
  if (!head) return problem("AUDIT_HEAD_MISSING", lastSeq, lastSeq, "the chain head row (audit_head) was deleted");
  if (head.seq > lastSeq)
    return problem(
      "AUDIT_TRUNCATED",
      lastSeq + 1,
      head.seq,
      `records ${lastSeq + 1}..${head.seq} were removed from the end: the chain head says the journal reached seq ${head.seq}`,
    );
  if (head.seq < lastSeq)
    return problem(
      "AUDIT_INSERTED",
      head.seq + 1,
      lastSeq,
      `records ${head.seq + 1}..${lastSeq} were added after the chain head (seq ${head.seq})`,
    );
  if (head.hash !== w.prevHash)
    return problem(
      "AUDIT_REWRITTEN",
      w.lastCheckpointSeq + 1,
      lastSeq,
      `the last record (seq ${lastSeq}) is not the one the chain head recorded: records ${w.lastCheckpointSeq + 1}..${lastSeq} were rewritten`,
    );
  if (key === undefined) return null;
  if (head.hmac === null) {
    if (lastSeq === 0) return null;
    return problem(
      "AUDIT_UNSIGNED",
      lastSeq,
      lastSeq,
      "the chain head is not signed; the journal was written without a key",
    );
  }
  if (macMatches(head.hmac, headMac(key, head.seq, head.hash, head.checkpoints))) {
    if (head.checkpoints === (w.lastOrdinal ?? head.checkpoints)) return null;
  }
  const seen = w.lastOrdinal ?? 0;
  if (seen < head.checkpoints)
    return problem(
      "AUDIT_TRUNCATED",
      lastSeq + 1,
      lastSeq + 1,
      `the end of the journal was cut after seq ${lastSeq}: the signed head counts ${head.checkpoints} checkpoints, the last one present is number ${seen}`,
    );
  return problem(
    "AUDIT_REWRITTEN",
    w.lastCheckpointSeq + 1,
    lastSeq,
    `the chain head's HMAC signature does not match: records ${w.lastCheckpointSeq + 1}..${lastSeq} were rewritten or the end cut`,
  );
}

/** The seq a record was hashed with, when it is not its stored seq (the record was moved). */
function originalSeq(r: AuditRow, hint: number | undefined): number | undefined {
  if (hint !== undefined && hint !== r.seq && hint > 0 && selfHashOk(r, hint)) return hint;
  for (let d = 1; d <= MAX_SHIFT; d++) {
    if (selfHashOk(r, r.seq + d)) return r.seq + d;
    if (r.seq - d > 0 && selfHashOk(r, r.seq - d)) return r.seq - d;
  }
  return undefined;
}

/**
 * Explains why record `r` breaks the chain at the walk's position. The walk
 * stopped at the first record that does not have the expected seq, does not
 * link to the previous record's hash, or does not match its own hash.
 */
function* classify(r: AuditRow, w: Walk): Steps<AuditProblem> {
  const next = yield* read("next", r.seq);
  const E = w.expected;
  const linked = r.prev_hash === w.prevHash;

  if (selfHashOk(r)) {
    if (r.seq > E && !linked)
      return problem(
        "AUDIT_DELETED",
        E,
        r.seq - 1,
        r.seq - 1 === E ? `record ${E} was deleted` : `records ${E}..${r.seq - 1} were deleted`,
      );
    if (!linked && w.prev)
      return problem(
        "AUDIT_MODIFIED",
        w.prev.seq,
        w.prev.seq,
        `record ${w.prev.seq} was replaced: its hash was recomputed, but record ${r.seq} still links to the original`,
      );
    if (!linked)
      return problem(
        "AUDIT_DELETED",
        E,
        r.seq,
        `record ${r.seq}, the first one, does not continue from ${E === 1 ? "the start of the chain" : `the retention anchor (seq ${E - 1})`}: earlier records were deleted`,
      );
    return problem("AUDIT_MODIFIED", r.seq, r.seq, `record ${r.seq} was renumbered (the chain expects seq ${E} here)`);
  }

  const predSeq = yield* read("seqOfHash", r.prev_hash);
  const orig = originalSeq(r, predSeq === undefined ? undefined : predSeq + 1);
  if (orig === undefined) {
    if (next && next.prev_hash === w.prevHash && next.prev_hash !== r.hash)
      return problem(
        "AUDIT_INSERTED",
        r.seq,
        r.seq,
        `record ${r.seq} was inserted: it is not part of the chain (record ${next.seq} links past it)`,
      );
    return problem("AUDIT_MODIFIED", r.seq, r.seq, `record ${r.seq} was modified: its fields do not match its hash`);
  }
  if (orig > r.seq) {
    if (predSeq !== undefined && predSeq > r.seq)
      return problem(
        "AUDIT_REORDERED",
        r.seq,
        r.seq,
        `records were reordered: record ${orig} was moved to seq ${r.seq} (the chain expects record ${E} here)`,
      );
    if (predSeq === undefined)
      return problem(
        "AUDIT_DELETED",
        E,
        orig - 1,
        `${orig - 1 === E ? `record ${E} was` : `records ${E}..${orig - 1} were`} deleted and the later records renumbered (record ${orig} now has seq ${r.seq})`,
      );
  }
  if (orig < r.seq) {
    if (predSeq !== undefined && predSeq < r.seq - 1) {
      const from = predSeq + 1;
      const to = r.seq - 1;
      return problem(
        "AUDIT_INSERTED",
        from,
        to,
        `${from === to ? `record ${from} was` : `records ${from}..${to} were`} inserted: record ${orig} was pushed to seq ${r.seq}`,
      );
    }
    if (predSeq !== undefined && predSeq > r.seq)
      return problem(
        "AUDIT_REORDERED",
        r.seq,
        r.seq,
        `records were reordered: record ${orig} was moved to seq ${r.seq}`,
      );
  }
  return problem("AUDIT_MODIFIED", r.seq, r.seq, `record ${r.seq} was renumbered: it was written as seq ${orig}`);
}
