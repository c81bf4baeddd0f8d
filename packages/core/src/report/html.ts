import type { CandleSeries } from "../backtest/candles.js";
import {
  type BacktestResult,
  SUPPRESSED_LISTED_PER_REASON,
  type SuppressedRecord,
  type TradeRecord,
} from "../backtest/result.js";
import { reasonCounts } from "../data/csv.js";
import { CHART_FUNCTIONS } from "./chart.js";
import { buildChartData, type ReportChartData, timeframeSeconds } from "./chart-data.js";
import { LocalTime } from "./local-time.js";
import { entryWhy, entryWhyKey, formatWhy } from "./why.js";

/** A sampled series for charts. */
export interface SeriesPoint {
  readonly t: number;
  readonly v: number;
}

export interface ReportInput {
  readonly result: BacktestResult;
  /** Closes per symbol (sampled): the buy-and-hold benchmark, and the price when there are no candles. */
  readonly prices: Readonly<Record<string, readonly SeriesPoint[]>>;
  /** Equity at bar closes (sampled). */
  readonly equity: readonly SeriesPoint[];
  /** Candles per symbol of the traded timeframe (the backtest's `charts.candles`). */
  readonly candles?: Readonly<Record<string, CandleSeries>>;
  /** When the report was made; printed in the footer (omit for byte-stable output). */
  readonly generatedAt?: string;
  /**
   * lightweight-charts' standalone build, inlined so the page needs no
   * network. Reading it is the host's job (Node: `chartLibrarySource` in
   * `@tradeplan/live`), which keeps this module free of file I/O.
   */
  readonly chartLibrary: ChartLibrarySource;
}

/** The inlined charting library: its standalone build and the attribution its licence asks for. */
export interface ChartLibrarySource {
  readonly version: string;
  /** The standalone production build, which defines `window.LightweightCharts`. */
  readonly script: string;
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/** JavaScript inside a `<script>` element: nothing in it may close the element (`<\/` means `</` in a string). */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, "<\\/$1");
}

/** JSON inside a `<script>` element: every `<` escaped, so no text in it can close the element. */
function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function money(v: number): string {
  const s = Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return v < 0 ? `-${s}` : s;
}

function num(v: number | null, digits = 2): string {
  return v === null || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);
}

