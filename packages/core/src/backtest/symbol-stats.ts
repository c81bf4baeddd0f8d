import type { Trade } from "../brokers/broker.js";
import type { OpenPosition } from "../portfolio/portfolio.js";
import { type TradeStats, tradeStats } from "./stats.js";

/**
 * One symbol's share of a run (`perSymbol` in the result). Money in the
 * account currency. The symbols' `netPnl` add up to the portfolio's.
 */
export interface SymbolStats extends TradeStats {
  /** Sum of the closed trades' pnl (net of both legs' commissions). */
  readonly realizedPnl: number;
  /** The open position's unrealized P&L at the end (0 when flat). */
  readonly unrealizedPnl: number;
  /** realizedPnl + unrealizedPnl. */
  readonly netPnl: number;
}

/** Statistics per traded symbol, keyed by symbol in `symbols`' order (every symbol, traded or not). */
export function symbolStats(
  symbols: readonly string[],
  trades: readonly Trade[],
  open: readonly OpenPosition[],
): Record<string, SymbolStats> {
  const out: Record<string, SymbolStats> = {};
  for (const symbol of symbols) {
    const mine = trades.filter((t) => t.symbol === symbol);
    const ts = tradeStats(mine);
    const realizedPnl = mine.reduce((a, t) => a + t.pnl, 0);
    const unrealizedPnl = open.find((p) => p.symbol === symbol)?.unrealizedPnl ?? 0;
    out[symbol] = { ...ts, realizedPnl, unrealizedPnl, netPnl: realizedPnl + unrealizedPnl };
  }
  return out;
}
