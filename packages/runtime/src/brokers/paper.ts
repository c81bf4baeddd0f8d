import { z } from "zod";
import { utcDayKey } from "../calendar/utc-day.js";
import type { AccountInfo, BarData, OrderSide, PositionState } from "../models.js";
import { Portfolio, type PortfolioPositionState, type PortfolioState } from "../portfolio/portfolio.js";
import type { Broker, BrokerEvent, BrokerListener, BrokerOrder, Fill, OrderAck, PriceLevel, Trade } from "./broker.js";

const NonNegative = z.number().refine((v) => Number.isFinite(v) && v >= 0, "must be a finite number >= 0");

/** Paper broker settings. Defaults model a US retail broker charging per share. */
export const PaperBrokerConfigSchema = z
  .object({
    initialCash: z
      .number()
      .refine((v) => Number.isFinite(v) && v > 0, "must be positive")
      .default(100_000),
    /** `next_open`: a market order fills at the open of the symbol's next bar; `close`: at the decision bar's close. */
    fillAt: z.enum(["next_open", "close"]).default("next_open"),
    commissionPerShare: NonNegative.default(0.005),
    /** Smallest commission charged for one fill. */
    commissionMinimum: NonNegative.default(1),
    /** Adverse slippage in basis points applied to market and stop fills (not to take-profit fills). */
    slippageBps: NonNegative.default(1),
  })
  .strict();

export type PaperBrokerConfig = z.infer<typeof PaperBrokerConfigSchema>;
export type PaperBrokerOptions = z.input<typeof PaperBrokerConfigSchema>;

/** The protective exits the simulated exchange holds for a position (resolved to prices at the entry fill). */
interface Protection {
  readonly stop: number | undefined;
  readonly target: number | undefined;
}

interface Working {
  readonly order: BrokerOrder;
}

/** One open position of a {@link PaperBroker} as saved (see {@link PaperBroker.exportState}). */
export interface PaperLotState extends PortfolioPositionState {
  /** Every paper position comes from a decision. */
  readonly openedAt: number;
  readonly entryClose: number;
  readonly stop: number | null;
  readonly target: number | null;
}

/**
 * Everything a {@link PaperBroker} needs to carry on after a restart (not the trade and fill history): the
 * book's state, its positions with their stops and targets, and what the exchange holds.
 */
export interface PaperBrokerState extends Omit<PortfolioState, "positions"> {
  readonly lots: readonly PaperLotState[];
  /** Working orders, in the order they were accepted. */
  readonly working: readonly BrokerOrder[];
  /** Every client order id ever placed: a restart must answer DUPLICATE to them too. */
  readonly seen: readonly string[];
}

/**
 * A deterministic simulated broker for backtests and the demo: a simulated
 * exchange in front of the book. Feed it every base bar with `onBar` (before
 * the engine sees that bar's closes): working market orders fill at that
 * bar's open, protective stops and targets are checked against its range,
 * and positions are marked at its close.
 *
 * The exchange part (order matching, slippage, commissions charged, working
 * orders, stops and targets) only produces fills; every fill goes to
 * {@link portfolio}, the same book the IB adapter feeds, which holds
 * positions, cash and P&L (its booking rules are on {@link Portfolio}).
 */
export class PaperBroker implements Broker {
  readonly config: PaperBrokerConfig;
  /** The book: positions, cash, realized and unrealized P&L, commissions, marks. */
  readonly portfolio: Portfolio;
  private readonly protection = new Map<string, Protection>();
  private readonly working = new Map<string, Working>();
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<BrokerListener>();
  private readonly tradeList: Trade[] = [];
  private readonly fillList: Fill[] = [];

  /**
   * @param options settings, validated with `PaperBrokerConfigSchema` (throws a ZodError naming the bad field)
   * @param dayKey maps a time to its session day, for the daily realized P&L (default: the UTC date)
   */
  constructor(
    options: PaperBrokerOptions = {},
    private readonly dayKey: (time: number) => string = utcDayKey(),
  ) {
    this.config = PaperBrokerConfigSchema.parse(options);
    this.portfolio = new Portfolio(this.config.initialCash);
  }

