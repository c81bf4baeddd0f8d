import type { Trade } from "../brokers/broker.js";
import type { SuppressionCode } from "../engine/events.js";
import type { ConditionTrace } from "../ir/trace.js";
import type { TradeStats } from "./stats.js";
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
  /**
   * Entries and exits the engine did not act on, with their reasons, in time order: at most
   * {@link SUPPRESSED_LISTED_PER_REASON} per reason (a rule that keeps firing while its position is open is
   * suppressed on every close); `suppressedOmitted` counts the rest. Risk rejections are among them.
   */
  readonly suppressedSignals: readonly SuppressedRecord[];
  /**
   * Every suppressed entry or exit counted per reason: the risk code (`RISK_MAX_POSITION`) for a risk
   * rejection, else the suppression code (`POSITION_OPEN`); only the reasons that occurred, sorted by reason.
   */
  readonly suppressedByReason: Readonly<Record<string, number>>;
  /** Suppressed entries and exits counted in `suppressedByReason` but not listed in `suppressedSignals`. */
  readonly suppressedOmitted: number;
  /** Closed round trips, in the order they closed. */
  readonly trades: readonly TradeRecord[];
  /** Positions still open at the end, marked at the last price. */
  readonly openPositions: readonly OpenPositionRecord[];
  /** The return of every month with bars (`month` by session day), from the previous month's closing equity. */
  readonly monthlyReturns: readonly MonthlyReturn[];
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
  /** The values that decided it (expression rules): the condition's trace, then the filter's (docs/backtest.md, "Why it fired"). */
  readonly why?: readonly ConditionTrace[];
}

/** Entries and exits listed per reason in `suppressedSignals`; the rest are only counted. */
export const SUPPRESSED_LISTED_PER_REASON = 100;

/** An entry or exit the engine did not act on. */
export interface SuppressedRecord {
  /** Close time of the bar the decision was made on. */
  readonly time: string;
  readonly symbol: string;
  readonly timeframe: string;
  /** 1-based source line of the rule. */
  readonly rule: number;
  readonly action: "ENTER_LONG" | "ENTER_SHORT" | "EXIT";
  readonly code: SuppressionCode;
  /** The risk validator's code (`RISK_MAX_POSITION`) when `code` is `RISK_REJECTED`. */
  readonly riskCode?: string;
  /** Why, in words: `the position would be 1556 shares; the limit is 1000`. */
  readonly reason: string;
}

/** How a trade was closed: a protective stop or target, a trailing stop rule, or another exit rule. */
export type ExitReason = "stop" | "target" | "trailing" | "rule";

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
  /** How the position was closed (`rule` also for a reversal by an entry rule); null when unknown. */
  readonly exitReason: ExitReason | null;
  /**
   * What the position cost to open, in the account currency: quantity x entry price x the instrument's point
   * value (multiplier x exchange rate). The report's P&L in percent is pnl / entryValue.
   */
  readonly entryValue: number;
}

export interface MonthlyReturn {
  /** `2006-01`. */
  readonly month: string;
  /** Equity at the close of the month's last session day with bars. */
  readonly endEquity: number;
  /** endEquity / the previous month's endEquity (the start equity for the first) - 1, in percent. */
  readonly returnPercent: number;
}

/** Monthly returns from month-end equities: each from the month before it, the first from `startEquity`. */
export function monthlyReturns(
  startEquity: number,
  monthEnds: readonly { month: string; equity: number }[],
): MonthlyReturn[] {
  let prev = startEquity;
  return monthEnds.map((m) => {
    const r = { month: m.month, endEquity: m.equity, returnPercent: prev !== 0 ? (m.equity / prev - 1) * 100 : 0 };
    prev = m.equity;
    return r;
  });
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

export interface BacktestStats extends TradeStats {
  readonly startEquity: number;
  readonly endEquity: number;
  /** endEquity - startEquity: realized plus unrealized, net of commissions. */
  readonly netPnl: number;
  readonly returnPercent: number;
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

/** What a trade record needs to know of a rule: its line and its function. */
export interface RuleInfo {
  readonly line: number;
  readonly name: string;
}

/**
 * Maps a rule id (`r12`) to its line and names how the trade was closed; non-rule exits pass through.
 * `pointValue` is the account currency per point per share or contract of a symbol (1 for a stock).
 */
export function tradeRecord(
  t: Trade,
  ruleOf: (ruleId: string) => RuleInfo | undefined,
  pointValue: (symbol: string) => number = () => 1,
): TradeRecord {
  const protective = t.exitRule === "stop_loss" || t.exitRule === "take_profit";
  const rule = protective ? undefined : ruleOf(t.exitRule);
  const exit = protective ? t.exitRule : (rule?.line ?? null);
  const exitReason: ExitReason | null =
    t.exitRule === "stop_loss"
      ? "stop"
      : t.exitRule === "take_profit"
        ? "target"
        : rule === undefined
          ? null
          : rule.name === "trailing_stop"
            ? "trailing"
            : "rule";
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
    entryRule: ruleOf(t.entryRule)?.line ?? null,
    exitRule: exit,
    exitReason,
    entryValue: t.quantity * t.entryPrice * pointValue(t.symbol),
  };
}
