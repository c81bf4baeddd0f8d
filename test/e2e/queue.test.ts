import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../support/postgres.js";
import { LEVELS_PLAN, levelsCsv } from "../support/sweep-fixtures.js";
import { e2eEnv, ROOT, type Running, start, tradeplan, tradeplanBinDir, workdir, writeFiles } from "./harness.js";

/**
 * Distributed sweeps from the installed `tradeplan` (docs/scale-out.md):
 * `data import` writes the bar cache, two `tradeplan worker` processes take
 * the jobs of `optimize --queue`, and the result equals a local
 * `optimize --jobs 1` of the same plan and CSV; bad input exits 2 with one
 * line; the package README's example runs against the installed package.
 */

/** A queued sweep's JSON equals the local one's, but for the data file (the cache instead of the CSV). */
function expectSameSweep(queuedJson: string, localJson: string): void {
  const local = JSON.parse(localJson) as { data: { file: string } };
  const queued = JSON.parse(queuedJson) as { data: { file: string } };
  expect(queued.data.file).toContain("TEST.tpbars");
  expect({ ...queued, data: { ...queued.data, file: local.data.file } }).toEqual(local);
}

const missing = postgresMissing();
if (missing) console.warn(`skipping the queued sweep e2e tests: ${missing}`);

describe.skipIf(missing !== undefined)("tradeplan data import, optimize --queue and tradeplan worker", () => {
  const cluster = usePostgres();
  const dir = workdir("tradeplan-e2e-queue-");
  writeFiles(dir, { "levels.plan": LEVELS_PLAN, "bars.csv": levelsCsv({ badRow: true }) });
  const running: Running[] = [];
  afterAll(() => {
    for (const r of running) r.child.kill("SIGKILL");
  });
  const env = () => ({ ...cluster().env, TRADEPLAN_QUEUE_JOB_SECONDS: "0.02" });
  const worker = (url: string, ...extra: string[]) => {
    const w = start(["worker", "--queue", url, ...extra], { cwd: dir, env: env(), timeoutMs: 180_000 });
    running.push(w);
    return w;
  };
  const LOCAL = ["optimize", "levels.plan", "--format", "json"];
  /** The sweep on this machine from the CSV, `--jobs 1`: its JSON. */
  const localSweep = async () => {
    const r = await tradeplan([...LOCAL, "--data", "bars.csv", "--timestamps", "close", "--jobs", "1"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  /** The same sweep sent to the queue at `url`, from the bar cache: its JSON. */
  const queuedSweep = async (url: string) => {
    const r = await tradeplan([...LOCAL, "--data", "cache/TEST.tpbars", "--queue", url], {
      cwd: dir,
      env: env(),
      timeoutMs: 180_000,
    });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it("imports the CSV once (bad rows shown and counted), and a queued sweep on two workers equals a local one", async () => {
    const imported = await tradeplan(
      [
        "data",
        "import",
        "bars.csv",
        "--out",
        "cache",
        "--symbol",
        "TEST",
        "--timezone",
        "UTC",
        "--timestamps",
        "close",
      ],
      { cwd: dir },
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toBe('bars.csv:489: close "oops" is not a number\n');
    expect(imported.stdout).toMatch(
      /^TEST: 2,880 1m bars \(2,881 rows, 1 rejected\) -> cache\/TEST\.tpbars sha256:[0-9a-f]{12}\n$/,
    );

    const local = await localSweep();

    const url = cluster().createDatabase("e2e");
    const workers = [worker(url), worker(url)];
    await Promise.all(workers.map((w) => w.waitFor(/waiting for jobs/)));
    expectSameSweep(await queuedSweep(url), local);

    for (const w of workers) w.child.kill("SIGTERM");
    const ends = await Promise.all(workers.map((w) => w.done));
    let jobs = 0;
    for (const end of ends) {
      expect(end.code, end.stderr).toBe(0);
      const m = /stopped: (\d+) jobs, (\d+) variants/.exec(end.stderr);
      expect(m, end.stderr).not.toBeNull();
      jobs += Number(m?.[1]);
    }
    // 55 variants in jobs of a few each, shared by both workers.
    expect(jobs).toBeGreaterThan(2);
    expect(ends.every((e) => /stopped: [1-9]\d* jobs/.test(e.stderr))).toBe(true);
  }, 300_000);

  it("runs N worker processes from one `worker --jobs N`, and SIGTERM stops them all cleanly", async () => {
    const local = await localSweep();
    const url = cluster().createDatabase("e2e_jobs");
    const w = worker(url, "--jobs", "2");
    await w.waitFor(/waiting for jobs[\s\S]*waiting for jobs/);
    expectSameSweep(await queuedSweep(url), local);

    w.child.kill("SIGTERM");
    const end = await w.done;
    expect(end.code, end.stderr).toBe(0);
    const stops = [...end.stderr.matchAll(/worker (\d+) stopped: (\d+) jobs/g)];
    // Two processes, each its own pid, and both took jobs of the sweep.
    expect(stops, end.stderr).toHaveLength(2);
    expect(new Set(stops.map((m) => m[1])).size).toBe(2);
    expect(
      stops.every((m) => Number(m[2]) > 0),
      end.stderr,
    ).toBe(true);
    const writers = cluster().psql(
      url.slice(url.lastIndexOf("/") + 1),
      "SELECT count(DISTINCT worker) FROM tradeplan_sweep_results WHERE worker NOT LIKE 'coordinator%'",
    );
    expect(Number(writers.trim())).toBe(2);
  }, 300_000);

  it("refuses bad input with one line and exit 2", async () => {
    const url = cluster().url("postgres");
    const withPassword = url.replace("@", ":secret@");
    const cases: [string[], RegExp][] = [
      [
        [...LOCAL, "--data", "cache/TEST.tpbars", "--queue", withPassword],
        /^error: --queue: the connection string carries a password; remove it and set PGPASSWORD or a password file \(PGPASSFILE, ~\/\.pgpass\)\n$/,
      ],
      [
        [...LOCAL, "--data", "cache/TEST.tpbars", "--queue", "mysql://u@h/db"],
        /^error: --queue: `mysql:` is not postgres:/,
      ],
      [
        [...LOCAL, "--data", "bars.csv", "--timestamps", "close", "--queue", url],
        /^error: --queue: workers read bars from a bar cache, not a CSV: run `tradeplan data import/,
      ],
      [
        [...LOCAL, "--data", "cache/TEST.tpbars", "--queue", `postgres://nobody@127.0.0.1:1/x`],
        /^error: cannot connect to postgres:\/\/nobody@127\.0\.0\.1:1\/x: connection refused/,
      ],
      [[...LOCAL, "--data", "cache/NONE.tpbars"], /^error: cannot read `cache\/NONE\.tpbars`/],
      [["worker", "--queue", withPassword], /^error: --queue: the connection string carries a password/],
      [
        ["worker", "--queue", "postgres://nobody@127.0.0.1:1/x"],
        /^error: cannot connect to postgres:\/\/nobody@127\.0\.0\.1:1\/x/,
      ],
    ];
    for (const [args, expected] of cases) {
      const r = await tradeplan(args, { cwd: dir, env: env() });
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(expected);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    // A damaged cache: one flipped bit in the columns.
    const bytes = readFileSync(join(dir, "cache", "TEST.tpbars"));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(join(dir, "cache", "BAD.tpbars"), bytes);
    const damaged = await tradeplan([...LOCAL, "--data", "cache/BAD.tpbars"], { cwd: dir });
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(
      /^error: bar cache `cache\/BAD\.tpbars`: its columns hash to sha256:[0-9a-f]{12}, its header says sha256:[0-9a-f]{12} \(the file is damaged: import the CSV again\)\n$/,
    );
  }, 120_000);
});

describe("@tradeplan/queue's README example, against the installed package", () => {
  it("writes a bar cache, reads it back checked and runs a variant over it", async () => {
    const project = join(workdir("tradeplan-embed-queue-"), "project");
    mkdirSync(join(project, "embed"), { recursive: true });
    const installed = join(dirname(tradeplanBinDir()), "lib", "node_modules");
    expect(existsSync(join(installed, "@tradeplan", "queue", "package.json"))).toBe(true);
    symlinkSync(installed, join(project, "node_modules"), "dir");
    copyFileSync(join(ROOT, "examples", "embed", "queue-cache.mjs"), join(project, "embed", "queue-cache.mjs"));
    const { stdout } = await promisify(execFile)(process.execPath, ["embed/queue-cache.mjs", "."], {
      cwd: project,
      env: e2eEnv(),
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^DEMO 600 bars sha256:[0-9a-f]{12}\ntrades 6\n$/);
  });
});
