import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  InProcessRunner,
  type StopSignal,
  VariantContext,
  type VariantResult,
  type VariantRunner,
  type VariantTask,
} from "@tradeplan/core";
import { build } from "esbuild";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { fixtureColumns, PLAN } from "../../core/test/optimize/fixture.js";
import { WorkerPool, type WorkerPoolOptions, WorkerStartError } from "../src/optimize/pool.js";
import { STARTED_CHANNEL } from "./optimize-pool-worker.fixture.js";

const here = dirname(fileURLToPath(import.meta.url));

const setup = { source: PLAN, fileName: "pool.plan" };

const bars = fixtureColumns(6, 7);

/** Every variant of the grid over all the bars, then each over a sub-range with its daily equity (a walk-forward's test runs). */
function tasks(): VariantTask[] {
  const out: VariantTask[] = [];
  for (let threshold = 97; threshold <= 103; threshold++)
    for (const length of [5, 10, 15, 20])
      out.push({ index: out.length, params: { threshold, length }, from: 0, to: bars.length });
  for (const [from, to] of [
    [480, 1500],
    [960, bars.length],
    [100, 2000],
  ] as const)
    out.push({ index: out.length, params: { threshold: 99, length: 15 }, from, to, equity: true });
  return out;
}

/** The results of `runner` in task order; fails on a task reported twice. */
async function collect(runner: VariantRunner, list: readonly VariantTask[], signal?: StopSignal) {
  const got = new Map<number, VariantResult>();
  const order: number[] = [];
  await runner.run(
    list,
    (r) => {
      if (got.has(r.index)) throw new Error(`task ${r.index} reported twice`);
      got.set(r.index, r);
      order.push(r.index);
    },
    signal,
  );
  return { results: [...got.values()].sort((a, b) => a.index - b.index), order };
}

