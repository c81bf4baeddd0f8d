import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../packages/cli/src/program.js";
import { captureIO } from "../packages/cli/test/helpers.js";

/** `tradeplan backtest` with costs, instruments and several files, run in-process. */
function harness(cwd: string) {
  const c = captureIO(cwd, { isTTY: false });
  return {
    run: (...argv: string[]) => run(argv, c.io),
    get out() {
      return c.out();
    },
    get err() {
      return c.err();
    },
  };
}

const PLAN = [
  'plan "pair"',
  "symbols AAA, BBB",
  'timezone "UTC"',
  "session always",
  "on 1d close > 100 enter long size 20 shares",
  "on 1d close < 100 exit long",
  "",
].join("\n");

const HEADER = "Date,Open,High,Low,Close,Adj Close,Volume";
/** Daily rows: date, open = close, adj close half the close. */
const rows = (closes: number[]) =>
  [
    HEADER,
    ...closes.map((c, i) => `2024-01-${String(2 + i).padStart(2, "0")},${c},${c},${c},${c},${c / 2},1000`),
    "",
  ].join("\n");

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tp-portfolio-cli-"));
  writeFileSync(join(dir, "p.plan"), PLAN);
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data", "AAA.csv"), rows([90, 110, 120, 95, 95]));
  writeFileSync(join(dir, "data", "BBB.csv"), rows([90, 90, 130, 140, 80]));
  writeFileSync(join(dir, "data", "README.txt"), "not a csv: ignored\n");
  return dir;
}

describe("tradeplan backtest: a portfolio in one account", () => {
  it("--data DIR and repeated --data SYMBOL=FILE give the same result, with per-symbol statistics", async () => {
    const dir = workdir();
    const a = harness(dir);
    expect(await a.run("backtest", "p.plan", "--data", "data", "--format", "json", "--fill", "close")).toBe(0);
    const b = harness(dir);
    const args = ["--data", "BBB=data/BBB.csv", "--data", "AAA=data/AAA.csv", "--format", "json", "--fill", "close"];
    expect(await b.run("backtest", "p.plan", ...args)).toBe(0);
    expect(JSON.parse(a.out)).toEqual(JSON.parse(b.out));
    const r = JSON.parse(a.out);
    expect(r.bars).toBe(10);
    expect(r.currency).toBe("USD");
    // AAA: in at 110, out at 95; BBB: in at 130, out at 80. Slippage 1 bp each way, $1 minimum commission.
    expect(r.trades.map((t: { symbol: string; quantity: number }) => [t.symbol, t.quantity])).toEqual([
      ["AAA", 20],
      ["BBB", 20],
    ]);
    expect(Object.keys(r.perSymbol)).toEqual(["AAA", "BBB"]);
    expect(r.perSymbol.AAA.netPnl).toBeCloseTo(20 * (95 * 0.9999 - 110 * 1.0001) - 2, 9);
    expect(r.perSymbol.AAA.netPnl + r.perSymbol.BBB.netPnl).toBeCloseTo(r.stats.netPnl, 9);
  });

  it("the summary shows a line per symbol", async () => {
    const dir = workdir();
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--data", "data")).toBe(0);
    expect(h.out).toContain("pair on AAA, BBB — 2 files (AAA, BBB)");
    expect(h.out).toMatch(/symbol {7}trades {2}won {2}lost {2}win rate {5}net P&L \(USD\)/);
    expect(h.out).toMatch(/\n {2}AAA +1 +0 +1 +0\.0% +-502\.43 +2\.00\n {2}BBB +0 +0 +0 +0\.0% +-1,201\.28 +0\.00\n/);
  });

  it.each([
    [["--data", "data", "--data", "x.csv"], "several files need their symbols"],
    [["--data", "AAA=data/AAA.csv", "--data", "data/BBB.csv"], "not a mix"],
    [["--data", "AAA=data/AAA.csv"], "no file for BBB; the plan trades AAA, BBB"],
    [["--data", "AAA=data/AAA.csv", "--data", "AAA=data/BBB.csv"], "two files for AAA"],
    [
      ["--data", "AAA=data/AAA.csv", "--data", "BBB=data/BBB.csv", "--data", "CCC=data/BBB.csv"],
      "the plan does not trade CCC",
    ],
    [["--data", "AAA=data/AAA.csv", "--data", "BBB=data/none.csv"], "cannot read `data/none.csv`"],
  ])("bad --data %j: exit 2, nothing run", async (args, message) => {
    const dir = workdir();
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", ...args)).toBe(2);
    expect(h.err).toContain(message);
    expect(h.out).toBe("");
  });

  it("a folder with a file named by no plan symbol, or two files for one symbol, is refused", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "data", "CCC.csv"), rows([1]));
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--data", "data")).toBe(2);
    expect(h.err).toContain(
      "`data/CCC.csv` is named by no symbol of the plan (it trades AAA, BBB; name each file SYMBOL.csv)",
    );
    const two = workdir();
    writeFileSync(join(two, "data", "aaa.csv"), rows([1]));
    const g = harness(two);
    expect(await g.run("backtest", "p.plan", "--data", "data")).toBe(2);
    expect(g.err).toContain("two files for AAA: `data/AAA.csv` and `data/aaa.csv`");
    expect(g.out).toBe("");
  });

  it("a file that cannot be read as bars runs nothing, the others included", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "data", "BBB.csv"), "what,is,this\n1,2,3\n");
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--data", "data")).toBe(2);
    expect(h.err).toContain("data/BBB.csv:1: the header has no Date or timestamp, Open");
    expect(h.out).toBe("");
  });
});

