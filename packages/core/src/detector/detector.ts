import type { BarUpdate } from "../aggregator/aggregator.js";
import { Bucketer } from "../aggregator/bucketer.js";
import { parseTimeframe, type Timeframe, TimeframeError } from "../aggregator/timeframe.js";
import { foldIntoBar, OpenBar } from "../bars/open-bar.js";
import { calendarFor } from "../calendar/factory.js";
import type { MarketCalendar } from "../calendar/types.js";
import type { Clock, TimerHandle } from "../clock/clock.js";
import type { BarCloseEvent, BarData } from "../models.js";
import { type DetectorConfig, type DetectorConfigInput, DetectorConfigSchema } from "./config.js";
import { DetectorError } from "./errors.js";

/** Per-stream counters. */
export interface StreamStats {
  readonly symbol: string;
  readonly timeframe: string;
  /** Bars closed (any trigger). */
  readonly closed: number;
  /** Updates for an interval already closed, or older than the bar being built: rejected. */
  readonly late: number;
  /** Updates while the market was closed: ignored. */
  readonly outsideSession: number;
}

/** Construction options of a {@link BarCloseDetector}. */
export interface DetectorOptions {
  readonly clock: Clock;
  readonly config?: DetectorConfigInput;
  /** Exchange calendar used when `market_hours_only` (default: NYSE regular hours). */
  readonly calendar?: MarketCalendar;
  /** Receives every close, once per stream and interval. */
  readonly onClose: (event: BarCloseEvent) => void;
  /** Receives errors thrown by `onClose`; the other streams still close. */
  readonly onHandlerError?: (error: unknown, event: BarCloseEvent) => void;
}

/** A group of streams whose open bars are due at the same instant: one timer for all of them. */
interface DueGroup {
  readonly due: number;
  readonly streams: StreamState[];
  /** Streams in the group still waiting for this timer. */
  waiting: number;
  handle: TimerHandle | undefined;
}

class StreamState extends OpenBar {
  start = Number.POSITIVE_INFINITY;
  end = Number.NEGATIVE_INFINITY;
  closedEnd = Number.NEGATIVE_INFINITY;
  group: DueGroup | undefined = undefined;
  closed = 0;
  late = 0;
  outside = 0;

  constructor(
    readonly symbol: string,
    readonly timeframe: Timeframe,
    readonly bucketer: Bucketer,
  ) {
    super();
  }
}

/**
 * Confirms bar closes on the clock. Each stream (symbol, timeframe) builds
 * its open bar from the symbol's updates; the bar closes at the first of:
 *
 * - the clock reaching `boundary + grace_ms` (trigger `timer`), through one
 *   shared timer per due instant — ten thousand streams closing on one
 *   boundary cost one timer, not ten thousand;
 * - an update that completes the interval (a base bar whose closeTime
 *   reaches the boundary) or belongs to a later interval (trigger `data`);
 * - {@link flush} (trigger `flush`).
 *
 * Updates for an interval whose close was already emitted are rejected and
 * counted (`late`): a closed bar is never re-opened or repainted. With
 * `market_hours_only`, intervals are cut at the session close (13:00 on
 * early-close days) and updates outside the session are ignored; otherwise
 * bars align to midnight in `timezone`. Inputs are assumed validated
 * (see the validation module).
 */
export class BarCloseDetector {
  readonly config: DetectorConfig;
  readonly calendar: MarketCalendar;
  private readonly clock: Clock;
  private readonly onClose: (event: BarCloseEvent) => void;
  private readonly onHandlerError: ((error: unknown, event: BarCloseEvent) => void) | undefined;
  private readonly bySymbol = new Map<string, StreamState[]>();
  private readonly byKey = new Map<string, StreamState>();
  private readonly groups = new Map<number, DueGroup>();
  private unknownSymbol = 0;
  private handlerErrors = 0;

  constructor(options: DetectorOptions) {
    const parsed = DetectorConfigSchema.safeParse(options.config ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      throw new DetectorError("DETECTOR_BAD_CONFIG", `invalid bar-close detector config: ${detail}`);
    }
    this.config = parsed.data;
    this.clock = options.clock;
    this.onClose = options.onClose;
    this.onHandlerError = options.onHandlerError;
    this.calendar = this.config.market_hours_only
      ? (options.calendar ?? calendarFor("regular"))
      : calendarFor("always", this.config.timezone);
  }

  /** Starts tracking `timeframe` bars of `symbol`. Throws DETECTOR_BAD_STREAM / DETECTOR_DUPLICATE_STREAM. */
  addStream(symbol: string, timeframe: string): void {
    if (typeof symbol !== "string" || symbol.length === 0) {
      throw new DetectorError("DETECTOR_BAD_STREAM", "symbol must be a non-empty string");
    }
    let tf: Timeframe;
    try {
      tf = parseTimeframe(timeframe);
    } catch (e) {
      throw new DetectorError(
        "DETECTOR_BAD_STREAM",
        `${symbol}: ${e instanceof TimeframeError ? e.message : String(e)}`,
      );
    }
    const key = `${symbol}\u0000${tf.label}`;
    if (this.byKey.has(key))
      throw new DetectorError("DETECTOR_DUPLICATE_STREAM", `${symbol} ${tf.label} is already tracked`);
    const state = new StreamState(symbol, tf, new Bucketer(this.calendar, tf));
    this.byKey.set(key, state);
    const list = this.bySymbol.get(symbol);
    if (list === undefined) this.bySymbol.set(symbol, [state]);
    else list.push(state);
  }

