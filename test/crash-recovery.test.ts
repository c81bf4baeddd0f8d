import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { barsToCsv, calendarFor, FixedHoursCalendar, generateBars, tradingSessions } from "@tradeplan/core";
import { Mulberry32 } from "@tradeplan/core/internal";
import { openDatabase, verifyJournal } from "@tradeplan/store";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const KILLS = 20;

// Highest and lowest are exact whatever bar they started on; averages keep a running sum whose last bits
// depend on where the indicator started, which could flip an exact tie after a restart (see docs/run.md).
const PLAN = `plan "crash"
symbol DEMO

on 1m close crosses above highest(high, 5)[1] enter long size 10 shares
on 1m close crosses below lowest(low, 5)[1] exit long
on 5m close crosses below lowest(low, 3)[1] enter short size 5 shares
on 5m close crosses above highest(high, 3)[1] exit short
on 1m trailing stop 0.2%
`;

const CONFIG = `bar_close_detection:
  grace_ms: 1000
engine:
  budget_ms: 60000
feed:
  type: replay
  replay:
    file: bars.csv
    speed: 20000
broker:
  type: paper
# The breaker holds a restarted session until fresh bars arrive; off, so every run decides on every bar.
breaker:
  enabled: false
`;

// Warm-up after a restart: a market that the plan trades "always" but that stops every night and weekend (an index
// future in Berlin, 09:00-22:00), rules that need the 15m stream's full lookback (sma(close, 40): 41 closed 15m bars,
// more than one trading day before noon), run at speed max with the breaker on its defaults (no breaker section).
// A restart that refilled by the calendar's estimate alone came back with those rules cold.
const WARM_PLAN = `plan "warm restart"
symbol FDAX
timezone "Europe/Berlin"
session always

on 15m close crosses above sma(close, 20) with close > sma(close, 40) enter long size 1 shares
on 15m close crosses below sma(close, 20) exit long
on 5m close < lowest(low, 12)[1] exit long
on 1m trailing stop 0.4%
`;

const WARM_CONFIG = `engine:
  budget_ms: 60000
feed:
  type: replay
  replay:
    file: bars.csv
    timezone: Europe/Berlin
    speed: max
broker:
  type: paper
`;

let root: string;
/** The scenario's folder (plan.plan, tradeplan.yaml, bars.csv and its databases). */
let dir: string;
let child: string;

/** Bundles the child once: tsx would spend most of each run compiling. */
async function bundleChild(out: string): Promise<void> {
  const sqlite = createRequire(join(ROOT, "packages/runtime/package.json")).resolve("better-sqlite3");
  await build({
    entryPoints: [join(ROOT, "test/fixtures/run-child.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: out,
    conditions: ["@tradeplan/source"],
    logLevel: "silent",
    // The native module stays outside the bundle, imported from where pnpm installed it.
    plugins: [
      {
        name: "native",
        setup: (b) => b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true })),
      },
    ],
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  });
}

interface Outcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Wall-clock milliseconds from "session ACTIVE" to the exit. */
  readonly activeMs: number;
}

/** Starts the child; with `killAfterMs`, SIGKILLs it that long after it reports ACTIVE (or after spawn when negative). */
function runChild(db: string, killAfterMs?: number): Promise<Outcome> {
  return new Promise((done, fail) => {
    const p: ChildProcess = spawn(process.execPath, [child, "plan.plan", "tradeplan.yaml", db], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    let armed = false;
    let activeAt: number | undefined;
    const arm = (ms: number) => {
      armed = true;
      setTimeout(() => p.kill("SIGKILL"), Math.max(0, ms));
    };
    if (killAfterMs !== undefined && killAfterMs < 0) arm(-killAfterMs);
    p.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (activeAt === undefined && stderr.includes("session ACTIVE")) activeAt = performance.now();
      if (killAfterMs !== undefined && !armed && activeAt !== undefined) arm(killAfterMs);
    });
    p.on("error", fail);
    p.on("close", (code, signal) =>
      done({ code, signal, stderr, activeMs: activeAt === undefined ? 0 : performance.now() - activeAt }),
    );
  });
}

interface Row {
  kind: string;
  bar_time: number | null;
  rule: string | null;
  action: string | null;
  reasoning: string | null;
  payload: string;
}

/** What the runs must agree on, read from the journal and the saved state. */
function results(db: string) {
  const conn = openDatabase(join(dir, db), { readonly: true });
  try {
    const rows = conn
      .prepare(
        "SELECT kind, bar_time, rule, action, reasoning, payload FROM audit_records WHERE kind IN ('evaluation','signal','suppressed','risk','order','fill','error') ORDER BY seq",
      )
      .all() as Row[];
    const decisions = rows.map((r) => {
      const p = JSON.parse(r.payload) as Record<string, unknown>;
      const order = p.order as { clientOrderId?: string; quantity?: number } | undefined;
      const detail =
        r.kind === "order"
          ? `${order?.clientOrderId ?? String(p.clientOrderId)} ${order?.quantity ?? ""}`
          : r.kind === "fill"
            ? `${String(p.clientOrderId)} ${String(p.quantity)} @ ${String(p.price)}`
            : "";
      // A fill names its rule only when the sink saw the order placed (not for an order placed before a restart).
      const rule = r.kind === "fill" ? "" : ` ${r.rule}`;
      // An evaluation's reasoning tells a cold rule ("not warm: needs 41 closed bars") from a warm one whose
      // condition is false: a restart that left a warm rule cold changes it even where the action stays NONE.
      const why = r.kind === "evaluation" || r.kind === "signal" ? ` | ${r.reasoning}` : "";
      return `${r.kind} ${r.bar_time}${rule} ${r.action} ${detail}`.trim() + why;
    });
    const positions = conn.prepare("SELECT symbol, quantity, avg_price FROM state_positions ORDER BY symbol").all();
    const account = conn.prepare("SELECT value FROM state_meta WHERE key = 'paper_account'").get() as { value: string };
    const working = conn.prepare("SELECT client_order_id FROM state_orders ORDER BY client_order_id").all();
    return { decisions, positions, account: JSON.parse(account.value) as unknown, working };
  } finally {
    conn.close();
  }
}

