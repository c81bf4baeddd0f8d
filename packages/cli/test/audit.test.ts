import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuditJournal, openDatabase } from "@tradeplan/store";
import { afterEach, describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const KEY = "cli-test-hmac-key-0123456789";
const T0 = Date.UTC(2024, 0, 2, 14, 30);

const PLAN =
  'plan "cli"\nsymbol TEST\nsession regular\non 1m close above 100 enter long size 10 shares\non 1m close below 99 exit long\n';
const CSV = [
  "Date,Time,Open,High,Low,Close,Volume",
  "2024-01-02,09:30,99,99,99,99,100",
  "2024-01-02,09:31,100.5,100.5,100.5,100.5,100",
  "2024-01-02,09:32,bad,1,1,1,1",
  "2024-01-02,09:33,104,104,104,104,100",
  "2024-01-02,09:34,98,98,98,98,100",
  "2024-01-02,09:35,101,101,101,101,100",
  "",
].join("\n");

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function workdir(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  writeFileSync(join(dir, "p.plan"), PLAN);
  writeFileSync(join(dir, "d.csv"), CSV);
  return dir;
}

/** A journal of 12 signal records in `dir/name`. */
function journal(dir: string, name = "a.db", hmacKey?: string): string {
  const file = join(dir, name);
  const j = new AuditJournal(file, hmacKey === undefined ? {} : { hmacKey, checkpointEvery: 5 });
  for (let i = 0; i < 12; i++)
    j.append({
      kind: i % 3 === 2 ? "order" : "signal",
      symbol: i % 2 === 0 ? "AAPL" : "MSFT",
      rule: `r${(i % 2) + 1}`,
      function: "condition",
      timeframe: "5m",
      barTime: T0 + i * 300_000,
      action: i % 3 === 2 ? "BUY" : "ENTER_LONG",
      reasoning: `reason ${i}`,
      payload: { i },
    });
  j.close();
  return file;
}

function tamper(file: string, sql: string): void {
  const db = openDatabase(file);
  db.exec("DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete;");
  db.exec(sql);
  db.close();
}

describe("tradeplan audit verify", () => {
  it("exits 0 on an intact journal", async () => {
    const dir = workdir();
    journal(dir);
    const r = await cli(["audit", "verify", "a.db"], dir);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out).toBe(
      "audit journal `a.db`: OK, 12 records (seq 1..12), 0 checkpoints; signatures not checked (no --hmac-key-env)\n",
    );
  });

  it("exits 1 and names the first bad record when tampered", async () => {
    const dir = workdir();
    const file = journal(dir);
    tamper(file, "UPDATE audit_records SET action = 'EXIT' WHERE seq = 5");
    const r = await cli(["audit", "verify", "a.db"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain("TAMPERED");
    expect(r.out).toContain("AUDIT_MODIFIED at seq 5: record 5 was modified");
    expect(r.out).toContain("records up to seq 4 verified");
  });

  it("--format json prints the report", async () => {
    const dir = workdir();
    const file = journal(dir);
    tamper(file, "DELETE FROM audit_records WHERE seq > 9");
    const r = await cli(["audit", "verify", "a.db", "--format", "json"], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      file: "a.db",
      ok: false,
      problem: { code: "AUDIT_TRUNCATED", from: 10, to: 12 },
    });
  });

  it("checks signatures with --hmac-key-env", async () => {
    const dir = workdir();
    journal(dir, "a.db", KEY);
    const ok = await cli(["audit", "verify", "a.db", "--hmac-key-env", "AUDIT_KEY"], dir, { env: { AUDIT_KEY: KEY } });
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("signatures checked");
    const wrong = await cli(["audit", "verify", "a.db", "--hmac-key-env", "AUDIT_KEY"], dir, {
      env: { AUDIT_KEY: "a-different-key-of-some-length" },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain("AUDIT_REWRITTEN");
  });

  it("uses $TRADEPLAN_AUDIT_DB when no file is given", async () => {
    const dir = workdir();
    journal(dir, "env.db");
    expect((await cli(["audit", "verify"], dir, { env: { TRADEPLAN_AUDIT_DB: "env.db" } })).code).toBe(0);
  });

  it("exits 2 for usage problems", async () => {
    const dir = workdir();
    journal(dir);
    const missing = await cli(["audit", "verify", "nope.db"], dir);
    expect(missing).toMatchObject({ code: 2, err: "error: `nope.db`: no such file or directory\n" });
    const notDb = await cli(["audit", "verify", "p.plan"], dir);
    expect(notDb.code).toBe(2);
    expect(notDb.err).toContain("is not a valid database");
    const dirArg = await cli(["audit", "verify", "."], dir);
    expect(dirArg.err).toContain("is not a file");
    const unset = await cli(["audit", "verify", "a.db", "--hmac-key-env", "NOPE"], dir);
    expect(unset).toMatchObject({ code: 2, err: "error: --hmac-key-env NOPE: the environment variable is not set\n" });
    const badName = await cli(["audit", "verify", "a.db", "--hmac-key-env", "1-x"], dir);
    expect(badName.err).toContain("invalid --hmac-key-env: must be an environment variable name");
    const short = await cli(["audit", "verify", "a.db", "--hmac-key-env", "K"], dir, { env: { K: "short" } });
    expect(short.code).toBe(2);
    expect(short.err).toContain("at least 16 are needed");
    const empty = openDatabase(join(dir, "empty.db"));
    empty.exec("CREATE TABLE t (x)");
    empty.close();
    const noJournal = await cli(["audit", "verify", "empty.db"], dir);
    expect(noJournal).toMatchObject({
      code: 2,
      err: "error: `empty.db` holds no audit journal (no audit_records table)\n",
    });
    const account = await cli(["audit", "verify", "a.db", "--account", "x"], dir);
    expect(account).toMatchObject({
      code: 2,
      err: "error: --account names a chain of a PostgreSQL journal; an SQLite file holds one chain\n",
    });
    const withPassword = await cli(["audit", "query", "postgres://u:secret@127.0.0.1:1/db"], dir);
    expect(withPassword.code).toBe(2);
    expect(withPassword.err).toMatch(/carries a password; remove it and set PGPASSWORD/);
    expect(withPassword.err).not.toContain("secret");
    const init = await cli(["audit", "init", "a.db"], dir);
    expect(init).toMatchObject({ code: 2 });
    expect(init.err).toContain("is not a postgres:// URL");
  });
});

describe("tradeplan audit anchor and verify --anchor", () => {
  /** Appends `n` more signal records to a signed journal. */
  function extend(file: string, n: number): void {
    const j = new AuditJournal(file, { hmacKey: KEY, checkpointEvery: 5 });
    for (let i = 0; i < n; i++) j.append({ kind: "signal", symbol: "AAPL", reasoning: `later ${i}`, payload: { i } });
    j.close();
  }
  const env = { env: { AUDIT_KEY: KEY } };

  it("a rollback to an older, validly signed copy verifies OK with the key alone, and fails against an anchor", async () => {
    const dir = workdir();
    const file = journal(dir, "a.db", KEY);
    // The older copy an attacker (or a careless restore) puts back later.
    copyFileSync(file, join(dir, "old.db"));
    extend(file, 7);
    const anchored = await cli(["audit", "anchor", "a.db", "--hmac-key-env", "AUDIT_KEY"], dir, env);
    expect(anchored).toMatchObject({ code: 0, err: "" });
    const anchor = JSON.parse(anchored.out);
    expect(anchor).toMatchObject({ format: "tradeplan/audit-anchor", version: 1, seq: 24, checkpoints: 5 });
    expect(anchor.hmac).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, "anchor.json"), anchored.out);
    // Still intact: OK against the anchor, and later records do not disturb it.
    extend(file, 3);
    const ok = await cli(
      ["audit", "verify", "a.db", "--hmac-key-env", "AUDIT_KEY", "--anchor", "anchor.json"],
      dir,
      env,
    );
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.out).toMatch(/OK, 28 records .*; the anchor of .* \(seq 24\) is in the chain/);
    // The rollback: every signature of the old copy is valid.
    copyFileSync(join(dir, "old.db"), file);
    const keyOnly = await cli(["audit", "verify", "a.db", "--hmac-key-env", "AUDIT_KEY"], dir, env);
    expect(keyOnly.code).toBe(0);
    const rolled = await cli(
      ["audit", "verify", "a.db", "--hmac-key-env", "AUDIT_KEY", "--anchor", "anchor.json"],
      dir,
      env,
    );
    expect(rolled.code).toBe(1);
    expect(rolled.out).toContain("TAMPERED");
    expect(rolled.out).toMatch(
      /AUDIT_ROLLED_BACK at seq 16: the journal ends at seq 15, but the anchor taken .* reached seq 24/,
    );
    const json = await cli(["audit", "verify", "a.db", "--anchor", "anchor.json", "--format", "json"], dir);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, problem: { code: "AUDIT_ROLLED_BACK", from: 16, to: 24 } });
  });

  it("another chain in the journal's place fails against the anchor; a forged or broken anchor is a usage error", async () => {
    const dir = workdir();
    journal(dir, "a.db");
    const anchored = await cli(["audit", "anchor", "a.db"], dir);
    expect(anchored.code).toBe(0);
    writeFileSync(join(dir, "anchor.json"), anchored.out);
    // A different journal of the same length, written from scratch.
    const other = new AuditJournal(join(dir, "b.db"), {});
    for (let i = 0; i < 12; i++) other.append({ kind: "signal", reasoning: `other ${i}` });
    other.close();
    const replaced = await cli(["audit", "verify", "b.db", "--anchor", "anchor.json"], dir);
    expect(replaced.code).toBe(1);
    expect(replaced.out).toMatch(/AUDIT_REWRITTEN at seq 12: record 12 is not the one the anchor taken .* names/);
    writeFileSync(join(dir, "bad.json"), '{"format":"tradeplan/audit-anchor","version":1,"seq":-1}');
    const bad = await cli(["audit", "verify", "a.db", "--anchor", "bad.json"], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--anchor `bad.json` is not an audit anchor .*seq/);
    expect((await cli(["audit", "verify", "a.db", "--anchor", "none.json"], dir)).err).toContain(
      "--anchor: cannot read `none.json`",
    );
    // An anchor claiming a signature the key did not make.
    writeFileSync(join(dir, "forged.json"), JSON.stringify({ ...JSON.parse(anchored.out), hmac: "ab".repeat(32) }));
    const forged = await cli(["audit", "verify", "a.db", "--anchor", "forged.json", "--hmac-key-env", "K"], dir, {
      env: { K: KEY },
    });
    expect(forged.code).toBe(2);
    expect(forged.err).toContain("is not signed by this key");
  });

  it("refuses to anchor a journal that does not verify", async () => {
    const dir = workdir();
    const file = journal(dir);
    tamper(file, "UPDATE audit_records SET action = 'EXIT' WHERE seq = 5");
    const r = await cli(["audit", "anchor", "a.db"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^error: no anchor printed: audit journal `a.db`: TAMPERED/);
  });
});

