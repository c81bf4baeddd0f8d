// Embeds @tradeplan/core (no Node APIs: this file runs unchanged in a browser
// or a worker): compile a plan, backtest it over generated bars, read the result.
//   node examples/embed/core-backtest.mjs
import { calendarFor, DEMO_DATA, generateBars, runBacktest, tradingSessions } from "@tradeplan/core";
import { analyze } from "@tradeplan/dsl";

const source = `plan "Embedded breakout"
symbol DEMO
timezone "America/New_York"
session regular
on 5m close crosses above highest(high, 20)[1] enter long size 100 shares
on 1m trailing stop 1.5%
`;
const { compiled, diagnostics } = analyze(source, { fileName: "embedded.plan" });
if (!compiled) throw new Error(diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));

const sessions = tradingSessions(calendarFor("regular"), DEMO_DATA.from, DEMO_DATA.sessions);
const bars = generateBars({ symbol: "DEMO", seed: DEMO_DATA.seed, interval: "1m", startPrice: DEMO_DATA.startPrice }, sessions);

const { result } = runBacktest({ plan: compiled }, bars);
const { stats } = result;
console.log(`${result.trades.length} trades, net ${stats.netPnl.toFixed(2)}, max drawdown ${stats.maxDrawdownPercent.toFixed(2)}%`);
