import type { Trade } from "../brokers/broker.js";

/**
 * Streaming equity statistics: fed the equity at every base bar close, it
 * keeps the peak and the deepest fall, the last equity of every session day
 * (for the Sharpe ratio) and the share of bars with a position open. Memory
 * is O(days), not O(bars).
 */
export class EquityTracker {
  private peak = Number.NEGATIVE_INFINITY;
  maxDrawdown = 0;
  maxDrawdownPercent = 0;
  private readonly dayEnds: number[] = [];
  /** Closing equity of every month's last session day so far (`2006-01`), in order. */
  private readonly monthEndList: { month: string; equity: number }[] = [];
  /**
   * The session day of the last observation; "" before the first. Always a string: an `undefined` start made
   * the per-bar comparison deoptimise at the start of every backtest in a process.
   */
  private day = "";
  private lastEquity: number;
  private bars = 0;
  private exposedBars = 0;

  constructor(readonly startEquity: number) {
    this.lastEquity = startEquity;
  }

  observe(day: string, equity: number, exposed: boolean): void {
    if (day !== this.day && this.day !== "") this.endDay();
    this.day = day;
    this.lastEquity = equity;
    this.bars++;
    if (exposed) this.exposedBars++;
    if (equity > this.peak) this.peak = equity;
    const dd = this.peak - equity;
    if (dd > this.maxDrawdown) this.maxDrawdown = dd;
    const pct = this.peak > 0 ? (dd / this.peak) * 100 : 0;
    if (pct > this.maxDrawdownPercent) this.maxDrawdownPercent = pct;
  }

  /** Records the closing equity of the day that just ended (once a day: kept out of the per-bar code). */
  private endDay(): void {
    this.dayEnds.push(this.lastEquity);
    this.recordMonth(this.day, this.lastEquity);
  }

  private recordMonth(day: string, equity: number): void {
    const month = day.slice(0, 7);
    const last = this.monthEndList.at(-1);
    if (last?.month === month) last.equity = equity;
    else this.monthEndList.push({ month, equity });
  }

  /** The closing equity of each month (by session day) with bars, the current month up to the last bar. */
  monthEnds(): { month: string; equity: number }[] {
    const out = this.monthEndList.map((m) => ({ ...m }));
    if (this.day === "") return out;
    const month = this.day.slice(0, 7);
    const last = out.at(-1);
    if (last?.month === month) last.equity = this.lastEquity;
    else out.push({ month, equity: this.lastEquity });
    return out;
  }

  get endEquity(): number {
    return this.lastEquity;
  }

  /** Percent of observed bars with a position open. */
  get exposure(): number {
    return this.bars === 0 ? 0 : (this.exposedBars / this.bars) * 100;
  }

  /**
   * Sharpe = mean(r) / stdev(r) x sqrt(252), r the daily returns
   * equity_d / equity_{d-1} - 1 over session-day closing equities, starting
   * from the initial equity; stdev is the sample standard deviation (n - 1);
   * risk-free rate 0. Null with fewer than two returns or zero variance.
   */
  sharpe(): number | null {
    const closes = [this.startEquity, ...this.dayEnds, this.lastEquity];
    const r: number[] = [];
    for (let i = 1; i < closes.length; i++) {
      const prev = closes[i - 1]!;
      if (prev > 0) r.push(closes[i]! / prev - 1);
    }
    if (r.length < 2) return null;
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1);
    if (!(variance > 1e-24)) return null;
    return (mean / Math.sqrt(variance)) * Math.sqrt(252);
  }
}

/** Counts and sums over closed trades: the part the run's statistics and each symbol's share have alike. */
export interface TradeStats {
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  /** wins / trades x 100; 0 without trades. */
  readonly winRate: number;
  readonly grossProfit: number;
  readonly grossLoss: number;
  /** grossProfit / |grossLoss|; null when there is no losing trade. */
  readonly profitFactor: number | null;
  /** Commissions of the closed trades. */
  readonly commissions: number;
}

/** Trade counts and sums for the stats block. */
export function tradeStats(trades: readonly Trade[]): TradeStats {
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let commissions = 0;
  for (const t of trades) {
    commissions += t.commission;
    if (t.pnl > 0) {
      wins++;
      grossProfit += t.pnl;
    } else if (t.pnl < 0) {
      losses++;
      grossLoss += t.pnl;
    }
  }
  return {
    trades: trades.length,
    wins,
    losses,
    winRate: trades.length === 0 ? 0 : (wins / trades.length) * 100,
    grossProfit,
    grossLoss,
    profitFactor: grossLoss < 0 ? grossProfit / -grossLoss : null,
    commissions,
  };
}
