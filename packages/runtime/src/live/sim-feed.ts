import type { MarketCalendar } from "../calendar/types.js";
import { generateBars, tradingSessions } from "../data/generator.js";
import type { FeedBar } from "../feeds/feed.js";
import { ScheduledFeed, type ScheduledFeedOptions } from "./scheduled-feed.js";

/** What a {@link SimFeed} generates. */
export interface SimFeedSpec {
  readonly symbols: readonly string[];
  /** Seed of the first symbol; symbol i uses seed + i. */
  readonly seed: number;
  readonly interval: string;
  readonly startPrice: number;
  readonly dailyVolume: number;
  /** First session day, `YYYY-MM-DD`. */
  readonly from: string;
  readonly days: number;
  readonly calendar: MarketCalendar;
}

/**
 * Random-walk bars from the market generator (regimes, U-shaped intraday
 * profile, overnight gaps), released on a clock. Deterministic: the same
 * spec always yields the same bars, so a restarted simulation continues
 * with exactly the bars it would have seen.
 */
export class SimFeed extends ScheduledFeed {
  constructor(spec: SimFeedSpec, options: Omit<ScheduledFeedOptions, "baseTimeframe">) {
    super(SimFeed.generate(spec), { ...options, baseTimeframe: spec.interval });
  }

  /** The sessions the spec covers (their open is where a fresh simulation starts). */
  static sessions(spec: Pick<SimFeedSpec, "calendar" | "from" | "days">): { open: number; close: number }[] {
    return tradingSessions(spec.calendar, spec.from, spec.days);
  }

  static generate(spec: SimFeedSpec): Map<string, FeedBar[]> {
    const sessions = SimFeed.sessions(spec);
    const out = new Map<string, FeedBar[]>();
    spec.symbols.forEach((symbol, i) => {
      const bars = [
        ...generateBars(
          {
            symbol,
            seed: (spec.seed + i) % 0x100000000,
            interval: spec.interval,
            startPrice: spec.startPrice,
            dailyVolume: spec.dailyVolume,
          },
          sessions,
        ),
      ];
      out.set(symbol, bars);
    });
    return out;
  }
}
