import type { BarData, MarketCalendar, Timeframe } from "@tradeplan/core";
import { Bucketer, foldIntoBar, OpenBar } from "@tradeplan/core/internal";

/**
 * Builds the closed bars of one stream from its symbol's base bars, cut
 * into the intervals the bar-close detector uses (the same {@link Bucketer}
 * over the same calendar, the same {@link foldIntoBar}), so a feed that
 * answers history at a stream's timeframe hands the session exactly the bars
 * the detector would have closed from those base bars. Base bars must come
 * in time order.
 *
 * Only whole intervals are kept: those starting at or after `from` (an
 * interval `from` cuts into would miss its first base bars) and ending at or
 * before `to`.
 */
export class StreamBarBuilder extends OpenBar {
  private start = Number.POSITIVE_INFINITY;
  private end = Number.NEGATIVE_INFINITY;
  private readonly bucketer: Bucketer;

  /** @param out receives each closed bar, oldest first */
  constructor(
    private readonly symbol: string,
    private readonly timeframe: Timeframe,
    calendar: MarketCalendar,
    private readonly from: number,
    private readonly to: number,
    private readonly out: BarData[],
  ) {
    super();
    this.bucketer = new Bucketer(calendar, timeframe);
  }

  /** One base bar (open time `time`, close time `closeTime`). */
  add(time: number, closeTime: number, o: number, h: number, l: number, c: number, v: number): void {
    // Its interval starts before `from` and is not kept: a daily history walked for twenty days need not fold
    // them into the 5-minute bars of the last thirteen.
    if (time < this.from) return;
    if (!(time >= this.start && time < this.end)) {
      // A later interval: the open one is over (the detector closes it on such data too).
      if (this.has) this.close();
      if (!this.bucketer.locate(time)) return;
      this.start = this.bucketer.start;
      this.end = this.bucketer.end;
    }
    foldIntoBar(this, o, h, l, c, v);
    if (closeTime >= this.end) this.close();
  }

  /** The data has ended: an interval that is over by `to` closes (as the detector's timer would close it). */
  finish(): void {
    if (this.has && this.end <= this.to) this.close();
  }

  private close(): void {
    this.has = false;
    if (this.start < this.from || this.end > this.to) return;
    this.out.push({
      symbol: this.symbol,
      timeframe: this.timeframe.label,
      time: this.start,
      closeTime: this.end,
      open: this.o,
      high: this.h,
      low: this.l,
      close: this.c,
      volume: this.v,
    });
  }
}
