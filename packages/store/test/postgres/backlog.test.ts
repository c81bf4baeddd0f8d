import { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../../test/support/postgres.js";
import { PostgresJournalReader } from "../../src/postgres/read.js";
import { PostgresStore } from "../../src/postgres/store.js";
import { pgDatabase } from "./backends.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL backlog tests skipped: ${missing}`);

/** The bound on the PostgreSQL store's commit queue (`maxQueued`): a server slower than the decisions. */
describe.skipIf(missing)("the PostgreSQL store's commit queue bound", () => {
  const pg = usePostgres();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });

  it("a stalled server: past maxQueued batches the store refuses new ones (AUDIT_BACKLOG, reported once) and still commits every batch it took", async () => {
    Object.assign(process.env, pg().env);
    const url = await pgDatabase(pg());
    const fatal: string[] = [];
    const store = await PostgresStore.open(url, { maxQueued: 3, maxGroup: 1, onFatal: (e) => fatal.push(e.code) });
    closers.push(() => store.close());
    // The fault: another connection holds the chain head's row, so every commit waits on it.
    const blocker = new Client({ connectionString: url, password: pg().password });
    await blocker.connect();
    closers.push(() => blocker.end());
    await blocker.query("BEGIN");
    await blocker.query("SELECT * FROM audit_head FOR UPDATE");
    const batch = (n: number) => {
      store.append({ kind: "signal", rule: `r${n}` });
      store.transaction(() => store.flush());
    };
    batch(1);
    // The first batch is taken by the committing connection (and waits); three more fill the queue.
    await new Promise((r) => setTimeout(r, 100));
    batch(2);
    batch(3);
    expect(fatal).toEqual([]);
    batch(4);
    expect(store.queued).toBe(3);
    expect(fatal).toEqual(["AUDIT_BACKLOG"]);
    expect(() => batch(5)).toThrow(/halted: .*3 batches wait for the server \(at most 3\)/);
    expect(fatal).toEqual(["AUDIT_BACKLOG"]);
    // The server catches up: the four batches taken are committed, the fifth never was.
    await blocker.query("ROLLBACK");
    await expect(store.close()).rejects.toMatchObject({ code: "AUDIT_BACKLOG" });
    const reader = await PostgresJournalReader.open(url, "default");
    closers.push(() => reader.close());
    const rules = (await reader.query({ kind: "signal", limit: 100, order: "asc" })).map((r) => r.rule);
    expect(rules).toEqual(["r1", "r2", "r3", "r4"]);
    expect((await reader.verify()).ok).toBe(true);
  });
});
