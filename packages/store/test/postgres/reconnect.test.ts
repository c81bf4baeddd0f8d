import { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../../test/support/postgres.js";
import { PostgresJournalReader } from "../../src/postgres/read.js";
import { PostgresStore } from "../../src/postgres/store.js";
import { tickClock } from "../audit/fixtures.js";
import { pgDatabase } from "./backends.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL reconnect tests skipped: ${missing}`);

/** The PostgreSQL store connecting again after a lost connection, instead of halting. */
describe.skipIf(missing)("the PostgreSQL store after a lost connection", () => {
  const pg = usePostgres();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });
  const open = async (options: Parameters<typeof PostgresStore.open>[1] = {}) => {
    Object.assign(process.env, pg().env);
    const url = await pgDatabase(pg());
    const store = await PostgresStore.open(url, { clock: tickClock(), ...options });
    closers.push(() => store.close());
    return { url, store };
  };
  const batch = (store: PostgresStore, rule: string) => {
    store.append({ kind: "signal", rule });
    store.transaction(() => store.flush());
  };
  const rulesOf = async (url: string) => {
    const r = await PostgresJournalReader.open(url, "default");
    try {
      expect((await r.verify()).ok).toBe(true);
      return (await r.query({ kind: "signal", limit: 1000, order: "asc" })).map((x) => x.rule);
    } finally {
      await r.close();
    }
  };
  const terminate = async (url: string) => {
    const c = new Client({ connectionString: url, password: pg().password });
    await c.connect();
    const r = await c.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'tradeplan run%'",
    );
    await c.end();
    return r.rowCount;
  };

  it("its connection terminated between batches: the next batch reconnects and commits; nothing halts, nothing is written twice", async () => {
    const { url, store } = await open();
    batch(store, "r1");
    await store.drain();
    expect(await terminate(url)).toBe(1);
    batch(store, "r2");
    batch(store, "r3");
    await store.drain();
    expect(store.fatalError).toBeUndefined();
    batch(store, "r4");
    await store.close();
    expect(await rulesOf(url)).toEqual(["r1", "r2", "r3", "r4"]);
  });

  it("the server restarted under a stream of batches: every batch committed once, in order", async () => {
    const { url, store } = await open();
    let n = 0;
    const writing = (async () => {
      while (n < 60) {
        batch(store, `r${++n}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 150));
    pg().restart();
    await writing;
    await store.drain();
    expect(store.fatalError).toBeUndefined();
    await store.close();
    expect(await rulesOf(url)).toEqual(Array.from({ length: 60 }, (_, i) => `r${i + 1}`));
  });

  it("a reconnection that finds the account taken by another process halts the store (AUDIT_BUSY)", async () => {
    const { url, store } = await open({ reconnectMs: 300 });
    batch(store, "r1");
    await store.drain();
    // The account's lock held elsewhere: every reconnection is refused, as a server still away would be.
    const holder = new Client({ connectionString: url, password: pg().password });
    await holder.connect();
    closers.push(() => holder.end());
    await terminate(url);
    await holder.query("SELECT pg_advisory_lock(hashtext('tradeplan account'), hashtext('default'))");
    batch(store, "r2");
    await expect(store.drain()).rejects.toMatchObject({ code: "AUDIT_BUSY" });
    expect(() => batch(store, "r3")).toThrow(/is halted/);
  });
});
