import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InProcessRunner, type VariantRunner } from "@tradeplan/core";
import { afterAll, describe, expect, it } from "vitest";
import { levelsCsv, LEVELS_PLAN as PLAN } from "../../../test/support/sweep-fixtures.js";
import { type OptimizeCommandOptions, runOptimizeCommand } from "../src/commands/optimize.js";
import type { OptimizeDocument } from "../src/optimize-report/document.js";
import { captureIO, cli, tempDir } from "./helpers.js";

/** `tradeplan optimize` in-process: outputs, walk-forward, bad input (exit 2, one line), failures, Ctrl-C, progress. */

describe("tradeplan optimize", () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  writeFileSync(join(dir, "levels.plan"), PLAN);
  writeFileSync(
    join(dir, "plain.plan"),
    PLAN.replace(/param .*\n/g, "")
      .replace("above level", "above 110")
      .replace("sma(close, length)", "sma(close, 4)"),
  );
  writeFileSync(join(dir, "bars.csv"), levelsCsv());
  const BASE = ["optimize", "levels.plan", "--data", "bars.csv", "--timestamps", "close", "--jobs", "1"];
  const optimize = (...extra: string[]) => cli([...BASE, ...extra], dir);
  const json = async (...extra: string[]): Promise<OptimizeDocument> => {
    const r = await optimize("--format", "json", ...extra);
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as OptimizeDocument;
  };

  it("sweeps the grid and prints the top variants, best first", async () => {
    const r = await optimize("--top", "5");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("sweeping 55 variants (55 backtests on 1 job)\n");
    const lines = r.out.split("\n");
    expect(lines[0]).toBe("levels on TEST: bars.csv, 2,880 bars, 2024-01-02 .. 2024-01-07 (UTC)");
    expect(lines[1]).toBe("  grid of 55 variants: level 100..120 step 2 (11) x length 2..10 step 2 (5)");
    expect(lines[2]).toBe("  objective net P&L (highest), at least 1 trade");
    expect(lines[3]).toMatch(/^ {2}tried 55: \d+ ranked, \d+ with too few trades, 0 failed$/);
    expect(r.out).toContain("  top 5 by net P&L (highest)");
    expect(r.out).toMatch(
      /\n {2}rank {2}level {2}length {2}objective +net P&L +trades +win % +Sharpe +PF +max DD\n {5}1 /,
    );
  });

  it("writes the result document as JSON: the space, counts, the best --top variants in rank order", async () => {
    const doc = await json("--top", "3");
    expect(doc).toMatchObject({
      format: "tradeplan/optimize-result",
      version: 1,
      complete: true,
      plan: { name: "levels", symbol: "TEST", timezone: "UTC" },
      data: {
        file: "bars.csv",
        bars: 2880,
        rejected: 0,
        first: "2024-01-02T08:00:00.000Z",
        last: "2024-01-07T16:00:00.000Z",
      },
      search: { method: "grid", variants: 55 },
      objective: "net",
      minTrades: 1,
      space: [
        { name: "level", kind: "number", min: 100, max: 120, step: 2, values: 11 },
        { name: "length", kind: "number", min: 2, max: 10, step: 2, values: 5 },
      ],
    });
    const s = doc.sweep;
    if (!s) throw new Error("a sweep");
    expect(s.tried).toBe(55);
    expect(s.top.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(s.best).toEqual(s.top[0]);
    const nets = s.top.map((r) => r.netPnl as number);
    expect([...nets].sort((a, b) => b - a)).toEqual(nets);
    for (const r of s.top) expect(r.objective).toBe(r.netPnl);
    expect(typeof s.deflatedSharpe).toBe("number");
  });

  it("ranks by another objective, and --param narrows and fixes params", async () => {
    const doc = await json(
      "--objective",
      "max_drawdown",
      "--param",
      "level=104..112:4",
      "--param",
      "length=6",
      "--min-trades",
      "2",
    );
    expect(doc.search.variants).toBe(3);
    expect(doc.space.map((p) => [p.name, p.min, p.max, p.values])).toEqual([
      ["level", 104, 112, 3],
      ["length", 6, 6, 1],
    ]);
    const top = doc.sweep?.top ?? [];
    expect(top.map((r) => r.params.length)).toEqual(top.map(() => 6));
    const dd = top.map((r) => r.maxDrawdown as number);
    expect([...dd].sort((a, b) => a - b)).toEqual(dd);
    for (const r of top) expect(r.trades).toBeGreaterThanOrEqual(2);
  });

  it("writes every variant as CSV in variant order", async () => {
    const r = await optimize("--format", "csv");
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "index,level,length,status,rank,objective,net_pnl,return_percent,trades,win_rate,sharpe,profit_factor,max_drawdown,max_drawdown_percent,exposure,note",
    );
    expect(lines).toHaveLength(56);
    expect(lines.slice(1, 4).map((l) => l.split(",").slice(0, 3).join(","))).toEqual(["0,100,2", "1,100,4", "2,100,6"]);
    expect(lines[55]?.split(",").slice(0, 3).join(",")).toBe("54,120,10");
  });

  it("gives identical results with --jobs 1 and --jobs 2 (the worker pool), sweep and walk-forward", async () => {
    for (const extra of [[], ["--walk-forward", "train=2d test=1d"]]) {
      const one = await optimize("--format", "json", "--top", "55", ...extra);
      const two = await cli([...BASE.slice(0, -1), "2", "--format", "json", "--top", "55", ...extra], dir);
      expect(two.code, two.err).toBe(0);
      expect(two.out).toBe(one.out);
    }
  });

  it("draws random variants that repeat with the same seed (default 1) and change with another", async () => {
    const a = await json("--search", "random", "--samples", "10");
    const b = await json("--search", "random", "--samples", "10", "--seed", "1");
    const c = await json("--search", "random", "--samples", "10", "--seed", "2");
    expect(a.search).toEqual({ method: "random", variants: 10, seed: 1 });
    expect(b).toEqual(a);
    expect(c.sweep?.top).not.toEqual(a.sweep?.top);
  });

  it("walks forward: each window's winner in and out of sample, the stitched equity, the efficiency", async () => {
    const doc = await json("--walk-forward", "train=2d test=1d");
    const wf = doc.walkForward;
    if (!wf) throw new Error("a walk-forward");
    expect(doc.sweep).toBeUndefined();
    expect(wf).toMatchObject({ train: "2d", test: "1d", anchored: false });
    // 5 days 8 hours of data: tests on days 3, 4, 5 and the last 8 hours (under half a day: dropped).
    expect(wf.windows.map((w) => [w.train.start, w.test.start, w.test.end])).toEqual([
      ["2024-01-02T08:00:00.000Z", "2024-01-04T08:00:00.000Z", "2024-01-05T08:00:00.000Z"],
      ["2024-01-03T08:00:00.000Z", "2024-01-05T08:00:00.000Z", "2024-01-06T08:00:00.000Z"],
      ["2024-01-04T08:00:00.000Z", "2024-01-06T08:00:00.000Z", "2024-01-07T08:00:00.000Z"],
    ]);
    let sum = 0;
    for (const w of wf.windows) {
      expect(w.tried).toBe(55);
      expect(w.best?.rank).toBe(1);
      if (!w.outOfSample?.ok) throw new Error("ran out of sample");
      sum += w.outOfSample.netPnl;
    }
    expect(wf.outOfSampleNet).toBeCloseTo(sum, 9);
    expect(wf.stitched[0]?.equity).toBe(100_000);
    expect(wf.stitched.at(-1)?.equity).toBeCloseTo(100_000 + sum, 6);
    const anchored = await json("--walk-forward", "train=2d test=1d", "--anchored");
    expect(anchored.walkForward?.windows.map((w) => w.train.start)).toEqual([
      "2024-01-02T08:00:00.000Z",
      "2024-01-02T08:00:00.000Z",
      "2024-01-02T08:00:00.000Z",
    ]);
    const pretty = await optimize("--walk-forward", "train=2d test=1d");
    expect(pretty.out).toContain("  walk-forward train=2d test=1d, rolling: 3 windows x 55 variants; times UTC");
    expect(pretty.out).toMatch(/out-of-sample net P&L -?[\d,.]+; walk-forward efficiency/);
  });

  it("writes a self-contained HTML report: a heatmap for two params, windows and stitched equity for a walk-forward", async () => {
    const r = await optimize("--out", "sweep.html");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe("sweeping 55 variants (55 backtests on 1 job)\nreport written to `sweep.html`\n");
    const html = readFileSync(join(dir, "sweep.html"), "utf8");
    expect(html).toContain('<table class="heatmap">');
    // One cell per variant: 11 rows of 5.
    expect(html.match(/<td class="heat"/g)).toHaveLength(55);
    expect(html).not.toMatch(/<script|\bsrc=|href="http/);
    const wf = await optimize("--walk-forward", "train=2d test=1d", "--out", "wf.html");
    expect(wf.code, wf.err).toBe(0);
    const page = readFileSync(join(dir, "wf.html"), "utf8");
    expect(page).toContain("Walk-forward: train 2d, test 1d, rolling");
    expect(page).toContain('<polyline class="equity"');
    expect(page.match(/<rect class="oos"/g)).toHaveLength(3);
    expect(page).not.toContain('class="heatmap"');
  });

  it.each([
    [["--param", "levle=104"], "error: --param `levle=104`: unknown param `levle`; did you mean `level`?"],
    [["--param", "level=90..110"], "error: --param `level=90..110`: param `level` = 90 is outside its range 100..120"],
    [
      ["--param", "level=101"],
      "error: --param `level=101`: param `level` = 101 is not on its step: 100 plus a multiple of 2",
    ],
    [
      ["--max-variants", "50"],
      "error: the grid has 55 variants, more than the cap of 50: narrow it with --param NAME=MIN..MAX:STEP, or raise the cap with --max-variants 55",
    ],
    [
      ["--walk-forward", "train=5d test=2d"],
      "error: --walk-forward train=5d test=2d: one window (7d) is longer than the data (5d 8h); shorten train or test",
    ],
    [
      ["--walk-forward", "train=2x test=1d"],
      "error: --walk-forward: train `2x` is not a length: write a whole number of h, d or w, e.g. train=2w",
    ],
    [["--samples", "5"], "error: --samples and --seed apply to --search random; a grid tries every variant"],
    [["--anchored"], 'error: --anchored applies to --walk-forward, e.g. --walk-forward "train=2w test=1w" --anchored'],
    [["--min-trades", "two"], "error: invalid --min-trades: must be a whole number, e.g. 5"],
    [
      ["--search", "random", "--samples", "55"],
      "error: --samples 55: the space has only 55 variants; sample fewer, or try them all with --search grid",
    ],
  ])("%j exits 2 with one line saying what to fix", async (args, line) => {
    const r = await optimize(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`${line}\n`);
  });

  it("refuses a plan without params, and the cap without --max-variants, before reading the data", async () => {
    const r = await cli(["optimize", "plain.plan", "--data", "missing.csv"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "error: the plan declares no params, so there is nothing to optimize: add one, e.g. `param threshold = 3700 in 3600..3800 step 10`\n",
    );
    const big = await cli(
      ["optimize", "levels.plan", "--data", "missing.csv", "--param", "level=100..120:2", "--max-variants", "10"],
      dir,
    );
    expect(big.err).toContain("more than the cap of 10");
  });

  const direct = async (
    options: Partial<OptimizeCommandOptions>,
    host: Parameters<typeof runOptimizeCommand>[3],
    tty = false,
  ) => {
    const c = captureIO(dir, tty ? { stderrTTY: { columns: () => 120 } } : {});
    const code = await runOptimizeCommand(
      "levels.plan",
      { data: "bars.csv", timestamps: "close", format: "json", ...options } as OptimizeCommandOptions,
      c.io,
      host,
    );
    return { code, out: c.out(), err: c.err() };
  };

  it("reports a variant that throws as failed with its error, and goes on with the others", async () => {
    const doc = JSON.parse(
      (
        await direct(
          { jobs: "2" },
          {
            pool: async (_jobs, context) => {
              const inner = new InProcessRunner(context);
              const runner: VariantRunner = {
                run: (tasks, onResult, signal) =>
                  inner.run(
                    tasks,
                    (r) => onResult(r.index === 7 ? { index: 7, ok: false, error: "worker died: out of memory" } : r),
                    signal,
                  ),
              };
              return runner;
            },
          },
        )
      ).out,
    ) as OptimizeDocument;
    expect(doc.complete).toBe(true);
    expect(doc.sweep?.failed).toBe(1);
    expect(doc.sweep?.failures).toEqual([
      expect.objectContaining({
        index: 7,
        status: "failed",
        note: "worker died: out of memory",
        params: { level: 102, length: 6 },
      }),
    ]);
    expect(doc.sweep?.tried).toBe(55);
  });

  it("stops on Ctrl-C, writes the partial results and says so (exit 130)", async () => {
    const signal = { aborted: false };
    const r = await direct(
      { jobs: "2" },
      {
        signal,
        pool: async (_jobs, context) => {
          const inner = new InProcessRunner(context);
          let n = 0;
          return {
            run: (tasks, onResult, s) =>
              inner.run(
                tasks,
                (x) => {
                  onResult(x);
                  // Ctrl-C arrives after the 12th backtest.
                  if (++n === 12) signal.aborted = true;
                },
                s,
              ),
          };
        },
      },
    );
    expect(r.code).toBe(130);
    expect(r.err).toBe(
      "sweeping 55 variants (55 backtests on 2 jobs)\nstopped: 12 of 55 variants ran; the results written are partial\n",
    );
    const doc = JSON.parse(r.out) as OptimizeDocument;
    expect(doc.complete).toBe(false);
    expect(doc.sweep?.tried).toBe(12);
  });

  it("draws a progress line with an ETA on a terminal's stderr only", async () => {
    const tty = await direct({ jobs: "1" }, {}, true);
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/\r\[#+ *\] +\d+% \d+\/55 backtests/);
    expect(tty.err).toContain("55/55 backtests, ETA 0 s");
    const plain = await direct({ jobs: "1" }, {});
    expect(plain.err).toBe("sweeping 55 variants (55 backtests on 1 job)\n");
  });
});
