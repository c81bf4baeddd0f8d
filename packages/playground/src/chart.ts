import type { BacktestOutcome } from "../../runtime/src/backtest/runner.js";

/** A sampled series point: time (epoch ms) and value. */
export interface Point {
  readonly t: number;
  readonly v: number;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One line panel: the SVG path and the value range it spans. */
export interface LinePanel {
  readonly box: Box;
  readonly path: string;
  readonly min: number;
  readonly max: number;
  readonly first: number;
  readonly last: number;
}

/** An entry or exit of a closed trade, placed on the price panel. */
export interface TradeMark {
  readonly x: number;
  readonly y: number;
  readonly kind: "entry" | "exit";
  readonly side: "long" | "short";
  readonly win: boolean;
  readonly title: string;
}

export interface ChartModel {
  readonly width: number;
  readonly height: number;
  readonly symbol: string | undefined;
  readonly price: LinePanel | undefined;
  readonly equity: LinePanel;
  readonly marks: readonly TradeMark[];
  /** Points drawn across both panels. */
  readonly points: number;
}

const PAD = 8;
const GAP = 24;

/**
 * X positions follow the sample index, not the clock: nights and weekends
 * would otherwise take most of the width of an intraday chart.
 */
function xAt(i: number, n: number, box: Box): number {
  return n <= 1 ? box.x + box.width / 2 : box.x + (i / (n - 1)) * box.width;
}

function range(points: readonly Point[]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    if (p.v < min) min = p.v;
    if (p.v > max) max = p.v;
  }
  if (min === max) return { min: min - 1, max: max + 1 };
  return { min, max };
}

function yScale(min: number, max: number, box: Box): (v: number) => number {
  return (v) => box.y + box.height - ((v - min) / (max - min)) * box.height;
}

/** An SVG path through `points` inside `box`; empty for no points. */
export function linePath(points: readonly Point[], box: Box, min: number, max: number): string {
  const y = yScale(min, max, box);
  const r = (v: number) => Math.round(v * 10) / 10;
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${r(xAt(i, points.length, box))},${r(y(p.v))}`).join("");
}

function panel(points: readonly Point[], box: Box, extra: readonly number[] = []): LinePanel {
  const r = range(points.concat(extra.map((v) => ({ t: 0, v }))));
  return {
    box,
    path: linePath(points, box, r.min, r.max),
    min: r.min,
    max: r.max,
    first: points[0]?.v ?? 0,
    last: points[points.length - 1]?.v ?? 0,
  };
}

/** Index of the first sample at or after `t` (the last one when none is). */
export function indexAt(points: readonly Point[], t: number): number {
  let lo = 0;
  let hi = points.length - 1;
  if (hi < 0) return 0;
  if (t > points[hi]!.t) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Lays out the backtest chart: the first symbol's price with every closed
 * trade's entry and exit on top, and the account equity below.
 */
export function buildChart(outcome: BacktestOutcome, width: number, height: number): ChartModel {
  const symbol = outcome.result.plan.symbols[0];
  const prices = symbol === undefined ? [] : (outcome.charts.prices[symbol] ?? []);
  const inner = width - 2 * PAD;
  const priceBox: Box = { x: PAD, y: PAD, width: inner, height: (height - 2 * PAD - GAP) * 0.62 };
  const equityBox: Box = {
    x: PAD,
    y: priceBox.y + priceBox.height + GAP,
    width: inner,
    height: height - 2 * PAD - GAP - priceBox.height,
  };
  const trades = outcome.result.trades.filter((t) => t.symbol === symbol);
  const tradePrices = trades.flatMap((t) => [t.entryPrice, t.exitPrice]);
  const price = prices.length > 0 ? panel(prices, priceBox, tradePrices) : undefined;
  const marks: TradeMark[] = [];
  if (price) {
    const y = yScale(price.min, price.max, priceBox);
    for (const t of trades) {
      const win = t.pnl > 0;
      const money = `${t.pnl >= 0 ? "+" : ""}${t.pnl.toFixed(2)}`;
      marks.push({
        x: xAt(indexAt(prices, Date.parse(t.entryTime)), prices.length, priceBox),
        y: y(t.entryPrice),
        kind: "entry",
        side: t.side,
        win,
        title: `${t.side} ${t.quantity} @ ${t.entryPrice.toFixed(2)} (${t.entryTime})`,
      });
      marks.push({
        x: xAt(indexAt(prices, Date.parse(t.exitTime)), prices.length, priceBox),
        y: y(t.exitPrice),
        kind: "exit",
        side: t.side,
        win,
        title: `exit @ ${t.exitPrice.toFixed(2)} (${t.exitTime}), P&L ${money}`,
      });
    }
  }
  const equity = panel(outcome.charts.equity, equityBox);
  return {
    width,
    height,
    symbol,
    price,
    equity,
    marks,
    points: prices.length + outcome.charts.equity.length,
  };
}