describe("tradeplan audit query", () => {
  it("prints a table of matching records, newest first", async () => {
    const dir = workdir();
    journal(dir);
    const r = await cli(["audit", "query", "a.db", "--symbol", "AAPL", "--action", "BUY"], dir);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^seq\s+bar time \(UTC\)\s+kind\s+symbol\s+tf\s+rule\s+action\s+reasoning$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["9", "3"]);
    expect(lines[1]).toMatch(/^9\s+2024-01-02T15:10:00Z\s+order\s+AAPL\s+5m\s+r1\s+BUY\s+reason 8$/);
  });

  it("filters by rule, function, kind, time and limit; prints JSON", async () => {
    const dir = workdir();
    journal(dir);
    const r = await cli(
      [
        "audit",
        "query",
        "a.db",
        "--rule",
        "r2",
        "--function",
        "condition",
        "--kind",
        "signal",
        "--since",
        "2024-01-02T14:35:00Z",
        "--until",
        String(T0 + 11 * 300_000),
        "--limit",
        "2",
        "--format",
        "json",
      ],
      dir,
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { seq: number; payload: { i: number }; rule: string }[];
    expect(rows.map((x) => x.seq)).toEqual([10, 8]);
    expect(rows[0]?.payload).toEqual({ i: 9 });
  });

  it("says so when nothing matches", async () => {
    const dir = workdir();
    journal(dir);
    expect((await cli(["audit", "query", "a.db", "--symbol", "ZZZ"], dir)).out).toBe("no matching records\n");
  });

  it("rejects bad filters with exit 2", async () => {
    const dir = workdir();
    journal(dir);
    const bad = async (...args: string[]) => (await cli(["audit", "query", "a.db", ...args], dir)).err;
    expect(await bad("--limit", "0")).toContain("invalid --limit: must be at least 1");
    expect(await bad("--limit", "ten")).toContain("invalid --limit: must be a whole number");
    expect(await bad("--since", "yesterday")).toContain("invalid --since: `yesterday` is not an ISO 8601 time");
    expect(await bad("--kind", "bogus")).toContain("invalid --kind");
    expect(await bad("--symbol", " ")).toContain("invalid --symbol: must not be empty");
    expect(await bad("--since", "2024-02-01", "--until", "2024-01-01")).toContain("since must be before until");
    expect(await bad("--format", "xml")).toContain("argument 'xml' is invalid");
  });
});