const SINGLE =
  'plan "one"\nsymbol AAA\ntimezone "UTC"\nsession always\non 1d close > 100 enter long size 20 shares\non 1d close < 100 exit long\n';

describe("tradeplan backtest: --cash, --commission, --slippage, --adjust", () => {
  function single(): string {
    const dir = workdir();
    writeFileSync(join(dir, "one.plan"), SINGLE);
    return dir;
  }

  it("take the account's cash and the cost models from the flags", async () => {
    const dir = single();
    const h = harness(dir);
    const args = ["--data", "data/AAA.csv", "--format", "json", "--fill", "close", "--cash", "5000"];
    expect(
      await h.run("backtest", "one.plan", ...args, "--commission", "0.5/share,min=3,max=1%", "--slippage", "0"),
    ).toBe(0);
    const r = JSON.parse(h.out);
    expect(r.stats.startEquity).toBe(5000);
    // 20 x 0.5 = 10, capped at 1% of 20 x 110 = 22 -> 10 on entry; 1% of 20 x 95 = 19 -> 10 on exit.
    expect(r.trades[0]).toMatchObject({ entryPrice: 110, exitPrice: 95, commission: 20, pnl: 20 * -15 - 20 });
    const o = harness(dir);
    expect(await o.run("backtest", "one.plan", ...args, "--commission", "4/order", "--slippage", "10bp")).toBe(0);
    const t = JSON.parse(o.out).trades[0];
    expect(t.commission).toBe(8);
    expect(t.entryPrice).toBeCloseTo(110 * 1.001, 9);
  });

  it("--adjust scales the prices by Adj Close / Close", async () => {
    const dir = single();
    const h = harness(dir);
    expect(await h.run("backtest", "one.plan", "--data", "data/AAA.csv", "--format", "json", "--adjust")).toBe(0);
    // Halved, no close is above 100: no signal.
    expect(JSON.parse(h.out).signals).toEqual([]);
    writeFileSync(join(dir, "plain.csv"), "Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n");
    const g = harness(dir);
    expect(await g.run("backtest", "one.plan", "--data", "plain.csv", "--adjust")).toBe(2);
    expect(g.err).toContain('plain.csv:1: adjusting prices (--adjust) needs an "Adj Close" column');
  });

  it.each([
    [["--cash", "-5"], 'invalid --cash: "-5" is not an amount > 0'],
    [["--cash", "1e6"], 'invalid --cash: "1e6" is not an amount > 0'],
    [["--commission", "0.005"], 'invalid --commission: "0.005": "0.005" names no model; expected RATE/share'],
    [["--slippage", "2"], 'invalid --slippage: "2": expected N bp'],
    [["--slippage", "1tick"], "slippage in ticks needs a tick size: declare instruments.AAA.tick_size"],
  ])("bad cost flags %j: exit 2 with what to fix", async (args, message) => {
    const dir = single();
    const h = harness(dir);
    expect(await h.run("backtest", "one.plan", "--data", "data/AAA.csv", ...args)).toBe(2);
    expect(h.err).toContain(message);
    expect(h.out).toBe("");
  });
});

