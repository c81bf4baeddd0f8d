import { axisValue } from "@tradeplan/core/internal";
import type { OptimizeDocument, VariantRow, WalkForwardSection } from "./document.js";
import { fixed, money, objectiveLabel, objectiveText, PlanTime, paramText, spaceText } from "./format.js";

/**
 * `--out report.html`: the optimize result as one self-contained page (no
 * script, no network: inline CSS and SVG). A sweep shows its top variants
 * and, when exactly two params vary, a heatmap of the objective over them;
 * a walk-forward shows each window in sample against out of sample and the
 * stitched out-of-sample equity.
 */
export function renderOptimizeHtml(doc: OptimizeDocument, rows: readonly VariantRow[]): string {
  const time = new PlanTime(doc.plan.timezone);
  const parts: string[] = [];
  const span = doc.data.first && doc.data.last ? `${time.at(doc.data.first)} .. ${time.at(doc.data.last)}` : "no bars";
  parts.push(
    `<h1>${esc(doc.plan.name)}: ${doc.walkForward ? "walk-forward" : "parameter sweep"}</h1>`,
    `<p class="meta">${esc(doc.plan.symbol)} · ${esc(doc.data.file)} · ${doc.data.bars.toLocaleString("en-US")} bars · ${esc(span)} (${esc(doc.plan.timezone)})</p>`,
    `<p class="meta">${doc.search.method === "grid" ? "grid" : `random search, seed ${doc.search.seed}`}: ${doc.search.variants} variants over ${esc(spaceText(doc))} · objective ${esc(objectiveLabel(doc))} · at least ${doc.minTrades} trade(s)</p>`,
  );
  if (!doc.complete)
    parts.push(`<p class="warn">Stopped before the end: these results cover only the variants that ran.</p>`);
  const s = doc.sweep;
  if (s) {
    parts.push(
      `<section><h2>Summary</h2><dl>`,
      dt("variants tried", String(s.tried)),
      dt("ranked", String(s.ranked)),
      dt("too few trades", String(s.excluded)),
      dt("failed", String(s.failed)),
      dt(
        "deflated Sharpe ratio",
        `${fixed(s.deflatedSharpe)} <span class="hint">probability that the best variant's true Sharpe ratio is above zero, given ${s.tried} variants tried</span>`,
      ),
      `</dl></section>`,
    );
    parts.push(`<section><h2>Top ${s.top.length}</h2>${variantTable(doc, s.top)}</section>`);
    const heat = heatmap(doc, rows);
    if (heat) parts.push(`<section><h2>Heatmap</h2>${heat}</section>`);
    if (s.failures.length > 0)
      parts.push(
        `<section><h2>Failed variants</h2><ul>${s.failures
          .map((f) => `<li>#${f.index} ${esc(paramLine(doc, f))}: ${esc(f.note ?? "")}</li>`)
          .join("")}</ul></section>`,
      );
  }
  if (doc.walkForward) parts.push(...walkForward(doc, doc.walkForward, time));
  return page(`${doc.plan.name}: optimize`, parts.join("\n"));
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function dt(term: string, value: string): string {
  return `<dt>${esc(term)}</dt><dd>${value}</dd>`;
}

function paramLine(doc: OptimizeDocument, row: Pick<VariantRow, "params">): string {
  return doc.space.map((p) => `${p.name}=${paramText(doc, p.name, row.params[p.name])}`).join(", ");
}

function variantTable(doc: OptimizeDocument, rows: readonly VariantRow[]): string {
  const names = doc.space.filter((p) => p.min !== p.max).map((p) => p.name);
  const head = ["rank", ...names, "objective", "net P&L", "trades", "win %", "Sharpe", "PF", "max DD"];
  const body = rows.map(
    (r) =>
      `<tr><td>${r.rank ?? "-"}</td>${names.map((n) => `<td>${esc(paramText(doc, n, r.params[n]))}</td>`).join("")}<td>${esc(objectiveText(doc, r.objective))}</td><td>${money(r.netPnl)}</td><td>${r.trades ?? "-"}</td><td>${fixed(r.winRate, 1)}</td><td>${fixed(r.sharpe)}</td><td>${fixed(r.profitFactor)}</td><td>${money(r.maxDrawdown)}</td></tr>`,
  );
  return `<div class="wide"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.join("")}</tbody></table></div>`;
}

/** Cells per side above which a heatmap's cells carry no printed value (only a colour and a tooltip). */
const LABELLED_CELLS = 24;
/** Distinct values per side above which no heatmap is drawn (a random search over continuous ranges). */
const MAX_HEAT_SIDE = 200;

/**
 * The objective over the two params that vary (rows: the first in source
 * order, columns: the second), coloured from red (worst) to green (best);
 * a combination not tried, excluded or failed is grey. Undefined unless
 * exactly two params vary.
 */
export function heatmap(doc: OptimizeDocument, rows: readonly VariantRow[]): string | undefined {
  const varying = doc.space.filter((p) => p.min !== p.max);
  const [a, b] = varying;
  if (varying.length !== 2 || !a || !b) return undefined;
  // A stepped param's every value (so a combination that did not run shows), and whatever values the rows hold.
  const values = (p: OptimizeDocument["space"][number]) => {
    const all = new Set(rows.map((r) => r.params[p.name] as number));
    if (p.step !== null && p.values !== null && p.values <= MAX_HEAT_SIDE) {
      const axis = { name: p.name, kind: "number" as const, min: p.min, max: p.max, step: p.step, integer: false };
      for (let k = 0; k < p.values; k++) all.add(axisValue(axis, k));
    }
    return [...all].sort((x, y) => x - y);
  };
  const ys = values(a);
  const xs = values(b);
  if (ys.length > MAX_HEAT_SIDE || xs.length > MAX_HEAT_SIDE)
    return `<p class="hint">No heatmap: ${esc(a.name)} and ${esc(b.name)} took too many distinct values (use a grid).</p>`;
  const cell = new Map<string, VariantRow>();
  for (const r of rows) cell.set(`${r.params[a.name]}|${r.params[b.name]}`, r);
  const ranked = rows.filter((r) => r.status === "ranked" && r.objective !== null && Number.isFinite(r.objective));
  const sign = doc.objective === "max_drawdown" ? -1 : 1;
  const scores = ranked.map((r) => sign * (r.objective as number));
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const labelled = xs.length <= LABELLED_CELLS;
  const head = `<tr><th>${esc(a.name)} \\ ${esc(b.name)}</th>${xs.map((x) => `<th>${esc(paramText(doc, b.name, x))}</th>`).join("")}</tr>`;
  const body = ys.map((y) => {
    const cells = xs.map((x) => {
      const r = cell.get(`${y}|${x}`);
      const ok = r && r.status === "ranked" && r.objective !== null && Number.isFinite(r.objective);
      const title = r
        ? `${paramLine(doc, r)}: ${r.status === "failed" ? `failed: ${r.note}` : `${objectiveText(doc, r.objective)}${r.status === "excluded" ? ` (${r.note})` : ""}`}`
        : "not tried";
      const t = ok && hi > lo ? (sign * (r.objective as number) - lo) / (hi - lo) : 0.5;
      const bg = ok ? `hsl(${Math.round(t * 120)},65%,${Math.round(78 - t * 20)}%)` : "#ddd";
      return `<td class="heat" style="background:${bg}" title="${esc(title)}">${labelled && r ? esc(objectiveText(doc, r.objective)) : ""}</td>`;
    });
    return `<tr><th>${esc(paramText(doc, a.name, y))}</th>${cells.join("")}</tr>`;
  });
  return `<p class="hint">${esc(objectiveLabel(doc))} per combination; red worst, green best, grey: excluded, failed or not tried.</p><div class="wide"><table class="heatmap">${head}${body.join("")}</table></div>`;
}

function walkForward(doc: OptimizeDocument, wf: WalkForwardSection, time: PlanTime): string[] {
  const names = doc.space.filter((p) => p.min !== p.max).map((p) => p.name);
  const head = [
    "window",
    "train",
    "test",
    ...names,
    "IS objective",
    "IS net",
    "OOS objective",
    "OOS net",
    "OOS trades",
    "WFE",
    "DSR",
  ];
  const body = wf.windows.map((w) => {
    const o = w.outOfSample;
    return `<tr><td>${w.window}</td><td>${esc(time.at(w.train.start))} .. ${esc(time.at(w.train.end))}</td><td>${esc(time.at(w.test.start))} .. ${esc(time.at(w.test.end))}</td>${names
      .map((n) => `<td>${w.best ? esc(paramText(doc, n, w.best.params[n])) : "-"}</td>`)
      .join(
        "",
      )}<td>${w.best ? esc(objectiveText(doc, w.best.objective)) : "none met the constraints"}</td><td>${w.best ? money(w.best.netPnl) : "-"}</td><td>${o?.ok ? esc(objectiveText(doc, o.objective)) : "-"}</td><td>${o === null ? "-" : o.ok ? money(o.netPnl) : `failed: ${esc(o.error)}`}</td><td>${o?.ok ? o.trades : "-"}</td><td>${fixed(w.efficiency)}</td><td>${fixed(w.deflatedSharpe)}</td></tr>`;
  });
  return [
    `<section><h2>Walk-forward: train ${esc(wf.train)}, test ${esc(wf.test)}, ${wf.anchored ? "anchored" : "rolling"}</h2><dl>`,
    dt("windows", String(wf.windows.length)),
    dt("out-of-sample net P&L", money(wf.outOfSampleNet)),
    dt(
      "walk-forward efficiency",
      `${fixed(wf.efficiency)} <span class="hint">out-of-sample P&amp;L per day over in-sample P&amp;L per day</span>`,
    ),
    `</dl>`,
    `<h3>In sample vs out of sample (dates in ${esc(doc.plan.timezone)})</h3>`,
    `<div class="wide"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.join("")}</tbody></table></div>`,
    windowBars(wf),
    `<h3>Stitched out-of-sample equity</h3>`,
    equityChart(wf, time),
    `</section>`,
  ];
}

/** Each window's in-sample and out-of-sample net P&L as paired bars (grey in sample, blue out of sample). */
function windowBars(wf: WalkForwardSection): string {
  const w = 640;
  const h = 180;
  const pad = 30;
  const pairs = wf.windows.map((x) => ({
    is: x.best?.netPnl ?? 0,
    oos: x.outOfSample?.ok ? x.outOfSample.netPnl : 0,
  }));
  if (pairs.length === 0) return "";
  const max = Math.max(1, ...pairs.flatMap((p) => [Math.abs(p.is), Math.abs(p.oos)]));
  const zero = h / 2;
  const slot = (w - 2 * pad) / pairs.length;
  const bar = (x: number, v: number, cls: string, label: string) => {
    const len = (Math.abs(v) / max) * (h / 2 - 10);
    const y = v >= 0 ? zero - len : zero;
    return `<rect class="${cls}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot / 3).toFixed(1)}" height="${len.toFixed(1)}"><title>${esc(label)}</title></rect>`;
  };
  const rects = pairs.map(
    (p, i) =>
      bar(pad + i * slot + slot / 6, p.is, "is", `window ${i + 1} in sample ${money(p.is)}`) +
      bar(pad + i * slot + slot / 2, p.oos, "oos", `window ${i + 1} out of sample ${money(p.oos)}`) +
      `<text x="${(pad + i * slot + slot / 2).toFixed(1)}" y="${h - 2}" text-anchor="middle">${i + 1}</text>`,
  );
  return `<p class="hint">Net P&amp;L per window: grey in sample (the winner over its train period), blue out of sample (the same params over the test period).</p><svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}"><line x1="${pad}" x2="${w - pad}" y1="${zero}" y2="${zero}" class="axis"/>${rects.join("")}</svg>`;
}

