import type * as Lwc from "lightweight-charts";
import type { ReportChartData } from "./chart-data.js";

/**
 * The backtest chart, drawn with TradingView's lightweight-charts: one
 * candlestick chart per symbol with the trades' entries and exits as
 * markers, equity against buy-and-hold, and drawdown; zoom and pan with the
 * mouse or the keyboard, the three charts kept on the same time range.
 *
 * Browser-safe and self-contained on purpose: the HTML report inlines these
 * functions' source (`Function.prototype.toString`, see
 * {@link CHART_FUNCTIONS}) next to the library's standalone build, and the
 * playground imports them with the library's module. So every function here
 * is a plain `function` declaration that uses nothing but its arguments,
 * the other functions of this list and the library handed in.
 */

/** The parts of lightweight-charts the chart uses: the ES module in the playground, `LightweightCharts` in the report. */
export type ChartLibrary = Pick<
  typeof Lwc,
  "createChart" | "createSeriesMarkers" | "CandlestickSeries" | "LineSeries" | "PriceScaleMode"
>;

/** An element a chart is drawn into. */
export type ChartHost = Parameters<typeof Lwc.createChart>[0];

export interface ChartHosts {
  /** One per symbol of the data, in its order. */
  readonly prices: readonly ChartHost[];
  readonly equity: ChartHost;
  readonly drawdown: ChartHost;
}

export interface MountedChart {
  readonly charts: readonly Lwc.IChartApi[];
  /** Each symbol's candlestick series. */
  readonly candles: readonly Lwc.ISeriesApi<"Candlestick">[];
  /** Each symbol's markers, as the chart holds them. */
  readonly markers: readonly Lwc.ISeriesMarkersPluginApi<Lwc.Time>[];
  /** Shows trade `trade` (1-based) on its symbol's price chart; false when no chart has it. */
  showTrade(trade: number): boolean;
  remove(): void;
}

/** A percent for the drawdown axis: always two decimals (the axis steps by 0.01), so no two ticks read alike. */
export function percentLabel(v: number): string {
  const r = Math.round(v * 100) / 100;
  return `${(r === 0 ? 0 : r).toFixed(2)}%`;
}

