import { type BarColumns, BarColumnsBuilder } from "../../src/data/columns.js";
import { Mulberry32 } from "../../src/data/prng.js";
import type { BarData } from "../../src/models.js";
import type { VariantBars } from "../../src/optimize/task.js";

/** A plan with two params: a threshold entry and a moving-average exit. */
export const PLAN = [
  'plan "sweep fixture"',
  "symbol TEST",
  'timezone "Europe/Berlin"',
  "session always",
  "",
  "param threshold = 100 in 97..103 step 1",
  "param length = 10 in 5..20 step 5",
  "",
  "on 5m close crosses above threshold enter long size 10 shares",
  "on 5m close crosses below sma(close, length) exit long",
  "",
].join("\n");

/** The same plan without params. */
export const PLAN_WITHOUT_PARAMS = PLAN.replace(/param .*\n/g, "")
  .replace("above threshold", "above 100")
  .replace("sma(close, length)", "sma(close, 10)");

const MINUTE = 60_000;

/**
 * `days` days of 1-minute bars of symbol TEST from 2024-01-01 08:00 UTC,
 * 8 hours a day: a seeded random walk around 100 wide enough to cross every
 * threshold of {@link PLAN} many times. The one fixture of the sweep tests
 * (core's, the pool's and the queue's).
 */
export function fixtureWalk(days = 10, seed = 11): BarData[] {
  const rng = new Mulberry32(seed);
  const bars: BarData[] = [];
  let price = 100;
  for (let d = 0; d < days; d++) {
    const open = Date.UTC(2024, 0, 1 + d, 8);
    for (let m = 0; m < 480; m++) {
      const time = open + m * MINUTE;
      const o = price;
      price = Math.max(90, Math.min(110, price + rng.normal() * 0.15 + (100 - price) * 0.002));
      const c = Math.round(price * 100) / 100;
      bars.push({
        symbol: "TEST",
        timeframe: "1m",
        time,
        closeTime: time + MINUTE,
        open: o,
        high: Math.max(o, c) + 0.05,
        low: Math.min(o, c) - 0.05,
        close: c,
        volume: 100,
      });
      price = c;
    }
  }
  return bars;
}

/** {@link fixtureWalk} as objects, in the shape a sweep reads. */
export function fixtureBars(days = 10, seed = 11): ArrayBars {
  return new ArrayBars(fixtureWalk(days, seed));
}

/** {@link fixtureWalk} as the columns the CLI, the pool and the queue hand a sweep. */
export function fixtureColumns(days = 10, seed = 11): BarColumns {
  const builder = new BarColumnsBuilder(days * 480);
  for (const b of fixtureWalk(days, seed)) builder.add(b);
  return builder.finish({ rows: days * 480, rejected: 0, rejectedByReason: {} });
}

/** Bars held as objects, in the shape a sweep reads (the CLI passes `BarColumns`). */
export class ArrayBars implements VariantBars {
  readonly symbol: string;
  readonly time: Float64Array;
  readonly closeTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  constructor(private readonly list: readonly BarData[]) {
    this.symbol = list[0]?.symbol ?? "";
    this.time = Float64Array.from(list, (b) => b.time);
    this.closeTime = Float64Array.from(list, (b) => b.closeTime);
    this.open = Float64Array.from(list, (b) => b.open);
    this.high = Float64Array.from(list, (b) => b.high);
    this.low = Float64Array.from(list, (b) => b.low);
    this.close = Float64Array.from(list, (b) => b.close);
    this.volume = Float64Array.from(list, (b) => b.volume);
  }
  get length(): number {
    return this.list.length;
  }
  indexAt(time: number): number {
    const i = this.list.findIndex((b) => b.time >= time);
    return i < 0 ? this.list.length : i;
  }
  /** A fresh copy (the engine may keep a bar). */
  bar(i: number): BarData {
    return { ...(this.list[i] as BarData) };
  }
  /** Bars [from, to) as a list. */
  slice(from: number, to: number): BarData[] {
    return this.list.slice(from, to).map((b) => ({ ...b }));
  }
}
