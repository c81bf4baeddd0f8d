import { z } from "zod";
import { utcDayKey } from "../calendar/utc-day.js";
import { type AccountInfo, type BarData, FLAT, type OrderSide, type PositionState } from "../models.js";
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

interface OpenLot {
  /** Signed quantity. */
  qty: number;
  avgPrice: number;
  entryTime: number;
  /** Entry commission not yet attributed to a closed trade. */
  entryCommission: number;
  entryRule: string;
  openedAt: number;
  entryClose: number;
  stop?: number;
  target?: number;
}

interface Working {
  readonly order: BrokerOrder;
}

/** One open position of a {@link PaperBroker} as saved (see {@link PaperBroker.exportState}). */
export interface PaperLotState {
  readonly symbol: string;
  readonly qty: number;
  readonly avgPrice: number;
  readonly entryTime: number;
  readonly entryCommission: number;
  readonly entryRule: string;
  readonly openedAt: number;
  readonly entryClose: number;
  readonly stop: number | null;
  readonly target: number | null;
}

/** Everything a {@link PaperBroker} needs to carry on after a restart (not the trade and fill history). */
export interface PaperBrokerState {
  readonly cash: number;
  readonly realized: number;
  readonly dailyRealized: number;
  readonly day: string | null;
  readonly lots: readonly PaperLotState[];
  readonly marks: readonly { readonly symbol: string; readonly price: number }[];
  /** Working orders, in the order they were accepted. */
  readonly working: readonly BrokerOrder[];
  /** Every client order id ever placed: a restart must answer DUPLICATE to them too. */
  readonly seen: readonly string[];
}

/**
 * A deterministic simulated broker for backtests and the demo. Feed it every
 * base bar with `onBar` (before the engine sees that bar's closes): working
 * market orders fill at that bar's open, protective stops and targets are
 * checked against its range, and positions are marked at its close.
 *
 * Accounting: cash moves with every fill and commission; equity = cash +
 * sum(position x last price); realized P&L is the sum of closed trades' P&L
 * (commissions of both legs included); unrealized P&L is the open
 * positions' mark-to-market gain less their entry commissions, so that
 * equity = initial cash + realized + unrealized.
 */
export class PaperBroker implements Broker {
  readonly config: PaperBrokerConfig;
  private readonly lots = new Map<string, OpenLot>();
  private readonly marks = new Map<string, number>();
  private readonly working = new Map<string, Working>();
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<BrokerListener>();
  private readonly tradeList: Trade[] = [];
  private readonly fillList: Fill[] = [];
  private cash: number;
  private realized = 0;
  private dailyRealized = 0;
  private day: string | undefined;
  /** Frozen snapshots handed out until something changes them (contexts freeze what they hold; reusing avoids re-freezing per bar). */
  private readonly positionCache = new Map<string, PositionState>();
  private accountCache: AccountInfo | undefined;

  /**
   * @param options settings, validated with `PaperBrokerConfigSchema` (throws a ZodError naming the bad field)
   * @param dayKey maps a time to its session day, for the daily realized P&L (default: the UTC date)
   */
  constructor(
    options: PaperBrokerOptions = {},
    private readonly dayKey: (time: number) => string = utcDayKey(),
  ) {
    this.config = PaperBrokerConfigSchema.parse(options);
    this.cash = this.config.initialCash;
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
    const hit = this.positionCache.get(symbol);
    if (hit) return hit;
    const lot = this.lots.get(symbol);
    const p: PositionState = Object.freeze(
      lot
        ? {
            symbol,
            side: lot.qty > 0 ? "long" : "short",
            quantity: lot.qty,
            avgPrice: lot.avgPrice,
            openedAt: lot.openedAt,
            entryClose: lot.entryClose,
          }
        : FLAT(symbol),
    );
    this.positionCache.set(symbol, p);
    return p;
  }

  /** Whether any position is open. */
  hasPositions(): boolean {
    return this.lots.size > 0;
  }

  positions(): PositionState[] {
    return [...this.lots.keys()].sort().map((s) => this.position(s));
  }

