import { z } from "zod";
import { utcDayKey } from "../calendar/utc-day.js";
import type { AccountInfo, BarData, OrderSide, PositionState } from "../models.js";
import { type InstrumentSpec, Instruments, roundToTick } from "../portfolio/instruments.js";
import { Portfolio, type PortfolioPositionState, type PortfolioState } from "../portfolio/portfolio.js";
import type { Broker, BrokerEvent, BrokerListener, BrokerOrder, Fill, OrderAck, PriceLevel, Trade } from "./broker.js";
import {
  type CommissionModel,
  CommissionSchema,
  commissionModel,
  commissionOf,
  DEFAULT_COMMISSION,
  DEFAULT_SLIPPAGE,
  type SlippageModel,
  SlippageSchema,
  slippageModel,
} from "./costs.js";

const NonNegative = z.number().refine((v) => Number.isFinite(v) && v >= 0, "must be a finite number >= 0");

/**
 * Paper broker settings. Defaults model a US retail broker charging per
 * share (0.005 a share, at least 1) with 1 basis point of slippage.
 * `commission` and `slippage` take the text of `tradeplan backtest
 * --commission/--slippage` (or a map); the older `commissionPerShare`,
 * `commissionMinimum` and `slippageBps` still work, but not beside them.
 */
export const PaperBrokerConfigSchema = z
  .object({
    initialCash: z
      .number()
      .refine((v) => Number.isFinite(v) && v > 0, "must be positive")
      .default(100_000),
    /** `next_open`: a market order fills at the open of the symbol's next bar; `close`: at the decision bar's close. */
    fillAt: z.enum(["next_open", "close"]).default("next_open"),
    /** Commission model: `0.005/share,min=1,max=1%`, `1.5/order`, `0.1%,min=1`, `0` (docs/backtest.md, "Costs"). */
    commission: CommissionSchema.optional(),
    /** Adverse slippage of market and stop fills (not take-profit fills): `2bp` or `1tick`. */
    slippage: SlippageSchema.optional(),
    /** Shorthand of `commission: RATE/share,min=MINIMUM` (default 0.005). */
    commissionPerShare: NonNegative.optional(),
    /** With commissionPerShare: the smallest commission of one fill (default 1). */
    commissionMinimum: NonNegative.optional(),
    /** Shorthand of `slippage: Nbp` (default 1). */
    slippageBps: NonNegative.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.commission !== undefined && (c.commissionPerShare !== undefined || c.commissionMinimum !== undefined))
      ctx.addIssue({
        code: "custom",
        message: "give either commission or commissionPerShare/commissionMinimum, not both",
        path: ["commission"],
      });
    if (c.slippage !== undefined && c.slippageBps !== undefined)
      ctx.addIssue({ code: "custom", message: "give either slippage or slippageBps, not both", path: ["slippage"] });
  });

/** The cost models of validated paper broker settings (the shorthands resolved, the defaults filled in). */
export function paperCosts(c: PaperBrokerConfig): { commission: CommissionModel; slippage: SlippageModel } {
  const commission =
    c.commission !== undefined
      ? commissionModel(c.commission)
      : c.commissionPerShare !== undefined || c.commissionMinimum !== undefined
        ? {
            kind: "per_share" as const,
            rate: c.commissionPerShare ?? DEFAULT_COMMISSION_RATE,
            minimum: c.commissionMinimum ?? DEFAULT_COMMISSION_MINIMUM,
            maximum: undefined,
          }
        : DEFAULT_COMMISSION;
  const slippage =
    c.slippage !== undefined
      ? slippageModel(c.slippage)
      : c.slippageBps !== undefined
        ? { kind: "bps" as const, bps: c.slippageBps }
        : DEFAULT_SLIPPAGE;
  return { commission, slippage };
}

