import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "@tradeplan/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, tempDir } from "./helpers.js";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const SHARED = resolve(ROOT, "../shared/data/index-future-2006-1m.csv");

interface Case {
  readonly plan: string;
  readonly data: string;
  /** `feed.replay` lines matching the data: its zone and how its rows are stamped. */
  readonly replay: string;
}

const DEMO: Case = {
  plan: join(ROOT, "examples/plans/demo.plan"),
  data: join(ROOT, "examples/data/demo-1m.csv"),
  replay: "    timestamps: open\n    timezone: America/New_York\n",
};
// A Euro Stoxx 50 future, Europe/Berlin, 09:01-22:00, naive local bar-close stamps (../shared/data/README.md).
const EURO: Case = {
  plan: join(ROOT, "examples/plans/european-index.plan"),
  data: SHARED,
  replay: "    timestamps: close\n    timezone: Europe/Berlin\n",
};

/** Settings both commands read from the file: not the defaults, so that a setting taken from elsewhere shows. */
const SHARED_SETTINGS = `broker:
  paper:
    initialCash: 250000
    commissionPerShare: 0.01
    commissionMinimum: 2
    slippageBps: 2
risk:
  maxOrdersPerMinute: 30
engine:
  default_shares: 7
`;

/** A replay config whose zone and stamps match the data, with the circuit breaker configured. */
function fullConfig(c: Case): string {
  return `feed:\n  type: replay\n  replay:\n    file: data.csv\n${c.replay}${SHARED_SETTINGS}breaker:\n  enabled: true\n  mode: HALTED\n  max_rejected_bars: 20\n  rejected_window_ms: 60000\n`;
}

/** The least a replay needs: no breaker section at all (the breaker is on with its defaults). */
function minimalConfig(c: Case): string {
  return `feed:\n  type: replay\n  replay:\n    file: data.csv\n${c.replay}`;
}

interface Journal {
  orders: string[];
  fills: string[];
}

/** Orders and fills of an audit journal, one line each, in order. */
function journal(path: string): Journal {
  const db = openDatabase(path, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT kind, bar_time, payload FROM audit_records WHERE kind IN ('order', 'fill') ORDER BY seq")
      .all() as { kind: string; bar_time: number | null; payload: string }[];
    const out: Journal = { orders: [], fills: [] };
    for (const r of rows) {
      const p = JSON.parse(r.payload) as Record<string, unknown>;
      const order = p.order as { clientOrderId: string; side: string; quantity: number } | undefined;
      if (r.kind === "order") out.orders.push(`${order?.clientOrderId} ${order?.side} ${order?.quantity}`);
      else out.fills.push(`${String(p.clientOrderId)} ${String(p.quantity)} @ ${String(p.price)}`);
    }
    return out;
  } finally {
    db.close();
  }
}

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

/**
 * `run --feed replay --speed max --result` and `backtest --config --format json` on the same config:
 * the same result document, and the same orders and fills one for one in their audit journals.
 */
async function expectParity(name: string, c: Case, config: string): Promise<void> {
  const work = join(dir, name);
  mkdirSync(work);
  copyFileSync(c.data, join(work, "data.csv"));
  copyFileSync(c.plan, join(work, "plan.plan"));
  writeFileSync(join(work, "tradeplan.yaml"), config);
  const run = await cli(
    ["run", "plan.plan", "--feed", "replay", "--speed", "max", "--result", "run.json", "--audit", "run.db"],
    work,
  );
  expect(run.code, run.err).toBe(0);
  expect(run.err).toContain("session stopped: the feed has no more bars");
  // No trip on the data's own gaps, nights or weekends.
  expect(run.err).not.toContain("circuit breaker open");
  expect(run.err).not.toMatch(/"level":40/);
  const bt = await cli(
    ["backtest", "plan.plan", "--config", "tradeplan.yaml", "--format", "json", "--audit", "bt.db"],
    work,
  );
  expect(bt.code, bt.err).toBe(0);
  const live = JSON.parse(readFileSync(join(work, "run.json"), "utf8")) as { signals: unknown[]; trades: unknown[] };
  const backtest = JSON.parse(bt.out) as typeof live;
  // The plan trades, or the comparison proves little.
  expect(backtest.trades.length).toBeGreaterThan(3);
  expect(live.signals).toEqual(backtest.signals);
  expect(live.trades).toEqual(backtest.trades);
  expect(live).toEqual(backtest);
  const a = journal(join(work, "run.db"));
  const b = journal(join(work, "bt.db"));
  expect(a.orders.length).toBeGreaterThan(3);
  expect(a.orders).toEqual(b.orders);
  expect(a.fills).toEqual(b.fills);
}

