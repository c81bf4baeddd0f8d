import { z } from "zod";
import { isoWeekday, parseHhMm, parseIsoDate } from "./civil.js";
import { DayCalendar, type DayHours } from "./day-calendar.js";
import { CalendarError } from "./errors.js";

const hhmm = z.string().refine((s) => parseHhMm(s) !== undefined, { message: "expected HH:MM (00:00-24:00)" });
const isoDate = z.string().refine((s) => parseIsoDate(s) !== undefined, { message: "expected a YYYY-MM-DD date" });

/** Configuration of a {@link FixedHoursCalendar}. */
export const FixedHoursConfigSchema = z
  .object({
    name: z.string().min(1),
    zone: z.string().min(1),
    open: hhmm,
    close: hhmm,
    /** ISO weekdays the market trades, 1 = Monday ... 7 = Sunday. */
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    /** Full-day closures, `YYYY-MM-DD`. */
    holidays: z.array(isoDate).default([]),
    /** Early closes: date -> closing time. */
    early_closes: z.record(isoDate, hhmm).default({}),
  })
  .strict()
  .refine((c) => parseHhMm(c.open)! < parseHhMm(c.close)!, { message: "open must be before close", path: ["close"] })
  .refine((c) => Object.values(c.early_closes).every((t) => parseHhMm(t)! > parseHhMm(c.open)!), {
    message: "an early close must be after the open",
    path: ["early_closes"],
  });

export type FixedHoursConfig = z.input<typeof FixedHoursConfigSchema>;

/**
 * Same hours every trading weekday in one zone (e.g. Europe/Berlin
 * 09:00-22:00 for European index futures), with optional holidays and early
 * closes. Sessions must lie within one local day.
 */
export class FixedHoursCalendar extends DayCalendar {
  private readonly openMin: number;
  private readonly closeMin: number;
  private readonly weekdays: ReadonlySet<number>;
  private readonly holidays: ReadonlySet<number>;
  private readonly early: ReadonlyMap<number, number>;

  constructor(config: FixedHoursConfig) {
    const parsed = FixedHoursConfigSchema.safeParse(config);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
      throw new CalendarError("CALENDAR_BAD_CONFIG", `invalid fixed-hours calendar: ${detail}`);
    }
    const c = parsed.data;
    super(c.name, c.zone);
    this.openMin = parseHhMm(c.open)!;
    this.closeMin = parseHhMm(c.close)!;
    this.weekdays = new Set(c.weekdays);
    this.holidays = new Set(c.holidays.map((d) => parseIsoDate(d)!));
    this.early = new Map(Object.entries(c.early_closes).map(([d, t]) => [parseIsoDate(d)!, parseHhMm(t)!]));
  }

  protected hoursOn(day: number): DayHours | null {
    if (!this.weekdays.has(isoWeekday(day)) || this.holidays.has(day)) return null;
    const early = this.early.get(day);
    if (early !== undefined && early < this.closeMin) return { open: this.openMin, close: early, early: true };
    return { open: this.openMin, close: this.closeMin, early: false };
  }
}
