import { type AccountInfo, FLAT, type OrderSide, type PositionState } from "../models.js";

/** One execution, as an exchange reports it (the simulated one or TWS). */
export interface Execution {
  readonly symbol: string;
  readonly side: OrderSide;
  /** Shares (or contracts) filled, > 0. A partial fill is one execution. */
  readonly quantity: number;
  readonly price: number;
  /** Commission of this execution, in the account currency. */
  readonly commission: number;
  /** Epoch ms of the fill. */
  readonly time: number;
}

/**
 * One execution as the book takes it, with its session day and the decision
 * behind it. The paper broker and the IB adapter feed the same book, so paper
 * and live P&L agree on the same fills.
 */
export interface FillEvent extends Execution {
  /** Session day of `time` (`YYYY-MM-DD`): the daily realized P&L restarts when it changes. */
  readonly day: string;
  /** The decision's rule id, or `stop_loss` / `take_profit`: names the entry or exit in trade records. */
  readonly rule: string;
  /** Close time of the decision's bar: a position this fill opens carries it as `openedAt`. */
  readonly decidedAt: number;
  /** Close price of the decision's bar: a position this fill opens carries it as `entryClose`. */
  readonly refPrice: number;
}

/** A closed (or partly closed) round trip. P&L is net of the commissions on both legs. */
export interface Trade {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly quantity: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly exitTime: number;
  readonly exitPrice: number;
  /** The entry's commission share of these shares plus the exit's. */
  readonly commission: number;
  readonly pnl: number;
  /** Rule id of the entry decision. */
  readonly entryRule: string;
  /** Rule id of the exit decision, or `stop_loss` / `take_profit`. */
  readonly exitRule: string;
}

/** What one fill did to its symbol's position. */
export interface Booking {
  /** The round trip the fill closed, if it reduced a position. */
  readonly trade: Trade | undefined;
  /** Shares the fill opened or added (a reversal through zero: the part past zero). */
  readonly opened: number;
}

/** An open position as saved ({@link Portfolio.exportState}). */
export interface PortfolioPositionState {
  readonly symbol: string;
  /** Signed quantity. */
  readonly qty: number;
  readonly avgPrice: number;
  readonly entryTime: number;
  /** Entry commission not yet realized: the held part of what opening these shares cost. */
  readonly entryCommission: number;
  readonly entryRule: string;
  /** Null for a position taken over from the broker at start (its decision is unknown). */
  readonly openedAt: number | null;
  readonly entryClose: number | null;
}

/** Everything a {@link Portfolio} holds, for a restart. */
export interface PortfolioState {
  readonly cash: number;
  readonly realized: number;
  readonly dailyRealized: number;
  /** Every commission paid. */
  readonly commissions: number;
  /** Session day of the daily realized P&L; null before the first. */
  readonly day: string | null;
  /** Open positions, in the order they were opened. */
  readonly positions: readonly PortfolioPositionState[];
  readonly marks: readonly { readonly symbol: string; readonly price: number }[];
}

/** An open position with its valuation (the result document's `openPositions`). */
export interface OpenPosition {
  readonly symbol: string;
  readonly quantity: number;
  readonly avgPrice: number;
  /** The price it is valued at (its average price until one is known). */
  readonly mark: number;
  /** Mark-to-market gain less the entry commission still held: the account's rule. */
  readonly unrealizedPnl: number;
}

class Holding {
  constructor(
    /** Account currency per point per share or contract (multiplier x exchange rate). */
    readonly pointValue: number,
    /** Signed quantity. */
    public qty: number,
    public avgPrice: number,
    public entryTime: number,
    public entryCommission: number,
    public entryRule: string,
    public openedAt: number | undefined,
    public entryClose: number | undefined,
  ) {}

  /** Value at the mark (account currency), as of the last {@link revalue}. */
  value = 0;
  /** Unrealized P&L at the mark, net of the entry commission held, as of the last {@link revalue}. */
  unrealized = 0;

  /**
   * Values the holding at `mark`. Kept per holding and summed by the
   * account: summing ten thousand holdings' formulas (and looking their
   * marks up) on each of forty thousand closes was half of a minute's work.
   */
  revalue(mark: number): void {
    this.value = this.qty * mark * this.pointValue;
    this.unrealized = this.qty * (mark - this.avgPrice) * this.pointValue - this.entryCommission;
  }
}

