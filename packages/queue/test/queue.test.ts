import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BarColumns,
  InProcessRunner,
  type OptimizeRequest,
  optimize,
  type ParamValues,
  parseWalkForward,
  VariantContext,
  walkForwardWindows,
} from "@tradeplan/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../test/support/postgres.js";
import {
  parseQueueUrl,
  QueueError,
  QueueRunner,
  type QueueRunnerOptions,
  readBarCache,
  writeBarCache,
} from "../src/index.js";
import { RESULTS_TABLE } from "../src/results.js";
import { MIN_WAITING_JOBS } from "../src/runner.js";
import { fixtureColumns, SETUP } from "./fixture.js";
import { tempDir } from "./temp.js";

const FIXTURE = fileURLToPath(new URL("./worker.fixture.ts", import.meta.url));
const SOURCE = { file: "bars.csv", timezone: "UTC", timestamps: "open" as const, adjust: false };

/** The plan's grid in nested-loop order (threshold outer, length inner): 28 variants. */
function grid(): ParamValues[] {
  const out: ParamValues[] = [];
  for (let threshold = 97; threshold <= 103; threshold++)
    for (const length of [5, 10, 15, 20]) out.push({ threshold, length });
  return out;
}

function request(bars: BarColumns, walk?: string): OptimizeRequest {
  const spec = walk === undefined ? undefined : parseWalkForward(walk, false);
  return {
    variants: grid(),
    judging: { objective: "net", minTrades: 1 },
    barCount: bars.length,
    ...(spec ? { walkForward: { spec, windows: walkForwardWindows(bars, spec) } } : {}),
  };
}

/** The same request run in this process, one variant after another: what a queued sweep must equal. */
async function local(bars: BarColumns, walk?: string) {
  return optimize(new InProcessRunner(VariantContext.create(SETUP, bars)), request(bars, walk));
}

describe("the bar cache", () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it("reads back the columns, counts and identity it was written with", async () => {
    const columns = fixtureColumns(2);
    const written = await writeBarCache(dir, columns, SOURCE);
    expect(written.path).toBe(join(dir, "TEST.tpbars"));
    const read = await readBarCache(written.path, written.header.checksum);
    expect(read.header).toEqual(written.header);
    expect(read.columns.length).toBe(960);
    expect(Array.from(read.columns.close)).toEqual(Array.from(columns.close));
    expect(Array.from(read.columns.closeTime)).toEqual(Array.from(columns.closeTime));
    expect(read.columns.bar(5)).toEqual(columns.bar(5));
    expect(read.columns.counts).toEqual(columns.counts);
  });

  it("refuses a damaged file, another version than the job's, and a file that is not a cache", async () => {
    const { path, header } = await writeBarCache(dir, fixtureColumns(1), SOURCE);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 1;
    writeFileSync(path, bytes);
    await expect(readBarCache(path)).rejects.toMatchObject({ code: "CACHE_CHECKSUM" });
    const other = await writeBarCache(dir, fixtureColumns(1, 99), SOURCE);
    await expect(readBarCache(other.path, header.checksum)).rejects.toThrow(/another version of TEST\.tpbars/);
    writeFileSync(join(dir, "x.tpbars"), "Date,Open\n");
    await expect(readBarCache(join(dir, "x.tpbars"))).rejects.toThrow(/not a bar cache/);
    await expect(readBarCache(join(dir, "none.tpbars"))).rejects.toThrow(/no such file/);
  });
});

describe("--queue URLs", () => {
  it("refuses a password in the URL, another scheme and a URL without a database, saying what to do", () => {
    expect(() => parseQueueUrl("postgres://u:secret@db:5432/sweeps")).toThrow(/PGPASSWORD or a password file/);
    expect(() => parseQueueUrl("postgres://u@db:5432/sweeps?password=x")).toThrow(/carries a password/);
    expect(() => parseQueueUrl("mysql://u@db/sweeps")).toThrow(/is not postgres:/);
    expect(() => parseQueueUrl("postgres://u@db:5432/")).toThrow(/names no database/);
    expect(() => parseQueueUrl("postgres://u@db/s?sslmode=maybe")).toThrow(/sslmode=maybe/);
    expect(parseQueueUrl("postgresql://u@db:5433/s?sslmode=verify-full").label).toBe("postgres://u@db:5433/s");
  });
});