describe("tradeplan run --speed max: the same decisions as tradeplan backtest", () => {
  it("on the bundled demo data, with a config matching the data and its breaker configured", {
    timeout: 120_000,
  }, async () => {
    await expectParity("demo-full", DEMO, fullConfig(DEMO));
  });

  it("on the bundled demo data, with a config that has no breaker section", { timeout: 120_000 }, async () => {
    await expectParity("demo-minimal", DEMO, minimalConfig(DEMO));
  });
});

describe.skipIf(!existsSync(SHARED))(
  "tradeplan run --speed max on the real 1-minute index future (skipped without ../shared/data)",
  () => {
    it("with a config whose zone and stamps match the data, breaker configured", { timeout: 300_000 }, async () => {
      await expectParity("euro-full", EURO, fullConfig(EURO));
    });

    it("with a minimal config (no breaker section): no trip on gaps, nights or weekends", {
      timeout: 300_000,
    }, async () => {
      await expectParity("euro-minimal", EURO, minimalConfig(EURO));
    });
  },
);

describe("run --speed/--result and backtest --config: bad usage", () => {
  it("refuses a bad speed, a result for several plans or another broker, and speed on a live feed (exit 2)", async () => {
    const work = join(dir, "usage");
    mkdirSync(work);
    copyFileSync(DEMO.data, join(work, "data.csv"));
    copyFileSync(DEMO.plan, join(work, "plan.plan"));
    writeFileSync(join(work, "other.plan"), readFileSync(DEMO.plan, "utf8").replace('plan "', 'plan "other '));
    writeFileSync(join(work, "tradeplan.yaml"), minimalConfig(DEMO));
    const speed = await cli(["run", "plan.plan", "--speed", "fastest"], work);
    expect(speed.code).toBe(2);
    expect(speed.err).toContain("invalid --speed: must be max or a number in (0, 1000000]");
    const two = await cli(["run", "plan.plan", "other.plan", "--result", "r.json"], work);
    expect(two.code).toBe(2);
    expect(two.err).toContain("--result writes a backtest result document: it needs exactly one plan");
    const ib = await cli(["run", "plan.plan", "--broker", "ib", "--result", "r.json"], work);
    expect(ib.code).toBe(2);
    expect(ib.err).toContain("the paper broker");
    const live = await cli(["run", "plan.plan", "--feed", "ib", "--speed", "max"], work);
    expect(live.code).toBe(2);
    expect(live.err).toContain("--speed applies to the replay and sim feeds, not to ib");
    expect(existsSync(join(work, "r.json"))).toBe(false);
  });

  it("backtest --config: a bad file is exit 2 with its line; flags win over the file", async () => {
    const work = join(dir, "config");
    mkdirSync(work);
    copyFileSync(DEMO.data, join(work, "data.csv"));
    copyFileSync(DEMO.plan, join(work, "plan.plan"));
    writeFileSync(join(work, "bad.yaml"), "broker:\n  paper:\n    initalCash: 5\n");
    const bad = await cli(["backtest", "plan.plan", "--data", "data.csv", "--config", "bad.yaml"], work);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("bad.yaml:3:5: broker.paper.initalCash: unknown key");
    writeFileSync(join(work, "tradeplan.yaml"), `${minimalConfig(DEMO)}broker:\n  paper:\n    initialCash: 40000\n`);
    const fromFile = await cli(["backtest", "plan.plan", "--config", "tradeplan.yaml", "--format", "json"], work);
    expect(fromFile.code, fromFile.err).toBe(0);
    const a = JSON.parse(fromFile.out) as { stats: { startEquity: number }; signals: { time: string }[] };
    expect(a.stats.startEquity).toBe(40_000);
    // The file says the rows carry open times; the flag says close times: every bar moves a minute earlier.
    const flag = await cli(
      ["backtest", "plan.plan", "--config", "tradeplan.yaml", "--timestamps", "close", "--format", "json"],
      work,
    );
    expect(flag.code, flag.err).toBe(0);
    const b = JSON.parse(flag.out) as typeof a;
    expect(b.stats.startEquity).toBe(40_000);
    expect(b.signals.map((x) => x.time)).not.toEqual(a.signals.map((x) => x.time));
  });
});
