import type { OrderSide } from "../models.js";
import type { RiskConfig } from "./config.js";

/**
 * ACTIVE: every order is checked against the limits. REDUCING: only orders
 * that shrink an open position pass. HALTED: nothing passes.
 */
export type TradingState = "ACTIVE" | "REDUCING" | "HALTED";

/** Stable reason codes of risk rejections. */
export type RiskReasonCode =
  | "RISK_HALTED"
  | "RISK_REDUCING_ONLY"
  | "RISK_MAX_POSITION"
  | "RISK_MAX_ORDER_VALUE"
  | "RISK_MAX_DAILY_LOSS"
  | "RISK_ORDER_RATE"
  | "RISK_INVALID_ORDER";

export type RiskDecision =
  | { readonly approved: true; readonly code: "RISK_OK"; readonly message: string }
  | { readonly approved: false; readonly code: RiskReasonCode; readonly message: string };

/** What the validator needs to judge one order. */
export interface RiskOrder {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  /** Price used for the order's notional value (the decision bar's close). */
  readonly price: number;
  /** Account currency per point per share or contract (a future's multiplier x exchange rate); default 1. */
  readonly pointValue?: number;
  /** Signed position (shares) the order applies to, pending orders included. */
  readonly position: number;
  /** Decision time (epoch ms) — bar time in a backtest, wall time live. */
  readonly time: number;
}

/** The validator's mutable state: the trading state and the daily counters (see {@link RiskValidator.exportState}). */
export interface RiskValidatorState {
  readonly state: TradingState;
  readonly haltedBy: "daily_loss" | "manual" | null;
  readonly day: string | null;
  readonly dayStartEquity: number;
  readonly dayLoss: number;
  /** Times of recently approved orders, oldest first (the rate limit's window). */
  readonly recent: readonly number[];
}

const MINUTE_MS = 60_000;

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/**
 * Pre-trade risk checks. Stateful: it keeps the trading state, the equity at
 * the start of the session day and the times of recently approved orders.
 * Deterministic — it reads time only from its inputs, never a clock.
 */
export class RiskValidator {
  private stateValue: TradingState = "ACTIVE";
  /** Why the state is HALTED, so a daily-loss halt can lift on the next day while a manual one stays. */
  private haltedBy: "daily_loss" | "manual" | undefined;
  /** The session day of the last equity observed; "" before the first (a string throughout, as the engine compares it on every close). */
  private day = "";
  private dayStartEquity = 0;
  private dayLoss = 0;
  /** Approved order times, oldest first; never longer than the rate limit. */
  private readonly recent: number[] = [];

  constructor(readonly config: RiskConfig) {}

  get state(): TradingState {
    return this.stateValue;
  }

  /** The equity the daily loss is measured from. */
  get startOfDayEquity(): number {
    return this.dayStartEquity;
  }

  /** Sets the trading state by hand (an operator's kill switch or wind-down). */
  setState(state: TradingState): void {
    this.stateValue = state;
    this.haltedBy = state === "HALTED" ? "manual" : undefined;
  }

  /**
   * Feeds the current equity. A new `day` key records the start-of-day
   * equity and lifts a halt caused by the previous day's loss. Crossing the
   * daily loss limit moves the state to HALTED. Returns true when this call halted trading.
   */
  observeEquity(day: string, equity: number): boolean {
    if (day !== this.day) {
      this.day = day;
      this.dayStartEquity = equity;
      if (this.haltedBy === "daily_loss") {
        this.stateValue = "ACTIVE";
        this.haltedBy = undefined;
      }
    }
    this.dayLoss = this.dayStartEquity - equity;
    const limit = this.dailyLossLimit();
    if (limit !== undefined && this.dayLoss >= limit && this.stateValue !== "HALTED") {
      this.stateValue = "HALTED";
      this.haltedBy = "daily_loss";
      return true;
    }
    return false;
  }

  /** The daily loss limit in currency: the tighter of the amount and the percent, if either is set. */
  dailyLossLimit(): number | undefined {
    const { maxDailyLoss, maxDailyLossPercent } = this.config;
    const pct = maxDailyLossPercent === undefined ? undefined : (this.dayStartEquity * maxDailyLossPercent) / 100;
    if (maxDailyLoss === undefined) return pct;
    if (pct === undefined) return maxDailyLoss;
    return Math.min(maxDailyLoss, pct);
  }

