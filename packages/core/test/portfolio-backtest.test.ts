import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { feedCsvFiles } from "@tradeplan/live";
import { describe, expect, it } from "vitest";
import { mergeByClose } from "../src/backtest/portfolio-feed.js";
import { Backtest } from "../src/backtest/runner.js";
import { CsvFormatError, parseCsvText } from "../src/data/csv.js";
import type { BarData } from "../src/models.js";
import { resolveInstruments } from "../src/portfolio/instruments.js";

function compile(source: string): CompiledPlan {
  const r = analyze(source);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  if (!r.compiled) throw new Error("no plan");
  return r.compiled;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function daily(symbol: string, i: number, c: number): BarData {
  return {
    symbol,
    timeframe: "1d",
    time: T0 + i * DAY,
    closeTime: T0 + (i + 1) * DAY,
    open: c,
    high: c,
    low: c,
    close: c,
    volume: 1000,
  };
}

describe("mergeByClose", () => {
  it("feeds bars in order of close time, ties in list (symbol) order", () => {
    const a = [daily("A", 0, 1), daily("A", 2, 1)];
    const b = [daily("B", 0, 1), daily("B", 1, 1), daily("B", 2, 1)];
    const intraday: BarData = { ...daily("C", 0, 1), timeframe: "1h", closeTime: T0 + 3_600_000 };
    const out: string[] = [];
    mergeByClose([a, b, [intraday]], (x) => out.push(`${x.symbol}${(x.closeTime - T0) / 3_600_000}`));
    expect(out).toEqual(["C1", "A24", "B24", "B48", "A72", "B72"]);
  });
});

const PLAN = [
  'plan "pair"',
  "symbols AAA, BBB",
  'timezone "UTC"',
  "session always",
  "on 1d close > 100 enter long size 50% of equity",
  "on 1d close < 100 exit long",
  "",
].join("\n");

describe("a portfolio backtest: one account, shared cash", () => {
  it("sizes every entry on the shared equity, and the symbols' net P&L add up to the portfolio's", () => {
    const plan = compile(PLAN);
    const bt = new Backtest({
      plan,
      broker: { fillAt: "close", commission: "1/order", slippage: "0", initialCash: 10_000 },
    });
    // Day 1: both close above 100; AAA (first by name) is decided first: 5,000 / 200 = 25 AAA. Its fill's
    // commission leaves the equity at 9,999, so BBB gets floor(4,999.5 / 125) = 39.
    const bars: BarData[][] = [
      [daily("AAA", 0, 90), daily("AAA", 1, 200), daily("AAA", 2, 220), daily("AAA", 3, 50)],
      [daily("BBB", 0, 90), daily("BBB", 1, 125), daily("BBB", 2, 100), daily("BBB", 3, 80)],
    ];
    mergeByClose(bars, (b) => bt.feed(b));
    const { result } = bt.finish();
    expect(result.trades.map((t) => [t.symbol, t.quantity, t.entryPrice, t.exitPrice])).toEqual([
      ["AAA", 25, 200, 50],
      ["BBB", 39, 125, 80],
    ]);
    const per = result.perSymbol ?? {};
    expect(Object.keys(per)).toEqual(["AAA", "BBB"]);
    expect(per.AAA?.netPnl).toBeCloseTo(25 * (50 - 200) - 2, 9);
    expect(per.BBB?.netPnl).toBeCloseTo(39 * (80 - 125) - 2, 9);
    expect((per.AAA?.netPnl ?? 0) + (per.BBB?.netPnl ?? 0)).toBeCloseTo(result.stats.netPnl, 9);
    expect(result.currency).toBe("USD");
  });

  it("samples equity once per instant: two symbols closing together give one sample, not a dip between them", () => {
    const plan = compile(PLAN);
    const bt = new Backtest({ plan, broker: { fillAt: "close", commission: "0", slippage: "0", initialCash: 10_000 } });
    // Both long from day 1; on day 2 AAA falls and BBB rises by the same amount: no drawdown at the instant.
    const bars: BarData[][] = [
      [daily("AAA", 0, 90), daily("AAA", 1, 200), daily("AAA", 2, 180), daily("AAA", 3, 180)],
      [daily("BBB", 0, 90), daily("BBB", 1, 200), daily("BBB", 2, 220), daily("BBB", 3, 220)],
    ];
    mergeByClose(bars, (b) => bt.feed(b));
    const { result, charts } = bt.finish();
    expect(result.stats.maxDrawdown).toBe(0);
    expect(charts.equity.map((p) => p.v)).toEqual([10_000, 10_000, 10_000, 10_000]);
  });

  it("a future's size in percent of equity counts its multiplier", () => {
    const plan = compile(
      'plan "f"\nsymbol FESX\ntimezone "UTC"\nsession always\non 1d close > 100 enter long size 50% of equity\n',
    );
    const instruments = resolveInstruments(
      { FESX: { type: "future", multiplier: 10, tick_size: 1, currency: "EUR" } },
      undefined,
      ["FESX"],
    );
    if (Array.isArray(instruments)) throw new Error("unexpected issues");
    const bt = new Backtest({ plan, instruments, broker: { fillAt: "close", commission: "0", slippage: "0" } });
    bt.feed(daily("FESX", 0, 3600));
    const { result } = bt.finish();
    // 50,000 / (3,600 x 10) = 1 contract (not 13 "shares").
    expect(result.openPositions).toMatchObject([{ symbol: "FESX", quantity: 1 }]);
    expect(result.currency).toBe("EUR");
  });

  it("the risk limit on order value counts the multiplier", () => {
    const plan = compile(
      'plan "f"\nsymbol FESX\ntimezone "UTC"\nsession always\non 1d close > 100 enter long size 2 shares\n',
    );
    const instruments = resolveInstruments({ FESX: { type: "future", multiplier: 10, currency: "EUR" } }, undefined, [
      "FESX",
    ]);
    if (Array.isArray(instruments)) throw new Error("unexpected issues");
    const bt = new Backtest({ plan, instruments, risk: { maxOrderValue: 50_000 }, broker: { fillAt: "close" } });
    bt.feed(daily("FESX", 0, 3600));
    const { result } = bt.finish();
    // 2 x 3,600 x 10 = 72,000 > 50,000 (as points alone, 7,200, it would pass).
    expect(result.stats.riskRejections).toBe(1);
    expect(result.openPositions).toEqual([]);
  });
});

describe("feedCsvFiles", () => {
  const dir = mkdtempSync(join(tmpdir(), "tp-portfolio-"));
  const write = (name: string, rows: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, ["Date,Open,High,Low,Close,Adj Close,Volume", ...rows, ""].join("\n"));
    return path;
  };

  it("reads every file first: a file that cannot be read runs nothing", async () => {
    const plan = compile(PLAN);
    const good = write("AAA.csv", ["2024-01-02,90,90,90,90,45,100"]);
    const bad = join(dir, "BBB.csv");
    writeFileSync(bad, "no,header,here\n");
    const bt = new Backtest({ plan });
    let fed = 0;
    const feed = bt.feed.bind(bt);
    bt.feed = (b) => {
      fed++;
      feed(b);
    };
    await expect(
      feedCsvFiles(
        bt,
        [
          { symbol: "AAA", file: good },
          { symbol: "BBB", file: bad },
        ],
        { csv: { timezone: "UTC" } },
      ),
    ).rejects.toBeInstanceOf(CsvFormatError);
    expect(fed).toBe(0);
  });

  it("names the first row off the tick, per file", async () => {
    const plan = compile(PLAN);
    const a = write("AAA2.csv", [
      "2024-01-02,90,90,90,90,90,100",
      "2024-01-03,90.5,91,90,91,91,100",
      "2024-01-04,90.5,91,90,91,91,100",
    ]);
    const b = write("BBB2.csv", ["2024-01-02,90,90,90,90,90,100"]);
    const bt = new Backtest({ plan });
    const csv = await feedCsvFiles(
      bt,
      [
        { symbol: "AAA", file: a },
        { symbol: "BBB", file: b },
      ],
      {
        csv: { timezone: "UTC" },
        tickSize: () => 1,
      },
    );
    expect(csv.AAA?.offTick).toEqual({ line: 3, price: 90.5 });
    expect(csv.BBB?.offTick).toBeUndefined();
    expect(bt.finish().result.bars).toBe(4);
  });
});