  openOrders(symbol?: string): readonly BrokerOrder[] {
    const out: BrokerOrder[] = [];
    for (const w of this.working.values()) if (symbol === undefined || w.order.symbol === symbol) out.push(w.order);
    return out;
  }

  account(): AccountInfo {
    if (this.accountCache) return this.accountCache;
    let value = 0;
    let unrealized = 0;
    for (const [symbol, lot] of this.lots) {
      const mark = this.marks.get(symbol) ?? lot.avgPrice;
      value += lot.qty * mark;
      unrealized += lot.qty * (mark - lot.avgPrice) - lot.entryCommission;
    }
    this.accountCache = Object.freeze({
      cash: this.cash,
      equity: this.cash + value,
      realizedPnl: this.realized,
      unrealizedPnl: unrealized,
      dailyRealizedPnl: this.dailyRealized,
    });
    return this.accountCache;
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
    return this.marks.get(symbol);
  }

  /** A copy of the broker's state, for the state store. */
  exportState(): PaperBrokerState {
    return {
      cash: this.cash,
      realized: this.realized,
      dailyRealized: this.dailyRealized,
      day: this.day ?? null,
      lots: [...this.lots].map(([symbol, l]) => ({
        symbol,
        qty: l.qty,
        avgPrice: l.avgPrice,
        entryTime: l.entryTime,
        entryCommission: l.entryCommission,
        entryRule: l.entryRule,
        openedAt: l.openedAt,
        entryClose: l.entryClose,
        stop: l.stop ?? null,
        target: l.target ?? null,
      })),
      marks: [...this.marks].map(([symbol, price]) => ({ symbol, price })),
      working: [...this.working.values()].map((w) => w.order),
      seen: [...this.seen],
    };
  }

  /** Replaces the broker's state with a saved one (validated by the caller); listeners are kept. */
  importState(s: PaperBrokerState): void {
    this.cash = s.cash;
    this.realized = s.realized;
    this.dailyRealized = s.dailyRealized;
    this.day = s.day ?? undefined;
    this.lots.clear();
    for (const l of s.lots) {
      const lot: OpenLot = {
        qty: l.qty,
        avgPrice: l.avgPrice,
        entryTime: l.entryTime,
        entryCommission: l.entryCommission,
        entryRule: l.entryRule,
        openedAt: l.openedAt,
        entryClose: l.entryClose,
      };
      if (l.stop !== null) lot.stop = l.stop;
      if (l.target !== null) lot.target = l.target;
      this.lots.set(l.symbol, lot);
    }
    this.marks.clear();
    for (const m of s.marks) this.marks.set(m.symbol, m.price);
    this.working.clear();
    for (const order of s.working) this.working.set(order.clientOrderId, { order });
    this.seen.clear();
    for (const id of s.seen) this.seen.add(id);
    this.positionCache.clear();
    this.accountCache = undefined;
  }

  /**
   * Advances the simulation by one bar of `bar.symbol`: fills working orders
   * decided at or before the bar's open at that open, checks protective
   * exits against the bar's range, then marks the position at the close.
   */
  onBar(bar: BarData): void {
    this.rollDay(bar.time);
    // Copied before the loop because executing deletes; most bars find no working order, so no copy then.
    if (this.working.size > 0)
      for (const [id, w] of [...this.working]) {
        if (w.order.symbol !== bar.symbol || w.order.decidedAt > bar.time) continue;
        this.working.delete(id);
        this.execute(w.order, bar.open, bar.time, "order");
      }
    this.checkProtection(bar);
    this.setMark(bar.symbol, bar.close);
  }

  private setMark(symbol: string, price: number): void {
    const mark = this.marks.get(symbol);
    // Undefined tested apart (a symbol's first bar), so the equality below only ever sees numbers.
    if (mark !== undefined && mark === price) return;
    this.marks.set(symbol, price);
    // A mark moves equity only while a position in that symbol is open.
    if (this.lots.has(symbol)) this.accountCache = undefined;
  }

