import type { CandleSeries } from "../backtest/candles.js";
import type { BacktestResult, TradeRecord } from "../backtest/result.js";
import { LocalTime } from "./local-time.js";

/**
 * What the backtest chart draws, prepared from a result: plain data (JSON
 * in the HTML report, an object in the playground). Browser-safe: no Node
 * module, only `Intl` through {@link LocalTime}.
 *
 * Times are exchange-local wall-clock seconds written as if they were UTC
 * (`time + offset`): lightweight-charts shows UTC, so it then shows the
 * exchange's own clock, and the page names the zone.
 */
export interface ChartPoint {
  readonly time: number;
  readonly value: number;
}

export interface ChartCandle {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** An entry or exit of a closed trade, on the candle whose span holds the fill. */
export interface ChartMarker {
  readonly time: number;
  readonly position: "belowBar" | "aboveBar";
  readonly shape: "arrowUp" | "arrowDown";
  readonly color: string;
  readonly text: string;
  /** 1-based number of the trade in the result's trade list. */
  readonly trade: number;
  readonly kind: "entry" | "exit";
}

export interface SymbolChart {
  readonly symbol: string;
  /** The candles' timeframe. */
  readonly timeframe: string;
  /** The traded timeframe (the symbol's shortest stream); differs from `timeframe` when candles were merged. */
  readonly tradedTimeframe: string;
  readonly candles: readonly ChartCandle[];
  readonly markers: readonly ChartMarker[];
  /**
   * A logarithmic price axis when the highest high is at least {@link LOG_SCALE_RATIO} times the lowest low:
   * a linear axis's margins then reach below zero (NVDA at -0.54), and a long run reads better in ratios.
   */
  readonly logScale: boolean;
  /** Candle duration in seconds (the marker tests check each marker's candle holds its trade's time). */
  readonly candleSeconds: number;
}

export interface ReportChartData {
  /** The exchange's zone, in which every time is shown. */
  readonly zone: string;
  /** Whether the candles are a day or longer (the axis then shows dates only). */
  readonly daily: boolean;
  readonly symbols: readonly SymbolChart[];
  readonly equity: readonly ChartPoint[];
  /** Buy-and-hold of the plan's symbols: the start equity spread equally over them at their first price. */
  readonly benchmark: readonly ChartPoint[];
  /** Percent below the running peak of equity (0 or negative). */
  readonly drawdown: readonly ChartPoint[];
}

/** See {@link SymbolChart.logScale}. With a smaller ratio the linear axis's 10% margins stay above zero. */
export const LOG_SCALE_RATIO = 4;

/** What {@link buildChartData} reads: a run's result and its sampled series. */
export interface ChartSource {
  readonly result: BacktestResult;
  readonly charts: {
    readonly prices: Readonly<Record<string, readonly { t: number; v: number }[]>>;
    readonly equity: readonly { t: number; v: number }[];
    readonly candles?: Readonly<Record<string, CandleSeries>>;
  };
}

const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `15m` -> 900. */
export function timeframeSeconds(tf: string): number {
  const m = /^(\d+)([smhdw])$/.exec(tf);
  return m ? Number(m[1]) * (SECONDS[m[2] as string] ?? 60) : 60;
}

/** Drops points whose time does not rise (a repeated local hour when clocks go back). */
function ascending<T extends { time: number }>(points: T[]): T[] {
  const out: T[] = [];
  for (const p of points) {
    const last = out.at(-1);
    if (last === undefined || p.time > last.time) out.push(p);
    else if (p.time === last.time) out[out.length - 1] = p;
  }
  return out;
}

/** Index of the last element with `t <= time` (-1 when none). */
export function lastAtOrBefore(times: readonly number[], time: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((times[mid] as number) <= time) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Drawdown in percent below the running peak, per point. */
export function drawdownPercent(equity: readonly { t: number; v: number }[]): { t: number; v: number }[] {
  let peak = Number.NEGATIVE_INFINITY;
  return equity.map((p) => {
    if (p.v > peak) peak = p.v;
    return { t: p.t, v: peak > 0 ? ((p.v - peak) / peak) * 100 : 0 };
  });
}

/**
 * Buy-and-hold of `symbols`: `start` spread equally over them at their first price, valued at each time of
 * `times` with each symbol's last price at or before it.
 */
export function buyAndHold(
  start: number,
  times: readonly number[],
  prices: Readonly<Record<string, readonly { t: number; v: number }[]>>,
  first: Readonly<Record<string, number>>,
): { t: number; v: number }[] {
  const held = Object.keys(first).filter((s) => (first[s] as number) > 0 && (prices[s]?.length ?? 0) > 0);
  if (held.length === 0) return [];
  const share = start / held.length;
  const series = held.map((s) => {
    const pts = prices[s] ?? [];
    return { p0: first[s] as number, pts, ts: pts.map((p) => p.t) };
  });
  return times.map((t) => {
    let v = 0;
    for (const s of series) {
      const i = lastAtOrBefore(s.ts, t);
      const price = i < 0 ? s.p0 : (s.pts[i] as { v: number }).v;
      v += (share * price) / s.p0;
    }
    return { t, v };
  });
}

function tradeMarkers(
  trades: readonly TradeRecord[],
  symbol: string,
  candleTimes: readonly number[],
  local: (t: number) => number,
): ChartMarker[] {
  const out: ChartMarker[] = [];
  const on = (iso: string) => {
    const i = lastAtOrBefore(candleTimes, Date.parse(iso));
    return local(candleTimes[Math.max(0, i)] as number);
  };
  trades.forEach((t, i) => {
    if (t.symbol !== symbol || candleTimes.length === 0) return;
    const n = i + 1;
    const long = t.side === "long";
    out.push({
      time: on(t.entryTime),
      position: long ? "belowBar" : "aboveBar",
      shape: long ? "arrowUp" : "arrowDown",
      color: long ? "#2f9e44" : "#c92a2a",
      text: `#${n} ${long ? "buy" : "sell"}`,
      trade: n,
      kind: "entry",
    });
    out.push({
      time: on(t.exitTime),
      position: long ? "aboveBar" : "belowBar",
      shape: long ? "arrowDown" : "arrowUp",
      color: t.pnl >= 0 ? "#1c7ed6" : "#e8590c",
      text: `#${n} ${t.exitReason ?? "exit"}`,
      trade: n,
      kind: "exit",
    });
  });
  // The chart wants its markers in time order.
  return out.sort((a, b) => a.time - b.time || a.trade - b.trade);
}

/** The candles of a symbol: the run's, or (a result from elsewhere) flat ones from its sampled closes. */
function candlesOf(source: ChartSource, symbol: string): CandleSeries {
  const made = source.charts.candles?.[symbol];
  if (made) return made;
  const pts = source.charts.prices[symbol] ?? [];
  return {
    timeframe: "sampled",
    tradedTimeframe: "sampled",
    candles: pts.map((p) => ({ t: p.t, o: p.v, h: p.v, l: p.v, c: p.v })),
  };
}

/** Prepares everything the chart draws from a run's result and sampled series. */
export function buildChartData(source: ChartSource): ReportChartData {
  const { result, charts } = source;
  const zone = result.plan.timezone;
  const lt = new LocalTime(zone);
  const local = (t: number) => Math.floor((t + lt.offsetMs(t)) / 1000);
  const first: Record<string, number> = {};
  let daily = false;
  const symbols: SymbolChart[] = [];
  for (const symbol of result.plan.symbols) {
    const series = candlesOf(source, symbol);
    if (series.candles.length === 0) continue;
    const raw = series.candles;
    first[symbol] = (raw[0] as { o: number }).o;
    const seconds = series.timeframe === "sampled" ? 0 : timeframeSeconds(series.timeframe);
    if (seconds >= 86_400) daily = true;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const c of raw) {
      if (c.l < low) low = c.l;
      if (c.h > high) high = c.h;
    }
    symbols.push({
      symbol,
      timeframe: series.timeframe,
      tradedTimeframe: series.tradedTimeframe,
      candles: ascending(raw.map((c) => ({ time: local(c.t), open: c.o, high: c.h, low: c.l, close: c.c }))),
      markers: tradeMarkers(
        result.trades,
        symbol,
        raw.map((c) => c.t),
        local,
      ),
      logScale: low > 0 && high / low >= LOG_SCALE_RATIO,
      candleSeconds: seconds,
    });
  }
  const toPoints = (pts: readonly { t: number; v: number }[]) =>
    ascending(pts.map((p) => ({ time: local(p.t), value: p.v })));
  const times = charts.equity.map((p) => p.t);
  return {
    zone,
    daily,
    symbols,
    equity: toPoints(charts.equity),
    benchmark: toPoints(buyAndHold(result.stats.startEquity, times, charts.prices, first)),
    drawdown: toPoints(drawdownPercent(charts.equity)),
  };
}
