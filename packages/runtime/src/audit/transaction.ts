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
  const mine: Settle[] = [];
  stack.push(mine);
  let ok = false;
  try {
    const result = db.transaction(fn)();
    ok = true;
    return result;
  } finally {
    stack.pop();
    const outer = stack.at(-1);
    if (!ok) settle(mine, "rolled_back");
    else if (outer) outer.push(...mine);
    else settle(mine, db.inTransaction ? "unknown" : "committed");
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