const pools: WorkerPool[] = [];
function pool(options: Partial<WorkerPoolOptions> = {}): WorkerPool {
  const p = new WorkerPool({ setup, bars, ...options });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/**
 * The fixture worker that fails on purpose, bundled once with esbuild (as
 * the benchmarks are): through tsx, as the first test runs the real worker,
 * each worker thread compiles the sources again, seconds per start.
 */
const bundleDir = mkdtempSync(join(tmpdir(), "tradeplan-pool-"));
const faultyFile = join(bundleDir, "faulty-worker.mjs");
await build({
  entryPoints: [join(here, "optimize-pool-worker.fixture.ts")],
  outfile: faultyFile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  conditions: ["@tradeplan/source"],
  logLevel: "error",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const faulty = { url: pathToFileURL(faultyFile) };
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

const inProcess = await collect(new InProcessRunner(VariantContext.create(setup, bars)), tasks());

describe("WorkerPool", () => {
  it("gives the in-process runner's results, with --jobs 1 and with --jobs 2", async () => {
    const expected = inProcess.results;
    expect(expected).toHaveLength(tasks().length);
    // A sweep worth comparing: every variant ran, traded, and not all alike.
    expect(expected.every((r) => r.ok)).toBe(true);
    expect(expected.filter((r) => r.ok && r.stats.trades > 0).length).toBeGreaterThan(20);
    expect(new Set(expected.map((r) => (r.ok ? r.stats.netPnl : 0))).size).toBeGreaterThan(10);
    expect(expected.at(-1)).toMatchObject({ ok: true, equity: expect.any(Array) });

    for (const jobs of [1, 2]) {
      const p = pool({ jobs, maxBatch: 3 });
      const { results } = await collect(p, tasks());
      expect(results).toEqual(expected);
      expect(p.size).toBe(jobs);
      // Workers stay up for the next run (a walk-forward's test runs), and give the same again.
      const again = await collect(p, tasks().slice(5, 9));
      expect(again.results).toEqual(expected.slice(5, 9));
    }
  });

  it("a variant that throws is reported failed, a worker that dies fails its task and is replaced; the sweep goes on", async () => {
    const list = tasks().map((t) =>
      t.index === 3
        ? { ...t, params: { ...t.params, fault: 1 } }
        : t.index === 9
          ? { ...t, params: { ...t.params, fault: 2 } }
          : t,
    );
    const p = pool({ jobs: 2, maxBatch: 4, worker: faulty });
    const { results } = await collect(p, list);
    expect(results).toHaveLength(list.length);
    expect(results[3]).toEqual({ index: 3, ok: false, error: "variant 3 throws" });
    expect(results[9]).toEqual({
      index: 9,
      ok: false,
      error: "the worker thread running it died: it exited with code 7",
    });
    // Every other task, including the rest of the dead worker's batch, ran as in process.
    const others = (rs: readonly VariantResult[]) => rs.filter((r) => r.index !== 3 && r.index !== 9);
    expect(others(results)).toEqual(others(inProcess.results));
    // The dead worker was replaced.
    expect(p.size).toBe(2);
  });

  it("with one job, a dead worker is replaced and the queue still drains", async () => {
    const list = tasks()
      .slice(0, 6)
      .map((t) => (t.index === 1 ? { ...t, params: { ...t.params, fault: 2 } } : t));
    const p = pool({ jobs: 1, maxBatch: 4, worker: faulty });
    const { results } = await collect(p, list);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, true, true]);
    expect(p.size).toBe(1);
  });

  it.each([
    ["an AbortSignal", () => new AbortController()],
    [
      "a signal without events (polled)",
      () => {
        const s = { aborted: false };
        const abort = () => {
          s.aborted = true;
        };
        return { signal: s, abort };
      },
    ],
  ])(
    "stopping with %s terminates the workers, even one stuck in a task, and keeps what was reported",
    async (_, make) => {
      const list = tasks()
        .slice(0, 8)
        .map((t) => (t.index === 4 ? { ...t, params: { ...t.params, fault: 3 } } : t));
      const stop = make();
      const channel = new BroadcastChannel(STARTED_CHANNEL);
      channel.onmessage = () => stop.abort();
      const p = pool({ jobs: 2, maxBatch: 1, worker: faulty });
      try {
        const { results } = await collect(p, list, stop.signal);
        expect(results.length).toBeLessThan(list.length);
        expect(results.some((r) => r.index === 4)).toBe(false);
        for (const r of results) expect(r).toEqual(inProcess.results[r.index]);
        expect(p.size).toBe(0);
      } finally {
        channel.close();
      }
    },
  );

  it("a plan the workers cannot set up rejects the run instead of respawning", async () => {
    const p = pool({
      jobs: 2,
      worker: faulty,
      setup: { source: "plan nothing\nthis is not a plan\n", fileName: "bad.plan" },
    });
    await expect(collect(p, tasks())).rejects.toThrow(WorkerStartError);
    await expect(collect(p, tasks())).rejects.toThrow(/could not set up the sweep: `bad.plan` has errors/);
    expect(p.size).toBe(0);
  });

  it("a worker that cannot load rejects the run", async () => {
    const p = pool({ jobs: 2, worker: { url: pathToFileURL(join(here, "no-such-worker.js")) } });
    await expect(collect(p, tasks())).rejects.toThrow(/an optimize worker stopped while starting/);
  });

  it("refuses a job count that is not a whole number >= 1", () => {
    expect(() => new WorkerPool({ setup, bars, jobs: 0 })).toThrow(/jobs must be/);
    expect(() => new WorkerPool({ setup, bars, jobs: 1.5 })).toThrow(/jobs must be/);
  });
});

describe("the optimize worker's entry", () => {
  /** Every module specifier worker.ts loads, following its relative imports (type-only imports load nothing). */
  function loads(file: string, seen = new Set<string>()): Set<string> {
    const out = new Set<string>();
    if (seen.has(file)) return out;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)) {
      const [, typeOnly, spec] = m as unknown as [string, string | undefined, string];
      if (typeOnly) continue;
      if (spec.startsWith("."))
        for (const s of loads(resolve(dirname(file), spec.replace(/\.js$/, ".ts")), seen)) out.add(s);
      else out.add(spec);
    }
    return out;
  }

  it("loads @tradeplan/core and Node's worker_threads only: no CLI, commander, SQLite, IB or logging", () => {
    const worker = join(here, "..", "src", "optimize", "worker.ts");
    expect([...loads(worker)].sort()).toEqual(["@tradeplan/core", "node:worker_threads"]);
  });
});
