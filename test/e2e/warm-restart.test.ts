/**
 * kill -9 of the installed `tradeplan run` at seeded random moments, restarted
 * each time: the journal verifies after every restart, and at the end every
 * evaluation (with its reasoning, so a rule that came back cold shows),
 * signal, order and fill, the positions and the account equal an
 * uninterrupted run's. The plan trades `session always` in Berlin over data
 * that stops every night and for a weekend, and its rules need 41 closed
 * 15-minute bars: every restart on a morning must reach back into earlier
 * days for its warm-up (from the feed's history, see docs/run.md).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { start, tradeplan, workdir, writeFiles } from "./harness.js";

const KILLS = 20;

const PLAN = `plan "warm restart"
symbol FDAX
timezone "Europe/Berlin"
session always

on 15m close crosses above sma(close, 20) with close > sma(close, 40) enter long size 1 shares
on 15m close crosses below sma(close, 20) exit long
on 5m close < lowest(low, 12)[1] exit long
on 1m trailing stop 0.4%
`;

// No breaker section: the defaults must not change a decision across restarts either.
const CONFIG = `feed:
  type: replay
  replay:
    file: bars.csv
    timezone: Europe/Berlin
    speed: max
`;

/** mulberry32: a seeded generator, the same sequence everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 1-minute bars, 09:00-22:00 Berlin (open stamps, naive local time) on Friday 8, Monday 11 and Tuesday 12 March 2024. */
function barsCsv(): string {
  const next = rng(8);
  const rows = ["Date,Time,Open,High,Low,Close,Volume"];
  let price = 17_800;
  for (const day of ["2024-03-08", "2024-03-11", "2024-03-12"]) {
    price *= 1 + (next() - 0.5) * 0.01;
    for (let m = 9 * 60; m < 22 * 60; m++) {
      const open = price;
      const close = open * (1 + (next() - 0.5) * 0.002);
      const high = Math.max(open, close) * (1 + next() * 0.0005);
      const low = Math.min(open, close) * (1 - next() * 0.0005);
      price = close;
      const hhmm = `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}:00`;
      rows.push(
        `${day},${hhmm},${open.toFixed(1)},${high.toFixed(1)},${low.toFixed(1)},${close.toFixed(1)},${1 + Math.floor(next() * 500)}`,
      );
    }
  }
  return `${rows.join("\n")}\n`;
}

interface Record_ {
  readonly seq: number;
  readonly kind: string;
  readonly bar_time: number | null;
  readonly rule: string | null;
  readonly action: string | null;
  readonly reasoning: string | null;
  readonly payload: Record<string, unknown>;
}

/** Every decision of a journal, oldest first, through the installed `tradeplan audit query`. */
async function decisions(dir: string, db: string): Promise<string[]> {
  const all: Record_[] = [];
  for (const kind of ["evaluation", "signal", "suppressed", "risk", "order", "fill", "error"]) {
    const r = await tradeplan(["audit", "query", db, "--kind", kind, "--limit", "100000", "--format", "json"], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    all.push(...(JSON.parse(r.stdout) as Record_[]));
  }
  return all
    .sort((a, b) => a.seq - b.seq)
    .map((r) => {
      const p = r.payload;
      const order = p.order as { clientOrderId?: string; quantity?: number } | undefined;
      const detail =
        r.kind === "order"
          ? `${order?.clientOrderId} ${order?.quantity}`
          : r.kind === "fill"
            ? `${String(p.clientOrderId)} ${String(p.quantity)} @ ${String(p.price)}`
            : "";
      const why = r.kind === "evaluation" || r.kind === "signal" ? ` | ${r.reasoning}` : "";
      return `${r.kind} ${r.bar_time} ${r.kind === "fill" ? "" : r.rule} ${r.action} ${detail}${why}`;
    });
}

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From "session ACTIVE" to the exit, ms. */
  readonly activeMs: number;
}

/** One `tradeplan run`; SIGKILLed `killMs` after ACTIVE, or `-killMs` after the spawn when negative. */
async function run(dir: string, db: string, killMs?: number): Promise<Outcome> {
  const p = start(["run", "plan.plan", "--audit", db], { cwd: dir });
  let activeAt: number | undefined;
  const kill = (ms: number) => setTimeout(() => p.child.kill("SIGKILL"), Math.max(0, ms));
  if (killMs !== undefined && killMs < 0) kill(-killMs);
  const active = p.waitFor(/session ACTIVE/, 60_000).then(
    () => {
      activeAt = performance.now();
      if (killMs !== undefined && killMs >= 0) kill(killMs);
    },
    () => undefined,
  );
  const done = await p.done;
  await active;
  return { ...done, activeMs: activeAt === undefined ? 0 : performance.now() - activeAt };
}

describe("kill -9 of the installed tradeplan run, restarted each time", () => {
  const dir = workdir();
  writeFiles(dir, { "plan.plan": PLAN, "tradeplan.yaml": CONFIG, "bars.csv": barsCsv() });

  it(`comes back warm: every decision equals an uninterrupted run's (${KILLS} kills at seeded random moments)`, async () => {
    const clean = await run(dir, "clean.db");
    expect(clean.code, clean.stderr).toBe(0);
    const expected = await decisions(dir, "clean.db");
    expect(expected.filter((d) => d.startsWith("order ")).length).toBeGreaterThan(4);
    // The long average is warm from Friday evening on; a restart must never make it cold again.
    const warmFrom = Date.parse("2024-03-08T19:00:00Z");
    expect(expected.filter((d) => d.includes("not warm") && Number(d.split(" ")[1]) > warmFrom)).toEqual([]);

    const next = rng(20240311);
    // Kills spread over the whole replay, however fast this machine runs it.
    const window = Math.max(20, (2 * clean.activeMs) / KILLS);
    let kills = 0;
    for (let runs = 0; kills < KILLS; runs++) {
      expect(runs).toBeLessThan(KILLS * 3);
      const early = next() < 0.2;
      const ms = early ? -Math.floor(next() * 400) : Math.floor(next() * window);
      const out = await run(dir, "crashed.db", ms);
      if (out.signal === "SIGKILL") kills++;
      else expect(out.code, out.stderr).toBe(0);
      if (existsSync(join(dir, "crashed.db"))) {
        const verify = await tradeplan(["audit", "verify", "crashed.db"], { cwd: dir });
        expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      }
    }
    const last = await run(dir, "crashed.db");
    expect(last.code, last.stderr).toBe(0);
    expect(await decisions(dir, "crashed.db")).toEqual(expected);
    const summary = (out: Outcome) => {
      const s = JSON.parse(out.stdout) as { positions: unknown; account: unknown };
      return { positions: s.positions, account: s.account };
    };
    expect(summary(last)).toEqual(summary(clean));
    // About 70 processes (a clean run, 20+ killed ones, an audit verify after each, the journal queries): on two
    // loaded cores, with the rest of the suite beside it, that took more than the default 300 s.
  }, 900_000);
});
