import type { BacktestResult, TradeRecord } from "../backtest/result.js";
import { reasonCounts } from "../data/csv.js";

/** A sampled series for charts. */
export interface SeriesPoint {
  readonly t: number;
  readonly v: number;
}

export interface ReportInput {
  readonly result: BacktestResult;
  /** Closes per symbol (sampled). */
  readonly prices: Readonly<Record<string, readonly SeriesPoint[]>>;
  /** Equity at bar closes (sampled). */
  readonly equity: readonly SeriesPoint[];
  /** When the report was made; printed in the footer (omit for byte-stable output). */
  readonly generatedAt?: string;
}

const W = 960;
const H = 260;
const PAD = { l: 84, r: 16, t: 16, b: 28 };

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

function money(v: number): string {
  const s = Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return v < 0 ? `-${s}` : s;
}

/** `2024-02-23T19:00:00.000Z` -> `2024-02-23 19:00`. */
function shortTime(iso: string): string {
  return iso.slice(0, 16).replace("T", " ");
}

function num(v: number | null, digits = 2): string {
  return v === null || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);
}

interface Scale {
  /** x of the i-th sample. */
  xi(i: number): number;
  /** x of an instant: interpolated between the samples around it, so nights and weekends take no width. */
  xt(t: number): number;
  y(v: number): number;
  v0: number;
  v1: number;
  times: readonly number[];
}

/**
 * The x axis is trading time: samples are spaced evenly (they are bars), so
 * a chart is not mostly overnight and weekend gaps.
 */
function scale(points: readonly SeriesPoint[], extra: readonly number[] = []): Scale {
  let v0 = Number.POSITIVE_INFINITY;
  let v1 = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    v0 = Math.min(v0, p.v);
    v1 = Math.max(v1, p.v);
  }
  for (const v of extra) {
    v0 = Math.min(v0, v);
    v1 = Math.max(v1, v);
  }
  if (!Number.isFinite(v0)) {
    v0 = 0;
    v1 = 1;
  }
  if (v1 === v0) {
    v0 -= 1;
    v1 += 1;
  }
  const pad = (v1 - v0) * 0.05;
  v0 -= pad;
  v1 += pad;
  const times = points.map((p) => p.t);
  const span = Math.max(1, times.length - 1);
  const xi = (i: number) => PAD.l + (i / span) * (W - PAD.l - PAD.r);
  const xt = (t: number) => {
    let lo = 0;
    let hi = times.length - 1;
    if (hi < 0) return xi(0);
    if (t <= times[0]!) return xi(0);
    if (t >= times[hi]!) return xi(hi);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const a = times[lo]!;
    const b = times[hi]!;
    return xi(lo + (b > a ? (t - a) / (b - a) : 0));
  };
  return { xi, xt, y: (v) => PAD.t + (1 - (v - v0) / (v1 - v0)) * (H - PAD.t - PAD.b), v0, v1, times };
}

function axes(s: Scale, fmt: (v: number) => string): string {
  const out: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = s.v0 + ((s.v1 - s.v0) * i) / 4;
    const y = s.y(v).toFixed(1);
    out.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${PAD.l - 6}" y="${y}" class="yl">${esc(fmt(v))}</text>`);
  }
  const n = s.times.length;
  if (n > 0) {
    for (let k = 0; k <= 4; k++) {
      const i = Math.round(((n - 1) * k) / 4);
      const anchor = k === 0 ? "start" : k === 4 ? "end" : "middle";
      out.push(
        `<text x="${s.xi(i).toFixed(1)}" y="${H - 8}" class="xl" text-anchor="${anchor}">${new Date(s.times[i]!).toISOString().slice(0, 10)}</text>`,
      );
    }
  }
  return out.join("");
}

function path(points: readonly SeriesPoint[], s: Scale): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${s.xi(i).toFixed(1)},${s.y(p.v).toFixed(1)}`).join("");
}

function svg(id: string, title: string, body: string): string {
  return `<figure id="${id}"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${body}</svg></figure>`;
}

function priceChart(symbol: string, points: readonly SeriesPoint[], trades: readonly TradeRecord[]): string {
  const mine = trades.filter((t) => t.symbol === symbol);
  const s = scale(
    points,
    mine.flatMap((t) => [t.entryPrice, t.exitPrice]),
  );
  const marks = mine
    .map((t, i) => {
      const ex = s.xt(Date.parse(t.entryTime));
      const ey = s.y(t.entryPrice);
      const xx = s.xt(Date.parse(t.exitTime));
      const xy = s.y(t.exitPrice);
      const up = t.side === "long";
      const entry = up
        ? `${ex},${ey + 9} ${ex - 6},${ey + 18} ${ex + 6},${ey + 18}`
        : `${ex},${ey - 9} ${ex - 6},${ey - 18} ${ex + 6},${ey - 18}`;
      const tip = `#${i + 1} ${t.side} ${t.quantity} @ ${t.entryPrice.toFixed(2)} -> ${t.exitPrice.toFixed(2)}, P&L ${money(t.pnl)}`;
      return `<g class="trade ${t.pnl >= 0 ? "win" : "loss"}" data-trade="${i + 1}"><title>${esc(tip)}</title><line x1="${ex.toFixed(1)}" y1="${ey.toFixed(1)}" x2="${xx.toFixed(1)}" y2="${xy.toFixed(1)}" class="link"/><polygon points="${entry}" class="entry ${t.side}"/><rect x="${(xx - 4).toFixed(1)}" y="${(xy - 4).toFixed(1)}" width="8" height="8" class="exit"/></g>`;
    })
    .join("");
  return svg(
    `price-${esc(symbol)}`,
    `${symbol} close with entries (triangles) and exits (squares)`,
    `${axes(s, (v) => v.toFixed(2))}<path d="${path(points, s)}" class="line price"/>${marks}`,
  );
}

