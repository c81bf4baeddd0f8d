/**
 * The runtime's data model. Times are epoch milliseconds (UTC) everywhere;
 * time zones only matter at the edges (calendar, CSV parsing, `between`).
 */

/** One OHLCV bar. `time` is the bar's OPEN time (as IBKR stamps bars); `closeTime` its close. */
export interface BarData {
  readonly symbol: string;
  /** Timeframe string, e.g. `5m`. */
  readonly timeframe: string;
  readonly time: number;
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Emitted once per stream when a bar is confirmed closed. */
export interface BarCloseEvent {
  readonly symbol: string;
  readonly timeframe: string;
  readonly bar: BarData;
  /** The bar's scheduled close time (epoch ms). */
  readonly closeTime: number;
  /** When the detector noticed the close (epoch ms, from its clock). */
  readonly detectedAt: number;
  /** How the close was detected: the boundary timer fired, or an update at/after the boundary arrived first. */
  readonly trigger: "timer" | "data" | "flush";
}

export type SignalAction = "NONE" | "ENTER_LONG" | "ENTER_SHORT" | "EXIT";

/**
 * Confidence buckets. Cut points: LOW below 0.4, MEDIUM from 0.4 below 0.7,
 * HIGH from 0.7. `confidence low|medium|high` in a plan is the floor of the bucket
 * (0, 0.4, 0.7).
 */
export enum ConfidenceLevel {
  LOW = "LOW",
  MEDIUM = "MEDIUM",
  HIGH = "HIGH",
}

export const CONFIDENCE_CUTS = { MEDIUM: 0.4, HIGH: 0.7 } as const;

export function confidenceLevel(c: number): ConfidenceLevel {
  if (c >= CONFIDENCE_CUTS.HIGH) return ConfidenceLevel.HIGH;
  if (c >= CONFIDENCE_CUTS.MEDIUM) return ConfidenceLevel.MEDIUM;
  return ConfidenceLevel.LOW;
}

export interface ExecutionSignal {
  readonly action: SignalAction;
  /** 0..1 */
  readonly confidence: number;
  /** Human-readable why, e.g. `close 151.20 > 150.25 with volume 1.8M > 1M`. */
  readonly reasoning: string;
  /** Which side an EXIT closes, when the rule restricts it (`exit long`). */
  readonly exitSide?: "long" | "short";
  readonly metadata: Readonly<Record<string, unknown>>;
}

export type PositionSide = "flat" | "long" | "short";

export interface PositionState {
  readonly symbol: string;
  readonly side: PositionSide;
  /** Signed share count: positive long, negative short, 0 flat. */
  readonly quantity: number;
  readonly avgPrice: number;
  /** Close time (epoch ms) of the bar whose signal opened the position, if open. */
  readonly openedAt?: number;
  /** Close price of the bar that opened the position (the trailing stop's start). */
  readonly entryClose?: number;
}

export interface AccountInfo {
  readonly cash: number;
  readonly equity: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly dailyRealizedPnl: number;
}

export type OrderSide = "BUY" | "SELL";

export interface OrderRequest {
  /** Idempotent id derived from (plan, rule, stream, bar close time). */
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  readonly type: "MKT" | "LMT" | "STP";
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  /** The decision behind the order, for the audit trail. */
  readonly ruleId: string;
  readonly reason: string;
  /** Bar close time (epoch ms) of the decision. */
  readonly decidedAt: number;
}

export const FLAT = (symbol: string): PositionState => ({ symbol, side: "flat", quantity: 0, avgPrice: 0 });