describe("--adjust: prices scaled by Adj Close / Close", () => {
  const text = [
    "Date,Open,High,Low,Close,Adj Close,Volume",
    "2024-01-02,10,12,8,11,5.5,100",
    "2024-01-03,20,20,20,20,20,100",
    "",
  ].join("\n");

  it("scales open, high, low and close by one factor per row; as given without it", () => {
    const adjusted = parseCsvText(text, { symbol: "X", timezone: "UTC", adjust: true });
    expect(adjusted.bars.map((b) => [b.open, b.high, b.low, b.close])).toEqual([
      [5, 6, 4, 5.5],
      [20, 20, 20, 20],
    ]);
    const raw = parseCsvText(text, { symbol: "X", timezone: "UTC" });
    expect(raw.bars[0]).toMatchObject({ open: 10, high: 12, low: 8, close: 11 });
  });

  it("needs an Adj Close column", () => {
    expect(() =>
      parseCsvText("Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n", {
        symbol: "X",
        timezone: "UTC",
        adjust: true,
        file: "x.csv",
      }),
    ).toThrow('x.csv:1: adjusting prices (--adjust) needs an "Adj Close" column');
  });

  it("a bad Adj Close is a bad row with its line", () => {
    const r = parseCsvText(
      ["Date,Open,High,Low,Close,Adj Close,Volume", "2024-01-02,1,1,1,1,abc,1", "2024-01-03,1,1,1,1,0,1", ""].join(
        "\n",
      ),
      {
        symbol: "X",
        timezone: "UTC",
        adjust: true,
      },
    );
    expect(r.rejected.map((x) => [x.line, x.code])).toEqual([
      [2, "CSV_BAD_NUMBER"],
      [3, "CSV_NON_POSITIVE_PRICE"],
    ]);
  });
});
