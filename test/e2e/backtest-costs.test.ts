/**
 * Costs, instruments and portfolios through the installed `tradeplan
 * backtest`, on the real files in ../shared/data (skipped with a message when
 * the folder is absent, as in a user's clone): the Euro Stoxx 50 future with
 * the example config that declares it (examples/futures/), and NVDA, ORCL
 * and YHOO daily in one account. The plans use `session always`, so the
 * results do not depend on which years an exchange calendar covers.
 * Every pinned figure is also recomputed here from the trade list.
 */
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SHARED_DATA, tradeplan, workdir, writeFiles } from "./harness.js";

const haveData = existsSync(SHARED_DATA);
if (!haveData) console.warn(`e2e backtest-costs: ${SHARED_DATA} is absent; the real-data backtests are skipped`);

interface Trade {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly quantity: number;
  readonly entryPrice: number;
  readonly exitPrice: number;
  readonly entryTime: string;
  readonly exitTime: string;
  readonly commission: number;
  readonly pnl: number;
}
interface Open {
  readonly symbol: string;
  readonly quantity: number;
  readonly avgPrice: number;
  readonly lastPrice: number;
  readonly unrealizedPnl: number;
}
interface Result {
  readonly bars: number;
  readonly rejected: number;
  readonly currency: string;
  readonly trades: readonly Trade[];
  readonly openPositions: readonly Open[];
  readonly perSymbol: Record<string, { trades: number; netPnl: number; commissions: number }>;
  readonly stats: { startEquity: number; endEquity: number; netPnl: number; trades: number; commissions: number };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe.skipIf(!haveData)("backtests with costs and instruments on the real data", () => {
  const dir = workdir("tradeplan-e2e-costs-");

  it("the Euro Stoxx 50 future: whole contracts, fills on the 1-point tick, P&L = points x 10 EUR - 1.50 a contract per fill", async () => {
    const args = [
      "backtest",
      join(ROOT, "examples/futures/eurostoxx-breakout.plan"),
      "--config",
      join(ROOT, "examples/futures/eurostoxx.yaml"),
      "--data",
      join(SHARED_DATA, "index-future-2006-1m.csv"),
      "--timestamps",
      "close",
      "--format",
      "json",
    ];
    const r = await tradeplan(args, { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(""); // the file's prices are all on the tick: no warning
    const res = JSON.parse(r.stdout) as Result;
    expect(res).toMatchObject({ bars: 30_889, rejected: 0, currency: "EUR" });
    // Pinned as the program computes them, and recomputed below from the trades.
    expect(res.stats.trades).toBe(50);
    expect(res.stats.endEquity).toBe(97_877);
    for (const t of res.trades) {
      expect(t.quantity).toBe(2);
      expect(Number.isInteger(t.entryPrice) && Number.isInteger(t.exitPrice)).toBe(true);
      expect(t.commission).toBe(2 * 2 * 1.5);
      expect(t.pnl).toBe(t.quantity * (t.exitPrice - t.entryPrice) * 10 - t.commission);
    }
    const open = res.openPositions.map((p) => p.quantity * (p.lastPrice - p.avgPrice) * 10 - p.quantity * 1.5);
    expect(open).toEqual(res.openPositions.map((p) => p.unrealizedPnl));
    const byHand = sum(res.trades.map((t) => t.quantity * (t.exitPrice - t.entryPrice) * 10 - 2 * t.quantity * 1.5));
    expect(res.stats.endEquity - res.stats.startEquity).toBeCloseTo(byHand + sum(open), 6);

    // The same plan without its instrument trades "2 shares" of an index and pays a stock's commission.
    const asStock = await tradeplan(
      args.filter((_, i) => i !== 2 && i !== 3),
      { cwd: dir },
    );
    expect(asStock.code, asStock.stderr).toBe(0);
    const stock = JSON.parse(asStock.stdout) as Result;
    expect(stock.currency).toBe("USD");
    expect(stock.trades[0]?.commission).toBe(2);
  });

  const files = {
    NVDA: join(SHARED_DATA, "nvda-1999-2014-1d.csv"),
    ORCL: join(SHARED_DATA, "orcl-1995-2014-1d.csv"),
    YHOO: join(SHARED_DATA, "yhoo-1996-2014-1d.csv"),
  };
  const PLAN = [
    'plan "Three tech stocks"',
    "symbols NVDA, ORCL, YHOO",
    'timezone "America/New_York"',
    "session always",
    "",
    "on 1d close crosses above sma(close, 50) enter long size 10% of equity",
    "on 1d close crosses below sma(close, 50) exit long",
    "",
  ].join("\n");

  it("NVDA, ORCL and YHOO daily in one account: --data SYMBOL=FILE and --data DIR agree; per-symbol and portfolio figures add up", async () => {
    writeFiles(dir, { "tech.plan": PLAN });
    const pairs = Object.entries(files).flatMap(([s, f]) => ["--data", `${s}=${f}`]);
    const a = await tradeplan(["backtest", "tech.plan", ...pairs, "--format", "json"], { cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    const r = JSON.parse(a.stdout) as Result;
    expect(r.bars).toBe(4_012 + 5_036 + 4_713);
    expect(r.stats.trades).toBe(472);
    expect(r.stats.endEquity).toBeCloseTo(334_822.326888, 5);
    expect(Object.fromEntries(Object.entries(r.perSymbol).map(([s, p]) => [s, p.trades]))).toEqual({
      NVDA: 127,
      ORCL: 189,
      YHOO: 156,
    });
    // Default costs by hand: 1 bp is in the prices; 0.005 a share, at least 1, on each leg.
    const fee = (q: number) => Math.max(1, 0.005 * q);
    for (const t of r.trades) {
      expect(t.commission).toBeCloseTo(2 * fee(t.quantity), 9);
      expect(t.pnl).toBeCloseTo(t.quantity * (t.exitPrice - t.entryPrice) - t.commission, 6);
    }
    const open = sum(r.openPositions.map((p) => p.quantity * (p.lastPrice - p.avgPrice) - fee(p.quantity)));
    expect(r.stats.netPnl).toBeCloseTo(sum(r.trades.map((t) => t.pnl)) + open, 4);
    for (const [symbol, p] of Object.entries(r.perSymbol)) {
      expect(p.trades).toBe(r.trades.filter((t) => t.symbol === symbol).length);
    }
    expect(sum(Object.values(r.perSymbol).map((p) => p.netPnl))).toBeCloseTo(r.stats.netPnl, 6);
    // One account: positions in different symbols are open at the same time.
    const overlapping = r.trades.some((t) =>
      r.trades.some((u) => u.symbol !== t.symbol && u.entryTime < t.exitTime && t.entryTime < u.exitTime),
    );
    expect(overlapping).toBe(true);

    // The same files as a folder of SYMBOL.csv (links to the shared files).
    const folder = join(dir, "tech-data");
    mkdirSync(folder);
    for (const [s, f] of Object.entries(files)) symlinkSync(f, join(folder, `${s}.csv`));
    const b = await tradeplan(["backtest", "tech.plan", "--data", "tech-data", "--format", "json"], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(r);

    const pretty = await tradeplan(["backtest", "tech.plan", "--data", "tech-data"], { cwd: dir });
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stdout).toContain("Three tech stocks on NVDA, ORCL, YHOO — 3 files (NVDA, ORCL, YHOO)");
    expect(pretty.stdout).toMatch(/\n {2}NVDA +127 /);
    expect(pretty.stdout).toMatch(/\n {2}ORCL +189 /);
    expect(pretty.stdout).toMatch(/\n {2}YHOO +156 /);
  });

  it("bad input through the installed binary: exit 2 with the place, nothing run", async () => {
    writeFiles(dir, {
      "tech2.plan": PLAN,
      "bad.yaml": "instruments:\n  NVDA: { type: future, multiplier: 0 }\n",
      "other.yaml": "instruments:\n  MSFT: { tick_size: 0.01 }\n",
    });
    const pairs = Object.entries(files).flatMap(([s, f]) => ["--data", `${s}=${f}`]);
    const zero = await tradeplan(["backtest", "tech2.plan", ...pairs, "--config", "bad.yaml"], { cwd: dir });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("bad.yaml:2:37: instruments.NVDA.multiplier: must be a finite number > 0");
    expect(zero.stdout).toBe("");
    const other = await tradeplan(["backtest", "tech2.plan", ...pairs, "--config", "other.yaml"], { cwd: dir });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      "other.yaml:2:3: instruments.MSFT: the plan does not trade MSFT (it trades NVDA, ORCL, YHOO)",
    );
    const missing = await tradeplan(["backtest", "tech2.plan", "--data", `NVDA=${files.NVDA}`], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--data: no file for ORCL, YHOO");
    expect(missing.stdout).toBe("");
  });
});