describe("tradeplan backtest --config: instruments and fx", () => {
  const config = (dir: string, text: string) => writeFileSync(join(dir, "t.yaml"), text);

  it("a future: whole contracts, fills on the tick, P&L x multiplier in its currency; a warning names the first row off the tick", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "one.plan"), SINGLE);
    writeFileSync(join(dir, "f.csv"), rows([90, 110.5, 120, 95, 95]));
    config(
      dir,
      "instruments:\n  AAA: { type: future, multiplier: 50, tick_size: 1, currency: EUR }\nbroker:\n  paper: { commission: 2/contract, slippage: 1 tick, fillAt: close }\n",
    );
    const h = harness(dir);
    expect(await h.run("backtest", "one.plan", "--config", "t.yaml", "--data", "f.csv", "--format", "json")).toBe(0);
    expect(h.err).toContain(
      "warning: f.csv:3: price 110.5 is not a multiple of the tick size 1 of AAA (instruments.AAA.tick_size); fills are rounded to the tick",
    );
    const r = JSON.parse(h.out);
    expect(r.currency).toBe("EUR");
    // Bought 20 at 110.5 + 1 tick = 111.5, rounded up to 112; sold at 95 - 1 = 94.
    expect(r.trades[0]).toMatchObject({ quantity: 20, entryPrice: 112, exitPrice: 94, commission: 80 });
    expect(r.trades[0].pnl).toBe(20 * (94 - 112) * 50 - 80);
    expect(r.stats.netPnl).toBe(r.trades[0].pnl);
  });

  it.each([
    [
      "instruments:\n  ZZZ: { type: future, multiplier: 10 }\n",
      "t.yaml:2:3: instruments.ZZZ: the plan does not trade ZZZ (it trades AAA, BBB)",
    ],
    [
      "instruments:\n  AAA:\n    type: future\n    multiplier: -1\n",
      "t.yaml:4:17: instruments.AAA.multiplier: must be a finite number > 0",
    ],
    ["instruments:\n  AAA: { type: future }\n", "instruments.AAA.multiplier: a future needs its multiplier"],
    [
      "instruments:\n  AAA: { type: future, multiplier: 10, currency: EUR }\n",
      "t.yaml:1:1: instruments: the plan's instruments are priced in EUR and USD (AAA EUR, BBB USD)",
    ],
    [
      "instruments:\n  AAA: { type: future, multiplier: 10, currency: EUR }\nfx:\n  base: USD\n",
      "t.yaml:3:1: fx.rates: no rate for EUR (USD per EUR); the plan trades AAA in EUR",
    ],
  ])("bad instruments %#: exit 2 with the place, nothing run", async (text, message) => {
    const dir = workdir();
    config(dir, text);
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--config", "t.yaml", "--data", "data")).toBe(2);
    expect(h.err).toContain(message);
    expect(h.out).toBe("");
  });

  it("mixed currencies at fixed rates: P&L converted into the account currency", async () => {
    const dir = workdir();
    config(dir, "instruments:\n  AAA: { currency: EUR }\nfx: { base: USD, rates: { EUR: 1.5 } }\n");
    const h = harness(dir);
    const args = ["--config", "t.yaml", "--data", "data", "--format", "json", "--fill", "close", "--slippage", "0"];
    expect(await h.run("backtest", "p.plan", ...args, "--commission", "0")).toBe(0);
    const r = JSON.parse(h.out);
    expect(r.currency).toBe("USD");
    expect(r.perSymbol.AAA.netPnl).toBeCloseTo(20 * (95 - 110) * 1.5, 9);
    expect(r.perSymbol.BBB.netPnl).toBeCloseTo(20 * (80 - 130), 9);
  });
});
