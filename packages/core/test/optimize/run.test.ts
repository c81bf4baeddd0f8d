import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gridVariants } from "../../src/optimize/grid.js";
import { type OptimizeRequest, optimize, taskCount } from "../../src/optimize/run.js";
import { buildSpace } from "../../src/optimize/space.js";
import {
  InProcessRunner,
  runVariantTask,
  type StopSignal,
  VariantContext,
  type VariantResult,
  type VariantRunner,
  type VariantTask,
} from "../../src/optimize/task.js";
import { parseWalkForward, walkForwardWindows } from "../../src/optimize/walk-forward.js";
import { fixtureBars, PLAN } from "./fixture.js";

const bars = fixtureBars(10);
const context = VariantContext.create({ source: PLAN, fileName: "fixture.plan" }, bars);
const space = buildSpace(context.plan.params, ["length=5..15"]);
const variants = gridVariants(space);
const judging = { objective: "net" as const, minTrades: 1 };
const sweep: OptimizeRequest = { variants, judging, barCount: bars.length };
const spec = parseWalkForward("train=4d test=2d", false);
const walk: OptimizeRequest = { ...sweep, walkForward: { spec, windows: walkForwardWindows(bars, spec) } };

/** Each task's result computed once, keyed by what it ran. */
const cache = new Map<string, VariantResult>();
function computed(t: VariantTask): VariantResult {
  const key = JSON.stringify([t.params, t.from, t.to, t.equity === true]);
  let r = cache.get(key);
  if (!r) {
    r = runVariantTask(context, { ...t, index: 0 });
    cache.set(key, r);
  }
  return { ...r, index: t.index };
}

/** A pool as the sweep sees one: results in the order `order` gives, in batches, after awaits. */
class ShuffledRunner implements VariantRunner {
  constructor(private readonly order: (n: number) => number[]) {}
  async run(tasks: readonly VariantTask[], onResult: (r: VariantResult) => void, signal?: StopSignal): Promise<void> {
    for (const i of this.order(tasks.length)) {
      if (signal?.aborted) return;
      await Promise.resolve();
      onResult(computed(tasks[i] as VariantTask));
    }
  }
}

