/**
 * The plans and bars the sweep tests share, one definition each: the
 * "levels" plan over a synthetic wave (the CLI's in-process optimize test,
 * the queued sweep's e2e test) and the tunable threshold plan for the real
 * 1-minute index-future file (the params and optimize e2e tests).
 */

/** Two params over a 40-minute wave: a grid of 11 x 5 variants, most of which trade. */
export const LEVELS_PLAN = [
  'plan "levels"',
  "symbol TEST",
  'timezone "UTC"',
  "session always",
  "param level = 110 in 100..120 step 2",
  "param length = 4 in 2..10 step 2",
  "on 1m close crosses above level enter long size 10 shares",
  "on 1m close crosses below sma(close, length) exit long",
  "",
].join("\n");

/**
 * Six days of one-minute bars for {@link LEVELS_PLAN}, stamped with their
 * close, 8 hours a day (2,880 bars from 2024-01-02, UTC): a 40-minute wave
 * on a slow swing. `badRow` adds one row whose close is not a number on the
 * second day (a rejected row the sweep must report alike however it runs).
 */
export function levelsCsv(options: { readonly badRow?: boolean } = {}): string {
  const rows = ["Date,Time,Open,High,Low,Close,Volume"];
  let prev = 110;
  for (let d = 0; d < 6; d++)
    for (let m = 1; m <= 480; m++) {
      const i = d * 480 + m;
      const close = 110 + 8 * Math.sin((2 * Math.PI * i) / 40) + 3 * Math.sin((2 * Math.PI * i) / 700);
      const t = new Date(Date.UTC(2024, 0, 2 + d, 8, m)).toISOString();
      const hi = (Math.max(prev, close) + 0.1).toFixed(2);
      const lo = (Math.min(prev, close) - 0.1).toFixed(2);
      rows.push(`${t.slice(0, 10)},${t.slice(11, 19)},${prev.toFixed(2)},${hi},${lo},${close.toFixed(2)},1000`);
      if (options.badRow === true && d === 1 && m === 7) rows.push("2024-01-03,08:07:30,1,2,3,oops,5");
      prev = close;
    }
  return `${rows.join("\n")}\n`;
}

/** A threshold entry and a moving-average exit for the real index-future file (FESX, Europe/Berlin, 5-minute rules). */
export const THRESHOLD_PLAN = [
  "# A threshold entry and a moving-average exit, both tunable.",
  'plan "index future threshold"',
  "symbol FESX",
  'timezone "Europe/Berlin"',
  "session always",
  "",
  "param threshold = 3700 in 3600..3800 step 10",
  "param length = 20 in 10..50 step 5",
  "",
  "on 5m close crosses above threshold enter long size 1 shares",
  "on 5m close crosses below sma(close, length) exit long",
  "",
].join("\n");
