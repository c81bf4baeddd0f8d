/**
 * The installed `tradeplan` with its audit journal and state in PostgreSQL
 * (issue 18, item 3): `audit init` makes the tables; `run` (a replay) with
 * `storage.database: postgres://...` records exactly the decisions the same
 * replay records in SQLite; `audit verify` and `audit query` read it; an
 * edit made with SQL is found and named by its seq; a restart continues
 * the chain; a bad connection string, an unreachable server, a database
 * without the tables or with another version's are a failed start (exit 2,
 * one line). The server is a throw-away cluster (test/support/postgres.ts);
 * the password travels in PGPASSWORD only.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../support/postgres.js";
import { ROOT, start, tradeplan, workdir, writeFiles } from "./harness.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL e2e tests skipped: ${missing}`);

const PLAN = `plan "postgres"
symbol DEMO

on 1m close crosses above sma(close, 5) enter long size 10 shares
on 1m close crosses below sma(close, 5) exit long
`;

const config = (database: string) =>
  `feed:\n  type: replay\n  replay:\n    file: bars.csv\n    speed: max\nbreaker:\n  enabled: false\nstorage:\n  database: ${database}\n`;

interface Row {
  readonly seq: number;
  readonly kind: string;
  readonly bar_time: number | null;
  readonly rule: string | null;
  readonly action: string | null;
  readonly reasoning: string | null;
  readonly payload: unknown;
}

describe.skipIf(missing)("tradeplan (installed) with the journal and state in PostgreSQL", () => {
  const pg = usePostgres();
  const dir = workdir();
  copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
  writeFiles(dir, { "run.plan": PLAN, "sqlite.yaml": config("run.db") });
  const env = () => ({ ...pg().env });
  const cli = (args: string[]) => tradeplan(args, { cwd: dir, env: env() });

  /** Every decision of a journal (records of the session itself aside), oldest first, as `audit query` prints them. */
  async function decisions(db: string, withSeq = true): Promise<string[]> {
    const rows: Row[] = [];
    for (const kind of ["evaluation", "signal", "suppressed", "risk", "order", "fill", "error"]) {
      const r = await cli(["audit", "query", db, "--kind", kind, "--limit", "100000", "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      rows.push(...(JSON.parse(r.stdout) as Row[]));
    }
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map(
        (r) =>
          `${withSeq ? `${r.seq} ` : ""}${r.kind} ${r.bar_time} ${r.rule} ${r.action} ${r.reasoning} ${JSON.stringify(r.payload)}`,
      );
  }

  it("runs a replay into PostgreSQL: the same decisions as in SQLite, a chain that verifies and continues", async () => {
    const url = pg().createDatabase("e2e");
    writeFiles(dir, { "pg.yaml": config(url) });
    const init = await cli(["audit", "init", url]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain("tables created");
    expect((await cli(["audit", "init", url])).stdout).toContain("tables already there");

    const onPg = await cli(["run", "run.plan", "--config", "pg.yaml"]);
    expect(onPg.code, onPg.stderr).toBe(0);
    expect(onPg.stderr).toContain(`database postgres://tradeplan@127.0.0.1:${pg().port}/`);
    const onSqlite = await cli(["run", "run.plan", "--config", "sqlite.yaml"]);
    expect(onSqlite.code, onSqlite.stderr).toBe(0);
    const expected = await decisions("run.db");
    expect(expected.filter((d) => d.includes(" order ")).length).toBeGreaterThan(4);
    expect(await decisions(url)).toEqual(expected);
    expect(JSON.parse(onPg.stdout).account).toEqual(JSON.parse(onSqlite.stdout).account);

    const verify = await cli(["audit", "verify", url]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/\(account default\)`: OK, \d+ records/);

    // A restart on the same account continues from the saved state and the chain's head.
    const again = await cli(["run", "run.plan", "--config", "pg.yaml"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("restoring saved state");
    const after = await cli(["audit", "verify", url, "--format", "json"]);
    expect(after.code, after.stdout).toBe(0);
    const before = Number(/(\d+) records/.exec(verify.stdout)?.[1]);
    expect(JSON.parse(after.stdout).records).toBeGreaterThan(before);
  });

  it("kill -9 mid-replay, restarted each time: the chain verifies after every kill and ends with a clean run's decisions", async () => {
    const clean = pg().createDatabase("clean");
    const crashed = pg().createDatabase("crashed");
    writeFiles(dir, { "clean.yaml": config(clean), "crashed.yaml": config(crashed) });
    for (const url of [clean, crashed]) expect((await cli(["audit", "init", url])).code).toBe(0);
    const t0 = performance.now();
    const first = await cli(["run", "run.plan", "--config", "clean.yaml"]);
    expect(first.code, first.stderr).toBe(0);
    const runMs = performance.now() - t0;
    const expected = await decisions(clean, false);
    // Kills spread over the replay (seeded, so a failure is reproducible): early, middle, late.
    let kills = 0;
    for (const share of [0.25, 0.5, 0.75]) {
      const p = start(["run", "run.plan", "--config", "crashed.yaml"], { cwd: dir, env: env() });
      await p.waitFor(/session ACTIVE/, 60_000).catch(() => undefined);
      const timer = setTimeout(() => p.child.kill("SIGKILL"), share * runMs * 0.5);
      const out = await p.done;
      clearTimeout(timer);
      if (out.signal === "SIGKILL") kills++;
      else expect(out.code, out.stderr).toBe(0);
      const verify = await cli(["audit", "verify", crashed]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
    expect(kills).toBeGreaterThan(0);
    const last = await cli(["run", "run.plan", "--config", "crashed.yaml"]);
    expect(last.code, last.stderr).toBe(0);
    expect(await decisions(crashed, false)).toEqual(expected);
    expect(JSON.parse(last.stdout).account).toEqual(JSON.parse(first.stdout).account);
  });

  it("an edit made with SQL is found by `audit verify`, which names its seq (exit 1)", async () => {
    const url = pg().createDatabase("tamper");
    writeFiles(dir, { "tamper.yaml": config(url) });
    expect((await cli(["audit", "init", url])).code).toBe(0);
    const run = await cli(["run", "run.plan", "--config", "tamper.yaml"]);
    expect(run.code, run.stderr).toBe(0);
    const db = url.split("/").at(-1) as string;
    pg().psql(db, "DROP TRIGGER audit_records_append_only ON audit_records");
    pg().psql(db, "UPDATE audit_records SET action = 'ENTER_SHORT' WHERE seq = 42");
    const verify = await cli(["audit", "verify", url]);
    expect(verify.code, verify.stderr).toBe(1);
    expect(verify.stdout).toContain("TAMPERED");
    expect(verify.stdout).toContain("AUDIT_MODIFIED at seq 42: record 42 was modified");
  });

  it("a failed start says in one line what to fix (exit 2)", async () => {
    const bare = pg().createDatabase("bare");
    const old = pg().createDatabase("old");
    expect((await cli(["audit", "init", old])).code).toBe(0);
    pg().psql(old.split("/").at(-1) as string, "UPDATE tradeplan_meta SET value = '7' WHERE key = 'schema_version'");
    const cases: [string, RegExp][] = [
      [bare, /has no tradeplan tables: create them once with `tradeplan audit init postgres:\/\/tradeplan@/],
      [old, /has tradeplan tables of schema version 7; this tradeplan reads version 1/],
      [`postgres://tradeplan:hunter2@127.0.0.1:${pg().port}/x`, /carries a password; remove it and set PGPASSWORD/],
      ["postgres://tradeplan@127.0.0.1:1/x", /connection refused \(is the server running/],
      [pg().url("missing"), /database "missing" does not exist/],
    ];
    for (const [database, message] of cases) {
      writeFiles(dir, { "bad.yaml": config(database) });
      const r = await cli(["run", "run.plan", "--config", "bad.yaml"]);
      expect(r.code, `${database}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines.at(-1), r.stderr).toMatch(message);
      expect(r.stderr).not.toContain("hunter2");
    }
    const noPassword = await tradeplan(["audit", "verify", bare], { cwd: dir, env: { PGPASSWORD: "wrong" } });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/authentication failed.*PGPASSWORD/);
  });
});
