import { civilFromDays, daysFromCivil, isoWeekday } from "./civil.js";
import { DayCalendar, type DayHours } from "./day-calendar.js";
import { CalendarError } from "./errors.js";
import { NYSE_DAYS, NYSE_TABLE_FIRST_YEAR, NYSE_TABLE_LAST_YEAR } from "./nyse-table.js";

/** NYSE's zone. */
export const NYSE_ZONE = "America/New_York";

const REGULAR: DayHours = { open: 9 * 60 + 30, close: 16 * 60, early: false };
const REGULAR_EARLY: DayHours = { open: 9 * 60 + 30, close: 13 * 60, early: true };
const EXTENDED: DayHours = { open: 4 * 60, close: 20 * 60, early: false };
// On early-close days the late (post-market) session ends at 17:00 instead of 20:00.
const EXTENDED_EARLY: DayHours = { open: 4 * 60, close: 17 * 60, early: true };

interface NyseDaySets {
  readonly closed: ReadonlySet<number>;
  readonly early: ReadonlySet<number>;
}

let daySets: NyseDaySets | undefined;

function nyseDaySets(): NyseDaySets {
  if (daySets !== undefined) return daySets;
  const closed = new Set<number>();
  const early = new Set<number>();
  for (let year = NYSE_TABLE_FIRST_YEAR; year <= NYSE_TABLE_LAST_YEAR; year++) {
    const entry = NYSE_DAYS[year];
    if (entry === undefined) continue;
    for (const md of entry.closed) closed.add(daysFromCivil(year, Number(md.slice(0, 2)), Number(md.slice(3, 5))));
    for (const md of entry.early) early.add(daysFromCivil(year, Number(md.slice(0, 2)), Number(md.slice(3, 5))));
  }
  daySets = { closed, early };
  return daySets;
}

/**
 * The New York Stock Exchange: regular hours 09:30-16:00 or extended hours
 * 04:00-20:00 America/New_York on weekdays, minus the full-day closures and
 * with the 13:00 early closes of the NYSE table (2000-2030). Dates outside
 * the table throw CALENDAR_OUT_OF_RANGE rather than guess.
 */
export class NyseCalendar extends DayCalendar {
  constructor(readonly kind: "regular" | "extended") {
    super(`NYSE ${kind}`, NYSE_ZONE);
  }

  protected hoursOn(day: number): DayHours | null {
    const { year } = civilFromDays(day);
    if (year < NYSE_TABLE_FIRST_YEAR || year > NYSE_TABLE_LAST_YEAR) {
      throw new CalendarError(
        "CALENDAR_OUT_OF_RANGE",
        `the NYSE holiday table covers ${NYSE_TABLE_FIRST_YEAR}-${NYSE_TABLE_LAST_YEAR}; ${year} is outside it`,
      );
    }
    if (isoWeekday(day) >= 6) return null;
    const sets = nyseDaySets();
    if (sets.closed.has(day)) return null;
    const early = sets.early.has(day);
    if (this.kind === "regular") return early ? REGULAR_EARLY : REGULAR;
    return early ? EXTENDED_EARLY : EXTENDED;
  }
}