describe("tradeplan backtest --audit", () => {
  it("records the run in a journal that verifies and can be queried", async () => {
    const dir = workdir();
    const r = await cli(["backtest", "p.plan", "--data", "d.csv", "--audit", "run.db"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("cli on TEST");
    expect(r.err).toMatch(/audit journal `run\.db`: \d+ records/);
    const db = openDatabase(join(dir, "run.db"), { readonly: true });
    const kinds = db.prepare("SELECT kind, count(*) AS n FROM audit_records GROUP BY kind").all() as {
      kind: string;
      n: number;
    }[];
    const n = Object.fromEntries(kinds.map((k) => [k.kind, k.n]));
    expect(n).toMatchObject({ session: 2, bar_rejected: 1, evaluation: 10, signal: 3, order: expect.any(Number) });
    expect(n.fill).toBeGreaterThanOrEqual(2);
    expect(db.prepare("SELECT count(*) FROM audit_records WHERE context IS NOT NULL").pluck().get()).toBe(0);
    db.close();
    expect((await cli(["audit", "verify", "run.db"], dir)).code).toBe(0);
    const q = await cli(["audit", "query", "run.db", "--kind", "signal", "--format", "json"], dir);
    const signals = JSON.parse(q.out) as { action: string; rule: string; function: string }[];
    expect(signals.map((s) => s.action)).toEqual(["ENTER_LONG", "EXIT", "ENTER_LONG"]);
    expect(signals[2]?.rule).toBe("r4");
  });

  it("--include-context stores each decision's context; a second run continues the chain", async () => {
    const dir = workdir();
    expect(
      (await cli(["backtest", "p.plan", "--data", "d.csv", "--audit", "run.db", "--include-context"], dir)).code,
    ).toBe(0);
    expect((await cli(["backtest", "p.plan", "--data", "d.csv", "--audit", "run.db"], dir)).code).toBe(0);
    const db = openDatabase(join(dir, "run.db"), { readonly: true });
    const ctx = db
      .prepare("SELECT context FROM audit_records WHERE kind = 'signal' ORDER BY seq LIMIT 1")
      .pluck()
      .get();
    expect(JSON.parse(String(ctx))).toMatchObject({ symbol: "TEST", bar: { close: 100.5 }, position: { quantity: 0 } });
    expect(db.prepare("SELECT count(*) FROM audit_records WHERE kind = 'session'").pluck().get()).toBe(4);
    db.close();
    expect((await cli(["audit", "verify", "run.db"], dir)).code).toBe(0);
  });

  it("rejects --include-context without --audit, and a file that is not a journal", async () => {
    const dir = workdir();
    const alone = await cli(["backtest", "p.plan", "--data", "d.csv", "--include-context"], dir);
    expect(alone).toMatchObject({ code: 2, err: "error: --include-context needs --audit FILE.db\n" });
    const notDb = await cli(["backtest", "p.plan", "--data", "d.csv", "--audit", "d.csv"], dir);
    expect(notDb.code).toBe(2);
    expect(notDb.err).toContain("--audit: audit journal `d.csv` is not a valid database");
    const noDir = await cli(["backtest", "p.plan", "--data", "d.csv", "--audit", "missing/run.db"], dir);
    expect(noDir.code).toBe(2);
    expect(noDir.err).toContain("--audit: audit journal `missing/run.db` cannot be opened");
  });

  it("refuses to append to a tampered journal", async () => {
    const dir = workdir();
    const file = journal(dir);
    tamper(file, "DELETE FROM audit_records WHERE seq = 12");
    const r = await cli(["backtest", "p.plan", "--data", "d.csv", "--audit", "a.db"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("does not match the last record");
  });
});
