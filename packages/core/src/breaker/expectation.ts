import { parseTimeframe } from "../aggregator/timeframe.js";
import { isoWeekday, parseIsoDate } from "../calendar/civil.js";
import type { MarketCalendar } from "../calendar/types.js";

/** A bar's span as the expectations learn from it. */
export interface ObservedBar {
  /** Open time, epoch ms. */
  readonly time: number;
  /** Close time, epoch ms. */
  readonly closeTime: number;
}

/**
 * When a feed owes bars. The circuit breaker's no-data watchdog counts only
 * this time as silence: a closed market, or a pause the data itself has,
 * never trips it.
 */
export interface DataExpectation {
  /** Milliseconds of `[from, to)` in which bars were due. */
  dueMs(from: number, to: number): number;
  /** A bar arrived (an expectation learned from the data learns from it). */
  observe?(bar: ObservedBar): void;
  /** History was fetched for `[from, to)` and held these bars (the startup refill). */
  observeHistory?(from: number, to: number, bars: readonly ObservedBar[]): void;
  /** One line for the startup log. */
  describe(): string;
}

/** Every instant is due (no calendar known): the watchdog measures wall-clock silence. */
export const ALWAYS_DUE: DataExpectation = {
  dueMs: (from, to) => Math.max(0, to - from),
  describe: () => "every hour",
};

/** Time in `[from, to)` inside the calendar's sessions: nights, weekends, holidays and early closes are not due. */
export function sessionTime(calendar: MarketCalendar, from: number, to: number): number {
  let due = 0;
  let t = from;
  // One session per iteration; the bound only guards against a calendar that never advances.
  for (let i = 0; t < to && i < 100_000; i++) {
    const s = calendar.sessionAtOrAfter(t);
    if (s.open >= to) break;
    due += Math.min(s.close, to) - Math.max(s.open, t);
    t = s.close;
  }
  return due;
}

/** Bars are due while the calendar's market is open. */
export function calendarExpectation(calendar: MarketCalendar): DataExpectation {
  return {
    dueMs: (from, to) => sessionTime(calendar, from, to),
    describe: () => `while ${calendar.name} is open`,
  };
}

/**
 * Bars are due on a schedule known in advance (a replay, a simulation):
 * silence counts only from the moment the next scheduled bar was due, so
 * the data's own gaps (a quiet minute, a night, a weekend) are never silence.
 *
 * @param nextDue close time of the next bar not streamed yet (Infinity when none is left)
 */
export function scheduleExpectation(nextDue: () => number): DataExpectation {
  return {
    dueMs: (from, to) => Math.max(0, to - Math.max(from, nextDue())),
    describe: () => "when the replayed data has a bar",
  };
}

interface DayBars {
  /** Earliest bar open, ms after the day's start. */
  first: number;
  /** Latest bar close, ms after the day's start. */
  last: number;
}

/**
 * The hours an around-the-clock (`session always`) market really trades,
 * learned from the bars seen: a market whose calendar says "always" can
 * still stop every night and weekend (a European index future trades
 * 08:00-22:00 on weekdays). Bars are due only
 *
 * - on a weekday on which data was seen, or that was never observed whole
 *   (a weekday whose every fully observed day had no bar is closed), and
 * - between the earliest first bar and the latest last bar of the days
 *   observed from their start (resp. to their end), measured from local
 *   midnight; until such a day was seen, the whole day.
 *
 * A day counts as observed over the span history was fetched for plus the
 * span bars arrived in, so a feed that was down does not teach a closure.
 * Holidays of such a market cannot be known in advance.
 */
export class LearnedHours implements DataExpectation {
  private readonly days = new Map<number, DayBars>();
  private spanFrom = Number.POSITIVE_INFINITY;
  private spanTo = Number.NEGATIVE_INFINITY;
  /** Derived from the days, recomputed when a day was added or the span grew by a day. */
  private derived: { open: number; close: number; closedWeekdays: Set<number> } | undefined;

  /** @param calendar an `always` calendar: one session per local day, midnight to midnight */
  constructor(private readonly calendar: MarketCalendar) {}

  observe(bar: ObservedBar): void {
    this.add(bar);
    this.extend(bar.time, bar.closeTime);
  }

  observeHistory(from: number, to: number, bars: readonly ObservedBar[]): void {
    for (const b of bars) this.add(b);
    this.extend(from, to);
  }