  /** A copy of the mutable state, for the state store. */
  exportState(): RiskValidatorState {
    return {
      state: this.stateValue,
      haltedBy: this.haltedBy ?? null,
      day: this.day === "" ? null : this.day,
      dayStartEquity: this.dayStartEquity,
      dayLoss: this.dayLoss,
      recent: [...this.recent],
    };
  }

  /** Restores what {@link exportState} saved (validated by the caller), so a restart keeps today's counters. */
  importState(s: RiskValidatorState): void {
    this.stateValue = s.state;
    this.haltedBy = s.haltedBy ?? undefined;
    this.day = s.day ?? "";
    this.dayStartEquity = s.dayStartEquity;
    this.dayLoss = s.dayLoss;
    this.recent.length = 0;
    this.recent.push(...s.recent);
  }

  /**
   * Judges one order. An approved order counts toward the rate limit, so
   * call this exactly once per order actually sent.
   */
  check(order: RiskOrder): RiskDecision {
    const d = this.judge(order);
    if (d.approved && this.config.maxOrdersPerMinute !== undefined) {
      this.recent.push(order.time);
      if (this.recent.length > this.config.maxOrdersPerMinute) this.recent.shift();
    }
    return d;
  }

  private judge(o: RiskOrder): RiskDecision {
    if (!(o.quantity > 0) || !Number.isInteger(o.quantity) || !Number.isFinite(o.price) || o.price <= 0) {
      return reject("RISK_INVALID_ORDER", `order quantity ${o.quantity} at price ${o.price} is not a valid order`);
    }
    if (this.stateValue === "HALTED") {
      const why = this.haltedBy === "daily_loss" ? " after the daily loss limit was reached" : "";
      return reject("RISK_HALTED", `trading is HALTED${why}; no orders are accepted`);
    }
    const signed = o.side === "BUY" ? o.quantity : -o.quantity;
    const after = o.position + signed;
    // Reducing: the order moves the position toward zero without crossing it.
    const reduces =
      o.position !== 0 &&
      Math.sign(signed) !== Math.sign(o.position) &&
      Math.abs(after) <= Math.abs(o.position) &&
      Math.sign(after) !== -Math.sign(o.position);
    if (this.stateValue === "REDUCING" && !reduces) {
      return reject(
        "RISK_REDUCING_ONLY",
        `trading is REDUCING; only orders that reduce the ${o.symbol} position are accepted`,
      );
    }
    const rate = this.config.maxOrdersPerMinute;
    if (rate !== undefined) {
      const inWindow = this.recent.filter((t) => t > o.time - MINUTE_MS && t <= o.time).length;
      if (inWindow >= rate) {
        return reject("RISK_ORDER_RATE", `${inWindow} orders in the last minute; the limit is ${rate} per minute`);
      }
    }
    if (reduces) return approve(`reduces the ${o.symbol} position from ${o.position} to ${after}`);
    const limit = this.dailyLossLimit();
    if (limit !== undefined && this.dayLoss >= limit) {
      return reject("RISK_MAX_DAILY_LOSS", `today's loss ${fmt(this.dayLoss)} has reached the limit ${fmt(limit)}`);
    }
    const maxPos = this.config.maxPositionShares;
    if (maxPos !== undefined && Math.abs(after) > maxPos) {
      return reject(
        "RISK_MAX_POSITION",
        `the position would be ${Math.abs(after)} shares of ${o.symbol}; the limit is ${maxPos}`,
      );
    }
    const maxValue = this.config.maxOrderValue;
    const value = o.quantity * o.price * (o.pointValue ?? 1);
    if (maxValue !== undefined && value > maxValue) {
      return reject("RISK_MAX_ORDER_VALUE", `order value ${fmt(value)} exceeds the limit ${fmt(maxValue)}`);
    }
    return approve(`within limits: ${o.side} ${o.quantity} ${o.symbol} at ${fmt(o.price)}`);
  }
}

function reject(code: RiskReasonCode, message: string): RiskDecision {
  return { approved: false, code, message };
}

function approve(message: string): RiskDecision {
  return { approved: true, code: "RISK_OK", message };
}