  /** Feeds one base bar (stamped with its open time) to every stream of `symbol`. */
  updateBar(symbol: string, bar: BarUpdate): void {
    const streams = this.bySymbol.get(symbol);
    if (streams === undefined) {
      this.unknownSymbol++;
      return;
    }
    for (let i = 0; i < streams.length; i++) {
      this.apply(streams[i]!, bar.time, bar.closeTime, bar.open, bar.high, bar.low, bar.close, bar.volume);
    }
  }

  /** Feeds one trade to every stream of `symbol`. */
  updateTick(symbol: string, time: number, price: number, size: number): void {
    const streams = this.bySymbol.get(symbol);
    if (streams === undefined) {
      this.unknownSymbol++;
      return;
    }
    for (let i = 0; i < streams.length; i++) this.apply(streams[i]!, time, time, price, price, price, price, size);
  }

  /** Closes every open bar now (trigger `flush`), e.g. at the end of a replay, and cancels all timers. */
  flush(): void {
    for (const group of this.groups.values()) if (group.handle !== undefined) this.clock.clearTimer(group.handle);
    this.groups.clear();
    for (const s of this.byKey.values()) if (s.has) this.emit(s, "flush");
  }

  /** Cancels all timers without emitting; open bars are dropped. */
  dispose(): void {
    for (const group of this.groups.values()) if (group.handle !== undefined) this.clock.clearTimer(group.handle);
    this.groups.clear();
    for (const s of this.byKey.values()) {
      s.has = false;
      s.group = undefined;
    }
  }

  /** Counters of one stream, or undefined when it is not tracked. */
  streamStats(symbol: string, timeframe: string): StreamStats | undefined {
    const s = this.byKey.get(`${symbol}\u0000${timeframe}`);
    return s === undefined ? undefined : statsOf(s);
  }

  /** Counters of all streams, plus updates for symbols with no stream and errors thrown by `onClose`. */
  stats(): { streams: StreamStats[]; unknownSymbol: number; handlerErrors: number; pendingTimers: number } {
    return {
      streams: [...this.byKey.values()].map(statsOf),
      unknownSymbol: this.unknownSymbol,
      handlerErrors: this.handlerErrors,
      pendingTimers: this.groups.size,
    };
  }

  private apply(
    s: StreamState,
    t: number,
    closeTime: number,
    o: number,
    h: number,
    l: number,
    c: number,
    v: number,
  ): void {
    if (t < s.closedEnd) {
      s.late++;
      return;
    }
    if (!(t >= s.start && t < s.end)) {
      if (s.has) {
        if (t < s.start) {
          s.late++;
          return;
        }
        this.emit(s, "data");
      }
      if (!s.bucketer.locate(t)) {
        s.outside++;
        return;
      }
      s.start = s.bucketer.start;
      s.end = s.bucketer.end;
    }
    if (foldIntoBar(s, o, h, l, c, v) && closeTime < s.end) this.schedule(s);
    if (closeTime >= s.end) this.emit(s, "data");
  }

  private schedule(s: StreamState): void {
    const due = s.end + this.config.grace_ms;
    let group = this.groups.get(due);
    if (group === undefined) {
      group = { due, streams: [], waiting: 0, handle: undefined };
      this.groups.set(due, group);
      const g = group;
      group.handle = this.clock.setTimer(due - this.config.schedule_advance_ms, () => this.fire(g));
    }
    group.streams.push(s);
    group.waiting++;
    s.group = group;
  }

  private fire(group: DueGroup): void {
    // Re-arm from the clock rather than trusting the timer: it may have been armed early on purpose.
    if (this.clock.now() < group.due - this.config.accuracy_ms) {
      group.handle = this.clock.setTimer(group.due, () => this.fire(group));
      return;
    }
    group.handle = undefined;
    this.groups.delete(group.due);
    const streams = group.streams;
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i]!;
      if (s.group === group && s.has) this.emit(s, "timer");
    }
  }

  private emit(s: StreamState, trigger: BarCloseEvent["trigger"]): void {
    const group = s.group;
    if (group !== undefined) {
      s.group = undefined;
      if (trigger !== "timer" && --group.waiting === 0 && this.groups.get(group.due) === group) {
        // Everyone closed early by data: the timer has nothing left to do.
        if (group.handle !== undefined) this.clock.clearTimer(group.handle);
        this.groups.delete(group.due);
      }
    }
    s.has = false;
    s.closedEnd = s.end;
    s.closed++;
    const bar: BarData = {
      symbol: s.symbol,
      timeframe: s.timeframe.label,
      time: s.start,
      closeTime: s.end,
      open: s.o,
      high: s.h,
      low: s.l,
      close: s.c,
      volume: s.v,
    };
    const event: BarCloseEvent = {
      symbol: s.symbol,
      timeframe: s.timeframe.label,
      bar,
      closeTime: s.end,
      detectedAt: this.clock.now(),
      trigger,
    };
    try {
      this.onClose(event);
    } catch (error) {
      this.handlerErrors++;
      this.onHandlerError?.(error, event);
    }
  }
}

function statsOf(s: StreamState): StreamStats {
  return { symbol: s.symbol, timeframe: s.timeframe.label, closed: s.closed, late: s.late, outsideSession: s.outside };
}
