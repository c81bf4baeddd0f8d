import type { AuditError } from "./errors.js";
import type { AuditEntry } from "./record.js";

/**
 * What the engine sink and the live session need of a journal, whichever
 * store holds it: the SQLite `AuditJournal` writes a flush at once, the
 * PostgreSQL store queues it for an asynchronous commit (docs/scale-out.md).
 */
export interface JournalWriter {
  /** Buffers a record built by trusted code (not validated again: this is on the decision path). */
  enqueue(entry: AuditEntry, keepContext: boolean): void;
  /** Buffers one record, validated (`AUDIT_BAD_INPUT`). */
  append(entry: AuditEntry): void;
  /** Writes (or hands over) the buffered records; throws the journal's failure. */
  flush(): void;
  /** Drops the buffered records unwritten; returns how many. */
  discardPending(): number;
  /** Records buffered for the next flush. */
  readonly pendingCount: number;
  /** The write failure the journal is stuck on, if any. */
  readonly fatalError: AuditError | undefined;
}