const DEFAULT_COMMISSION_RATE = 0.005;
const DEFAULT_COMMISSION_MINIMUM = 1;

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
  readonly commissionModel: CommissionModel;
  readonly slippageModel: SlippageModel;
  /** The book: positions, cash, realized and unrealized P&L, commissions, marks. */
  readonly portfolio: Portfolio;
  private readonly protection = new Map<string, Protection>();
  private readonly working = new Map<string, Working>();
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<BrokerListener>();
  private readonly tradeList: Trade[] = [];
  private readonly fillList: Fill[] = [];
  /** Whether closed trades and fills are kept for {@link trades} and {@link fills} (see {@link forgetHistory}). */
  private keepHistory = true;

  /**
   * @param options settings, validated with `PaperBrokerConfigSchema` (throws a ZodError naming the bad field)
   * @param dayKey maps a time to its session day, for the daily realized P&L (default: the UTC date)
   * @param instruments what each symbol is (multiplier, tick size, currency; default: US-dollar stocks)
   */
  constructor(
    options: PaperBrokerOptions = {},
    private readonly dayKey: (time: number) => string = utcDayKey(),
    readonly instruments: Instruments = Instruments.stocks(),
  ) {
    this.config = PaperBrokerConfigSchema.parse(options);
    const costs = paperCosts(this.config);
    this.commissionModel = costs.commission;
    this.slippageModel = costs.slippage;
    if (costs.slippage.kind === "ticks" && costs.slippage.ticks > 0) {
      // Checked at start for the declared instruments; a stock without a tick size is checked at its first fill.
      for (const s of instruments.declared()) tickOf(s);
    }
    this.portfolio = new Portfolio(this.config.initialCash, (symbol) => instruments.pointValue(symbol));
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
      const unit = this.instruments.spec(order.symbol).type === "future" ? "contracts" : "shares";
      return this.rejectOrder(order, `quantity must be a positive whole number of ${unit}, got ${order.quantity}`);
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

  /** Whether an order is working (waits for the next bar's open). */
  hasWorkingOrders(): boolean {
    return this.working.size > 0;
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

  /**
   * Stops keeping closed trades and fills: {@link trades} and {@link fills}
   * stay empty from now on. For a live session, which runs for days and has
   * every fill in its journal (kept, they grew its memory by the hour); a
   * backtest reports them. Positions, cash and P&L are booked as before.
   */
  forgetHistory(): void {
    this.keepHistory = false;
    this.tradeList.length = 0;
    this.fillList.length = 0;
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
    this.step(bar.symbol, bar.time, bar.open, bar.high, bar.low, bar.close);
  }

  /**
   * {@link onBar} with the bar given as numbers (its start time and prices):
   * the backtest's columnar fast path steps the broker at every bar while a
   * position is open, from columns, without building a bar object.
   */
  step(symbol: string, time: number, open: number, high: number, low: number, close: number): void {
    this.portfolio.startDay(this.dayKey(time));
    // Copied before the loop because executing deletes; most bars find no working order, so no copy then.
    if (this.working.size > 0)
      for (const [id, w] of [...this.working]) {
        if (w.order.symbol !== symbol || w.order.decidedAt > time) continue;
        this.working.delete(id);
        this.execute(w.order, open, time, "order");
      }
    this.checkProtection(symbol, time, open, high, low, close);
    this.portfolio.setMark(symbol, close);
  }

  private checkProtection(symbol: string, time: number, open: number, high: number, low: number, close: number): void {
    const guard = this.protection.get(symbol);
    if (guard === undefined) return;
    const held = this.portfolio.quantity(symbol);
    const long = held > 0;
    const side: OrderSide = long ? "SELL" : "BUY";
    const qty = Math.abs(held);
    const stopHit =
      guard.stop !== undefined && (long ? low <= guard.stop : high >= guard.stop)
        ? long
          ? Math.min(open, guard.stop)
          : Math.max(open, guard.stop)
        : undefined;
    // When one bar touches both levels the order inside the bar is unknown; assume the stop (the worse case).
    if (stopHit !== undefined) {
      const price = this.fillPrice(symbol, side, stopHit, true);
      this.fillProtective(symbol, time, close, side, qty, price, "stop_loss");
      return;
    }
    if (guard.target !== undefined && (long ? high >= guard.target : low <= guard.target)) {
      const price = long ? Math.max(open, guard.target) : Math.min(open, guard.target);
      this.fillProtective(symbol, time, close, side, qty, this.fillPrice(symbol, side, price, false), "take_profit");
    }
  }

  /** Books a stop or target hit in the bar starting at `time` (closing at `close`, the decision's reference). */
  private fillProtective(
    symbol: string,
    time: number,
    close: number,
    side: OrderSide,
    qty: number,
    price: number,
    trigger: "stop_loss" | "take_profit",
  ): void {
    const id = `${symbol}:${trigger}:${time}`;
    this.applyFill(
      {
        clientOrderId: id,
        symbol,
        side,
        quantity: qty,
        price,
        commission: this.commission(symbol, qty, price),
        time,
        trigger,
      },
      trigger,
      close,
      time,
      undefined,
    );
  }

  private execute(order: BrokerOrder, basePrice: number, time: number, trigger: "order"): void {
    const price = this.fillPrice(order.symbol, order.side, basePrice, true);
    const fill: Fill = {
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      quantity: order.quantity,
      price,
      commission: this.commission(order.symbol, order.quantity, price),
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
    if (this.keepHistory) {
      this.fillList.push(fill);
      if (booked.trade) this.tradeList.push(booked.trade);
    }
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

  /** The commission of a fill in the account currency: the model's, in the instrument's currency, converted. */
  private commission(symbol: string, qty: number, price: number): number {
    const s = this.instruments.spec(symbol);
    return commissionOf(this.commissionModel, qty, price, s.multiplier) * s.fxRate;
  }

  /**
   * The price a fill gets: `price` with adverse slippage when `slipped`
   * (market and stop fills), then rounded to the instrument's tick against
   * the trader (a buy up, a sell down).
   */
  private fillPrice(symbol: string, side: OrderSide, price: number, slipped: boolean): number {
    const spec = this.instruments.spec(symbol);
    let p = price;
    if (slipped) p = slip(this.slippageModel, spec, side, price);
    return spec.tickSize === undefined ? p : roundToTick(p, spec.tickSize, side);
  }

  private emit(e: BrokerEvent): void {
    for (const l of this.listeners) l(e);
  }
}

/** The instrument's tick size, which slippage in ticks needs. */
function tickOf(spec: InstrumentSpec): number {
  if (spec.tickSize === undefined)
    throw new RangeError(
      `slippage in ticks needs the tick size of ${spec.symbol}: declare instruments.${spec.symbol}.tick_size`,
    );
  return spec.tickSize;
}

/** `price` moved against the trader by the slippage model (up for a buy, down for a sell). */
export function slip(model: SlippageModel, spec: InstrumentSpec, side: OrderSide, price: number): number {
  const dir = side === "BUY" ? 1 : -1;
  if (model.kind === "bps") return price * (1 + (dir * model.bps) / 10_000);
  if (model.ticks === 0) return price;
  return price + dir * model.ticks * tickOf(spec);
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
