import type { BarData, MarketCalendar } from "@tradeplan/core";
import { type SessionBounds, tradingSessions } from "@tradeplan/core";
import { ScheduledFeed, type ScheduledFeedOptions } from "./scheduled-feed.js";
import { SimMarket, type TimeframeWant } from "./sim-market.js";

/** What a {@link SimFeed} generates. */
export interface SimFeedSpec {
  readonly symbols: readonly string[];
  /** Seed of the first symbol; symbol i uses seed + i. */
  readonly seed: number;
  readonly interval: string;
  readonly startPrice: number;
  readonly dailyVolume: number;
  /** First session day streamed, `YYYY-MM-DD`. */
  readonly from: string;
  /** Session days streamed from `from`. */
  readonly days: number;
  /**
   * Session days simulated before `from`: history only, there for the
   * session's warm-up (default 0). The walk starts at the first of them, so
   * the bars from `from` on depend on this number.
   */
  readonly historyDays?: number;
  readonly calendar: MarketCalendar;
}

/** Calendar days searched back for history sessions (ten years). */
const MAX_DAYS_BACK = 3660;

/**
 * Random-walk bars from the market generator (regimes, U-shaped intraday
 * profile, overnight gaps), made as the clock reaches them (see
 * {@link SimMarket}: memory does not grow with the days simulated).
 * Deterministic: the same spec always yields the same bars, so a restarted
 * simulation continues with exactly the bars it would have seen. History is
 * answered for the `historyDays` before `from` and for the days streamed
 * so far, as base bars or at a stream's timeframe ({@link historyAt}).
 */
export class SimFeed extends ScheduledFeed {
  private readonly market: SimMarket;

  constructor(spec: SimFeedSpec, options: Omit<ScheduledFeedOptions, "baseTimeframe">) {
    const market = new SimMarket({
      symbols: spec.symbols,
      seed: spec.seed,
      interval: spec.interval,
      startPrice: spec.startPrice,
      dailyVolume: spec.dailyVolume,
      sessions: SimFeed.allSessions(spec),
      startAt: options.startAt,
    });
    super(market, { ...options, baseTimeframe: spec.interval });
    this.market = market;
  }

  /** The sessions streamed (their first open is where a fresh simulation starts). */
  static sessions(spec: Pick<SimFeedSpec, "calendar" | "from" | "days">): SessionBounds[] {
    return tradingSessions(spec.calendar, spec.from, spec.days);
  }

  /** The history sessions and the streamed ones, oldest first. */
  static allSessions(spec: Pick<SimFeedSpec, "calendar" | "from" | "days" | "historyDays">): SessionBounds[] {
    return [...sessionsBefore(spec.calendar, spec.from, spec.historyDays ?? 0), ...SimFeed.sessions(spec)];
  }

  /**
   * History of `symbol` up to `to` for several timeframes in one walk: base
   * bars for the base interval, the bars the bar-close detector would close
   * on `calendar` for longer ones (see {@link SimMarket.historyAt}).
   */
  async historyAt(
    symbol: string,
    calendar: MarketCalendar,
    to: number,
    wants: readonly TimeframeWant[],
  ): Promise<Map<string, BarData[]>> {
    return this.market.historyAt(symbol, calendar, to, wants);
  }

  /** Walks every symbol to the start of the stream, yielding to the event loop on the way. */
  prepare(shouldStop?: () => boolean): Promise<void> {
    return this.market.prepare(shouldStop);
  }
}

/** The `count` sessions before the local date `from`, oldest first. */
function sessionsBefore(calendar: MarketCalendar, from: string, count: number): SessionBounds[] {
  const out: SessionBounds[] = [];
  if (count <= 0) return out;
  const day = new Date(`${from}T00:00:00Z`);
  for (let i = 0; i < MAX_DAYS_BACK && out.length < count; i++) {
    day.setUTCDate(day.getUTCDate() - 1);
    const s = calendar.sessionOn(day.toISOString().slice(0, 10));
    if (s) out.push({ open: s.open, close: s.close });
  }
  return out.reverse();
}
