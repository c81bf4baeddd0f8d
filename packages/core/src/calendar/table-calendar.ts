import { civilFromDays, daysFromCivil, isoWeekday, parseHhMm, parseIsoDate } from "./civil.js";
import { DayCalendar, type DayHours } from "./day-calendar.js";
import { CalendarError } from "./errors.js";
import { type ExchangeTable, ExchangeTableSchema } from "./exchange-table.js";

/** Which of a table's sessions a calendar serves. */
export type TableSessionKind = "regular" | "extended";

interface Period {
  readonly from: number;
  readonly open: number;
  readonly close: number;
}

/** The hours of a period in calendar minutes: an open after the close is the evening before (negative). */
function minutes(open: string, close: string): { open: number; close: number } {
  const o = parseHhMm(open)!;
  const c = parseHhMm(close)!;
  return o >= c ? { open: o - 1440, close: c } : { open: o, close: c };
}

/**
 * A market calendar read from an {@link ExchangeTable}: per trade date, the
 * hours of the period it falls in, nothing on closures and non-trading
 * weekdays, and the early close where the table has one. Dates outside the
 * table's years throw CALENDAR_OUT_OF_RANGE with the years it covers and
 * what to do instead, never a guess.
 */
export class TableCalendar extends DayCalendar {
  readonly id: string;
  readonly firstYear: number;
  readonly lastYear: number;
  private readonly periods: readonly Period[];
  private readonly weekdays: ReadonlySet<number>;
  private readonly closed = new Set<number>();
  private readonly early = new Map<number, number>();
  private readonly hoursCache = new Map<number, DayHours>();

  constructor(table: ExchangeTable, kind: TableSessionKind) {
    const parsed = ExchangeTableSchema.safeParse(table);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      throw new CalendarError("CALENDAR_BAD_CONFIG", `invalid exchange table ${table.id}: ${detail}`);
    }
    const t = parsed.data;
    super(`${t.id} ${kind}`, t.zone);
    this.id = t.id;
    this.firstYear = t.firstYear;
    this.lastYear = t.lastYear;
    this.weekdays = new Set(t.weekdays);
    this.periods = t.hours.map((p) => {
      const span = kind === "extended" ? p.extended : p.regular;
      if (span === undefined)
        throw new CalendarError("CALENDAR_BAD_CONFIG", `${t.id} has no extended hours from ${p.from}`);
      return { from: parseIsoDate(p.from)!, ...minutes(span[0], span[1]) };
    });
    this.overnight = this.periods.some((p) => p.open < 0);
    const earlyDefault = parseHhMm(kind === "extended" ? (t.extendedEarlyClose ?? t.earlyClose) : t.earlyClose)!;
    for (const [yearText, entry] of Object.entries(t.days)) {
      const year = Number(yearText);
      const day = (md: string) => daysFromCivil(year, Number(md.slice(0, 2)), Number(md.slice(3, 5)));
      for (const md of entry.closed) this.closed.add(day(md));
      for (const e of entry.early) {
        // An ad-hoc close at a stated time applies to the regular session; the extended one keeps its early close.
        const at = e.length > 5 && kind === "regular" ? parseHhMm(e.slice(6))! : earlyDefault;
        this.early.set(day(e), at);
      }
    }
  }

  /** The years the table covers, for messages: `1990-2030`. */
  get years(): string {
    return `${this.firstYear}-${this.lastYear}`;
  }

  protected hoursOn(day: number): DayHours | null {
    const { year } = civilFromDays(day);
    if (year < this.firstYear || year > this.lastYear) {
      throw new CalendarError(
        "CALENDAR_OUT_OF_RANGE",
        `the ${this.id} calendar covers ${this.years}; ${year} is outside it (\`session always\` runs data of any year)`,
      );
    }
    if (!this.weekdays.has(isoWeekday(day)) || this.closed.has(day)) return null;
    const period = this.periodOf(day);
    const early = this.early.get(day);
    if (early !== undefined && early < period.close) return { open: period.open, close: early, early: true };
    let hours = this.hoursCache.get(period.from);
    if (hours === undefined) {
      hours = { open: period.open, close: period.close, early: false };
      this.hoursCache.set(period.from, hours);
    }
    return hours;
  }

  private periodOf(day: number): Period {
    let found = this.periods[0]!;
    for (const p of this.periods) if (p.from <= day) found = p;
    return found;
  }
}
