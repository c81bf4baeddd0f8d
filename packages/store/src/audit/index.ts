export { type AuditAnchor, AuditAnchorSchema, journalAnchor, parseAnchor } from "./anchor.js";
export { type ChainedRow, type ChainHead, chainBatch, entryFields, type PendingRecord } from "./chain.js";
export { AuditError, type AuditErrorCode } from "./errors.js";
export { type HmacKey, MIN_HMAC_KEY_BYTES } from "./hmac.js";
export { AuditJournal, type AuditJournalOptions, AuditJournalOptionsSchema, type PruneResult } from "./journal.js";
export {
  type AuditQuery,
  type AuditQueryRow,
  AuditQuerySchema,
  type ParsedAuditQuery,
  parseAuditQuery,
  type QueryCondition,
  queryConditions,
  queryLogs,
} from "./query.js";
export { type AsyncJournalReader, type JournalReader, type StoredHead, sqliteReader } from "./reader.js";
export {
  AUDIT_ENTRY_KINDS,
  AUDIT_SYSTEM_KINDS,
  type AuditEntry,
  type AuditEntryKind,
  AuditEntrySchema,
  type AuditKind,
  type AuditRow,
  GENESIS_HASH,
  hashedJson,
  recordHash,
} from "./record.js";
export { AUDIT_SCHEMA_VERSION, openDatabase, requireJournal, type SqliteDatabase } from "./schema.js";
export {
  type AuditSink,
  type AuditSinkOptions,
  auditSink,
  type ContextProvider,
  type DecisionEvent,
  engineContext,
  originContext,
} from "./sink.js";
export {
  type AuditProblem,
  type AuditProblemCode,
  type VerifyOptions,
  type VerifyReport,
  verifyJournal,
  verifyJournalAsync,
} from "./verify.js";
export type { JournalWriter } from "./writer.js";