const missing = postgresMissing();
if (missing) console.warn(`skipping the queued sweep tests: ${missing}`);

describe.skipIf(missing !== undefined)("queued sweeps on PostgreSQL", () => {
  const cluster = usePostgres();
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  // The coordinator runs in this process: the password reaches it as it reaches a user's, in PGPASSWORD.
  beforeAll(() => {
    Object.assign(process.env, cluster().env);
  });
  const children = new Set<ChildProcess>();
  afterEach(() => {
    for (const c of children) c.kill("SIGKILL");
    children.clear();
  });

  /** A worker process from source; resolves once it is connected. */
  function worker(url: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ["--conditions=@tradeplan/source", "--import", "tsx", FIXTURE, url], {
      env: { ...process.env, ...cluster().env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    child.on("exit", () => children.delete(child));
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    return new Promise((resolve, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        if (d.toString().includes("ready")) resolve(child);
      });
      child.on("exit", (code) => reject(new Error(`worker exited ${code} before it was ready: ${err}`)));
    });
  }

  async function coordinator(
    url: string,
    bars: BarColumns,
    path: string,
    checksum: string,
    jobSeconds: number,
    more: Partial<QueueRunnerOptions> = {},
  ) {
    return QueueRunner.open({
      target: parseQueueUrl(url),
      context: VariantContext.create(SETUP, bars),
      setup: SETUP,
      cache: { path, checksum },
      jobSeconds,
      retryLimit: 8,
      pollMs: 50,
      ...more,
    });
  }

  it("with 2 worker processes gives the result table of a local sweep, each variant once; walk-forward too", async () => {
    const url = cluster().createDatabase("sweep");
    const { path, header } = await writeBarCache(dir, fixtureColumns(10), SOURCE);
    const bars = (await readBarCache(path)).columns;
    await Promise.all([worker(url), worker(url)]);
    const runner = await coordinator(url, bars, path, header.checksum, 0.05);
    try {
      const queued = await optimize(runner, request(bars));
      expect(runner.stats.jobs).toBeGreaterThan(2);
      expect(queued).toEqual(await local(bars));
      const rows = cluster().psql(
        url.slice(url.lastIndexOf("/") + 1),
        `SELECT count(*), count(DISTINCT variant_index), count(DISTINCT worker) FROM ${RESULTS_TABLE} WHERE sweep_id = '${runner.sweepId}'`,
      );
      // Every variant once; the coordinator's timed variants and at least one worker wrote them.
      expect(rows.trim().split("|").slice(0, 2)).toEqual(["28", "28"]);
      expect(Number(rows.trim().split("|")[2])).toBeGreaterThanOrEqual(2);
    } finally {
      await runner.close();
    }
    // A walk-forward: the coordinator sends a window's out-of-sample job only once the in-sample ones are done.
    const walker = await coordinator(url, bars, path, header.checksum, 0.05);
    try {
      const walked = await optimize(walker, request(bars, "train=4d test=2d"));
      expect(walked.mode).toBe("walk-forward");
      expect(walked).toEqual(await local(bars, "train=4d test=2d"));
    } finally {
      await walker.close();
    }
  }, 120_000);

  it("cuts later jobs from the workers' own timings, not the coordinator's estimate", async () => {
    const url = cluster().createDatabase("sizing");
    const { path, header } = await writeBarCache(dir, fixtureColumns(10), SOURCE);
    const bars = (await readBarCache(path)).columns;
    await worker(url);
    // An estimate a million times too high: alone, it would make one job of each of the 28 variants.
    const runner = await coordinator(url, bars, path, header.checksum, 0.5, { msPerBar: 1000 });
    try {
      expect(await optimize(runner, request(bars))).toEqual(await local(bars));
      expect(runner.stats.workers).toBe(1);
      expect(runner.stats.probeMsPerBar).toBeUndefined();
      expect(runner.stats.msPerBar).toBeLessThan(1);
      const sizes = cluster()
        .psql(
          url.slice(url.lastIndexOf("/") + 1),
          `SELECT jsonb_array_length(data->'tasks') FROM pgboss.job WHERE name = 'tradeplan-sweep' AND data->>'sweep' = '${runner.sweepId}'`,
        )
        .trim()
        .split("\n")
        .map(Number);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(28);
      // The first wave: one variant a job, cut with the estimate given; later jobs: the worker's timings.
      expect(sizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(MIN_WAITING_JOBS);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      expect(runner.stats.jobs).toBe(sizes.length);
      expect(sizes.length).toBeLessThan(14);
    } finally {
      await runner.close();
    }
  }, 120_000);

  it("gives the identical table when workers are killed with SIGKILL mid-job, again and again", async () => {
    const url = cluster().createDatabase("chaos");
    // Enough work that the kills land mid-sweep on an idle machine too (120 days were done before the third kill).
    const { path, header } = await writeBarCache(dir, fixtureColumns(360, 5), SOURCE);
    const bars = (await readBarCache(path)).columns;
    const expected = await local(bars);
    const live: ChildProcess[] = await Promise.all([worker(url), worker(url)]);
    const runner = await coordinator(url, bars, path, header.checksum, 0.25);
    let kills = 0;
    let done = false;
    // Kill a random worker at a random moment, then start another; a killed worker's job expires and is retried.
    const chaos = (async () => {
      while (!done && kills < 4) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
        if (done) break;
        const k = Math.floor(Math.random() * live.length);
        const victim = live[k];
        if (victim === undefined || victim.exitCode !== null || victim.signalCode !== null) continue;
        victim.kill("SIGKILL");
        kills++;
        // Not awaited: the next kill may come while the replacement is still starting.
        void worker(url).then(
          (c) => {
            live[k] = c;
          },
          // Killed by the test's end before it was ready: nothing to replace.
          () => undefined,
        );
      }
    })();
    try {
      const queued = await optimize(runner, request(bars));
      done = true;
      await chaos;
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(queued).toEqual(expected);
      const db = url.slice(url.lastIndexOf("/") + 1);
      const counts = cluster().psql(
        db,
        `SELECT count(*), count(DISTINCT variant_index) FROM ${RESULTS_TABLE} WHERE sweep_id = '${runner.sweepId}'`,
      );
      expect(counts.trim()).toBe("28|28");
      // The kills did land mid-job: some job was taken again after its worker died.
      const retried = cluster().psql(
        db,
        `SELECT count(*) FROM pgboss.job WHERE name = 'tradeplan-sweep' AND retry_count > 0 AND data->>'sweep' = '${runner.sweepId}'`,
      );
      expect(Number(retried.trim())).toBeGreaterThan(0);
    } finally {
      done = true;
      await runner.close();
    }
  }, 240_000);

  it("fails the sweep with a clear error when a worker's cache is another version than the sweep's", async () => {
    const url = cluster().createDatabase("checksum");
    const { path, header } = await writeBarCache(dir, fixtureColumns(3), SOURCE);
    const bars = (await readBarCache(path)).columns;
    // The file changes under the sweep: the workers now read another version.
    await writeBarCache(dir, fixtureColumns(3, 77), SOURCE);
    await worker(url);
    const runner = await coordinator(url, bars, path, header.checksum, 0.05, { retryLimit: 1 });
    try {
      const error = await optimize(runner, request(bars)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(QueueError);
      expect((error as QueueError).code).toBe("QUEUE_JOB_FAILED");
      expect((error as QueueError).message).toMatch(
        /failed 2 times; the last error: worker .*: bar cache `.*TEST\.tpbars` is sha256:[0-9a-f]{12}, the sweep was started with sha256:[0-9a-f]{12}: this machine has another version of TEST\.tpbars/,
      );
    } finally {
      await runner.close();
    }
  }, 120_000);

  it("refuses a server it cannot reach with one line", async () => {
    const { path, header } = await writeBarCache(dir, fixtureColumns(1), SOURCE);
    const bars = (await readBarCache(path)).columns;
    const port = cluster().port;
    await expect(
      coordinator(`postgres://nobody@127.0.0.1:${port === 1 ? 2 : 1}/x`, bars, path, header.checksum, 1),
    ).rejects.toThrow(/^cannot connect to postgres:\/\/nobody@127\.0\.0\.1:\d+\/x: connection refused/);
  });
});
