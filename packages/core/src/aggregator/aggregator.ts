import { z } from "zod";
import { foldIntoBar, type OpenBarFields } from "../bars/open-bar.js";
import type { MarketCalendar } from "../calendar/types.js";
import type { BarData } from "../models.js";
import { Bucketer } from "./bucketer.js";
import { parseTimeframe, type Timeframe, TimeframeError, TimeframeSchema } from "./timeframe.js";

/** One input bar of the base feed, stamped with its open time (a {@link BarData} fits). */
export interface BarUpdate {
  readonly time: number;
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Options of a {@link BarAggregator}. */
export const AggregatorOptionsSchema = z
  .object({
    symbol: z.string().min(1),
    timeframe: TimeframeSchema,
    /** Timeframe of the input bars, or `tick`; bars must divide the output timeframe. */
    base: z.union([z.literal("tick"), TimeframeSchema]).default("tick"),
  })
  .strict();

export type AggregatorOptions = z.input<typeof AggregatorOptionsSchema>;

/** Counters of inputs the aggregator did not use. */
export interface AggregatorStats {
  /** Inputs at instants the calendar says the market is closed. */
  readonly outsideSession: number;
  /** Inputs older than the bar being built (or already emitted). */
  readonly outOfOrder: number;
  /** Bars emitted. */
  readonly emitted: number;
}

/**
 * Builds bars of one timeframe from a base feed in time order (replay). A
 * bar is emitted as soon as it is known complete: when an input reaches its
 * end (an input bar's closeTime), when an input for a later interval
 * arrives, or at {@link flush}. Open = first, close = last, high/low = the
 * extremes, volume = the sum; an interval with no input builds no bar.
 * Per input it does arithmetic only; the single allocation is the output bar.
 */
export class BarAggregator {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  private readonly bucketer: Bucketer;
  private readonly onBar: (bar: BarData) => void;
  private start = Number.POSITIVE_INFINITY;
  private end = Number.NEGATIVE_INFINITY;
  private closedEnd = Number.NEGATIVE_INFINITY;
  /** The bucket being built. */
  private readonly cur: OpenBarFields = { has: false, o: 0, h: 0, l: 0, c: 0, v: 0 };
  private outside = 0;
  private late = 0;
  private emitted = 0;

  constructor(options: AggregatorOptions, calendar: MarketCalendar, onBar: (bar: BarData) => void) {
    const parsed = AggregatorOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new TimeframeError(
        `invalid aggregator options: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      );
    }
    this.symbol = parsed.data.symbol;
    this.timeframe = parseTimeframe(parsed.data.timeframe);
    if (parsed.data.base !== "tick") {
      const base = parseTimeframe(parsed.data.base);
      if (base.daily || (!this.timeframe.daily && this.timeframe.ms % base.ms !== 0)) {
        throw new TimeframeError(
          `${this.timeframe.label} cannot be built from ${base.label} bars (not a whole multiple)`,
        );
      }
    }
    this.bucketer = new Bucketer(calendar, this.timeframe);
    this.onBar = onBar;
  }

  /** Adds one base bar (stamped with its open time). */
  pushBar(bar: BarUpdate): void {
    this.add(bar.time, bar.closeTime, bar.open, bar.high, bar.low, bar.close, bar.volume);
  }

  /** Adds one trade. */
  pushTick(time: number, price: number, size: number): void {
    this.add(time, time, price, price, price, price, size);
  }

  /** Emits the bar in progress, if any (end of a replay). */
  flush(): void {
    if (this.cur.has) this.emit();
  }

  stats(): AggregatorStats {
    return { outsideSession: this.outside, outOfOrder: this.late, emitted: this.emitted };
  }

  private add(t: number, closeTime: number, o: number, h: number, l: number, c: number, v: number): void {
    if (!(t >= this.start && t < this.end)) {
      if (t < this.closedEnd || (this.cur.has && t < this.start)) {
        this.late++;
        return;
      }
      if (this.cur.has) this.emit();
      if (!this.bucketer.locate(t)) {
        this.outside++;
        return;
      }
      this.start = this.bucketer.start;
      this.end = this.bucketer.end;
    } else if (t < this.closedEnd) {
      this.late++;
      return;
    }
    foldIntoBar(this.cur, o, h, l, c, v);
    if (closeTime >= this.end) this.emit();
  }

  private emit(): void {
    this.cur.has = false;
    this.closedEnd = this.end;
    this.emitted++;
    this.onBar({
      symbol: this.symbol,
      timeframe: this.timeframe.label,
      time: this.start,
      closeTime: this.end,
      open: this.cur.o,
      high: this.cur.h,
      low: this.cur.l,
      close: this.cur.c,
      volume: this.cur.v,
    });
  }
}