/** The stitched out-of-sample equity as a line, with its range and dates. */
function equityChart(wf: WalkForwardSection, time: PlanTime): string {
  const pts = wf.stitched;
  if (pts.length < 2) return `<p class="hint">Fewer than two out-of-sample points: nothing to draw.</p>`;
  const w = 640;
  const h = 220;
  const pad = 40;
  const ts = pts.map((p) => Date.parse(p.time));
  const vs = pts.map((p) => p.equity);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const v0 = Math.min(...vs);
  const v1 = Math.max(...vs);
  const x = (t: number) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (w - 2 * pad);
  const y = (v: number) => h - pad - ((v - v0) / Math.max(1e-9, v1 - v0)) * (h - 2 * pad);
  const line = pts.map((p, i) => `${x(ts[i] as number).toFixed(1)},${y(p.equity).toFixed(1)}`).join(" ");
  const first = pts[0];
  const last = pts.at(-1);
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}"><polyline class="equity" points="${line}"/><text x="${pad}" y="${h - 8}">${esc(first ? time.date(first.time) : "")}</text><text x="${w - pad}" y="${h - 8}" text-anchor="end">${esc(last ? time.date(last.time) : "")}</text><text x="4" y="${pad - 8}">${money(v1)}</text><text x="4" y="${h - pad + 14}">${money(v0)}</text></svg>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1d232b}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:26px 0 8px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#4b5563;margin:2px 0}.warn{background:#fff4d6;border:1px solid #e6c15a;padding:8px 10px;border-radius:6px}
.hint{color:#6b7280;font-size:12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dt{color:#4b5563}dd{margin:0}
.wide{overflow-x:auto}table{border-collapse:collapse;margin:6px 0;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:right;white-space:nowrap}th{background:#f3f4f6}
.heatmap td.heat{min-width:34px;font-size:11px;border:1px solid #fff;text-align:center}
svg.chart{display:block;background:#fafafa;border:1px solid #e5e7eb;border-radius:6px;margin:6px 0}
svg text{font-size:11px;fill:#4b5563}.axis{stroke:#9ca3af}.equity{fill:none;stroke:#2563eb;stroke-width:1.5}
rect.is{fill:#9ca3af}rect.oos{fill:#2563eb}
</style></head><body>
${body}
</body></html>
`;
}
