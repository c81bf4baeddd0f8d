// The HTML report of `tradeplan backtest --report` draws its chart with the same two modules of the core.
import {
  type BacktestOutcome,
  buildChartData,
  type ChartMarker,
  type MountedChart,
  mountBacktestChart,
  type ReportChartData,
} from "@tradeplan/core";
import * as LightweightCharts from "lightweight-charts";

/** What the playground draws of a run, and the counts its browser test checks. */
export interface ChartModel {
  readonly data: ReportChartData;
  /** Candles and equity points drawn. */
  readonly points: number;
  /** Entry and exit markers, every symbol's. */
  readonly marks: readonly ChartMarker[];
}

/** Prepares a run's chart: the report's chart data, in the plan's exchange time. */
export function chartModel(outcome: BacktestOutcome): ChartModel {
  const data = buildChartData(outcome);
  const candles = data.symbols.reduce((n, s) => n + s.candles.length, 0);
  return { data, points: candles + data.equity.length, marks: data.symbols.flatMap((s) => s.markers) };
}

let mounted: MountedChart | undefined;

/**
 * Draws a run's chart into a new element (the report's candlesticks with
 * markers, equity against buy-and-hold and drawdown); the previous run's
 * chart is taken down first. The element carries the counts as
 * `data-points` and `data-marks`.
 */
export function renderChart(model: ChartModel): HTMLElement {
  mounted?.remove();
  mounted = undefined;
  const root = document.createElement("div");
  root.className = "chart";
  root.setAttribute("role", "img");
  root.setAttribute("aria-label", `backtest chart, times in ${model.data.zone}`);
  root.dataset.points = String(model.points);
  root.dataset.marks = String(model.marks.length);
  const host = (cls: string): HTMLElement => {
    const e = document.createElement("div");
    e.className = `chart-pane ${cls}`;
    root.append(e);
    return e;
  };
  const prices = model.data.symbols.map(() => host("price"));
  const equity = host("equity");
  const drawdown = host("drawdown");
  // The charts size themselves to their elements (autoSize), so they are mounted once the element is in the page.
  queueMicrotask(() => {
    mounted = mountBacktestChart(LightweightCharts, { prices, equity, drawdown }, model.data);
  });
  return root;
}