  onEvent(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  placeOrder(order: BrokerOrder): OrderAck {
    if (this.seen.has(order.clientOrderId)) {
      return {
        clientOrderId: order.clientOrderId,
        status: "DUPLICATE",
        reason: "an order with this client id was already placed",
      };
    }
    this.seen.add(order.clientOrderId);
    if (order.type !== "MKT") {
      return this.rejectOrder(order, `order type ${order.type} is not supported by the paper broker`);
    }
    if (!Number.isInteger(order.quantity) || order.quantity <= 0) {
      return this.rejectOrder(order, `quantity must be a positive whole number of shares, got ${order.quantity}`);
    }
    if (!Number.isFinite(order.refPrice) || order.refPrice <= 0) {
      return this.rejectOrder(order, `reference price must be positive, got ${order.refPrice}`);
    }
    this.emit({ type: "status", clientOrderId: order.clientOrderId, status: "ACCEPTED" });
    if (this.config.fillAt === "close") {
      this.execute(order, order.refPrice, order.decidedAt, "order");
    } else {
      this.working.set(order.clientOrderId, { order });
    }
    return { clientOrderId: order.clientOrderId, status: "ACCEPTED" };
  }

  cancel(clientOrderId: string): boolean {
    return this.cancelWith(clientOrderId, "cancelled");
  }

  /** Cancels every working order (e.g. at the end of a backtest, where no next bar will come). */
  cancelAll(reason: string): number {
    let n = 0;
    for (const id of [...this.working.keys()]) if (this.cancelWith(id, reason)) n++;
    return n;
  }

  position(symbol: string): PositionState {
    return this.portfolio.position(symbol);
  }

  /** Whether any position is open. */
  hasPositions(): boolean {
    return this.portfolio.hasPositions();
  }

  positions(): PositionState[] {
    return this.portfolio.positions();
  }

  openOrders(symbol?: string): readonly BrokerOrder[] {
    const out: BrokerOrder[] = [];
    for (const w of this.working.values()) if (symbol === undefined || w.order.symbol === symbol) out.push(w.order);
    return out;
  }

  account(): AccountInfo {
    return this.portfolio.account();
  }

  /** Closed round trips, in the order they closed. */
  trades(): readonly Trade[] {
    return this.tradeList;
  }

  fills(): readonly Fill[] {
    return this.fillList;
  }

  /** The last price seen for a symbol. */
  mark(symbol: string): number | undefined {
    return this.portfolio.markOf(symbol);
  }

  /** A copy of the broker's state, for the state store: the book, with each position's stop and target. */
  exportState(): PaperBrokerState {
    const book = this.portfolio.exportState();
    return {
      cash: book.cash,
      realized: book.realized,
      dailyRealized: book.dailyRealized,
      commissions: book.commissions,
      day: book.day,
      lots: book.positions.map((p) => {
        const guard = this.protection.get(p.symbol);
        return {
          symbol: p.symbol,
          qty: p.qty,
          avgPrice: p.avgPrice,
          entryTime: p.entryTime,
          entryCommission: p.entryCommission,
          entryRule: p.entryRule,
          openedAt: decided(p, p.openedAt),
          entryClose: decided(p, p.entryClose),
          stop: guard?.stop ?? null,
          target: guard?.target ?? null,
        };
      }),
      marks: book.marks,
      working: [...this.working.values()].map((w) => w.order),
      seen: [...this.seen],
    };
  }

  /** Replaces the broker's state with a saved one (validated by the caller); listeners are kept. */
  importState(s: PaperBrokerState): void {
    this.portfolio.importState({
      cash: s.cash,
      realized: s.realized,
      dailyRealized: s.dailyRealized,
      commissions: s.commissions,
      day: s.day,
      positions: s.lots.map((l) => ({
        symbol: l.symbol,
        qty: l.qty,
        avgPrice: l.avgPrice,
        entryTime: l.entryTime,
        entryCommission: l.entryCommission,
        entryRule: l.entryRule,
        openedAt: l.openedAt,
        entryClose: l.entryClose,
      })),
      marks: s.marks,
    });
    this.protection.clear();
    for (const l of s.lots) {
      if (l.stop !== null || l.target !== null) {
        this.protection.set(l.symbol, { stop: l.stop ?? undefined, target: l.target ?? undefined });
      }
    }
    this.working.clear();
    for (const order of s.working) this.working.set(order.clientOrderId, { order });
    this.seen.clear();
    for (const id of s.seen) this.seen.add(id);
  }

  /**
   * Advances the simulation by one bar of `bar.symbol`: fills working orders
   * decided at or before the bar's open at that open, checks protective
   * exits against the bar's range, then marks the position at the close.
   */
  onBar(bar: BarData): void {
    this.portfolio.startDay(this.dayKey(bar.time));
    // Copied before the loop because executing deletes; most bars find no working order, so no copy then.
    if (this.working.size > 0)
      for (const [id, w] of [...this.working]) {
        if (w.order.symbol !== bar.symbol || w.order.decidedAt > bar.time) continue;
        this.working.delete(id);
        this.execute(w.order, bar.open, bar.time, "order");
      }
    this.checkProtection(bar);
    this.portfolio.setMark(bar.symbol, bar.close);
  }

  private checkProtection(bar: BarData): void {
    const guard = this.protection.get(bar.symbol);
    if (guard === undefined) return;
    const held = this.portfolio.quantity(bar.symbol);
    const long = held > 0;
    const side: OrderSide = long ? "SELL" : "BUY";
    const qty = Math.abs(held);
    const stopHit =
      guard.stop !== undefined && (long ? bar.low <= guard.stop : bar.high >= guard.stop)
        ? long
          ? Math.min(bar.open, guard.stop)
          : Math.max(bar.open, guard.stop)
        : undefined;
    // When one bar touches both levels the order inside the bar is unknown; assume the stop (the worse case).
    if (stopHit !== undefined) {
      this.fillProtective(bar, side, qty, this.slip(side, stopHit), "stop_loss");
      return;
    }
    if (guard.target !== undefined && (long ? bar.high >= guard.target : bar.low <= guard.target)) {
      const price = long ? Math.max(bar.open, guard.target) : Math.min(bar.open, guard.target);
      this.fillProtective(bar, side, qty, price, "take_profit");
    }
  }

  private fillProtective(
    bar: BarData,
    side: OrderSide,
    qty: number,
    price: number,
    trigger: "stop_loss" | "take_profit",
  ): void {
    const id = `${bar.symbol}:${trigger}:${bar.time}`;
    this.applyFill(
      {
        clientOrderId: id,
        symbol: bar.symbol,
        side,
        quantity: qty,
        price,
        commission: this.commission(qty),
        time: bar.time,
        trigger,
      },
      trigger,
      bar.close,
      bar.time,
      undefined,
    );
  }

  private execute(order: BrokerOrder, basePrice: number, time: number, trigger: "order"): void {
    const price = this.slip(order.side, basePrice);
    const fill: Fill = {
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      quantity: order.quantity,
      price,
      commission: this.commission(order.quantity),
      time,
      trigger,
    };
    this.applyFill(fill, order.ruleId, order.refPrice, order.decidedAt, order);
    this.emit({ type: "status", clientOrderId: order.clientOrderId, status: "FILLED" });
  }

  /** Books a fill the exchange produced, then keeps the position's protective exits in step with it. */
  private applyFill(
    fill: Fill,
    rule: string,
    refPrice: number,
    decidedAt: number,
    order: BrokerOrder | undefined,
  ): void {
    const booked = this.portfolio.apply({ ...fill, day: this.dayKey(fill.time), rule, decidedAt, refPrice });
    this.fillList.push(fill);
    if (booked.trade) this.tradeList.push(booked.trade);
    const held = this.portfolio.quantity(fill.symbol);
    if (held === 0) this.protection.delete(fill.symbol);
    else if (order && booked.opened > 0) {
      // An entry (or the part of a reversal past zero) brings its own stop and target, measured from this fill.
      const long = held > 0;
      const stop = level(order.stopLoss, fill.price, long ? -1 : 1);
      const target = level(order.takeProfit, fill.price, long ? 1 : -1);
      if (stop === undefined && target === undefined) this.protection.delete(fill.symbol);
      else this.protection.set(fill.symbol, { stop, target });
    }
    this.emit({ type: "fill", fill });
  }

  private cancelWith(clientOrderId: string, reason: string): boolean {
    if (!this.working.delete(clientOrderId)) return false;
    this.emit({ type: "status", clientOrderId, status: "CANCELLED", reason });
    return true;
  }

  private rejectOrder(order: BrokerOrder, reason: string): OrderAck {
    this.emit({ type: "status", clientOrderId: order.clientOrderId, status: "REJECTED", reason });
    return { clientOrderId: order.clientOrderId, status: "REJECTED", reason };
  }

  private commission(qty: number): number {
    return Math.max(this.config.commissionMinimum, qty * this.config.commissionPerShare);
  }

  private slip(side: OrderSide, price: number): number {
    const f = this.config.slippageBps / 10_000;
    return side === "BUY" ? price * (1 + f) : price * (1 - f);
  }

  private emit(e: BrokerEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/**
 * The opening decision of a paper position: every fill the paper broker books carries one, so only a state
 * that was not written by a paper broker lacks it.
 */
function decided(p: PortfolioPositionState, v: number | null): number {
  if (v === null) throw new Error(`paper broker: the position in ${p.symbol} has no opening decision`);
  return v;
}

/** Resolves a stop/target to a price; `dir` +1 places a percent above the fill, -1 below. */
function level(l: PriceLevel | undefined, fillPrice: number, dir: 1 | -1): number | undefined {
  if (!l) return undefined;
  return l.kind === "price" ? l.price : fillPrice * (1 + (dir * l.percent) / 100);
}
