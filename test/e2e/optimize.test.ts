import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { THRESHOLD_PLAN as PLAN } from "../support/sweep-fixtures.js";
import { sharedFile, start, tradeplan, workdir, writeFiles } from "./harness.js";

/**
 * `tradeplan optimize` through the installed binary on the real 1-minute
 * index-future file (30,889 bars, 8 weeks): grid, random search with a seed,
 * walk-forward, JSON / CSV / HTML, --jobs 1 against --jobs 2, Ctrl-C, and
 * bad input.
 */

interface Row {
  rank: number | null;
  params: Record<string, number>;
  objective: number | null;
  netPnl: number;
  trades: number;
}
interface Doc {
  complete: boolean;
  data: { bars: number; first: string; last: string };
  search: { method: string; variants: number; seed?: number };
  sweep?: { tried: number; ranked: number; failed: number; deflatedSharpe: number | null; top: Row[] };
  walkForward?: {
    windows: {
      window: number;
      train: { start: string };
      test: { start: string; end: string };
      tried: number;
      best: Row | null;
      outOfSample: { ok: boolean; netPnl: number } | null;
    }[];
    outOfSampleNet: number;
    efficiency: number | null;
    stitched: { time: string; equity: number }[];
  };
}

describe("tradeplan optimize on the real 1-minute file", () => {
  const dir = workdir();
  writeFiles(dir, {
    "threshold.plan": PLAN,
    "plain.plan": PLAN.replace(/param .*\n/g, "")
      .replace("above threshold", "above 3700")
      .replace("sma(close, length)", "sma(close, 20)"),
  });
  const real = sharedFile("index-future-2006-1m.csv");
  // 16 x 4 = 64 variants.
  const GRID = ["--param", "threshold=3650..3800:10", "--param", "length=20..50:10"];
  const optimize = (...extra: string[]) =>
    tradeplan(["optimize", "threshold.plan", "--data", real ?? "", "--timestamps", "close", ...extra], {
      cwd: dir,
      timeoutMs: 280_000,
    });
  const json = async (...extra: string[]): Promise<Doc> => {
    const r = await optimize("--format", "json", ...extra);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Doc;
  };

  it.skipIf(!real)(
    "sweeps a grid: the best variant is what `tradeplan backtest --set` gives for its params",
    async () => {
      const doc = await json(...GRID, "--jobs", "1", "--top", "5");
      expect(doc.complete).toBe(true);
      expect(doc.data).toEqual({
        file: expect.any(String),
        bars: 30889,
        rejected: 0,
        first: "2006-01-02T08:00:00.000Z",
        last: "2006-02-27T21:00:00.000Z",
      });
      expect(doc.search).toEqual({ method: "grid", variants: 64 });
      const s = doc.sweep;
      if (!s) throw new Error("a sweep");
      expect(s.tried).toBe(64);
      expect(s.failed).toBe(0);
      expect(s.top.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
      const nets = s.top.map((r) => r.netPnl);
      expect([...nets].sort((a, b) => b - a)).toEqual(nets);
      const best = s.top[0];
      if (!best) throw new Error("a best variant");
      const bt = await tradeplan(
        [
          "backtest",
          "threshold.plan",
          "--data",
          real ?? "",
          "--timestamps",
          "close",
          "--format",
          "json",
          "--set",
          `threshold=${best.params.threshold}`,
          "--set",
          `length=${best.params.length}`,
        ],
        { cwd: dir },
      );
      expect(bt.code, bt.stderr).toBe(0);
      const stats = (JSON.parse(bt.stdout) as { stats: { netPnl: number; trades: number } }).stats;
      expect(best.netPnl).toBe(stats.netPnl);
      expect(best.trades).toBe(stats.trades);
    },
  );

  it.skipIf(!real)("gives identical results with --jobs 1 and --jobs 2, for a sweep and a walk-forward", async () => {
    for (const extra of [GRID, [...GRID, "--walk-forward", "train=2w test=1w"]]) {
      const one = await optimize(...extra, "--format", "json", "--top", "64", "--jobs", "1");
      const two = await optimize(...extra, "--format", "json", "--top", "64", "--jobs", "2");
      expect(one.code, one.stderr).toBe(0);
      expect(two.code, two.stderr).toBe(0);
      expect(two.stderr).toMatch(/on 2 jobs\)\n$/);
      expect(two.stdout).toBe(one.stdout);
    }
  });

  it.skipIf(!real)("draws random variants that repeat with a seed", async () => {
    const a = await json("--search", "random", "--samples", "12", "--seed", "5", "--top", "12");
    const b = await json("--search", "random", "--samples", "12", "--seed", "5", "--top", "12");
    const c = await json("--search", "random", "--samples", "12", "--top", "12");
    expect(a.search).toEqual({ method: "random", variants: 12, seed: 5 });
    expect(c.search.seed).toBe(1);
    expect(b).toEqual(a);
    expect(c.sweep?.top.map((r) => r.params)).not.toEqual(a.sweep?.top.map((r) => r.params));
  });

  it.skipIf(!real)("walks forward over 8 weeks: 6 rolling windows of 2 weeks in sample, 1 week out", async () => {
    const doc = await json(...GRID, "--walk-forward", "train=2w test=1w");
    const wf = doc.walkForward;
    if (!wf) throw new Error("a walk-forward");
    expect(wf.windows).toHaveLength(6);
    // From Monday 2006-01-02 09:00 Berlin: tests start on the Mondays of weeks 3 to 8.
    expect(wf.windows.map((w) => w.test.start)).toEqual([
      "2006-01-16T08:00:00.000Z",
      "2006-01-23T08:00:00.000Z",
      "2006-01-30T08:00:00.000Z",
      "2006-02-06T08:00:00.000Z",
      "2006-02-13T08:00:00.000Z",
      "2006-02-20T08:00:00.000Z",
    ]);
    let sum = 0;
    for (const w of wf.windows) {
      expect(w.tried).toBe(64);
      if (w.outOfSample?.ok) sum += w.outOfSample.netPnl;
    }
    expect(wf.outOfSampleNet).toBeCloseTo(sum, 6);
    expect(wf.stitched.at(-1)?.equity).toBeCloseTo(100_000 + sum, 6);
    const anchored = await json(...GRID, "--walk-forward", "train=2w test=1w", "--anchored");
    expect(new Set(anchored.walkForward?.windows.map((w) => w.train.start))).toEqual(
      new Set(["2006-01-02T08:00:00.000Z"]),
    );
    const pretty = await optimize(...GRID, "--walk-forward", "train=2w test=1w", "--jobs", "1");
    expect(pretty.stderr).toBe("walking forward: 6 windows x 64 variants (390 backtests on 1 job)\n");
    expect(pretty.stdout).toContain(
      "walk-forward train=2w test=1w, rolling: 6 windows x 64 variants; times Europe/Berlin",
    );
    expect(pretty.stdout).toContain("2006-01-02 09:00 .. 2006-01-16 09:00");
  });

  it.skipIf(!real)("writes CSV and a self-contained HTML report", async () => {
    const csv = await optimize(...GRID, "--format", "csv", "--out", "sweep.html");
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(65);
    expect(lines[1]?.startsWith("0,3650,20,ranked,")).toBe(true);
    const html = readFileSync(join(dir, "sweep.html"), "utf8");
    expect(html.match(/<td class="heat"/g)).toHaveLength(64);
    expect(html).not.toMatch(/<script|\bsrc=|href="http/);
    const wf = await optimize(...GRID, "--walk-forward", "train=2w test=1w", "--format", "csv", "--out", "wf.html");
    expect(wf.code, wf.stderr).toBe(0);
    expect(wf.stdout.trimEnd().split("\n")).toHaveLength(7);
    const page = readFileSync(join(dir, "wf.html"), "utf8");
    expect(page).toContain('<polyline class="equity"');
    expect(page).toContain("In sample vs out of sample (dates in Europe/Berlin)");
  });

  it.skipIf(!real)("stops on Ctrl-C: writes the partial results, says so, exits 130", async () => {
    // 189 variants x 6 windows: far longer than the wait.
    const run = start(
      [
        "optimize",
        "threshold.plan",
        "--data",
        real ?? "",
        "--timestamps",
        "close",
        "--walk-forward",
        "train=2w test=1w",
        "--format",
        "json",
        "--jobs",
        "1",
      ],
      { cwd: dir },
    );
    await run.waitFor(/walking forward: 6 windows x 189 variants/);
    await new Promise((r) => setTimeout(r, 1500));
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/stopped: 0 of 6 windows finished; the results written are partial\n$/);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.complete).toBe(false);
    const tried = doc.walkForward?.windows.reduce((n, w) => n + w.tried, 0) ?? 0;
    expect(tried).toBeGreaterThan(0);
    expect(tried).toBeLessThan(6 * 189);
  });

  it.skipIf(!real)("refuses bad input with one line and exit 2", async () => {
    const cases: [string[], string][] = [
      [
        ["--param", "treshold=3700"],
        "error: --param `treshold=3700`: unknown param `treshold`; did you mean `threshold`?",
      ],
      [
        ["--param", "threshold=3500..3700"],
        "error: --param `threshold=3500..3700`: param `threshold` = 3500 is outside its range 3600..3800",
      ],
      [
        ["--param", "threshold=3600..3800:10", "--max-variants", "100"],
        "error: the grid has 189 variants, more than the cap of 100: narrow it with --param NAME=MIN..MAX:STEP, or raise the cap with --max-variants 189",
      ],
      [
        ["--walk-forward", "train=6w test=3w"],
        "error: --walk-forward train=6w test=3w: one window (63d) is longer than the data (56d 13h); shorten train or test",
      ],
    ];
    for (const [args, line] of cases) {
      const r = await optimize(...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`${line}\n`);
    }
    const plain = await tradeplan(["optimize", "plain.plan", "--data", real ?? ""], { cwd: dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe(
      "error: the plan declares no params, so there is nothing to optimize: add one, e.g. `param threshold = 3700 in 3600..3800 step 10`\n",
    );
  });
});
