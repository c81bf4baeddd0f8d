import type { Trade } from "../brokers/broker.js";
import type { SymbolStats } from "./symbol-stats.js";

/**
 * The backtest result JSON (`tradeplan backtest --format json`). Stable:
 * fields are only ever added. Times are ISO 8601 UTC strings, money in the
 * account currency, percentages in percent units. See docs/backtest.md.
 */
export interface BacktestResult {
  readonly format: "tradeplan/backtest-result";
  readonly version: 1;
  readonly plan: {
    readonly name: string;
    readonly sourceHash: string;
    readonly symbols: readonly string[];
    readonly timezone: string;
  };
  /** Base bars accepted into the run. */
  readonly bars: number;
  /** Input rows rejected by validation. */
  readonly rejected: number;
  /** The rejected rows per reason code (`CSV_BAD_NUMBER`: 3), only the codes that occurred, sorted by code. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  /** Every non-NONE signal the engine acted on (turned into an order request), in time order. */
  readonly signals: readonly SignalRecord[];
  /** Closed round trips, in the order they closed. */
  readonly trades: readonly TradeRecord[];
  /** Positions still open at the end, marked at the last price. */
  readonly openPositions: readonly OpenPositionRecord[];
  readonly stats: BacktestStats;
  /** The account's currency (the instruments', or `fx.base`); money fields are in it. Always written. */
  readonly currency?: string;
  /**
   * Per traded symbol (in the plan's order): its trades' statistics and its realized, unrealized and net
   * P&L; the symbols' netPnl add up to stats.netPnl. Always written.
   */
  readonly perSymbol?: Readonly<Record<string, SymbolStats>>;
}

export interface SignalRecord {
  /** Close time of the bar the signal was made on. */
  readonly time: string;
  readonly symbol: string;
  readonly timeframe: string;
  /** 1-based source line of the rule. */
  readonly rule: number;
  readonly action: "ENTER_LONG" | "ENTER_SHORT" | "EXIT";
  readonly confidence: number;
  /** Close of the decision bar. */
  readonly price: number;
  readonly reasoning: string;
}

export interface TradeRecord {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly quantity: number;
  readonly entryTime: string;
  readonly entryPrice: number;
  readonly exitTime: string;
  readonly exitPrice: number;
  readonly commission: number;
  /** Net of both legs' commissions. */
  readonly pnl: number;
  /** Entry rule's line. */
  readonly entryRule: number | null;
  /** Exit rule's line, or `stop_loss` / `take_profit` for protective exits. */
  readonly exitRule: number | "stop_loss" | "take_profit" | null;
}

export interface OpenPositionRecord {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly quantity: number;
  readonly avgPrice: number;
  readonly lastPrice: number;
  /** quantity x (lastPrice - avgPrice), less the entry commission the position still holds (the account's rule). */
  readonly unrealizedPnl: number;
}

export interface BacktestStats {
  readonly startEquity: number;
  readonly endEquity: number;
  /** endEquity - startEquity: realized plus unrealized, net of commissions. */
  readonly netPnl: number;
  readonly returnPercent: number;
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  /** wins / trades x 100; 0 without trades. */
  readonly winRate: number;
  readonly grossProfit: number;
  readonly grossLoss: number;
  /** grossProfit / |grossLoss|; null when there is no losing trade. */
  readonly profitFactor: number | null;
  readonly commissions: number;
  /** Largest peak-to-trough fall of equity (marked at every base bar close), in currency. */
  readonly maxDrawdown: number;
  /** The same fall in percent of the peak. */
  readonly maxDrawdownPercent: number;
  /** Annualised Sharpe ratio of daily returns (risk-free rate 0); null with fewer than 2 days or no variance. */
  readonly sharpe: number | null;
  /** Percent of base bars that closed with a position open. */
  readonly exposure: number;
  /** Base bars skipped because they lie outside the plan's session. */
  readonly barsOutsideSession: number;
  readonly ruleErrors: number;
  /** Entries and exits the engine did not act on (position open, no position, size zero, risk, broker). */
  readonly suppressed: number;
  readonly riskRejections: number;
}

const iso = (t: number) => new Date(t).toISOString();

/** Maps a rule id (`r12`) to its line; non-rule exits pass through. */
export function tradeRecord(t: Trade, lineOf: (ruleId: string) => number | undefined): TradeRecord {
  const exit = t.exitRule === "stop_loss" || t.exitRule === "take_profit" ? t.exitRule : (lineOf(t.exitRule) ?? null);
  return {
    symbol: t.symbol,
    side: t.side,
    quantity: t.quantity,
    entryTime: iso(t.entryTime),
    entryPrice: t.entryPrice,
    exitTime: iso(t.exitTime),
    exitPrice: t.exitPrice,
    commission: t.commission,
    pnl: t.pnl,
    entryRule: lineOf(t.entryRule) ?? null,
    exitRule: exit,
  };
}
