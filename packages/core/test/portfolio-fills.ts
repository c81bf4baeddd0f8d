import fc from "fast-check";
import type { FillEvent } from "../src/portfolio/portfolio.js";

/** The first fill's time (a Tuesday, 15:00 UTC); each later fill comes a minute after the one before. */
export const START = Date.UTC(2024, 0, 2, 15, 0);

/** One random execution before it is placed in time. */
export interface RawFill {
  readonly symbol: string;
  readonly side: "BUY" | "SELL";
  readonly quantity: number;
  /** Price in cents, so prices look like prices (1.00 to 500.00). */
  readonly cents: number;
  readonly commissionCents: number;
  /** Whether this fill starts a new session day. */
  readonly newDay: boolean;
}

/**
 * Random executions over `symbols`: both sides, quantities up to 60 (so a fill often passes through zero
 * from a position of a few earlier fills), commissions from 0 to $5, a new day now and then.
 */
export function rawFills(symbols: readonly string[], maxLength = 60): fc.Arbitrary<RawFill[]> {
  return fc.array(
    fc.record({
      symbol: fc.constantFrom(...symbols),
      side: fc.constantFrom("BUY" as const, "SELL" as const),
      quantity: fc.integer({ min: 1, max: 60 }),
      cents: fc.integer({ min: 100, max: 50_000 }),
      commissionCents: fc.integer({ min: 0, max: 500 }),
      newDay: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
    }),
    { minLength: 1, maxLength },
  );
}

/** The UTC date of a time, as the day key. */
export const dayOf = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Places raw fills in time: a minute apart, a new day moving to 15:00 UTC of the next day. */
export function timed(raw: readonly RawFill[]): FillEvent[] {
  let t = START - 60_000;
  return raw.map((r, i) => {
    t = r.newDay && i > 0 ? (Math.floor(t / 86_400_000) + 1) * 86_400_000 + 15 * 3_600_000 : t + 60_000;
    return {
      symbol: r.symbol,
      side: r.side,
      quantity: r.quantity,
      price: r.cents / 100,
      commission: r.commissionCents / 100,
      time: t,
      day: dayOf(t),
      rule: `r${i}`,
      decidedAt: t - 60_000,
      refPrice: r.cents / 100,
    };
  });
}

/** Money compared after many fills: float sums agree to far better than a thousandth of a cent. */
export function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(a), Math.abs(b));
}
