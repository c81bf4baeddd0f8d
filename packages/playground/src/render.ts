import type { Diagnostic } from "@tradeplan/dsl";
import type { PlaygroundRun } from "./backtest.js";
import { buildChart, type ChartModel, type LinePanel } from "./chart.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function drawPanel(root: SVGSVGElement, p: LinePanel, label: string, cls: string): void {
  const { box } = p;
  root.append(
    svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, class: "panel" }),
    svg("path", { d: p.path, class: `line ${cls}` }),
    svg("text", { x: box.x + 4, y: box.y + 12, class: "axis" }, `${label}  ${p.max.toFixed(2)}`),
    svg("text", { x: box.x + 4, y: box.y + box.height - 4, class: "axis" }, p.min.toFixed(2)),
  );
}

/** Draws the chart model as SVG: price with trade marks, equity below. */
export function renderChart(model: ChartModel): SVGSVGElement {
  const root = svg("svg", {
    viewBox: `0 0 ${model.width} ${model.height}`,
    width: "100%",
    role: "img",
    "aria-label": "backtest chart",
    "data-points": model.points,
    "data-marks": model.marks.length,
  });
  if (model.price) drawPanel(root, model.price, `${model.symbol ?? ""} price`, "price");
  drawPanel(root, model.equity, "equity", "equity");
  for (const m of model.marks) {
    const d =
      m.kind === "entry"
        ? `M${m.x},${m.y - 7}L${m.x - 5},${m.y + 2}L${m.x + 5},${m.y + 2}Z`
        : `M${m.x},${m.y + 7}L${m.x - 5},${m.y - 2}L${m.x + 5},${m.y - 2}Z`;
    const mark = svg("path", { d, class: `mark ${m.kind} ${m.win ? "win" : "loss"}` });
    mark.append(svg("title", {}, m.title));
    root.append(mark);
  }
  return root;
}

const money = (v: number) =>
  `${v < 0 ? "-" : ""}$${Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function diagnosticList(diagnostics: readonly Diagnostic[]): HTMLElement {
  const ul = el("ul", "diagnostics");
  for (const d of diagnostics) {
    ul.append(el("li", d.severity, `${d.code} line ${d.span.start.line}: ${d.message}`));
  }
  return ul;
}

/**
 * Fills `target` with a run's outcome: the summary figures, the chart and
 * the last trades; or the reason the run stopped and the plan's problems.
 */
export function renderRun(target: HTMLElement, run: PlaygroundRun, chartWidth: number): ChartModel | undefined {
  target.replaceChildren();
  if (!run.ok) {
    target.append(el("p", "run-error", run.message));
    if (run.diagnostics.length > 0) target.append(diagnosticList(run.diagnostics));
    return undefined;
  }
  const { result } = run.outcome;
  const s = result.stats;
  const table = el("dl", "stats");
  const rows: [string, string][] = [
    ["net P&L", `${money(s.netPnl)} (${s.returnPercent.toFixed(2)}%)`],
    ["trades", `${s.trades} (${s.wins} won, ${s.losses} lost, win rate ${s.winRate.toFixed(1)}%)`],
    ["max drawdown", `${money(s.maxDrawdown)} (${s.maxDrawdownPercent.toFixed(2)}%)`],
    ["profit factor", s.profitFactor === null ? "n/a" : s.profitFactor.toFixed(2)],
    ["Sharpe", s.sharpe === null ? "n/a" : s.sharpe.toFixed(2)],
    ["signals", String(result.signals.length)],
    ["bars", String(result.bars)],
  ];
  for (const [k, v] of rows) table.append(el("dt", undefined, k), el("dd", undefined, v));
  const model = buildChart(run.outcome, chartWidth, 320);
  target.append(el("p", "data-label", run.dataLabel), table, renderChart(model));
  if (run.diagnostics.length > 0) target.append(diagnosticList(run.diagnostics));
  if (result.trades.length > 0) {
    const trades = el("table", "trades");
    const head = el("tr");
    for (const h of ["side", "qty", "entry", "exit", "P&L", "exit by"]) head.append(el("th", undefined, h));
    trades.append(head);
    for (const t of result.trades.slice(-10)) {
      const tr = el("tr", t.pnl > 0 ? "win" : "loss");
      const exitBy = typeof t.exitRule === "number" ? `line ${t.exitRule}` : (t.exitRule ?? "");
      for (const v of [
        t.side,
        String(t.quantity),
        `${t.entryPrice.toFixed(2)} ${t.entryTime.slice(0, 16).replace("T", " ")}`,
        `${t.exitPrice.toFixed(2)} ${t.exitTime.slice(0, 16).replace("T", " ")}`,
        money(t.pnl),
        exitBy,
      ]) {
        tr.append(el("td", undefined, v));
      }
      trades.append(tr);
    }
    target.append(
      el("h3", undefined, `last ${Math.min(10, result.trades.length)} of ${result.trades.length} trades (UTC)`),
      trades,
    );
  }
  return model;
}
