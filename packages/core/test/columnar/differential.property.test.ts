/**
 * The columnar fast path (Backtest.feedRow, columnar/quiet.ts) against the
 * event path (every bar through the engine as an object): random plans over
 * random and real bars must give the same engine events (signals,
 * suppressions, risk decisions, orders, errors), fills, trades, equity at
 * every instant and result document, to the last bit. This is what guards
 * the gates: a gate that says "no" where the rule would fire shows here.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { analyze, type CompiledPlan, errorCount } from "@tradeplan/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Backtest, type BacktestOptions, sessionCalendar } from "../../src/backtest/runner.js";
import { calendarForPlan } from "../../src/calendar/factory.js";
import { type BarColumns, BarColumnsBuilder } from "../../src/data/columns.js";
import { parseCsvText } from "../../src/data/csv.js";
import { Mulberry32 } from "../../src/data/prng.js";
import type { EngineEvent } from "../../src/engine/events.js";
import type { BarData } from "../../src/models.js";

const MINUTE = 60_000;
const REAL = fileURLToPath(new URL("../../../../../shared/data/index-future-2006-1m.csv", import.meta.url));

function compilePlan(source: string): CompiledPlan {
  const a = analyze(source, { fileName: "random.plan" });
  if (!a.compiled || errorCount(a.diagnostics) > 0)
    throw new Error(`${source}\n${a.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n")}`);
  return a.compiled;
}

function columns(bars: readonly BarData[]): BarColumns {
  const b = new BarColumnsBuilder(bars.length);
  for (const bar of bars) b.add(bar);
  return b.finish();
}

/**
 * NYSE-hours 1-minute bars of symbol X from Monday 2024-03-04, `days`
 * weekdays, a seeded random walk with volume, some bars missing (a 5m or
 * 15m bar whose last minute is missing closes by the timer path) and some
 * outside the session (skipped).
 */
function randomBars(seed: number, days: number, gapRate: number): BarData[] {
  const rng = new Mulberry32(seed);
  const out: BarData[] = [];
  let price = 100;
  let d = 0;
  for (let day = 0; d < days; day++) {
    const date = new Date(Date.UTC(2024, 2, 4 + day));
    if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
    d++;
    // 14:00 UTC = 09:00 New York (winter): half an hour before the open, to have bars outside the session.
    const start = date.getTime() + 14 * 3_600_000;
    for (let m = 0; m < 8 * 60; m++) {
      const o = price;
      price = Math.max(50, price * (1 + rng.normal() * 0.002 + (100 - price) * 0.0001));
      const c = Math.round(price * 100) / 100;
      if (rng.next() < gapRate) continue;
      const time = start + m * MINUTE;
      out.push({
        symbol: "X",
        timeframe: "1m",
        time,
        closeTime: time + MINUTE,
        open: o,
        high: Math.round((Math.max(o, c) + rng.next() * 0.1) * 100) / 100,
        low: Math.round((Math.min(o, c) - rng.next() * 0.1) * 100) / 100,
        close: c,
        volume: Math.round(500 + rng.next() * 2000),
      });
      price = c;
    }
  }
  return out;
}

// ---- random plans ------------------------------------------------------------------------------------------

