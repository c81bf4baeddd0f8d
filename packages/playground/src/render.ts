import { LocalTime } from "@tradeplan/core";
import type { Diagnostic } from "@tradeplan/dsl";
import type { PlaygroundRun } from "./backtest.js";
import { type ChartModel, chartModel, renderChart } from "./chart.js";

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
export function renderRun(target: HTMLElement, run: PlaygroundRun): ChartModel | undefined {
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
  const model = chartModel(run.outcome);
  target.append(el("p", "data-label", run.dataLabel), table, renderChart(model));
  if (run.diagnostics.length > 0) target.append(diagnosticList(run.diagnostics));
  if (result.trades.length > 0) {
    const trades = el("table", "trades");
    const head = el("tr");
    const local = new LocalTime(result.plan.timezone);
    const at = (iso: string) => local.dateTime(Date.parse(iso));
    for (const h of ["side", "qty", "entry", "exit", "P&L", "exit by"]) head.append(el("th", undefined, h));
    trades.append(head);
    for (const t of result.trades.slice(-10)) {
      const tr = el("tr", t.pnl > 0 ? "win" : "loss");
      const rule = typeof t.exitRule === "number" ? `line ${t.exitRule}` : (t.exitRule ?? "");
      const exitBy = t.exitReason && t.exitReason !== "rule" ? `${t.exitReason} (${rule})` : rule;
      for (const v of [
        t.side,
        String(t.quantity),
        `${t.entryPrice.toFixed(2)} ${at(t.entryTime)}`,
        `${t.exitPrice.toFixed(2)} ${at(t.exitTime)}`,
        money(t.pnl),
        exitBy,
      ]) {
        tr.append(el("td", undefined, v));
      }
      trades.append(tr);
    }
    target.append(
      el(
        "h3",
        undefined,
        `last ${Math.min(10, result.trades.length)} of ${result.trades.length} trades (${result.plan.timezone})`,
      ),
      trades,
    );
  }
  return model;
}