/**
 * The book: positions, cash, realized and daily realized P&L, commissions
 * and marks, built from fills alone. The paper broker's simulated exchange
 * and the IB adapter both feed it, and backtests, paper runs and IB runs all
 * read positions and the account from it. Pure: no clock, no I/O.
 *
 * Booking rules (docs/architecture.md, "One book"):
 * - cash moves by every fill's value and its whole commission when the fill
 *   is booked;
 * - a commission belongs to the shares it was paid for: the part of a fill
 *   that closes shares is realized at once with their P&L; the part that
 *   opens shares is held with the position as its entry cost (unrealized
 *   P&L is net of it) and realized pro rata as those shares close. So a
 *   round trip's realized P&L is net of both legs' commissions and
 *   equity = cash + sum(quantity x mark) = initial cash + realized + unrealized;
 * - the average price is the quantity-weighted fill price of the open
 *   shares (commissions excluded); reducing a position keeps it;
 * - a fill through zero (long 10, sell 25) closes the 10 at the fill price
 *   (a round trip, with 10/25 of the commission) and opens a short 15 at the
 *   fill price (holding 15/25 of it), dated by this fill's decision;
 * - partial fills are fills: each books its own shares and commission;
 * - the daily realized P&L restarts when a fill (or {@link startDay}) brings
 *   another day key;
 * - marks are market prices set by whoever sees the market
 *   ({@link setMark}); a fill marks its symbol only when it has no mark yet;
 * - prices are the instrument's; values and P&L are in the account currency:
 *   quantity x price x the symbol's point value (multiplier x exchange rate,
 *   1 for a stock in the account's currency). Commissions come in the
 *   account currency.
 *
 * Snapshots are frozen and handed out again until something changes them
 * (the engine freezes a context per close; re-freezing per bar showed up in
 * profiles).
 */
export class Portfolio {
  private readonly holdings = new Map<string, Holding>();
  private readonly marks = new Map<string, number>();
  private cash: number;
  private realized = 0;
  private dailyRealized = 0;
  private paid = 0;
  /** Session day of `dailyRealized`; "" before the first (a string from the start: it is compared per bar). */
  private day = "";
  private readonly positionCache = new Map<string, PositionState>();
  private accountCache: AccountInfo | undefined;

  /**
   * @param initialCash cash at the start, in the account currency
   * @param pointValue account currency per point per share or contract of a symbol (default: 1, stocks in the
   *   account's currency); asked once per position opened
   */
  constructor(
    readonly initialCash: number,
    private readonly pointValue: (symbol: string) => number = () => 1,
  ) {
    if (!Number.isFinite(initialCash))
      throw new RangeError(`portfolio: initial cash must be finite, got ${initialCash}`);
    this.cash = initialCash;
  }

  /** Account currency per point of `symbol`, checked: a value that is not a finite number > 0 would corrupt every figure. */
  private valueOfPoint(symbol: string): number {
    const v = this.pointValue(symbol);
    if (!(v > 0 && Number.isFinite(v)))
      throw new RangeError(`portfolio: point value of ${symbol} must be > 0, got ${v}`);
    return v;
  }

