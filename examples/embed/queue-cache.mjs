// @tradeplan/queue: write one symbol's bars as a bar cache, read it back
// (checked against its checksum) and run a variant of a plan over it, as a
// `tradeplan worker` does with each job. Usage: node queue-cache.mjs DIR
import { BarColumnsBuilder, runVariantTask, VariantContext } from "@tradeplan/core";
import { readBarCache, writeBarCache } from "@tradeplan/queue";

const dir = process.argv[2] ?? ".";
const source = [
  'plan "cache demo"',
  "symbol DEMO",
  'timezone "UTC"',
  "session always",
  "param level = 101 in 100..104 step 1",
  "on 1m close crosses above level enter long size 10 shares",
  "on 1m close crosses below 100 exit long",
  "",
].join("\n");

const builder = new BarColumnsBuilder();
for (let i = 0; i < 600; i++) {
  const time = Date.UTC(2024, 0, 2, 9) + i * 60_000;
  const close = 101 + 2 * Math.sin(i / 15);
  const bar = { open: close, high: close + 0.1, low: close - 0.1, close, volume: 100 };
  builder.add({ symbol: "DEMO", timeframe: "1m", time, closeTime: time + 60_000, ...bar });
}
const written = await writeBarCache(dir, builder.finish(), {
  file: "generated",
  timezone: "UTC",
  timestamps: "open",
  adjust: false,
});
const { columns, header } = await readBarCache(written.path, written.header.checksum);
const context = VariantContext.create({ source, fileName: "demo.plan" }, columns);
const result = runVariantTask(context, { index: 0, params: { level: 102 }, from: 0, to: columns.length });
console.log(`${header.symbol} ${header.bars} bars ${header.checksum.slice(0, 19)}`);
console.log(`trades ${result.ok ? result.stats.trades : result.error}`);
