import type { FeedBar, MarketCalendar } from "@tradeplan/core";
import { parseTimeframe } from "@tradeplan/core";
import { Bucketer } from "@tradeplan/core/internal";

const DAY_MS = 86_400_000;
/** How far back the search goes at most (a stream that needs more than this is refilled with what there is). */
const MAX_DAYS = 3660;

/** Answers of {@link historyStart} per calendar: a refill asks the same question for each of a thousand symbols. */
const starts = new WeakMap<MarketCalendar, Map<string, number>>();
/** Answers kept per calendar at most (then forgotten at once: a refill asks a handful of distinct ones). */
const MAX_STARTS = 4096;

/**
 * The earliest base-bar time to request so that `bars` bars of a stream of
 * `barMs` fit before `end`: walks back over the calendar's sessions, adding
 * the trading time of each (a session counts once for daily bars), so that
 * nights, weekends and holidays are not counted as bar time.
 */
export function historyStart(calendar: MarketCalendar, end: number, bars: number, barMs: number): number {
  if (bars <= 0) return end;
  let known = starts.get(calendar);
  if (!known) {
    known = new Map();
    starts.set(calendar, known);
  }
  const k = `${end}:${bars}:${barMs}`;
  const hit = known.get(k);
  if (hit !== undefined) return hit;
  if (known.size >= MAX_STARTS) known.clear();
  const start = walkBack(calendar, end, bars, barMs);
  known.set(k, start);
  return start;
}

function walkBack(calendar: MarketCalendar, end: number, bars: number, barMs: number): number {
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

/** One stream's need in a refill: `bars` closed bars ending at or before `end`. */
export interface StreamNeed {
  readonly timeframe: string;
  /** The stream's last processed close (bars closing later belong to its open bar). */
  readonly end: number;
  readonly bars: number;
}

/** Base bars fetched for a refill, from `from` up to the watermark. */
export interface WarmUpHistory {
  readonly from: number;
  readonly bars: FeedBar[];
  /** History requests made (the first and each extension). */
  readonly requests: number;
}

/** Extensions at most after the first request. */
const MAX_EXTENSIONS = 16;
/** Consecutive span without a single bar after which the feed is taken to have no older data. */
const MAX_EMPTY_MS = 14 * DAY_MS;

/** Closed bars of a stream among time-ordered base bars, counting only those closing at or before `end`. */
export function closedStreamBars(bars: readonly FeedBar[], bucketer: Bucketer, end: number): number {
  let n = 0;
  let last = Number.NaN;
  for (const b of bars) {
    if (b.closeTime > end) break;
    if (!bucketer.locate(b.time)) continue;
    if (bucketer.start !== last) {
      n++;
      last = bucketer.start;
    }
  }
  return n;
}

/**
 * The base bars a restart needs to warm every stream up: requests history
 * from the calendar's estimate ({@link historyStart}), counts the closed
 * bars each stream gets from what came back, and while one is short,
 * requests the calendar's estimate of the missing bars further back. The
 * count, not the estimate, decides: a market that the calendar says trades
 * around the clock but that stops every night, a holiday the calendar does
 * not know, or minutes without a trade leave fewer bars than the estimate
 * assumed. It stops when every stream has its bars, after
 * {@link MAX_EXTENSIONS} extensions, or when the feed has had nothing for
 * {@link MAX_EMPTY_MS} (its data begins later).
 *
 * @param fetch the feed's history of one symbol: base bars whose open time is in [from, to), oldest first
 * @param calendar the calendar the streams' bars are aligned to (the detector's)
 * @param to the watermark: the last base bar's close to include
 */
export async function fetchWarmUpHistory(
  fetch: (from: number, to: number) => Promise<FeedBar[]>,
  calendar: MarketCalendar,
  to: number,
  needs: readonly StreamNeed[],
): Promise<WarmUpHistory> {
  const streams = needs.map((n) => {
    const tf = parseTimeframe(n.timeframe);
    return { ...n, ms: tf.ms, bucketer: new Bucketer(calendar, tf) };
  });
  let from = to;
  for (const s of streams) from = Math.min(from, historyStart(calendar, s.end, s.bars, s.ms));
  let bars = (await fetch(from, to)).filter((b) => b.closeTime <= to);
  let requests = 1;
  let empty = 0;
  for (let round = 0; round < MAX_EXTENSIONS; round++) {
    let next = from;
    for (const s of streams) {
      const missing = s.bars - closedStreamBars(bars, s.bucketer, s.end);
      if (missing > 0) next = Math.min(next, historyStart(calendar, from, missing, s.ms));
    }
    if (next >= from) break;
    const older = (await fetch(next, from)).filter((b) => b.closeTime <= to);
    requests++;
    empty = older.length === 0 ? empty + (from - next) : 0;
    bars = older.concat(bars);
    from = next;
    if (empty >= MAX_EMPTY_MS) break;
  }
  return { from, bars, requests };
}

/**
 * A stream's closed bars asked of the feed at the stream's own timeframe,
 * `bars` of them ending at or before `end`: from the calendar's estimate
 * ({@link historyStart}), then further back while short, with the limits of
 * {@link fetchWarmUpHistory} (extensions, a long span without a bar).
 *
 * @param fetch the stream's closed bars whose interval starts in [from, to), oldest first
 */
export async function fetchStreamHistory<B extends { readonly time: number; readonly closeTime: number }>(
  fetch: (from: number, to: number) => Promise<B[]>,
  calendar: MarketCalendar,
  end: number,
  need: { readonly bars: number; readonly ms: number },
  first?: { readonly from: number; readonly bars: B[] },
): Promise<B[]> {
  let from = first?.from ?? historyStart(calendar, end, need.bars, need.ms);
  let bars = (first?.bars ?? (await fetch(from, end))).filter((b) => b.closeTime <= end);
  let empty = 0;
  for (let round = 0; round < MAX_EXTENSIONS && bars.length < need.bars; round++) {
    const next = historyStart(calendar, from, need.bars - bars.length, need.ms);
    if (next >= from) break;
    // Up to the first bar held (not `from`): an interval that `from` cut into was left out of the last answer.
    const edge = bars[0]?.time ?? from;
    const older = (await fetch(next, edge)).filter((b) => b.closeTime <= edge);
    empty = older.length === 0 ? empty + (from - next) : 0;
    bars = older.concat(bars);
    from = next;
    if (empty >= MAX_EMPTY_MS) break;
  }
  return bars.length > need.bars ? bars.slice(bars.length - need.bars) : bars;
}