  private checkProtection(bar: BarData): void {
    const lot = this.lots.get(bar.symbol);
    if (!lot || (lot.stop === undefined && lot.target === undefined)) return;
    const long = lot.qty > 0;
    const side: OrderSide = long ? "SELL" : "BUY";
    const qty = Math.abs(lot.qty);
    const stopHit =
      lot.stop !== undefined && (long ? bar.low <= lot.stop : bar.high >= lot.stop)
        ? long
          ? Math.min(bar.open, lot.stop)
          : Math.max(bar.open, lot.stop)
        : undefined;
    // When one bar touches both levels the order inside the bar is unknown; assume the stop (the worse case).
    if (stopHit !== undefined) {
      this.fillProtective(bar, side, qty, this.slip(side, stopHit), "stop_loss");
      return;
    }
    if (lot.target !== undefined && (long ? bar.high >= lot.target : bar.low <= lot.target)) {
      const price = long ? Math.max(bar.open, lot.target) : Math.min(bar.open, lot.target);
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

  private applyFill(
    fill: Fill,
    rule: string,
    refPrice: number,
    decidedAt: number,
    order: BrokerOrder | undefined,
  ): void {
    this.rollDay(fill.time);
    const sign = fill.side === "BUY" ? 1 : -1;
    this.cash -= sign * fill.quantity * fill.price + fill.commission;
    this.fillList.push(fill);
    let remaining = fill.quantity;
    let lot = this.lots.get(fill.symbol);
    if (lot && Math.sign(lot.qty) !== sign) {
      const closeQty = Math.min(remaining, Math.abs(lot.qty));
      const portion = closeQty / Math.abs(lot.qty);
      const entryComm = lot.entryCommission * portion;
      const exitComm = fill.commission * (closeQty / fill.quantity);
      const dir = lot.qty > 0 ? 1 : -1;
      const pnl = closeQty * (fill.price - lot.avgPrice) * dir - entryComm - exitComm;
      this.tradeList.push({
        symbol: fill.symbol,
        side: dir > 0 ? "long" : "short",
        quantity: closeQty,
        entryTime: lot.entryTime,
        entryPrice: lot.avgPrice,
        exitTime: fill.time,
        exitPrice: fill.price,
        commission: entryComm + exitComm,
        pnl,
        entryRule: lot.entryRule,
        exitRule: rule,
      });
      this.realized += pnl;
      this.dailyRealized += pnl;
      lot.entryCommission -= entryComm;
      lot.qty -= dir * closeQty;
      remaining -= closeQty;
      if (lot.qty === 0) {
        this.lots.delete(fill.symbol);
        lot = undefined;
      }
    }
    if (remaining > 0) {
      const comm = fill.commission * (remaining / fill.quantity);
      if (lot) {
        const total = Math.abs(lot.qty) + remaining;
        lot.avgPrice = (Math.abs(lot.qty) * lot.avgPrice + remaining * fill.price) / total;
        lot.qty += sign * remaining;
        lot.entryCommission += comm;
      } else {
        lot = {
          qty: sign * remaining,
          avgPrice: fill.price,
          entryTime: fill.time,
          entryCommission: comm,
          entryRule: rule,
          openedAt: decidedAt,
          entryClose: refPrice,
        };
        this.lots.set(fill.symbol, lot);
      }
      if (order) {
        const long = lot.qty > 0;
        lot.stop = level(order.stopLoss, fill.price, long ? -1 : 1);
        lot.target = level(order.takeProfit, fill.price, long ? 1 : -1);
      }
    }
    if (!this.marks.has(fill.symbol)) this.marks.set(fill.symbol, fill.price);
    this.positionCache.delete(fill.symbol);
    this.accountCache = undefined;
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

  private rollDay(time: number): void {
    const d = this.dayKey(time);
    if (d !== this.day) {
      this.day = d;
      this.dailyRealized = 0;
      this.accountCache = undefined;
    }
  }

  private emit(e: BrokerEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/** Resolves a stop/target to a price; `dir` +1 places a percent above the fill, -1 below. */
function level(l: PriceLevel | undefined, fillPrice: number, dir: 1 | -1): number | undefined {
  if (!l) return undefined;
  return l.kind === "price" ? l.price : fillPrice * (1 + (dir * l.percent) / 100);
}
