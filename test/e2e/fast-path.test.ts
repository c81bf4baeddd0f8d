import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, sharedFile, tradeplan, workdir, writeFiles } from "./harness.js";

/**
 * The columnar fast path through the installed binary: `tradeplan backtest`
 * and `tradeplan optimize` take it for a plan that allows it (`--verbose`
 * says so), give what `--event-path` (every bar through the engine) gives,
 * and fall back to the event path, saying why, where it cannot run.
 */
describe("the columnar fast path from the installed CLI", () => {
  const dir = workdir();
  const breakout = readFileSync(join(ROOT, "examples/futures/eurostoxx-breakout.plan"), "utf8");
  writeFiles(dir, {
    "breakout.plan": breakout,
    "sweep.plan": [
      'plan "fast path sweep"',
      "symbol FESX",
      'timezone "Europe/Berlin"',
      "session regular",
      "param lookback = 12 in 6..18 step 6",
      "param trail = 0.3% in 0.2%..0.4% step 0.1%",
      "on 5m close crosses above highest(high, lookback)[1] between 09:30 and 17:00 enter long size 2 shares",
      "on 1m trailing stop trail",
      "",
    ].join("\n"),
  });
  const real = sharedFile("index-future-2006-1m.csv");
  const config = join(ROOT, "examples/futures/eurostoxx.yaml");
  const data = ["--data", real ?? "", "--timestamps", "close", "--config", config];

  it.runIf(real)(
    "backtest: columnar by default, the event path's result to the byte",
    async () => {
      const fast = await tradeplan(["backtest", "breakout.plan", ...data, "--format", "json", "--verbose"], {
        cwd: dir,
      });
      expect(fast.code, fast.stderr).toBe(0);
      expect(fast.stderr).toMatch(/^path: columnar /m);
      const event = await tradeplan(
        ["backtest", "breakout.plan", ...data, "--format", "json", "--verbose", "--event-path"],
        { cwd: dir },
      );
      expect(event.code, event.stderr).toBe(0);
      expect(event.stderr).toMatch(/^path: event \(the event path was asked for\)$/m);
      const result = JSON.parse(fast.stdout) as { bars: number; trades: unknown[]; signals: unknown[] };
      expect(result.bars).toBeGreaterThan(20_000);
      expect(result.trades.length).toBeGreaterThan(5);
      expect(fast.stdout).toBe(event.stdout);
    },
    120_000,
  );

  it.runIf(real)(
    "backtest --explain needs every evaluation: the event path, and it says why",
    async () => {
      const r = await tradeplan(["backtest", "breakout.plan", ...data, "--explain", "2006-01-10 10:05", "--verbose"], {
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^path: event \(every evaluation is recorded \(--explain or --audit\)\)$/m);
    },
    120_000,
  );

  it.runIf(real)(
    "optimize: every variant on the fast path equals the event path's, sweep and walk-forward",
    async () => {
      for (const extra of [[], ["--walk-forward", "train=2w test=1w"]]) {
        const args = ["optimize", "sweep.plan", ...data, "--format", "json", "--jobs", "1", "--verbose", ...extra];
        const fast = await tradeplan(args, { cwd: dir, timeoutMs: 240_000 });
        expect(fast.code, fast.stderr).toBe(0);
        expect(fast.stderr).toMatch(/^path: columnar /m);
        const event = await tradeplan([...args, "--event-path"], { cwd: dir, timeoutMs: 240_000 });
        expect(event.code, event.stderr).toBe(0);
        expect(event.stderr).toMatch(/^path: event /m);
        expect(JSON.parse(fast.stdout)).toEqual(JSON.parse(event.stdout));
      }
    },
    480_000,
  );
});
