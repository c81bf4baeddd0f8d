import type Database from "better-sqlite3";

/**
 * How the transaction that held a write ended:
 * - `committed`: the outermost transaction committed; the write is on disk;
 * - `rolled_back`: a transaction holding it was rolled back; the write is gone;
 * - `unknown`: the outermost transaction opened through {@link runTransaction}
 *   ended, but the connection is still inside one opened some other way.
 */
export type TransactionOutcome = "committed" | "rolled_back" | "unknown";

type Settle = (outcome: TransactionOutcome) => void;

/** Per connection, the transactions opened through `runTransaction`, innermost last. */
const open = new WeakMap<Database.Database, Settle[][]>();

/**
 * Per connection, the failure after which SQLite rolled back the whole
 * transaction while levels opened through `runTransaction` were still open.
 */
const lost = new WeakMap<Database.Database, unknown>();

/**
 * Thrown by `runTransaction` inside a transaction SQLite already rolled back
 * (on a full disk, an I/O error or no memory it may undo the whole
 * transaction, not only the failing savepoint). Carries the first failure's
 * SQLite code, so it is reported as that failure was.
 */
export class TransactionLostError extends Error {
  readonly code: string | undefined;
  constructor(first: unknown) {
    const code = (first as { code?: unknown } | null)?.code;
    super(
      `the transaction was rolled back by SQLite after an earlier failure: ${first instanceof Error ? first.message : String(first)}`,
      { cause: first },
    );
    this.name = "TransactionLostError";
    this.code = typeof code === "string" ? code : undefined;
  }
}

/**
 * Runs `fn` in a transaction on `db` (a savepoint when one is already open)
 * and, when it ends, tells the callbacks registered with
 * {@link onTransactionEnd} during it whether their writes were kept.
 *
 * Why: better-sqlite3 turns a nested transaction into a savepoint, and a
 * savepoint that was released is still undone when an enclosing transaction
 * rolls back (a failed state save, a disk that fills at COMMIT). Whatever
 * keeps in memory what it wrote (the audit journal's chain head, the state
 * store's saved order ids) must learn of that rollback, or memory runs ahead
 * of the disk. A released savepoint's callbacks move to the enclosing
 * transaction and are settled when it ends.
 */
export function runTransaction<T>(db: Database.Database, fn: () => T): T {
  let stack = open.get(db);
  if (!stack) {
    stack = [];
    open.set(db, stack);
  }
  // Writing on now would run outside any transaction (each statement committed on its own) while the caller
  // believes it is inside one, beside writes that are already gone: a gap in the audit chain.
  if (stack.length > 0 && !db.inTransaction && lost.has(db)) throw new TransactionLostError(lost.get(db));
  const mine: Settle[] = [];
  stack.push(mine);
  let ok = false;
  try {
    const result = db.transaction(fn)();
    ok = true;
    return result;
  } catch (e) {
    if (stack.length > 1 && !db.inTransaction && !lost.has(db)) lost.set(db, e);
    throw e;
  } finally {
    stack.pop();
    const outer = stack.at(-1);
    if (!ok) settle(mine, "rolled_back");
    else if (outer) outer.push(...mine);
    else settle(mine, db.inTransaction ? "unknown" : "committed");
    if (stack.length === 0) lost.delete(db);
  }
}

/**
 * Registers `callback` with the innermost transaction opened through
 * {@link runTransaction} on `db`; it is called once, when the outcome of
 * that transaction (and of every one enclosing it) is known. Returns false,
 * calling nothing, when no such transaction is open.
 */
export function onTransactionEnd(db: Database.Database, callback: Settle): boolean {
  const current = open.get(db)?.at(-1);
  if (!current) return false;
  current.push(callback);
  return true;
}

/** Newest first: a later write is undone before an earlier one is restored. */
function settle(callbacks: readonly Settle[], outcome: TransactionOutcome): void {
  for (let i = callbacks.length - 1; i >= 0; i--) {
    try {
      callbacks[i]!(outcome);
    } catch {
      // One participant's failure must not keep the others out of step.
    }
  }
}