  /** Books one fill; returns the round trip it closed and the shares it opened. Throws a RangeError on a malformed fill. */
  apply(fill: FillEvent): Booking {
    checkFill(fill);
    this.startDay(fill.day);
    const sign = fill.side === "BUY" ? 1 : -1;
    let h = this.holdings.get(fill.symbol);
    const pv = h ? h.pointValue : this.valueOfPoint(fill.symbol);
    this.cash -= sign * fill.quantity * fill.price * pv + fill.commission;
    this.paid += fill.commission;
    let remaining = fill.quantity;
    let trade: Trade | undefined;
    if (h && Math.sign(h.qty) !== sign) {
      const closeQty = Math.min(remaining, Math.abs(h.qty));
      const entryComm = h.entryCommission * (closeQty / Math.abs(h.qty));
      const exitComm = fill.commission * (closeQty / fill.quantity);
      const dir = h.qty > 0 ? 1 : -1;
      const pnl = closeQty * (fill.price - h.avgPrice) * dir * pv - entryComm - exitComm;
      trade = {
        symbol: fill.symbol,
        side: dir > 0 ? "long" : "short",
        quantity: closeQty,
        entryTime: h.entryTime,
        entryPrice: h.avgPrice,
        exitTime: fill.time,
        exitPrice: fill.price,
        commission: entryComm + exitComm,
        pnl,
        entryRule: h.entryRule,
        exitRule: fill.rule,
      };
      this.realized += pnl;
      this.dailyRealized += pnl;
      h.entryCommission -= entryComm;
      h.qty -= dir * closeQty;
      remaining -= closeQty;
      if (h.qty === 0) {
        this.holdings.delete(fill.symbol);
        h = undefined;
      }
    }
    if (remaining > 0) {
      const comm = fill.commission * (remaining / fill.quantity);
      if (h) {
        const total = Math.abs(h.qty) + remaining;
        h.avgPrice = (Math.abs(h.qty) * h.avgPrice + remaining * fill.price) / total;
        h.qty += sign * remaining;
        h.entryCommission += comm;
      } else {
        h = new Holding(pv, sign * remaining, fill.price, fill.time, comm, fill.rule, fill.decidedAt, fill.refPrice);
        this.holdings.set(fill.symbol, h);
      }
    }
    if (!this.marks.has(fill.symbol)) this.marks.set(fill.symbol, fill.price);
    if (h) this.revalue(fill.symbol, h);
    this.positionCache.delete(fill.symbol);
    this.accountCache = undefined;
    return { trade, opened: remaining };
  }

  /**
   * Takes over a position held before this book existed (the broker's
   * account at start). Its cost leaves the cash, so equity stays where it
   * was; its opening decision is unknown, and no entry commission is held
   * (a broker's average cost already carries it).
   */
  adopt(symbol: string, quantity: number, avgPrice: number, time: number): void {
    if (this.holdings.has(symbol)) throw new Error(`portfolio: ${symbol} already holds a position`);
    if (!Number.isFinite(quantity) || quantity === 0 || !Number.isFinite(avgPrice)) {
      throw new RangeError(`portfolio: cannot adopt ${quantity} ${symbol} @ ${avgPrice}`);
    }
    const pv = this.valueOfPoint(symbol);
    this.cash -= quantity * avgPrice * pv;
    this.marks.set(symbol, avgPrice);
    const h = new Holding(pv, quantity, avgPrice, time, 0, "", undefined, undefined);
    this.holdings.set(symbol, h);
    this.revalue(symbol, h);
    this.positionCache.delete(symbol);
    this.accountCache = undefined;
  }

  /** Values `symbol` at `price` from now on (a market price: a bar's close, the last execution). */
  setMark(symbol: string, price: number): void {
    const mark = this.marks.get(symbol);
    // Undefined tested apart (a symbol's first bar), so the equality below only ever sees numbers.
    if (mark !== undefined && mark === price) return;
    this.marks.set(symbol, price);
    // A mark moves equity only while a position in that symbol is open.
    const h = this.holdings.get(symbol);
    if (h) {
      h.revalue(price);
      this.accountCache = undefined;
    }
  }

  /** Values a holding at its symbol's mark (its average price while it has none). */
  private revalue(symbol: string, h: Holding): void {
    h.revalue(this.marks.get(symbol) ?? h.avgPrice);
  }

  /** The last price `symbol` was marked at. */
  markOf(symbol: string): number | undefined {
    return this.marks.get(symbol);
  }

  /** Starts the daily realized P&L over when `day` is another session day than the current one. */
  startDay(day: string): void {
    if (day === this.day) return;
    this.day = day;
    this.dailyRealized = 0;
    this.accountCache = undefined;
  }

  /** Signed quantity held in `symbol` (0 when flat), without a snapshot. */
  quantity(symbol: string): number {
    return this.holdings.get(symbol)?.qty ?? 0;
  }

  position(symbol: string): PositionState {
    const hit = this.positionCache.get(symbol);
    if (hit) return hit;
    const h = this.holdings.get(symbol);
    const side = h && h.qty > 0 ? "long" : "short";
    // Literals of fixed shapes (no spreads): the engine reads these on every close.
    const p: PositionState = Object.freeze(
      h === undefined
        ? FLAT(symbol)
        : h.openedAt !== undefined && h.entryClose !== undefined
          ? {
              symbol,
              side,
              quantity: h.qty,
              avgPrice: h.avgPrice,
              openedAt: h.openedAt,
              entryClose: h.entryClose,
            }
          : { symbol, side, quantity: h.qty, avgPrice: h.avgPrice },
    );
    this.positionCache.set(symbol, p);
    return p;
  }

