/**
 * Whether bars of `timeframe` last a day or more (`1d`, `1w`): their time of
 * day (a session's open or close) says nothing, so people see dates alone.
 */
export function isDailyTimeframe(timeframe: string): boolean {
  return /^\d+[dw]$/.test(timeframe);
}

/**
 * Instants as a person in the exchange's zone reads them (`2024-03-01 09:35`),
 * the one formatter behind every time tradeplan shows people: the CLI (plan
 * tests, the run console, the backtest summary) and the HTML report and
 * playground chart. JSON and the journal keep UTC instants instead.
 *
 * Browser-safe (only `Intl`): the playground bundles it.
 */
export class LocalTime {
  private readonly format: Intl.DateTimeFormat;
  /** Offsets per UTC quarter hour: zones change offset on the hour or the half hour, never inside a quarter. */
  private readonly offsets = new Map<number, number>();

  /** Throws a RangeError for an unknown zone. */
  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
  }

  private parts(time: number): Record<string, string> {
    const parts: Record<string, string> = {};
    for (const p of this.format.formatToParts(new Date(time))) parts[p.type] = p.value;
    return parts;
  }

  /** `2024-03-01 09:35` (seconds only when not zero). */
  dateTime(time: number): string {
    const p = this.parts(time);
    const secs = p.second && p.second !== "00" ? `:${p.second}` : "";
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${secs}`;
  }

  /** `2024-03-01`: the local date (for daily bars, whose time of day says nothing). */
  date(time: number): string {
    const p = this.parts(time);
    return `${p.year}-${p.month}-${p.day}`;
  }

  /**
   * When a decision on a bar of `timeframe` closing at `closeTime` was made, as a person reads it: the date
   * alone for a daily (or longer) bar, the date of its last instant (a close time is the first instant after
   * the bar: midnight of the next day for a day in `session always`); else the local date and time of the close.
   */
  decided(closeTime: number, timeframe: string): string {
    return isDailyTimeframe(timeframe) ? this.date(closeTime - 1) : this.dateTime(closeTime);
  }

  /** `09:35:07`. */
  clock(time: number): string {
    const p = this.parts(time);
    return `${p.hour}:${p.minute}:${p.second}`;
  }

  /**
   * The zone's offset from UTC at `time`, in ms (Berlin in winter: 3,600,000): local wall time read as UTC
   * is `time + offsetMs(time)`, which is how charts that only know UTC show exchange-local time.
   */
  offsetMs(time: number): number {
    const quarter = Math.floor(time / 900_000);
    let off = this.offsets.get(quarter);
    if (off === undefined) {
      const p = this.parts(quarter * 900_000);
      const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
      off = wall - quarter * 900_000;
      this.offsets.set(quarter, off);
    }
    return off;
  }
}