/** `+1.25`, `-0.40`, `0.00` (no sign on what rounds to zero). */
function signed(v: number, digits = 2): string {
  const s = v.toFixed(digits);
  if (Number(s) === 0) return (0).toFixed(digits);
  return v > 0 ? `+${s}` : s;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function cls(v: number): string {
  return Math.abs(v) < 0.005 ? "" : v > 0 ? "pos" : "neg";
}

/** Years down, months across, and the year's compounded return. */
export function monthlyTable(result: BacktestResult): string {
  if (result.monthlyReturns.length === 0) return "<p>No months with bars.</p>";
  const years = new Map<string, Map<number, number>>();
  for (const m of result.monthlyReturns) {
    const y = m.month.slice(0, 4);
    const row = years.get(y) ?? new Map<number, number>();
    row.set(Number(m.month.slice(5, 7)), m.returnPercent);
    years.set(y, row);
  }
  const rows = [...years].map(([y, row]) => {
    const year = ([...row.values()].reduce((a, r) => a * (1 + r / 100), 1) - 1) * 100;
    const cells = MONTHS.map((_, i) => {
      const r = row.get(i + 1);
      return r === undefined ? "<td></td>" : `<td class="${cls(r)}">${signed(r)}</td>`;
    }).join("");
    return `<tr><th>${y}</th>${cells}<td class="${cls(year)} year">${signed(year)}</td></tr>`;
  });
  return `<table id="monthly"><thead><tr><th>Year</th>${MONTHS.map((m) => `<th>${m}</th>`).join("")}<th>Year</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** P&L in percent of what the position cost to open (a future's multiplier counted). */
export function tradePnlPercent(t: TradeRecord): number {
  const value = t.entryValue;
  return value > 0 ? (t.pnl / value) * 100 : 0;
}

function ruleCell(rule: number | string | null): string {
  return rule === null ? "" : typeof rule === "number" ? `line ${rule}` : rule;
}

function tradeTable(result: BacktestResult, when: (iso: string) => string, local: LocalTime): string {
  const zone = local.zone;
  const why = entryWhy(result);
  // Why the entry fired, shown on hover: the operands of its condition at that close.
  const title = (t: TradeRecord): string => {
    const w = why.get(entryWhyKey(t.symbol, t.entryRule, t.entryTime));
    return w ? ` title="why: ${esc(formatWhy(w, local))}"` : "";
  };
  const rows = result.trades
    .map(
      (t, i) =>
        `<tr data-trade="${i + 1}" class="${t.pnl >= 0 ? "win" : "loss"}"${title(t)}><td>${i + 1}</td><td>${esc(t.symbol)}</td><td>${t.side}</td><td>${t.quantity}</td><td>${esc(when(t.entryTime))}</td><td>${t.entryPrice.toFixed(2)}</td><td>${ruleCell(t.entryRule)}</td><td>${esc(when(t.exitTime))}</td><td>${t.exitPrice.toFixed(2)}</td><td>${esc(ruleCell(t.exitRule))}</td><td>${t.exitReason ?? ""}</td><td>${money(t.commission)}</td><td class="${cls(t.pnl)}">${money(t.pnl)}</td><td class="${cls(t.pnl)}">${signed(tradePnlPercent(t))}%</td></tr>`,
    )
    .join("");
  return `<div class="wide"><table id="trades"><thead><tr><th>#</th><th>Symbol</th><th>Side</th><th>Qty</th><th>Entry (${esc(zone)})</th><th>Entry price</th><th>Entry rule</th><th>Exit (${esc(zone)})</th><th>Exit price</th><th>Exit rule</th><th>Exit reason</th><th>Commission</th><th>P&amp;L</th><th>P&amp;L %</th></tr></thead><tbody>${rows || `<tr><td colspan="14">No closed trades.</td></tr>`}</tbody></table></div>`;
}

/** The reason a suppressed entry or exit is counted under: the risk code, else the suppression code. */
function reasonKey(s: SuppressedRecord): string {
  return s.riskCode ?? s.code;
}

/** Totals per reason with one example each, then the listed decisions. */
function decisionsSection(result: BacktestResult, decided: (s: SuppressedRecord) => string, zone: string): string {
  const totals = Object.entries(result.suppressedByReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (totals.length === 0) return `<p id="decisions-none">Every entry and exit was acted on.</p>`;
  const example = new Map<string, string>();
  for (const s of result.suppressedSignals) if (!example.has(reasonKey(s))) example.set(reasonKey(s), s.reason);
  const totalRows = totals
    .map(
      ([k, n]) =>
        `<tr><td class="code">${esc(k)}</td><td>${n}</td><td class="text">${esc(example.get(k) ?? "")}</td></tr>`,
    )
    .join("");
  const listRows = result.suppressedSignals
    .map(
      (s) =>
        `<tr><td>${esc(decided(s))}</td><td>${esc(s.symbol)}</td><td>${esc(s.timeframe)}</td><td>line ${s.rule}</td><td>${s.action}</td><td class="code">${esc(reasonKey(s))}</td><td class="text">${esc(s.reason)}</td></tr>`,
    )
    .join("");
  const omitted =
    result.suppressedOmitted > 0
      ? `<p>${result.suppressedOmitted} more are counted above but not listed (the first ${SUPPRESSED_LISTED_PER_REASON} of each reason are).</p>`
      : "";
  return `<table id="decision-totals"><thead><tr><th class="text">Reason</th><th>Count</th><th class="text">For example</th></tr></thead><tbody>${totalRows}</tbody></table>
<details><summary>The ${result.suppressedSignals.length} listed entries and exits not acted on</summary><div class="wide"><table id="decisions"><thead><tr><th>Decided (${esc(zone)})</th><th>Symbol</th><th>TF</th><th>Rule</th><th>Action</th><th>Reason</th><th class="text">Why</th></tr></thead><tbody>${listRows}</tbody></table></div></details>${omitted}`;
}

/** A sentence on the candles per symbol: their timeframe, and whether they were merged into a coarser one. */
function candleNote(data: ReportChartData): string {
  return data.symbols
    .map((s) =>
      s.timeframe === s.tradedTimeframe
        ? `${s.symbol}: ${s.candles.length.toLocaleString("en-US")} candles of ${s.timeframe}`
        : `${s.symbol}: ${s.candles.length.toLocaleString("en-US")} candles of ${s.timeframe}, merged from the traded ${s.tradedTimeframe} (too many bars to draw one candle each)`,
    )
    .join("; ");
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d2733}h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px}.sub{color:#5b6b7b;margin-top:0}.chart{position:relative;width:100%;border:1px solid #dde3ea;margin:6px 0}.price{height:440px}.equity{height:260px}.drawdown{height:170px}.hint{color:#5b6b7b;font-size:12px}table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 9px;border-bottom:1px solid #e6ebf0;text-align:right;white-space:nowrap}th.text,td.text{text-align:left;white-space:normal}td.code{text-align:left;font-family:ui-monospace,monospace;font-size:12px}#stats th{text-align:left}#monthly td{min-width:48px}#monthly td.year{font-weight:600}.pos{color:#2f9e44}.neg{color:#c92a2a}tbody tr:hover{background:#fff4e6}#trades tbody tr{cursor:pointer}details{margin:8px 0}.wide{overflow-x:auto}footer{margin-top:28px;color:#5b6b7b;font-size:12px}footer a{color:inherit}`;

/**
 * Renders the backtest as one self-contained HTML page: the statistics, a
 * candlestick chart per symbol with every trade's entry and exit, equity
 * against buy-and-hold and drawdown (lightweight-charts, inlined with its
 * attribution, zoom and pan), the monthly returns, the trade list and the
 * entries and exits that were not acted on with their reasons. Nothing is
 * fetched; every time is exchange-local with the zone named.
 */
export function renderReport(input: ReportInput): string {
  const { result } = input;
  const st = result.stats;
  const zone = result.plan.timezone;
  const data = buildChartData({
    result,
    charts: { prices: input.prices, equity: input.equity, ...(input.candles ? { candles: input.candles } : {}) },
  });
  const lt = new LocalTime(zone);
  const dailyTrading =
    data.symbols.length > 0 &&
    data.symbols.every((s) => s.tradedTimeframe !== "sampled" && timeframeSeconds(s.tradedTimeframe) >= 86_400);
  const when = (iso: string) => (dailyTrading ? lt.date(Date.parse(iso)) : lt.dateTime(Date.parse(iso)));
  const decided = (s: SuppressedRecord) => lt.decided(Date.parse(s.time), s.timeframe);
  const statsRows: [string, string][] = [
    ["Start equity", money(st.startEquity)],
    ["End equity", money(st.endEquity)],
    ["Net P&L", money(st.netPnl)],
    ["Return", `${num(st.returnPercent)}%`],
    ["Trades", String(st.trades)],
    ["Win rate", `${num(st.winRate, 1)}%`],
    ["Profit factor", num(st.profitFactor)],
    ["Max drawdown", `${money(st.maxDrawdown)} (${num(st.maxDrawdownPercent)}%)`],
    ["Sharpe (daily, annualised)", num(st.sharpe)],
    ["Exposure", `${num(st.exposure, 1)}%`],
    ["Commissions", money(st.commissions)],
    ["Bars", String(result.bars)],
    [
      "Rejected rows",
      result.rejected > 0 ? `${result.rejected} (${reasonCounts(result.rejectedByReason)})` : String(result.rejected),
    ],
    ["Signals acted on", String(result.signals.length)],
    ["Not acted on", String(st.suppressed)],
    ["of them risk rejections", String(st.riskRejections)],
    ["Rule errors", String(st.ruleErrors)],
  ];
  const stats = `<table id="stats"><tbody>${statsRows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</tbody></table>`;
  const priceHosts = data.symbols
    .map((s, i) => `<div class="chart price" id="price-${i}" data-symbol="${esc(s.symbol)}"></div>`)
    .join("");
  const lib = input.chartLibrary;
  // esbuild's keepNames (tsx, vitest) wraps named functions in `__name(...)`; the page has no such helper.
  const mount = `var __name = function (f) { return f; };
${CHART_FUNCTIONS.map((f) => f.toString()).join("\n")}
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var prices = [];
  for (var i = 0; i < data.symbols.length; i++) prices.push(document.getElementById("price-" + i));
  var chart = mountBacktestChart(window.LightweightCharts, { prices: prices, equity: document.getElementById("equity"), drawdown: document.getElementById("drawdown") }, data);
  window.__tradeplanReport = { data: data, chart: chart };
  var rows = document.querySelectorAll("#trades tr[data-trade]");
  for (var r = 0; r < rows.length; r++) {
    rows[r].addEventListener("click", function (e) {
      if (chart.showTrade(Number(e.currentTarget.getAttribute("data-trade")))) prices[0].scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }
})();`;
  const footer = `Plan source hash ${esc(result.plan.sourceHash)}${input.generatedAt ? ` · generated ${esc(input.generatedAt)}` : ""} · tradeplan<br>Charts: <a href="https://www.tradingview.com/">TradingView</a> Lightweight Charts™ v${esc(lib.version)}, Copyright (c) TradingView, Inc. <a href="https://www.tradingview.com/">https://www.tradingview.com/</a>, licensed under the Apache License 2.0 (inlined in this page).`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Backtest: ${esc(result.plan.name)}</title><style>${CSS}</style></head>
<body><h1>Backtest: ${esc(result.plan.name)}</h1><p class="sub">${esc(result.plan.symbols.join(", "))} · times in ${esc(zone)} (exchange time)</p>
<h2>Statistics</h2>${stats}
<h2>Price</h2><p class="hint" id="candle-note">${esc(candleNote(data) || "No price data")}. Drag to pan, scroll or pinch to zoom; arrows mark entries (#n buy/sell) and exits (#n and how); click a trade in the list to see it here.</p>${priceHosts}
<h2>Equity against buy-and-hold</h2><div class="chart equity" id="equity"></div>
<h2>Drawdown (% below the peak)</h2><div class="chart drawdown" id="drawdown"></div>
<h2>Monthly returns (%)</h2>${monthlyTable(result)}
<h2>Trades</h2><p class="hint">Hover a trade to see why its entry fired: its condition's values at that close.</p>${tradeTable(result, when, lt)}
<h2>Entries and exits not acted on</h2>${decisionsSection(result, decided, zone)}
<footer>${footer}</footer>
<script>${scriptText(lib.script)}</script>
<script type="application/json" id="chart-data">${jsonText(data)}</script>
<script>${scriptText(mount)}</script></body></html>
`;
}
