import type { MarketCalendar } from "../calendar/types.js";
import type { Timeframe } from "./timeframe.js";

/**
 * Maps an instant to its bar interval. Intervals are aligned to the session
 * open (the local midnight for `always` calendars), measured in elapsed time,
 * and cut at the session close, so no bar spans a closed market; a `1d` bar
 * is the whole session. The current session and the current closed gap are
 * cached, so the calendar is consulted about once per day, not per bar.
 */
export class Bucketer {
  /** Start of the interval found by the last successful {@link locate}. */
  start = Number.POSITIVE_INFINITY;
  /** End (exclusive) of that interval. */
  end = Number.NEGATIVE_INFINITY;
  private sessionOpen = Number.POSITIVE_INFINITY;
  private sessionClose = Number.NEGATIVE_INFINITY;
  private closedFrom = Number.POSITIVE_INFINITY;
  private closedUntil = Number.NEGATIVE_INFINITY;
  private readonly ms: number;
  private readonly daily: boolean;

  constructor(
    readonly calendar: MarketCalendar,
    timeframe: Timeframe,
  ) {
    this.ms = timeframe.ms;
    this.daily = timeframe.daily;
  }

  /** Sets {@link start}/{@link end} to the interval containing `t`; false (fields untouched) when the market is closed at `t`. */
  locate(t: number): boolean {
    // Still inside the interval found last (most calls: one per base bar, several per interval).
    if (t >= this.start && t < this.end) return true;
    if (t < this.sessionOpen || t >= this.sessionClose) {
      if (t >= this.closedFrom && t < this.closedUntil) return false;
      const s = this.calendar.sessionAtOrAfter(t);
      if (t < s.open) {
        this.closedFrom = t;
        this.closedUntil = s.open;
        return false;
      }
      this.sessionOpen = s.open;
      this.sessionClose = s.close;
    }
    if (this.daily) {
      this.start = this.sessionOpen;
      this.end = this.sessionClose;
      return true;
    }
    const start = this.sessionOpen + Math.floor((t - this.sessionOpen) / this.ms) * this.ms;
    const end = start + this.ms;
    this.start = start;
    this.end = Math.min(end, this.sessionClose);
    return true;
  }
}
