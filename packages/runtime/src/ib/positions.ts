import { type AccountInfo, FLAT, type OrderSide, type PositionState } from "../models.js";

interface Lot {
  qty: number;
  avgPrice: number;
  openedAt: number | undefined;
  entryClose: number | undefined;
}

/**
 * Positions, cash and realized P&L built from the broker's executions.
 * Commissions arrive after their executions (TWS sends a separate report),
 * so they are booked on their own.
 */
export class PositionBook {
  private readonly lots = new Map<string, Lot>();
  private readonly marks = new Map<string, number>();
  private cash: number;
  private realized = 0;
  private dailyRealized = 0;
  private day: string | undefined;

  constructor(
    initialCash: number,
    private readonly dayKey: (time: number) => string,
  ) {
    this.cash = initialCash;
  }

  /** Books one execution; `origin` is the decision behind an opening fill (bar close time and price). */
  execution(
    symbol: string,
    side: OrderSide,
    qty: number,
    price: number,
    time: number,
    origin?: { decidedAt: number; refPrice: number },
  ): void {
    this.roll(time);
    const sign = side === "BUY" ? 1 : -1;
    this.cash -= sign * qty * price;
    this.marks.set(symbol, price);
    const lot = this.lots.get(symbol);
    let remaining = qty;
    if (lot && Math.sign(lot.qty) !== sign) {
      const closing = Math.min(remaining, Math.abs(lot.qty));
      const pnl = closing * (price - lot.avgPrice) * Math.sign(lot.qty);
      this.realized += pnl;
      this.dailyRealized += pnl;
      lot.qty += sign * closing;
      remaining -= closing;
      if (lot.qty === 0) this.lots.delete(symbol);
    }
    if (remaining === 0) return;
    const open = this.lots.get(symbol);
    if (open) {
      const total = Math.abs(open.qty) + remaining;
      open.avgPrice = (Math.abs(open.qty) * open.avgPrice + remaining * price) / total;
      open.qty += sign * remaining;
    } else {
      this.lots.set(symbol, {
        qty: sign * remaining,
        avgPrice: price,
        openedAt: origin?.decidedAt,
        entryClose: origin?.refPrice,
      });
    }
  }

  /**
   * Takes over a position held before this book existed (read from TWS at
   * start). Its cost leaves the cash, so equity stays the initial cash; the
   * opening decision is unknown, so `openedAt` / `entryClose` stay unset.
   */
  adopt(symbol: string, quantity: number, avgPrice: number): void {
    if (this.lots.has(symbol)) throw new Error(`position book: ${symbol} already holds a position`);
    this.cash -= quantity * avgPrice;
    this.marks.set(symbol, avgPrice);
    this.lots.set(symbol, { qty: quantity, avgPrice, openedAt: undefined, entryClose: undefined });
  }

  commission(amount: number, time: number): void {
    this.roll(time);
    this.cash -= amount;
    this.realized -= amount;
    this.dailyRealized -= amount;
  }

  position(symbol: string): PositionState {
    const lot = this.lots.get(symbol);
    if (!lot) return Object.freeze(FLAT(symbol));
    return Object.freeze({
      symbol,
      side: lot.qty > 0 ? "long" : "short",
      quantity: lot.qty,
      avgPrice: lot.avgPrice,
      ...(lot.openedAt !== undefined ? { openedAt: lot.openedAt } : {}),
      ...(lot.entryClose !== undefined ? { entryClose: lot.entryClose } : {}),
    });
  }

  symbols(): string[] {
    return [...this.lots.keys()].sort();
  }

  account(): AccountInfo {
    let value = 0;
    let unrealized = 0;
    for (const [symbol, lot] of this.lots) {
      const mark = this.marks.get(symbol) ?? lot.avgPrice;
      value += lot.qty * mark;
      unrealized += lot.qty * (mark - lot.avgPrice);
    }
    return Object.freeze({
      cash: this.cash,
      equity: this.cash + value,
      realizedPnl: this.realized,
      unrealizedPnl: unrealized,
      dailyRealizedPnl: this.dailyRealized,
    });
  }

  private roll(time: number): void {
    const d = this.dayKey(time);
    if (d !== this.day) {
      this.day = d;
      this.dailyRealized = 0;
    }
  }
}
