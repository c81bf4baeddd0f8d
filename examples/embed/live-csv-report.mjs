// Embeds @tradeplan/live: backtests a plan over a CSV file on disk and
// writes the self-contained HTML report.
//   node examples/embed/live-csv-report.mjs [data.csv] [report.html]
import { readFileSync, writeFileSync } from "node:fs";
import { renderReport } from "@tradeplan/core";
import { analyze } from "@tradeplan/dsl";
import { chartLibrarySource, runBacktestCsv } from "@tradeplan/live";

const here = new URL("..", import.meta.url);
const planFile = new URL("plans/demo.plan", here);
const data = process.argv[2] || new URL("data/demo-1m.csv", here).pathname;
const out = process.argv[3];
const { compiled: plan, diagnostics } = analyze(readFileSync(planFile, "utf8"), { fileName: planFile.pathname });
if (!plan) throw new Error(diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));

const outcome = await runBacktestCsv({
  plan,
  file: data,
  csv: { symbol: "DEMO", timezone: plan.timezone },
  onReject: (row) => console.error(`${row.file}:${row.line}: ${row.reason}`),
});
const { result, charts, csv } = outcome;
console.log(`${csv.bars} bars read, ${csv.rejected} rejected; ${result.trades.length} trades, net ${result.stats.netPnl.toFixed(2)}`);
if (out) {
  const html = renderReport({ chartLibrary: chartLibrarySource(), result, prices: charts.prices, equity: charts.equity, candles: charts.candles });
  writeFileSync(out, html);
  console.log(`report written to ${out}`);
}
