import { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../../test/support/postgres.js";
import { LeaseKeeper } from "../../src/postgres/lease.js";
import { PostgresStore } from "../../src/postgres/store.js";
import { pgDatabase } from "./backends.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL lease tests skipped: ${missing}`);

/** The hot standby's lease and fenced commits (docs/scale-out.md), against a real server. */
describe.skipIf(missing)("the lease of an account (--ha)", () => {
  const pg = usePostgres();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });
  const admin = async (url: string) => {
    const c = new Client({ connectionString: url, password: pg().password });
    await c.connect();
    closers.push(() => c.end());
    return c;
  };
  const keeper = async (url: string, holder: string, ttlMs = 600) => {
    Object.assign(process.env, pg().env);
    const k = await LeaseKeeper.open(url, { account: "acct", holder, ttlMs });
    closers.push(() => k.close());
    return k;
  };
  const store = async (url: string, k: LeaseKeeper) => {
    const s = await PostgresStore.open(url, { account: "acct", fence: k.fence() });
    closers.push(() => s.close());
    return s;
  };
  const db = () => {
    Object.assign(process.env, pg().env);
    return pgDatabase(pg());
  };
  const intent = (key: string) => ({ key, symbol: "AAPL", side: "BUY", quantity: 10 });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("one holder at a time: a live lease is not taken; renewed, it stays; expired, it is taken with the next epoch", async () => {
    const url = await db();
    const a = await keeper(url, "a");
    const b = await keeper(url, "b");
    expect(await a.tryAcquire()).toEqual({ epoch: 1, previous: undefined, terminated: 0 });
    expect(a.holding()).toBe(true);
    // Three TTLs later a's renewals kept it.
    await sleep(1_800);
    expect(await b.tryAcquire()).toBeUndefined();
    expect(a.holding()).toBe(true);
    const sql = await admin(url);
    await sql.query("UPDATE tradeplan_leases SET expires_at = clock_timestamp() - interval '1 second'");
    const took = await b.tryAcquire();
    expect(took).toMatchObject({ epoch: 2, previous: "a" });
    // a's next renewal finds the epoch moved: lost, at once and for good.
    await sleep(400);
    expect(a.holding()).toBe(false);
    expect(a.lost).toMatch(/epoch 1|renewing the lease failed/);
  });

  it("a commit writes its intents with order ids in the fenced transaction; a key committed before is refused, nothing of its batch written", async () => {
    const url = await db();
    const a = await keeper(url, "a");
    await a.tryAcquire();
    const s = await store(url, a);
    const first = s.addIntent(intent("h:r1:AAPL:1m:1"));
    const second = s.addIntent(intent("h:r1:AAPL:1m:2"));
    s.append({ kind: "signal", rule: "r1" });
    s.transaction(() => s.flush());
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
    const sql = await admin(url);
    const rows = (await sql.query("SELECT key, order_id, epoch, holder FROM tradeplan_order_intents ORDER BY order_id"))
      .rows;
    expect(rows).toEqual([
      { key: "h:r1:AAPL:1m:1", order_id: "1", epoch: "1", holder: "a" },
      { key: "h:r1:AAPL:1m:2", order_id: "2", epoch: "1", holder: "a" },
    ]);
    const again = s.addIntent(intent("h:r1:AAPL:1m:2"));
    s.append({ kind: "signal", rule: "r1" });
    s.transaction(() => s.flush());
    await expect(again).rejects.toMatchObject({ code: "AUDIT_LEASE_LOST" });
    expect(s.fatalError?.code).toBe("AUDIT_LEASE_LOST");
    expect((await sql.query("SELECT count(*)::int AS n FROM audit_records")).rows[0].n).toBe(1);
  });

  it("a commit after the lease expired is refused in its transaction (AUDIT_LEASE_LOST), even before anyone took it over", async () => {
    const url = await db();
    const a = await keeper(url, "a", 60_000);
    await a.tryAcquire();
    const s = await store(url, a);
    const sql = await admin(url);
    await sql.query("UPDATE tradeplan_leases SET expires_at = clock_timestamp() - interval '1 second'");
    const intentCommitted = s.addIntent(intent("h:r1:AAPL:1m:5"));
    s.append({ kind: "signal", rule: "r1" });
    s.transaction(() => s.flush());
    await expect(intentCommitted).rejects.toMatchObject({ code: "AUDIT_LEASE_LOST" });
    await expect(s.drain()).rejects.toMatchObject({ code: "AUDIT_LEASE_LOST" });
    expect(a.holding()).toBe(false);
    expect((await sql.query("SELECT count(*)::int AS n FROM tradeplan_order_intents")).rows[0].n).toBe(0);
    expect((await sql.query("SELECT count(*)::int AS n FROM audit_records")).rows[0].n).toBe(0);
  });

  it("a takeover fences the old leader: its connections are terminated, its next commit and its intents fail, the new leader's store opens", async () => {
    const url = await db();
    const a = await keeper(url, "a", 900);
    await a.tryAcquire();
    const sa = await store(url, a);
    sa.append({ kind: "signal", rule: "r1" });
    sa.transaction(() => sa.flush());
    await sa.drain();
    const b = await keeper(url, "b", 900);
    // a freezes: its lease runs out unrenewed (as a SIGSTOP would leave it).
    const sql = await admin(url);
    await sql.query("UPDATE tradeplan_leases SET expires_at = clock_timestamp() - interval '1 second'");
    const took = await b.tryAcquire();
    expect(took?.previous).toBe("a");
    expect(took?.terminated).toBeGreaterThanOrEqual(2);
    // b opens the account: a's advisory lock went with its terminated connection.
    const sb = await store(url, b);
    const late = sa.addIntent(intent("h:r1:AAPL:1m:9"));
    sa.append({ kind: "signal", rule: "r1" });
    sa.transaction(() => sa.flush());
    // Its connection was terminated by the takeover: the commit fails on I/O, and the intent with it.
    await expect(late).rejects.toMatchObject({ code: "AUDIT_IO" });
    expect(sa.fatalError).toBeDefined();
    const ok = sb.addIntent(intent("h:r1:AAPL:1m:10"));
    sb.append({ kind: "signal", rule: "r2" });
    sb.transaction(() => sb.flush());
    await ok;
    const keys = (await sql.query("SELECT key, epoch FROM tradeplan_order_intents")).rows;
    expect(keys).toEqual([{ key: "h:r1:AAPL:1m:10", epoch: "2" }]);
  });

  it("a leader whose renewals go unanswered loses the lease once its local TTL runs out", async () => {
    const url = await db();
    const a = await keeper(url, "a", 600);
    await a.tryAcquire();
    const lost = new Promise<string>((done) => a.onLost(done));
    // Someone holds the lease row locked: the renewal waits, unanswered.
    const sql = await admin(url);
    await sql.query("BEGIN");
    await sql.query("SELECT * FROM tradeplan_leases FOR UPDATE");
    const t0 = performance.now();
    expect(await lost).toMatch(/could not be renewed within its 600 ms|ran out/);
    expect(performance.now() - t0).toBeLessThan(1_200);
    expect(a.holding()).toBe(false);
    await sql.query("ROLLBACK");
  });
});
