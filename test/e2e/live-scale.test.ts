/**
 * `tradeplan run` (installed) with 1,000 symbols on the simulated feed: the
 * start-up refills a 1,000-bar 5-minute cache from the simulation's history
 * days, the metrics endpoint is up while it does, the session goes ACTIVE
 * and decides on every timeframe, memory stays bounded, and SIGTERM ends the
 * process within 2 s both in the middle of the start-up and while streaming.
 * (Before, such a run never finished starting: GBs of RSS, no output, no
 * endpoint, SIGTERM ignored while a per-bar commit of the whole state ran.)
 * The bounds are loose, for a loaded 2-core machine; the figures are in
 * BENCHMARKS.md (`pnpm bench live`).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Running, start, tradeplan, workdir, writeFiles } from "./harness.js";

const SYMBOLS = Array.from({ length: 1000 }, (_, i) => `S${i}`);
const PLAN = `plan "a thousand symbols"
symbols ${SYMBOLS.slice(0, 500).join(", ")}
symbols ${SYMBOLS.slice(500).join(", ")}
session regular

on 1m close crosses above sma(close, 20) enter long size 10 shares
on 5m close above highest(high, 999)[1] enter long size 10 shares
on 15m close crosses below lowest(low, 20)[1] exit long
`;

/** Session days of history: the 5-minute cache needs 13; more makes the start-up long enough to interrupt. */
const CONFIG = `feed:
  type: sim
  sim:
    from: "2024-03-04"
    days: 10
    history_days: 30
    speed: 120
execution_logging:
  level: warn
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function metrics(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

function gauge(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Polls the endpoint until `accept` holds; fails after `ms` or when the process exits first. */
async function until(run: Running, port: number, accept: (text: string) => boolean, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`exited ${run.child.exitCode}: ${run.stderr().slice(-3000)}`);
    const text = await metrics(port);
    if (text !== undefined && accept(text)) return text;
    if (Date.now() > deadline) throw new Error(`not there after ${ms} ms; stderr: ${run.stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function rssMiB(pid: number | undefined): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1]) / 1024;
}

describe("tradeplan run (installed): 1,000 symbols", () => {
  const dir = workdir();
  writeFiles(dir, { "scale.plan": PLAN, "tradeplan.yaml": CONFIG });

  it("serves metrics while it starts, goes ACTIVE, decides on every timeframe, and answers SIGTERM within 2 s", async () => {
    const port = await freePort();
    const run = start(["run", "scale.plan", "--audit", "run.db", "--metrics-port", String(port)], { cwd: dir });
    await until(run, port, () => true, 60_000);
    await until(run, port, (t) => gauge(t, 'tradeplan_trading_state{state="ACTIVE"}') === 1, 120_000);
    // Every timeframe decides for all its symbols (a 15-minute bar is 7.5 s at speed 120).
    await until(
      run,
      port,
      (t) => (gauge(t, 'tradeplan_decision_latency_seconds_count{timeframe="15m"}') ?? 0) >= 2000,
      120_000,
    );
    expect(rssMiB(run.child.pid)).toBeLessThan(1536);
    const sent = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const summary = JSON.parse(r.stdout) as { state: string; stopped: string; stats: { warmUpCloses: number } };
    expect(summary).toMatchObject({ state: "ACTIVE", stopped: "SIGTERM received" });
    // The 5-minute caches were filled at start: 1,001 bars for each of the thousand symbols.
    expect(summary.stats.warmUpCloses).toBeGreaterThan(1_000_000);
    const verify = await tradeplan(["audit", "verify", "run.db"], { cwd: dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it("answers SIGTERM within 2 s in the middle of the start-up: exit 0, nothing decided", async () => {
    const port = await freePort();
    const run = start(["run", "scale.plan", "--audit", join(dir, "early.db"), "--metrics-port", String(port)], {
      cwd: dir,
    });
    const text = await until(run, port, () => true, 60_000);
    expect(gauge(text, 'tradeplan_trading_state{state="INITIALIZING"}')).toBe(1);
    const sent = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      stopped: "SIGTERM received during the start-up",
      state: "INITIALIZING",
      stats: { closes: 0 },
    });
  });
});