/** Money for the equity axis: thousands separated, two decimals (the axis steps by 0.01). */
export function moneyLabel(v: number): string {
  const r = Math.round(v * 100) / 100;
  return (r === 0 ? 0 : r).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Draws `data` into `hosts` with `lib`. */
export function mountBacktestChart(lib: ChartLibrary, hosts: ChartHosts, data: ReportChartData): MountedChart {
  const common = {
    autoSize: true,
    layout: { attributionLogo: true, fontSize: 12, textColor: "#1d2733" },
    grid: { vertLines: { color: "#eef1f4" }, horzLines: { color: "#eef1f4" } },
    rightPriceScale: { scaleMargins: { top: 0.1, bottom: 0.1 } },
    // The default smallest bar spacing (0.5 px) keeps a long run from fitting the width.
    timeScale: { timeVisible: !data.daily, secondsVisible: false, rightOffset: 2, minBarSpacing: 0.001 },
    localization: { locale: "en-US" },
  };
  const INITIAL_CANDLES = 400;
  const priceCharts: Lwc.IChartApi[] = [];
  const candles: Lwc.ISeriesApi<"Candlestick">[] = [];
  const markers: Lwc.ISeriesMarkersPluginApi<Lwc.Time>[] = [];
  data.symbols.forEach((s, i) => {
    const host = hosts.prices[i];
    if (host === undefined) return;
    const chart = lib.createChart(host, {
      ...common,
      rightPriceScale: {
        ...common.rightPriceScale,
        mode: s.logScale ? lib.PriceScaleMode.Logarithmic : lib.PriceScaleMode.Normal,
      },
    });
    const series = chart.addSeries(lib.CandlestickSeries, {
      title: `${s.symbol} ${s.timeframe}`,
      upColor: "#2f9e44",
      downColor: "#c92a2a",
      borderVisible: false,
      wickUpColor: "#2f9e44",
      wickDownColor: "#c92a2a",
    });
    series.setData(s.candles.map((c) => ({ ...c, time: c.time as Lwc.UTCTimestamp })));
    markers.push(
      lib.createSeriesMarkers(
        series,
        s.markers.map((m) => ({
          time: m.time as Lwc.UTCTimestamp,
          position: m.position,
          shape: m.shape,
          color: m.color,
          text: m.text,
        })),
      ),
    );
    // A long run opens on its last candles, where the markers can be read; zooming out shows the rest.
    if (s.candles.length > INITIAL_CANDLES)
      chart.timeScale().setVisibleLogicalRange({ from: s.candles.length - INITIAL_CANDLES, to: s.candles.length + 2 });
    else chart.timeScale().fitContent();
    priceCharts.push(chart);
    candles.push(series);
  });
  const equityChart = lib.createChart(hosts.equity, common);
  const equity = equityChart.addSeries(lib.LineSeries, {
    title: "strategy",
    color: "#1c7ed6",
    lineWidth: 2,
    priceFormat: { type: "custom", formatter: moneyLabel, minMove: 0.01 },
  });
  equity.setData(data.equity.map((p) => ({ time: p.time as Lwc.UTCTimestamp, value: p.value })));
  const bench = equityChart.addSeries(lib.LineSeries, {
    title: "buy & hold",
    color: "#868e96",
    lineWidth: 1,
    priceFormat: { type: "custom", formatter: moneyLabel, minMove: 0.01 },
  });
  bench.setData(data.benchmark.map((p) => ({ time: p.time as Lwc.UTCTimestamp, value: p.value })));
  equityChart.timeScale().fitContent();
  const ddChart = lib.createChart(hosts.drawdown, {
    ...common,
    rightPriceScale: { scaleMargins: { top: 0.05, bottom: 0.05 } },
  });
  const dd = ddChart.addSeries(lib.LineSeries, {
    title: "drawdown",
    color: "#c92a2a",
    lineWidth: 1,
    priceFormat: { type: "custom", formatter: percentLabel, minMove: 0.01 },
  });
  dd.setData(data.drawdown.map((p) => ({ time: p.time as Lwc.UTCTimestamp, value: p.value })));
  ddChart.timeScale().fitContent();
  // Zooming or panning one of a group moves the others to the same time range: the price charts together,
  // equity and drawdown together (they open on the whole run while the price opens on its last candles).
  for (const group of [priceCharts, [equityChart, ddChart]]) {
    let syncing = false;
    for (const source of group) {
      source.timeScale().subscribeVisibleTimeRangeChange((range) => {
        if (syncing || range === null) return;
        syncing = true;
        for (const other of group) {
          if (other === source) continue;
          try {
            other.timeScale().setVisibleRange(range);
          } catch {
            // A range the other chart has no data in: it keeps its own.
          }
        }
        syncing = false;
      });
    }
  }
  const charts = [...priceCharts, equityChart, ddChart];
  return {
    charts,
    candles,
    markers,
    showTrade(trade: number): boolean {
      for (let i = 0; i < data.symbols.length; i++) {
        const s = data.symbols[i];
        const chart = priceCharts[i];
        const hit = s?.markers.filter((m) => m.trade === trade) ?? [];
        const first = hit[0];
        const last = hit[hit.length - 1];
        if (!s || !chart || !first || !last) continue;
        const from = s.candles.findIndex((c) => c.time >= first.time);
        const to = s.candles.findIndex((c) => c.time >= last.time);
        const pad = Math.max(20, Math.round((to - from) / 2));
        chart.timeScale().setVisibleLogicalRange({ from: from - pad, to: to + pad });
        return true;
      }
      return false;
    },
    remove() {
      for (const c of charts) c.remove();
    },
  };
}

/** The functions the HTML report inlines, in an order that defines each before a caller runs. */
export const CHART_FUNCTIONS: readonly ((...args: never[]) => unknown)[] = [
  percentLabel,
  moneyLabel,
  mountBacktestChart,
];