const period = fc.integer({ min: 2, max: 30 });
const numeric: fc.Arbitrary<string> = fc.oneof(
  period.map((n) => `sma(close, ${n})`),
  period.map((n) => `ema(close, ${n})`),
  period.map((n) => `highest(high, ${n})[1]`),
  period.map((n) => `lowest(low, ${n})[1]`),
  fc.constant("vwap()"),
  fc.integer({ min: 1, max: 5 }).map((n) => `close[${n}]`),
  fc.tuple(period, fc.constantFrom("15m", "5m")).map(([n, tf]) => `sma(close, ${n}) of ${tf}`),
);
const condition: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom("above", "below"), numeric).map(([d, x]) => `close crosses ${d} ${x}`),
  fc.tuple(fc.constantFrom(">", "<", ">=", "<="), numeric).map(([op, x]) => `close ${op} ${x}`),
  fc.tuple(period, fc.integer({ min: 20, max: 80 })).map(([n, k]) => `rsi(close, ${n}) < ${k}`),
  fc.tuple(period, fc.integer({ min: 20, max: 80 })).map(([n, k]) => `rsi(close, ${n}) > ${k}`),
  fc
    .tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 9 }))
    .map(([n, p]) => `change(close, ${n}) >= 0.${p}%`),
  fc.tuple(period, fc.integer({ min: 5, max: 30 })).map(([n, v]) => `atr(${n}) > 0.${v}`),
  fc.integer({ min: 95, max: 105 }).map((v) => `close above ${v}`),
  fc.integer({ min: 95, max: 105 }).map((v) => `close below ${v}`),
);
const compound = fc.oneof(
  { weight: 3, arbitrary: condition },
  fc
    .tuple(condition, fc.constantFrom("and", "or"), condition)
    .filter(([a, , b]) => !/ (above|below) \d/.test(a) && !/ (above|below) \d/.test(b))
    .map(([a, op, b]) => `${a} ${op} ${b}`),
);
const filter = fc.option(
  fc.oneof(
    period.map((n) => `volume > sma(volume, ${n})`),
    period.map((n) => `close > sma(close, ${n}) of 15m`),
  ),
  { nil: undefined },
);
const timeframe = fc.constantFrom("1m", "5m", "15m");
const size = fc.oneof(
  fc.constant(""),
  fc.integer({ min: 1, max: 300 }).map((n) => ` size ${n} shares`),
  fc.integer({ min: 1, max: 50 }).map((n) => ` size $${n * 1000}`),
  fc.integer({ min: 1, max: 30 }).map((n) => ` size ${n}% of equity`),
);
const protect = fc.tuple(
  fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
);
const entry = fc
  .tuple(
    timeframe,
    compound,
    filter,
    fc.boolean(),
    fc.constantFrom("long", "short"),
    size,
    protect,
    fc.option(fc.constantFrom("high", "0.6"), { nil: undefined }),
  )
  .filter(([, c, f]) => !(f !== undefined && / (above|below) \d/.test(c)))
  .map(([tf, c, f, window, side, sz, [stop, target], conf]) => {
    let s = `on ${tf} ${c}`;
    if (f) s += ` with ${f}`;
    if (window) s += " between 10:00 and 15:30";
    s += ` enter ${side}${sz}`;
    if (stop !== undefined) s += ` stop ${stop / 10}%`;
    if (target !== undefined) s += ` target ${target / 10}%`;
    if (conf) s += ` confidence ${conf}`;
    return s;
  });
const exit = fc
  .tuple(timeframe, compound, fc.constantFrom("exit", "exit long", "exit short"))
  .map(([tf, c, a]) => `on ${tf} ${c} ${a}`);
const trailing = fc
  .tuple(timeframe, fc.integer({ min: 1, max: 20 }))
  .map(([tf, p]) => `on ${tf} trailing stop ${p / 10}%`);
const risk = fc.subarray(["risk max position 200 shares", "risk max daily loss $300", "risk max orders per minute 2"]);

const randomPlan = fc
  .tuple(fc.array(entry, { minLength: 1, maxLength: 3 }), fc.array(exit, { maxLength: 2 }), fc.option(trailing), risk)
  .map(([entries, exits, trail, risks]) =>
    [
      'plan "random"',
      "symbol X",
      'timezone "America/New_York"',
      "session regular",
      ...risks,
      ...entries,
      ...exits,
      ...(trail ? [trail] : []),
      "",
    ].join("\n"),
  );

// ---- the comparison ----------------------------------------------------------------------------------------

/** Every engine event except evaluations (which would force the event path), as JSON. */
class EventLog {
  readonly events: string[] = [];
  emit(e: EngineEvent): void {
    this.events.push(JSON.stringify(e));
  }
}

interface Run {
  readonly path: string;
  readonly events: readonly string[];
  readonly fills: string;
  readonly outcome: string;
}

function run(
  plan: CompiledPlan,
  rows: BarColumns,
  path: "auto" | "event",
  extra: Partial<BacktestOptions> = {},
  objects = false,
): Run {
  const log = new EventLog();
  const bt = new Backtest({ plan, path, sink: log, chartPoints: 1_000_000, ...extra });
  if (objects) for (const bar of rows.bars()) bt.feed(bar);
  else for (let i = 0; i < rows.length; i++) bt.feedRow(rows, i);
  const outcome = bt.finish();
  return {
    path: bt.path.kind,
    events: log.events,
    fills: JSON.stringify(bt.broker.fills()),
    outcome: JSON.stringify(outcome),
  };
}

/**
 * Runs the event path and the fast path (fed rows of columns, and fed bar
 * objects as the CSV reader hands them over) and requires the same
 * everything; returns the fast run over columns.
 */
function same(plan: CompiledPlan, rows: BarColumns, extra: Partial<BacktestOptions> = {}): Run {
  const event = run(plan, rows, "event", extra);
  expect(event.path).toBe("event");
  const runs = [run(plan, rows, "auto", extra), run(plan, rows, "auto", extra, true)];
  for (const fast of runs) {
    expect(fast.path).toBe("columnar");
    expect(fast.events.length).toBe(event.events.length);
    for (let i = 0; i < event.events.length; i++) expect(fast.events[i], `event ${i}`).toBe(event.events[i]);
    expect(fast.fills).toBe(event.fills);
    expect(fast.outcome).toBe(event.outcome);
  }
  return runs[0] as Run;
}