  dueMs(from: number, to: number): number {
    const d = this.derive();
    let due = 0;
    let t = from;
    for (let i = 0; t < to && i < 100_000; i++) {
      const s = this.calendar.sessionAtOrAfter(t);
      if (s.open >= to) break;
      const day = parseIsoDate(s.date);
      if (day !== undefined && !d.closedWeekdays.has(isoWeekday(day))) {
        const open = Math.max(s.open + d.open, t);
        const close = Math.min(s.open + d.close, s.close, to);
        if (close > open) due += close - open;
      }
      t = s.close;
    }
    return due;
  }

  describe(): string {
    const d = this.derive();
    const hhmm = (ms: number) =>
      `${String(Math.floor(ms / 3_600_000)).padStart(2, "0")}:${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, "0")}`;
    const names = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const closed = [...d.closedWeekdays].sort().map((w) => names[w]);
    const hours =
      d.close >= 86_400_000 && d.open === 0 ? "all day" : `${hhmm(d.open)}-${hhmm(Math.min(d.close, 86_400_000))}`;
    return `${hours} ${this.calendar.zone}, as the data shows so far${closed.length > 0 ? `; not on ${closed.join(", ")}` : ""}`;
  }

  private add(bar: ObservedBar): void {
    const s = this.calendar.sessionBounds(bar.time);
    const day = s ? parseIsoDate(s.date) : undefined;
    if (!s || day === undefined) return;
    const first = bar.time - s.open;
    const last = Math.min(bar.closeTime, s.close) - s.open;
    const known = this.days.get(day);
    if (!known) {
      this.days.set(day, { first, last });
      this.derived = undefined;
    } else if (first < known.first || last > known.last) {
      known.first = Math.min(known.first, first);
      known.last = Math.max(known.last, last);
      this.derived = undefined;
    }
  }

  private extend(from: number, to: number): void {
    if (from < this.spanFrom) {
      this.spanFrom = from;
      this.derived = undefined;
    }
    if (to > this.spanTo) {
      // Only a new day can change what is known about whole days.
      if (this.spanTo === Number.NEGATIVE_INFINITY || this.dayOf(to) !== this.dayOf(this.spanTo))
        this.derived = undefined;
      this.spanTo = to;
    }
  }

  private dayOf(t: number): string {
    return this.calendar.sessionAtOrAfter(t).date;
  }

  private derive(): { open: number; close: number; closedWeekdays: Set<number> } {
    if (this.derived) return this.derived;
    let open = Number.POSITIVE_INFINITY;
    let close = Number.NEGATIVE_INFINITY;
    const traded = new Set<number>();
    const quiet = new Set<number>();
    if (this.spanFrom < this.spanTo) {
      let t = this.spanFrom;
      for (let i = 0; t < this.spanTo && i < 100_000; i++) {
        const s = this.calendar.sessionAtOrAfter(t);
        if (s.open >= this.spanTo) break;
        const day = parseIsoDate(s.date);
        if (day !== undefined) {
          const bars = this.days.get(day);
          const fromStart = this.spanFrom <= s.open;
          const toEnd = this.spanTo >= s.close;
          if (bars) {
            traded.add(isoWeekday(day));
            if (fromStart) open = Math.min(open, bars.first);
            if (toEnd) close = Math.max(close, bars.last);
          } else if (fromStart && toEnd) quiet.add(isoWeekday(day));
        }
        t = s.close;
      }
    }
    const closedWeekdays = new Set([...quiet].filter((w) => !traded.has(w)));
    this.derived = {
      open: Number.isFinite(open) ? open : 0,
      close: Number.isFinite(close) ? close : 86_400_000 + 3_600_000,
      closedWeekdays,
    };
    return this.derived;
  }
}

/** Longest default no-data timeout that the plan's timeframes can ask for. */
export const MAX_DERIVED_TIMEOUT_MS = 30 * 60_000;

/**
 * The default no-data timeout: two bars of the plan's shortest timeframe
 * (one bar of a stream may pass without a trade in a thin market, two in a
 * row are a feed to distrust), at most 30 minutes (a feed silent that long
 * while bars are due is down, whatever the plan trades), and never less
 * than three base bars of the feed (a missing base bar or two is not an
 * outage). Silence is measured only while bars are due (see
 * {@link DataExpectation}).
 */
export function defaultNoDataTimeoutMs(baseTimeframe: string, planTimeframes: readonly string[]): number {
  const base = parseTimeframe(baseTimeframe).ms;
  const shortest = Math.min(...planTimeframes.map((tf) => parseTimeframe(tf).ms));
  const fromPlan = Number.isFinite(shortest) ? Math.min(2 * shortest, MAX_DERIVED_TIMEOUT_MS) : MAX_DERIVED_TIMEOUT_MS;
  return Math.max(3 * base, fromPlan);
}