  /** Open positions, by symbol. */
  positions(): PositionState[] {
    return [...this.holdings.keys()].sort().map((s) => this.position(s));
  }

  hasPositions(): boolean {
    return this.holdings.size > 0;
  }

  /** Open positions with their mark and unrealized P&L, by symbol; their P&L sums to the account's. */
  openPositions(): OpenPosition[] {
    return [...this.holdings.keys()].sort().map((symbol) => {
      const h = this.holdings.get(symbol)!;
      const mark = this.marks.get(symbol) ?? h.avgPrice;
      return {
        symbol,
        quantity: h.qty,
        avgPrice: h.avgPrice,
        mark,
        unrealizedPnl: h.qty * (mark - h.avgPrice) * h.pointValue - h.entryCommission,
      };
    });
  }

  /** Equity = cash + positions at their marks (x point value) = initial cash + realized + unrealized. */
  account(): AccountInfo {
    if (this.accountCache) return this.accountCache;
    let unrealized = 0;
    for (const h of this.holdings.values()) unrealized += h.unrealized;
    this.accountCache = Object.freeze({
      cash: this.cash,
      equity: this.equity(),
      realizedPnl: this.realized,
      unrealizedPnl: unrealized,
      dailyRealizedPnl: this.dailyRealized,
    });
    return this.accountCache;
  }

  /**
   * The account's equity ({@link account}'s `equity`, the same figure to the
   * last bit) without building the account: a backtest reads it at every
   * close while a position is open, where a new account per mark was a
   * third of a sweep variant's time.
   */
  equity(): number {
    let value = 0;
    // The holdings' own values, summed in the same order as ever (the same figures to the last bit).
    for (const h of this.holdings.values()) value += h.value;
    return this.cash + value;
  }

  /** Every commission paid (held entry commissions included). */
  get commissions(): number {
    return this.paid;
  }

  /** A copy of the book, for the state store; {@link importState} restores it exactly. */
  exportState(): PortfolioState {
    return {
      cash: this.cash,
      realized: this.realized,
      dailyRealized: this.dailyRealized,
      commissions: this.paid,
      day: this.day === "" ? null : this.day,
      positions: [...this.holdings].map(([symbol, h]) => ({
        symbol,
        qty: h.qty,
        avgPrice: h.avgPrice,
        entryTime: h.entryTime,
        entryCommission: h.entryCommission,
        entryRule: h.entryRule,
        openedAt: h.openedAt ?? null,
        entryClose: h.entryClose ?? null,
      })),
      marks: [...this.marks].map(([symbol, price]) => ({ symbol, price })),
    };
  }

  /** Replaces the book with a saved one (validated by the caller). */
  importState(s: PortfolioState): void {
    this.cash = s.cash;
    this.realized = s.realized;
    this.dailyRealized = s.dailyRealized;
    this.paid = s.commissions;
    this.day = s.day ?? "";
    this.holdings.clear();
    for (const p of s.positions) {
      this.holdings.set(
        p.symbol,
        new Holding(
          this.valueOfPoint(p.symbol),
          p.qty,
          p.avgPrice,
          p.entryTime,
          p.entryCommission,
          p.entryRule,
          p.openedAt ?? undefined,
          p.entryClose ?? undefined,
        ),
      );
    }
    this.marks.clear();
    for (const m of s.marks) this.marks.set(m.symbol, m.price);
    for (const [symbol, h] of this.holdings) this.revalue(symbol, h);
    this.positionCache.clear();
    this.accountCache = undefined;
  }
}

/** A fill the book cannot take would corrupt every figure after it: refuse it, naming the field. */
function checkFill(f: FillEvent): void {
  const bad = !(f.quantity > 0 && Number.isFinite(f.quantity))
    ? `quantity must be a finite number > 0, got ${f.quantity}`
    : !(f.price > 0 && Number.isFinite(f.price))
      ? `price must be a finite number > 0, got ${f.price}`
      : !Number.isFinite(f.commission)
        ? `commission must be a finite number, got ${f.commission}`
        : undefined;
  if (bad) throw new RangeError(`portfolio: fill of ${f.symbol}: ${bad}`);
}