function verify(db: string): void {
  const conn = openDatabase(join(dir, db), { readonly: true });
  try {
    const report = verifyJournal(conn);
    expect(report.problem, JSON.stringify(report.problem)).toBeNull();
    expect(report.ok).toBe(true);
  } finally {
    conn.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tradeplan-crash-"));
  // Under the root node_modules, where the runtime's lazy require of better-sqlite3 finds it.
  child = join(ROOT, "node_modules", ".cache", `crash-child-${process.pid}.mjs`);
  const sessions = tradingSessions(calendarFor("regular"), "2024-03-04", 1);
  const bars = [...generateBars({ symbol: "DEMO", seed: 11, interval: "1m" }, sessions)].slice(0, 150);
  scenario("nyse", PLAN, CONFIG, barsToCsv(bars, "America/New_York"));
  // Friday, then Monday and Tuesday: restarts on Monday morning have a weekend behind them.
  const exchange = new FixedHoursCalendar({ name: "EU", zone: "Europe/Berlin", open: "09:00", close: "22:00" });
  const days = tradingSessions(exchange, "2024-03-08", 3);
  const fdax = [...generateBars({ symbol: "FDAX", seed: 8, interval: "1m", startPrice: 17_800 }, days)];
  scenario("warm", WARM_PLAN, WARM_CONFIG, barsToCsv(fdax, "Europe/Berlin"));
  await bundleChild(child);
});

/** Writes a scenario's files into its own folder. */
function scenario(name: string, plan: string, config: string, csv: string): void {
  const d = join(root, name);
  mkdirSync(d);
  writeFileSync(join(d, "bars.csv"), csv);
  writeFileSync(join(d, "plan.plan"), plan);
  writeFileSync(join(d, "tradeplan.yaml"), config);
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(child, { force: true });
});

/**
 * Kills the scenario's run at `KILLS` seeded random moments, restarting each time, and compares with a clean
 * run. A kill comes up to `killWindowMs` after the run reports ACTIVE; `"spread"` picks the window from the clean
 * run's duration so that the kills fall all over the data (a replay at speed max lasts as long as the machine takes).
 */
async function crashAndCompare(
  name: string,
  seed: number,
  killWindow: number | "spread",
): Promise<ReturnType<typeof results>> {
  dir = join(root, name);
  const clean = await runChild("clean.db");
  const killWindowMs = killWindow === "spread" ? Math.max(20, (2 * clean.activeMs) / KILLS) : killWindow;
  expect(clean.code, clean.stderr).toBe(0);
  const expected = results("clean.db");
  // The plan must actually trade, or the comparison proves little.
  expect(expected.decisions.filter((d) => d.startsWith("order ")).length).toBeGreaterThan(4);
  verify("clean.db");

  const rng = new Mulberry32(seed);
  let kills = 0;
  let runs = 0;
  for (; kills < KILLS; runs++) {
    // Mostly while streaming; one in five during startup (restore, refill, reconcile).
    const early = rng.next() < 0.2;
    const ms = early ? -Math.floor(rng.next() * 250) : Math.floor(rng.next() * killWindowMs);
    const out = await runChild("crashed.db", ms);
    if (out.signal === "SIGKILL") kills++;
    else expect(out.code, out.stderr).toBe(0);
    // A kill before the first run created its database leaves nothing to verify.
    if (existsSync(join(dir, "crashed.db"))) verify("crashed.db");
    expect(runs).toBeLessThan(KILLS * 3);
  }
  const last = await runChild("crashed.db");
  expect(last.code, last.stderr).toBe(0);
  verify("crashed.db");
  const got = results("crashed.db");
  expect(got.decisions).toEqual(expected.decisions);
  expect(got.positions).toEqual(expected.positions);
  expect(got.account).toEqual(expected.account);
  expect(got.working).toEqual(expected.working);
  return expected;
}

describe("crash recovery: a replay killed with SIGKILL at random points", () => {
  // About 20 s on an idle two-core machine; the limit leaves room for a loaded one (each run is a fresh process).
  it(`ends with the same decisions, orders and positions as an uninterrupted run (${KILLS} kills)`, {
    timeout: 240_000,
  }, async () => {
    await crashAndCompare("nyse", 20240304, 120);
  });

  it(`comes back warm after every restart, across nights and a weekend, at speed max with the default breaker (${KILLS} kills)`, {
    timeout: 300_000,
  }, async () => {
    const expected = await crashAndCompare("warm", 20240311, "spread");
    // The long average is warm from the first Friday afternoon on: every later evaluation of it computed a value.
    const warmFrom = Date.parse("2024-03-08T19:00:00Z");
    const cold = expected.decisions.filter((d) => d.includes("not warm") && Number(d.split(" ")[1]) > warmFrom);
    expect(cold).toEqual([]);
  });
});
