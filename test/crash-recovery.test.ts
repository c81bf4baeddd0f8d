import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  barsToCsv,
  calendarFor,
  generateBars,
  Mulberry32,
  openDatabase,
  tradingSessions,
  verifyJournal,
} from "@tradeplan/runtime";
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
    const arm = (ms: number) => {
      armed = true;
      setTimeout(() => p.kill("SIGKILL"), Math.max(0, ms));
    };
    if (killAfterMs !== undefined && killAfterMs < 0) arm(-killAfterMs);
    p.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (killAfterMs !== undefined && !armed && stderr.includes("session ACTIVE")) arm(killAfterMs);
    });
    p.on("error", fail);
    p.on("close", (code, signal) => done({ code, signal, stderr }));
  });
}

interface Row {
  kind: string;
  bar_time: number | null;
  rule: string | null;
  action: string | null;
  payload: string;
}

/** What the runs must agree on, read from the journal and the saved state. */
function results(db: string) {
  const conn = openDatabase(join(dir, db), { readonly: true });
  try {
    const rows = conn
      .prepare(
        "SELECT kind, bar_time, rule, action, payload FROM audit_records WHERE kind IN ('evaluation','signal','suppressed','risk','order','fill','error') ORDER BY seq",
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
      return `${r.kind} ${r.bar_time}${rule} ${r.action} ${detail}`.trim();
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
  dir = mkdtempSync(join(tmpdir(), "tradeplan-crash-"));
  // Under the root node_modules, where the runtime's lazy require of better-sqlite3 finds it.
  child = join(ROOT, "node_modules", ".cache", `crash-child-${process.pid}.mjs`);
  const sessions = tradingSessions(calendarFor("regular"), "2024-03-04", 1);
  const bars = [...generateBars({ symbol: "DEMO", seed: 11, interval: "1m" }, sessions)].slice(0, 150);
  writeFileSync(join(dir, "bars.csv"), barsToCsv(bars, "America/New_York"));
  writeFileSync(join(dir, "plan.plan"), PLAN);
  writeFileSync(join(dir, "tradeplan.yaml"), CONFIG);
  await bundleChild(child);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(child, { force: true });
});

describe("crash recovery: a replay killed with SIGKILL at random points", () => {
  // About 20 s on an idle two-core machine; the limit leaves room for a loaded one (each run is a fresh process).
  it(`ends with the same decisions, orders and positions as an uninterrupted run (${KILLS} kills)`, {
    timeout: 240_000,
  }, async () => {
    const clean = await runChild("clean.db");
    expect(clean.code, clean.stderr).toBe(0);
    const expected = results("clean.db");
    // The plan must actually trade, or the comparison proves little.
    expect(expected.decisions.filter((d) => d.startsWith("order ")).length).toBeGreaterThan(4);
    verify("clean.db");

    const rng = new Mulberry32(20240304);
    let kills = 0;
    let runs = 0;
    for (; kills < KILLS; runs++) {
      // Mostly while streaming; one in five during startup (restore, refill, reconcile).
      const early = rng.next() < 0.2;
      const ms = early ? -Math.floor(rng.next() * 250) : Math.floor(rng.next() * 120);
      const out = await runChild("crashed.db", ms);
      if (out.signal === "SIGKILL") kills++;
      else expect(out.code, out.stderr).toBe(0);
      verify("crashed.db");
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
  });
});
