/**
 * Backtest/live parity on the installed `tradeplan`: a replay at speed max
 * through the live session (`run --feed replay --speed max --result`) and
 * `backtest --config --format json` on the same tradeplan.yaml give the same
 * result document, and their audit journals hold the same orders and fills,
 * one for one.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, sharedFile, tradeplan, workdir, writeFiles } from "./harness.js";

interface Case {
  readonly plan: string;
  readonly data: string;
  /** `feed.replay` lines matching the data: its zone and how its rows are stamped. */
  readonly replay: string;
}

/** Not the defaults, so that a setting one command took from elsewhere shows. */
const SETTINGS = `broker:
  paper:
    initialCash: 250000
    commissionPerShare: 0.01
    commissionMinimum: 2
    slippageBps: 2
risk:
  maxOrdersPerMinute: 30
`;

const full = (c: Case) =>
  `feed:\n  type: replay\n  replay:\n    file: data.csv\n${c.replay}${SETTINGS}breaker:\n  enabled: true\n  mode: HALTED\n`;
const minimal = (c: Case) => `feed:\n  type: replay\n  replay:\n    file: data.csv\n${c.replay}`;

interface AuditRecord {
  readonly seq: number;
  readonly payload: { clientOrderId?: string; order?: { clientOrderId: string; side: string; quantity: number } } & {
    quantity?: number;
    price?: number;
  };
}

/** Records of one kind, oldest first, through the installed `tradeplan audit query`. */
async function records(dir: string, db: string, kind: string): Promise<AuditRecord[]> {
  const r = await tradeplan(["audit", "query", db, "--kind", kind, "--limit", "100000", "--format", "json"], {
    cwd: dir,
  });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as AuditRecord[]).sort((a, b) => a.seq - b.seq);
}

async function ordersAndFills(dir: string, db: string): Promise<{ orders: string[]; fills: string[] }> {
  const orders = (await records(dir, db, "order")).map(
    (r) => `${r.payload.order?.clientOrderId} ${r.payload.order?.side} ${r.payload.order?.quantity}`,
  );
  const fills = (await records(dir, db, "fill")).map(
    (r) => `${r.payload.clientOrderId} ${r.payload.quantity} @ ${r.payload.price}`,
  );
  return { orders, fills };
}

async function expectParity(root: string, name: string, c: Case, config: string): Promise<void> {
  const dir = join(root, name);
  mkdirSync(dir);
  copyFileSync(c.data, join(dir, "data.csv"));
  copyFileSync(c.plan, join(dir, "plan.plan"));
  writeFiles(dir, { "tradeplan.yaml": config });
  const run = await tradeplan(
    ["run", "plan.plan", "--feed", "replay", "--speed", "max", "--result", "run.json", "--audit", "run.db"],
    { cwd: dir },
  );
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toContain("the feed has no more bars");
  // The breaker never trips on the data's own gaps, nights and weekends.
  expect(run.stderr).not.toContain("circuit breaker open");
  const bt = await tradeplan(
    ["backtest", "plan.plan", "--config", "tradeplan.yaml", "--format", "json", "--audit", "bt.db"],
    { cwd: dir },
  );
  expect(bt.code, bt.stderr).toBe(0);
  const live = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as { signals: unknown[]; trades: unknown[] };
  const backtest = JSON.parse(bt.stdout) as typeof live;
  expect(backtest.trades.length).toBeGreaterThan(3);
  expect(live.signals).toEqual(backtest.signals);
  expect(live.trades).toEqual(backtest.trades);
  expect(live).toEqual(backtest);
  const a = await ordersAndFills(dir, "run.db");
  const b = await ordersAndFills(dir, "bt.db");
  expect(a.orders.length).toBeGreaterThan(3);
  expect(a.orders).toEqual(b.orders);
  expect(a.fills).toEqual(b.fills);
  const verify = await tradeplan(["audit", "verify", "run.db"], { cwd: dir });
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
}

describe("tradeplan run --speed max (installed) decides what tradeplan backtest decides", () => {
  const root = workdir();
  const demo: Case = {
    plan: join(ROOT, "examples/plans/demo.plan"),
    data: join(ROOT, "examples/data/demo-1m.csv"),
    replay: "    timestamps: open\n    timezone: America/New_York\n",
  };

  it("on the bundled demo data, config matching the data, breaker configured", async () => {
    await expectParity(root, "demo-full", demo, full(demo));
  });

  it("on the bundled demo data, no breaker section", async () => {
    await expectParity(root, "demo-minimal", demo, minimal(demo));
  });

  // A Euro Stoxx 50 future in Berlin time, 09:01-22:00, naive local close stamps (../shared/data/README.md).
  const real = sharedFile("index-future-2006-1m.csv");
  const euro: Case | undefined =
    real === undefined
      ? undefined
      : {
          plan: join(ROOT, "examples/plans/european-index.plan"),
          data: real,
          replay: "    timestamps: close\n    timezone: Europe/Berlin\n",
        };

  it.skipIf(!euro)("on the real 1-minute index future, config matching the data, breaker configured", async () => {
    if (euro) await expectParity(root, "euro-full", euro, full(euro));
  });

  it.skipIf(!euro)("on the real 1-minute index future, no breaker section", async () => {
    if (euro) await expectParity(root, "euro-minimal", euro, minimal(euro));
  });
});