describe("columnar fast path = event path", () => {
  it("random plans over random bars (gaps, bars outside the session): the same events, fills, equity and result", () => {
    let traded = 0;
    fc.assert(
      fc.property(
        randomPlan,
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(0, 0.02),
        fc.constantFrom("next_open", "close"),
        (source, seed, gapRate, fillAt) => {
          const plan = compilePlan(source);
          const rows = columns(randomBars(seed, 3, gapRate));
          const fast = same(plan, rows, { broker: { fillAt: fillAt as "next_open" | "close" } });
          if (fast.fills !== "[]") traded++;
        },
      ),
      { numRuns: 60, seed: 16 },
    );
    // The plans must trade, or the comparison proves little.
    expect(traded).toBeGreaterThan(20);
  }, 120_000);

  it("the example plans over random bars", () => {
    const examples = [
      [
        'plan "breakout"',
        "symbol X",
        'timezone "America/New_York"',
        "session regular",
        "risk max position 500 shares",
        "risk max daily loss $2,000",
        "let heavy = volume > 1.5 * sma(volume, 20)",
        "on 5m close above 101 with volume > 1000 enter long size 100 shares",
        "on 5m close crosses above sma(close, 50) with heavy between 10:00 and 15:30 enter long confidence high",
        "on 1m trailing stop 0.5% activate at 100.5",
        "on 15m close below 99 exit long",
      ],
      [
        'plan "vwap short"',
        "symbol X",
        'timezone "America/New_York"',
        "session regular",
        "let failed_rally = high[1] > vwap() and close < open",
        "on 5m close crosses below vwap() with failed_rally enter short size 100 shares stop 0.5% target 0.8%",
        "on 5m close - vwap() > atr(14) exit short",
        "on 5m change(close, 6) >= 0.3% exit short",
      ],
      [
        // A tight daily loss limit, with closes no rule fires at while a position is open: the equity the risk
        // validator observes at them halts trading (or not) as at every close of the event path.
        'plan "daily loss"',
        "symbol X",
        'timezone "America/New_York"',
        "session regular",
        "risk max daily loss $40",
        "on 5m close crosses above sma(close, 10) enter long size 100 shares",
        "on 15m close crosses below sma(close, 10) exit long",
      ],
    ].map((l) => `${l.join("\n")}\n`);
    let halted = 0;
    for (const source of examples) {
      const plan = compilePlan(source);
      for (const seed of [1, 2, 3]) {
        const fast = same(plan, columns(randomBars(seed, 5, 0.01)));
        expect(fast.fills).not.toBe("[]");
        halted += fast.events.filter((e) => /"RISK_(HALTED|MAX_DAILY_LOSS)"/.test(e)).length;
      }
    }
    expect(halted).toBeGreaterThan(0);
  }, 60_000);

  it.runIf(existsSync(REAL))(
    "random breakouts over the real index-future file (30,889 1-minute bars)",
    () => {
      const source = (n: number, trail: number, entryTf: string) =>
        [
          'plan "real"',
          "symbol FDAX",
          'timezone "Europe/Berlin"',
          "session always",
          `on ${entryTf} close crosses above highest(high, ${n})[1] between 09:30 and 17:00 enter long size 1 shares`,
          `on ${entryTf} close crosses below lowest(low, ${n})[1] with close < sma(close, 20) of 15m enter short size 1 shares`,
          `on 1m trailing stop ${trail}%`,
          "",
        ].join("\n");
      const first = compilePlan(source(12, 0.3, "5m"));
      const { bars } = parseCsvText(
        readFileSync(REAL, "utf8"),
        { symbol: "FDAX", timezone: "Europe/Berlin", timestamps: "close" },
        sessionCalendar(calendarForPlan(first)),
      );
      const rows = columns(bars);
      expect(rows.length).toBe(30_889);
      fc.assert(
        fc.property(
          fc.integer({ min: 3, max: 30 }),
          fc.integer({ min: 1, max: 10 }),
          fc.constantFrom("1m", "5m", "15m"),
          (n, trail, tf) => {
            const fast = same(compilePlan(source(n, trail / 10, tf)), rows);
            expect(fast.fills).not.toBe("[]");
          },
        ),
        { numRuns: 6, seed: 16 },
      );
    },
    240_000,
  );
});
