import { PaperBroker, RiskValidator } from "@tradeplan/core";
import { Client } from "pg";
import { describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../../test/support/postgres.js";
import { auditSink } from "../../src/audit/sink.js";
import type { SessionState } from "../../src/persistence/store.js";
import { PostgresJournalReader } from "../../src/postgres/read.js";
import { PostgresStore } from "../../src/postgres/store.js";
import { KEY, tickClock } from "../audit/fixtures.js";
import { pgDatabase, signal, writePg } from "./backends.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL store tests skipped: ${missing}`);

const T = Date.UTC(2024, 2, 4, 14, 30);

function stateAt(savedAt: number, seen: string[] = []): SessionState {
  const broker = new PaperBroker({ commissionPerShare: 0.01 });
  const state = broker.exportState();
  return {
    savedAt,
    watermarks: [{ symbol: "X", closeTime: savedAt - 60_000 }],
    streams: [{ symbol: "X", timeframe: "1m", lastClose: savedAt - 60_000, lookback: 20 }],
    broker: { kind: "paper", state: { ...state, seen } },
    risk: new RiskValidator({}).exportState(),
    engines: [{ plan: "abc", functions: [{ symbol: "X", rule: "r3", state: { best: 1.5 } }] }],
    trading: { state: "ACTIVE", reason: "streaming" },
    orderOrigins: [{ clientOrderId: "h:r1:X:1m:1", rule: "r1", timeframe: "1m" }],
  };
}

describe.skipIf(missing)("the PostgreSQL store", () => {
  const pg = usePostgres();
  const admin = async (url: string) => {
    const c = new Client({ connectionString: url, password: pg().password });
    await c.connect();
    return c;
  };
  const env = () => Object.assign(process.env, pg().env);

  it("a failed start says what to fix: bad URL, password in it, unreachable server, no tables, another version", async () => {
    env();
    await expect(PostgresStore.open("postgres://", {})).rejects.toMatchObject({ code: "AUDIT_BAD_INPUT" });
    await expect(PostgresStore.open(`postgres://tradeplan:secret@127.0.0.1:${pg().port}/x`)).rejects.toThrow(
      /carries a password; remove it and set PGPASSWORD or a password file/,
    );
    await expect(PostgresStore.open("postgres://tradeplan@127.0.0.1:1/x")).rejects.toThrow(
      /cannot connect to postgres:\/\/tradeplan@127\.0\.0\.1:1\/x: connection refused \(is the server running/,
    );
    await expect(PostgresStore.open(pg().url("nosuchdb"))).rejects.toThrow(
      /database "nosuchdb" does not exist \(create it/,
    );
    const bare = pg().createDatabase("bare");
    await expect(PostgresStore.open(bare)).rejects.toThrow(
      `has no tradeplan tables: create them once with \`tradeplan audit init ${bare}\``,
    );
    const url = await pgDatabase(pg());
    const c = await admin(url);
    await c.query("UPDATE tradeplan_meta SET value = '9' WHERE key = 'schema_version'");
    await c.end();
    await expect(PostgresStore.open(url)).rejects.toMatchObject({ code: "AUDIT_SCHEMA_VERSION" });
    await expect(PostgresStore.open(url, { account: "no spaces" })).rejects.toMatchObject({ code: "AUDIT_BAD_INPUT" });
  });

  it("a wrong password fails the start with authentication, naming PGPASSWORD", async () => {
    const url = await pgDatabase(pg());
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = "wrong";
    try {
      await expect(PostgresStore.open(url)).rejects.toThrow(/authentication failed.*set PGPASSWORD or a password file/);
    } finally {
      process.env.PGPASSWORD = saved;
    }
  });

  it("one chain per account: two accounts in one database, each verifies and queries alone", async () => {
    env();
    const url = await pgDatabase(pg());
    await writePg(url, 7, { account: "alpha" });
    await writePg(url, 4, { account: "beta" });
    await writePg(url, 3, { account: "alpha" });
    for (const [account, n] of [
      ["alpha", 10],
      ["beta", 4],
    ] as const) {
      const r = await PostgresJournalReader.open(url, account);
      expect(await r.verify()).toMatchObject({ ok: true, records: n, lastSeq: n });
      expect(await r.query({ limit: 1000 })).toHaveLength(n);
      await r.close();
    }
    await expect(PostgresJournalReader.open(url, "gamma")).rejects.toThrow(
      /has no audit journal; accounts there: alpha, beta/,
    );
  });

  it("one writer per account: a second store on the same account is refused at start", async () => {
    env();
    const url = await pgDatabase(pg());
    const first = await PostgresStore.open(url, { account: "a" });
    await expect(PostgresStore.open(url, { account: "a" })).rejects.toMatchObject({ code: "AUDIT_BUSY" });
    const other = await PostgresStore.open(url, { account: "b" });
    await other.close();
    await first.close();
    const again = await PostgresStore.open(url, { account: "a" });
    await again.close();
  });

  it("a batch's records and its state commit together, and reopen where they stopped", async () => {
    env();
    const url = await pgDatabase(pg());
    const store = await PostgresStore.open(url, { clock: tickClock(), hmacKey: KEY, checkpointEvery: 5 });
    expect(store.load()).toBeUndefined();
    for (let batch = 0; batch < 4; batch++)
      store.transaction(() => {
        for (let i = 0; i < 3; i++) store.append(signal(batch * 3 + i));
        store.flush();
        store.save(stateAt(T + batch * 60_000, [`id${batch}`]));
      });
    await store.drain();
    expect(store.headSeq).toBe(14);
    await store.close();
    const again = await PostgresStore.open(url, { hmacKey: KEY, checkpointEvery: 5 });
    expect(again.load()).toEqual(stateAt(T + 3 * 60_000, ["id3"]));
    expect(again.headSeq).toBe(15);
    again.append(signal(12));
    await again.close();
    const r = await PostgresJournalReader.open(url, "default");
    expect(await r.verify({ hmacKey: KEY })).toMatchObject({ ok: true, lastSeq: 17, checkpoints: 4 });
    await r.close();
  });

  it("a failed commit: neither records nor state, reported once, then every batch refused; the chain still verifies", async () => {
    env();
    const url = await pgDatabase(pg());
    const fatal: string[] = [];
    const store = await PostgresStore.open(url, { onFatal: (e) => fatal.push(e.code) });
    store.transaction(() => {
      store.append(signal(0));
      store.flush();
      store.save(stateAt(T));
    });
    await store.drain();
    // Another process moves the head under the writer (what the head's compare-and-set guards against).
    const c = await admin(url);
    await c.query("UPDATE audit_head SET seq = 99");
    store.transaction(() => {
      store.append(signal(1));
      store.flush();
      store.save(stateAt(T + 60_000));
    });
    await expect(store.drain()).rejects.toMatchObject({ code: "AUDIT_HEAD_MISMATCH" });
    expect(fatal).toEqual(["AUDIT_HEAD_MISMATCH"]);
    expect(() => store.transaction(() => undefined)).toThrow(/is halted: .*another process wrote this account/);
    expect(() => store.append(signal(2))).toThrow(/is halted/);
    await expect(store.close()).rejects.toMatchObject({ code: "AUDIT_HEAD_MISMATCH" });
    expect((await c.query("SELECT count(*)::int AS n FROM audit_records")).rows[0].n).toBe(1);
    const saved = (await c.query("SELECT saved_at FROM state_snapshots")).rows[0].saved_at;
    expect(Number(saved)).toBe(T);
    await c.query("UPDATE audit_head SET seq = 1");
    await c.end();
    const r = await PostgresJournalReader.open(url, "default");
    expect((await r.verify()).ok).toBe(true);
    await r.close();
  });

  it("with reconnecting off, a connection dropped under the writer halts it at the next batch; a restart continues the chain", async () => {
    env();
    const url = await pgDatabase(pg());
    const store = await PostgresStore.open(url, { clock: tickClock(), reconnectMs: 0 });
    store.transaction(() => {
      store.append(signal(0));
      store.flush();
      store.save(stateAt(T));
    });
    await store.drain();
    const c = await admin(url);
    await c.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'tradeplan run%'",
    );
    store.transaction(() => {
      store.append(signal(1));
      store.flush();
      store.save(stateAt(T + 60_000));
    });
    await expect(store.drain()).rejects.toMatchObject({ code: "AUDIT_IO" });
    expect(() => store.flush()).toThrow(/is halted/);
    await store.close().catch(() => undefined);
    const again = await PostgresStore.open(url, { clock: tickClock(T + 10) });
    expect(again.load()?.savedAt).toBe(T);
    expect(again.headSeq).toBe(1);
    again.transaction(() => {
      again.append(signal(1));
      again.flush();
      again.save(stateAt(T + 60_000));
    });
    await again.close();
    await c.end();
    const r = await PostgresJournalReader.open(url, "default");
    expect(await r.verify()).toMatchObject({ ok: true, lastSeq: 2 });
    await r.close();
  });

  it("retention: old records pruned, the chain verifies from the prune record; order ids forgotten", async () => {
    env();
    const url = await pgDatabase(pg());
    const store = await PostgresStore.open(url, { clock: tickClock(T), hmacKey: KEY, checkpointEvery: 1000 });
    for (let i = 0; i < 10; i++) store.append(signal(i));
    store.flush();
    store.prune(T + 5);
    store.save(stateAt(T, ["old"]));
    await store.drain();
    store.save(stateAt(T + 100, ["old", "new"]));
    expect(store.pruneOrderIds(T + 50)).toBe(1);
    expect(store.load()?.broker.kind === "paper" && store.load()?.broker).toMatchObject({ state: { seen: ["new"] } });
    await store.close();
    const r = await PostgresJournalReader.open(url, "default");
    const report = await r.verify({ hmacKey: KEY });
    expect(report).toMatchObject({ ok: true, anchor: { seq: 5 }, firstSeq: 6, lastSeq: 11 });
    await r.close();
  });

  it("the engine sink writes into it as into the SQLite journal", async () => {
    env();
    const url = await pgDatabase(pg());
    const store = await PostgresStore.open(url);
    const sink = auditSink(store, { defer: () => undefined });
    sink.emit({ type: "bar_rejected", reason: "stale", file: "f.csv", line: 3, code: "STALE" });
    sink.flush();
    await store.close();
    const r = await PostgresJournalReader.open(url, "default");
    expect((await r.query({ kind: "bar_rejected" }))[0]).toMatchObject({ seq: 1, reasoning: "stale" });
    await r.close();
  });
});
