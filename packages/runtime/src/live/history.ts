import type { MarketCalendar } from "../calendar/types.js";

const DAY_MS = 86_400_000;
/** How far back the search goes at most (a stream that needs more than this is refilled with what there is). */
const MAX_DAYS = 3660;

/**
 * The earliest base-bar time to request so that `bars` bars of a stream of
 * `barMs` fit before `end`: walks back over the calendar's sessions, adding
 * the trading time of each (a session counts once for daily bars), so that
 * nights, weekends and holidays are not counted as bar time.
 */
export function historyStart(calendar: MarketCalendar, end: number, bars: number, barMs: number): number {
  if (bars <= 0) return end;
  const daily = barMs >= DAY_MS;
  let need = daily ? bars : bars * barMs;
  // From the day after: a zone ahead of UTC has its session on the next UTC date.
  let day = new Date(end + DAY_MS);
  let start = end;
  for (let i = 0; i < MAX_DAYS && need > 0; i++) {
    const s = calendar.sessionOn(day.toISOString().slice(0, 10));
    if (s && s.open < end) {
      const span = Math.min(s.close, end) - s.open;
      need -= daily ? 1 : span;
      start = Math.min(start, s.open);
      if (need <= 0 && !daily) start = Math.min(s.close, end) - (span + need);
    }
    day = new Date(day.getTime() - DAY_MS);
  }
  return start;
}