function drawdownPoints(equity: readonly SeriesPoint[]): SeriesPoint[] {
  let peak = Number.NEGATIVE_INFINITY;
  return equity.map((p) => {
    peak = Math.max(peak, p.v);
    return { t: p.t, v: peak > 0 ? ((p.v - peak) / peak) * 100 : 0 };
  });
}

/**
 * Renders the backtest as one self-contained HTML page: inline CSS, inline
 * SVG charts (price with entries and exits, equity, drawdown), the stats
 * table and the trade list, plus a few lines of inline JS that highlight a
 * trade's marks when its table row is hovered. Nothing is fetched.
 */
export function renderReport(input: ReportInput): string {
  const { result } = input;
  const st = result.stats;
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
    ["Suppressed", String(st.suppressed)],
    ["Risk rejections", String(st.riskRejections)],
    ["Rule errors", String(st.ruleErrors)],
  ];
  const stats = `<table id="stats"><tbody>${statsRows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</tbody></table>`;
  const trades = result.trades
    .map(
      (t, i) =>
        `<tr data-trade="${i + 1}" class="${t.pnl >= 0 ? "win" : "loss"}"><td>${i + 1}</td><td>${esc(t.symbol)}</td><td>${t.side}</td><td>${t.quantity}</td><td>${esc(shortTime(t.entryTime))}</td><td>${t.entryPrice.toFixed(2)}</td><td>${esc(shortTime(t.exitTime))}</td><td>${t.exitPrice.toFixed(2)}</td><td>${t.entryRule ?? ""}</td><td>${esc(String(t.exitRule ?? ""))}</td><td>${money(t.commission)}</td><td>${money(t.pnl)}</td></tr>`,
    )
    .join("");
  const tradeTable = `<table id="trades"><thead><tr><th>#</th><th>Symbol</th><th>Side</th><th>Qty</th><th>Entry time (UTC)</th><th>Entry</th><th>Exit time (UTC)</th><th>Exit</th><th>Entry rule</th><th>Exit rule</th><th>Commission</th><th>P&amp;L</th></tr></thead><tbody>${trades || `<tr><td colspan="12">No closed trades.</td></tr>`}</tbody></table>`;
  const prices = Object.entries(input.prices)
    .map(([sym, pts]) => priceChart(sym, pts, result.trades))
    .join("");
  const eqScale = scale(input.equity);
  const equity = svg(
    "equity",
    "Equity",
    `${axes(eqScale, (v) => money(v))}<path d="${path(input.equity, eqScale)}" class="line equity"/>`,
  );
  const dd = drawdownPoints(input.equity);
  const ddScale = scale(dd, [0]);
  const drawdown = svg(
    "drawdown",
    "Drawdown (% from peak)",
    `${axes(ddScale, (v) => `${v.toFixed(1)}%`)}<path d="${path(dd, ddScale)}" class="line dd"/>`,
  );
  const css = `body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#1d2733}h1{font-size:22px}h2{font-size:17px;margin-top:28px}figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}svg{background:#fbfcfe;border:1px solid #dde3ea}.grid{stroke:#e6ebf0}.yl{font-size:11px;text-anchor:end;dominant-baseline:middle;fill:#5b6b7b}.xl{font-size:11px;fill:#5b6b7b}.line{fill:none;stroke-width:1.4}.price{stroke:#33658a}.equity{stroke:#2f9e44}.dd{stroke:#c92a2a}.entry.long{fill:#2f9e44}.entry.short{fill:#c92a2a}.exit{fill:#1d2733}.link{stroke:#868e96;stroke-dasharray:3 3}.trade.hl .link{stroke:#f08c00;stroke-width:3}table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #e6ebf0;text-align:right;white-space:nowrap}#stats th{text-align:left}tr.win td:last-child{color:#2f9e44}tr.loss td:last-child{color:#c92a2a}tbody tr:hover{background:#fff4e6}footer{margin-top:24px;color:#868e96;font-size:12px}`;
  const js = `document.querySelectorAll("#trades tr[data-trade]").forEach(function(r){var n=r.getAttribute("data-trade");function set(on){document.querySelectorAll('g.trade[data-trade="'+n+'"]').forEach(function(g){g.classList.toggle("hl",on)})}r.addEventListener("mouseenter",function(){set(true)});r.addEventListener("mouseleave",function(){set(false)})});`;
  const footer = `Plan source hash ${esc(result.plan.sourceHash)}${input.generatedAt ? ` · generated ${esc(input.generatedAt)}` : ""} · tradeplan`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Backtest: ${esc(result.plan.name)}</title><style>${css}</style></head>
<body><h1>Backtest: ${esc(result.plan.name)}</h1><p>${esc(result.plan.symbols.join(", "))} · times in UTC · plan time zone ${esc(result.plan.timezone)}</p>
<h2>Statistics</h2>${stats}
<h2>Price</h2>${prices || "<p>No price data.</p>"}
<h2>Equity and drawdown</h2>${equity}${drawdown}
<h2>Trades</h2>${tradeTable}
<footer>${footer}</footer>
<script>${js}</script></body></html>
`;
}
