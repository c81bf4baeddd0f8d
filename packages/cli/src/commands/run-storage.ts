import { existsSync, rmSync } from "node:fs";
import {
  AuditJournal,
  type CommitFence,
  type JournalWriter,
  type OrderIntent,
  PostgresStore,
  type SessionStore,
  StateStore,
} from "@tradeplan/store";

/** Where `tradeplan run` keeps its audit journal and its state: an SQLite file or a PostgreSQL account. */
export type StorageTarget =
  | { readonly kind: "sqlite"; readonly path: string; readonly shown: string }
  | { readonly kind: "postgres"; readonly url: string; readonly account: string; readonly where: string };

/** The run's journal and state, whichever store holds them. */
export interface RunStorage {
  /** How messages name it (the file as given, or `postgres://user@host:port/db (account NAME)`). */
  readonly shown: string;
  readonly store: SessionStore & { pruneOrderIds(before: number): number };
  readonly journal: JournalWriter;
  /** With a lease (`--ha`): where the leader's order intents go, committed in its fenced transactions. */
  readonly intents?: { addIntent(intent: OrderIntent): Promise<void> };
  /** Retention: prunes the records older than `before`; how many, when known at once (SQLite), else undefined. */
  prune(before: number): number | undefined;
  /**
   * Writes what the journal still holds (on PostgreSQL: awaits every queued
   * commit) and closes it; throws what could not be written.
   */
  closeJournal(): Promise<void>;
  /** Closes everything, ignoring failures; after a failed start, removes a database file this run created. */
  dispose(started: boolean): Promise<void>;
}

/**
 * Opens the run's storage. SQLite: the state store and the journal on one
 * file, as always. PostgreSQL: one {@link PostgresStore} is both (its
 * batches commit asynchronously, in order; see docs/scale-out.md).
 */
export async function openRunStorage(
  target: StorageTarget,
  hmacKey: string | undefined,
  fence?: CommitFence,
): Promise<RunStorage> {
  if (target.kind === "postgres") {
    const pg = await PostgresStore.open(target.url, {
      account: target.account,
      where: target.where,
      ...(hmacKey ? { hmacKey } : {}),
      ...(fence ? { fence } : {}),
    });
    return {
      shown: pg.label,
      store: pg,
      journal: pg,
      ...(fence ? { intents: pg } : {}),
      prune: (before) => {
        pg.prune(before);
        return undefined;
      },
      closeJournal: () => pg.close(),
      dispose: () => pg.close().catch(() => undefined),
    };
  }
  // A failed start leaves nothing half-written: a database this run created is removed again.
  const created = !existsSync(target.path);
  let store: StateStore | undefined;
  let journal: AuditJournal;
  try {
    // The WAL's checkpoints (a sync of the file) on a thread of their own, off the batches' way.
    store = new StateStore(target.path, { checkpointInBackground: true });
    journal = new AuditJournal(store.db, { ...(hmacKey ? { hmacKey } : {}), synchronous: "normal" });
  } catch (e) {
    store?.close();
    if (created) removeDatabase(target.path);
    throw e;
  }
  const opened = store;
  return {
    shown: target.shown,
    store: opened,
    journal,
    prune: (before) => journal.prune(before).pruned,
    closeJournal: async () => journal.close(),
    dispose: async (started) => {
      try {
        journal.close();
      } finally {
        opened.close();
        if (created && !started) removeDatabase(target.path);
      }
    },
  };
}

/** Removes an SQLite database and its side files (WAL, shared memory, rollback journal). */
function removeDatabase(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${path}${suffix}`, { force: true });
}