describe("optimize", () => {
  it("ranks a grid by the objective, best first, ties to the lower index", async () => {
    const out = await optimize(new InProcessRunner(context), sweep);
    if (out.mode !== "sweep") throw new Error("a sweep");
    expect(out.complete).toBe(true);
    const s = out.sweep;
    expect(s.total).toBe(21);
    expect(s.tried).toBe(21);
    expect(s.ranked.length + s.excluded.length + s.failed.length).toBe(21);
    expect(s.ranked.map((r) => r.rank)).toEqual(s.ranked.map((_, k) => k + 1));
    for (let k = 1; k < s.ranked.length; k++) {
      const a = s.ranked[k - 1];
      const b = s.ranked[k];
      if (!a || !b) continue;
      expect(a.stats.netPnl > b.stats.netPnl || (a.stats.netPnl === b.stats.netPnl && a.index < b.index)).toBe(true);
    }
    for (const r of s.ranked) expect(r.params).toEqual(variants[r.index]);
    expect(s.deflatedSharpe).not.toBeNull();
  });

  it("property: the outcome is identical whatever order and batches the results arrive in (sweep and walk-forward)", async () => {
    const reference = {
      sweep: await optimize(new InProcessRunner(context), sweep),
      walk: await optimize(new InProcessRunner(context), walk),
    };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const order = (n: number) => {
          // A seeded shuffle (the property's own seed decides it).
          const idx = Array.from({ length: n }, (_, i) => i);
          let s = seed || 1;
          for (let i = n - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            const j = s % (i + 1);
            [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
          }
          return idx;
        };
        expect(await optimize(new ShuffledRunner(order), sweep)).toEqual(reference.sweep);
        expect(await optimize(new ShuffledRunner(order), walk)).toEqual(reference.walk);
      }),
      { numRuns: 25 },
    );
  });

  it("walks forward: each window's in-sample winner run out of sample, stitched, with the efficiency", async () => {
    const out = await optimize(new InProcessRunner(context), walk);
    if (out.mode !== "walk-forward") throw new Error("a walk-forward");
    const wf = out.walkForward;
    expect(taskCount(walk)).toBe(3 * 21 + 3);
    expect(wf.windows).toHaveLength(3);
    let level = 100_000;
    let total = 0;
    for (const w of wf.windows) {
      expect(w.inSample.tried).toBe(21);
      const best = w.inSample.ranked[0];
      expect(w.best).toEqual(best);
      const oos = w.outOfSample;
      if (!oos?.ok || !best) throw new Error("every window has a winner here");
      // The winner's test run is the same variant over the test bars.
      const again = runVariantTask(context, {
        index: 0,
        params: best.params,
        from: w.window.test.from,
        to: w.window.test.to,
      });
      expect(again.ok && again.stats.netPnl).toBe(oos.stats.netPnl);
      expect(oos.equity?.length).toBe(2);
      total += oos.stats.netPnl;
    }
    expect(wf.outOfSampleNet).toBeCloseTo(total, 9);
    // The stitched curve starts at the cash, and each window starts where the last ended.
    expect(wf.stitched[0]?.v).toBe(level);
    for (const w of wf.windows) {
      const at = wf.stitched.findIndex((p) => p.t === w.window.test.start);
      expect(wf.stitched[at]?.v).toBeCloseTo(level, 9);
      level += w.outOfSample?.ok ? w.outOfSample.stats.netPnl : 0;
    }
    expect(wf.stitched.at(-1)?.v).toBeCloseTo(level, 9);
  });

  it("reports a failed variant with its error and ranks the others", async () => {
    const failing: VariantRunner = {
      async run(tasks, onResult) {
        for (const t of tasks)
          onResult(t.index === 3 ? { index: 3, ok: false, error: "worker exploded" } : computed(t));
      },
    };
    const out = await optimize(failing, sweep);
    if (out.mode !== "sweep") throw new Error("a sweep");
    expect(out.complete).toBe(true);
    expect(out.sweep.failed).toEqual([{ index: 3, params: variants[3], error: "worker exploded" }]);
    expect(out.sweep.ranked.some((r) => r.index === 3)).toBe(false);
    expect(out.sweep.ranked.length + out.sweep.excluded.length).toBe(20);
  });

  it("excludes variants with fewer trades than --min-trades", async () => {
    const out = await optimize(new ShuffledRunner((n) => Array.from({ length: n }, (_, i) => i)), {
      ...sweep,
      judging: { objective: "sharpe", minTrades: 12 },
    });
    if (out.mode !== "sweep") throw new Error("a sweep");
    expect(out.sweep.excluded.length).toBeGreaterThan(0);
    for (const e of out.sweep.excluded) {
      expect(e.stats.trades).toBeLessThan(12);
      expect(e.reason).toBe(`${e.stats.trades} trades, fewer than --min-trades 12`);
    }
    for (const r of out.sweep.ranked) expect(r.stats.trades).toBeGreaterThanOrEqual(12);
  });

  it("stops when aborted and keeps what ran, marked incomplete (sweep and walk-forward)", async () => {
    const signal = { aborted: false };
    let n = 0;
    const out = await optimize(new InProcessRunner(context), sweep, signal, () => {
      if (++n === 5) signal.aborted = true;
    });
    expect(out.complete).toBe(false);
    if (out.mode !== "sweep") throw new Error("a sweep");
    expect(out.sweep.tried).toBe(5);
    expect(out.sweep.total).toBe(21);
    const wfSignal = { aborted: false };
    let m = 0;
    const wf = await optimize(new InProcessRunner(context), walk, wfSignal, () => {
      if (++m === 30) wfSignal.aborted = true;
    });
    if (wf.mode !== "walk-forward") throw new Error("a walk-forward");
    expect(wf.complete).toBe(false);
    expect(wf.walkForward.windows.map((w) => w.inSample.tried)).toEqual([21, 9, 0]);
    expect(wf.walkForward.windows.every((w) => w.outOfSample === undefined)).toBe(true);
  });
});
