import { type BarColumns, BarColumnsBuilder, Mulberry32, type VariantSetup } from "@tradeplan/core";

/** A plan with two params (7 x 4 = 28 variants). */
export const PLAN = [
  'plan "queue fixture"',
  "symbol TEST",
  'timezone "UTC"',
  "session always",
  "",
  "param threshold = 100 in 97..103 step 1",
  "param length = 10 in 5..20 step 5",
  "",
  "on 5m close crosses above threshold enter long size 10 shares",
  "on 5m close crosses below sma(close, length) exit long",
  "",
].join("\n");

export const SETUP: VariantSetup = { source: PLAN, fileName: "fixture.plan" };

const MINUTE = 60_000;

/** `days` days of 1-minute bars of TEST, 8 hours a day: a seeded walk around 100 that crosses every threshold. */
export function fixtureColumns(days = 10, seed = 11): BarColumns {
  const rng = new Mulberry32(seed);
  const builder = new BarColumnsBuilder(days * 480);
  let price = 100;
  for (let d = 0; d < days; d++) {
    const open = Date.UTC(2024, 0, 1 + d, 8);
    for (let m = 0; m < 480; m++) {
      const time = open + m * MINUTE;
      const o = price;
      price = Math.max(90, Math.min(110, price + rng.normal() * 0.15 + (100 - price) * 0.002));
      const c = Math.round(price * 100) / 100;
      builder.add({
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
  return builder.finish({ rows: days * 480, rejected: 0, rejectedByReason: {} });
}
