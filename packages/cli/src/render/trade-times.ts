import type { BacktestResult } from "@tradeplan/core";
import { isDailyTimeframe } from "@tradeplan/core/internal";
import { LocalTime } from "./local-time.js";

/** How the pretty trade table shows its fill times. */
export interface TradeTimes {
  /** The zone the times are in (the plan's: its exchange calendar's unless it names another). */
  readonly zone: string;
  /** An ISO instant from the result as a person in `zone` reads it. */
  format(iso: string): string;
}

/**
 * Fill times in the plan's zone; dates alone when every decision was on a
 * daily or longer bar, whose time of day (a session's open or close) says
 * nothing. A fill at the close of a `session always` day lands on the next
 * local midnight, so close fills are dated by their last instant.
 */
export function tradeTimes(result: BacktestResult, fillAt: "next_open" | "close" = "next_open"): TradeTimes {
  const local = new LocalTime(result.plan.timezone);
  const daily = result.signals.length > 0 && result.signals.every((s) => isDailyTimeframe(s.timeframe));
  return {
    zone: result.plan.timezone,
    format: (iso) => {
      const t = Date.parse(iso);
      return daily ? local.dateTime(fillAt === "close" ? t - 1 : t).slice(0, 10) : local.dateTime(t);
    },
  };
}
