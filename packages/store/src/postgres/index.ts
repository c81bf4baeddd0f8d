export { connectPostgres, type PgClient } from "./client.js";
export {
  type Acquired,
  type CommitFence,
  haApplicationName,
  LeaseKeeper,
  type LeaseOptions,
  LeaseOptionsSchema,
  type OrderIntent,
} from "./lease.js";
export { PostgresJournalReader, pgReader } from "./read.js";
export { createPgSchema, initPostgres, PG_SCHEMA_VERSION, requirePgSchema } from "./schema.js";
export { type Comparison, type Divergence, ShadowComparer, shadowAccountOf } from "./shadow.js";
export { PostgresStore, type PostgresStoreOptions, PostgresStoreOptionsSchema } from "./store.js";
export { ACCOUNT_PATTERN, checkAccount, isPostgresUrl, type PostgresTarget, parsePostgresUrl } from "./url.js";
