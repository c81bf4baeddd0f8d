import type { ExchangeTable } from "./exchange-table.js";
import { NYSE_DAYS, NYSE_TABLE_FIRST_YEAR, NYSE_TABLE_LAST_YEAR } from "./nyse-table.js";
import { TableCalendar } from "./table-calendar.js";

/** NYSE's zone. */
export const NYSE_ZONE = "America/New_York";

/** NYSE (and Nasdaq, which keeps its holidays) as an exchange table: see nyse-table.ts for the days' sources. */
export const XNYS_TABLE: ExchangeTable = {
  id: "XNYS",
  name: "New York Stock Exchange",
  zone: NYSE_ZONE,
  firstYear: NYSE_TABLE_FIRST_YEAR,
  lastYear: NYSE_TABLE_LAST_YEAR,
  weekdays: [1, 2, 3, 4, 5],
  hours: [
    {
      from: `${NYSE_TABLE_FIRST_YEAR}-01-01`,
      regular: ["09:30", "16:00"],
      extended: ["04:00", "20:00"],
      source:
        "NYSE core trading session 09:30-16:00; pre-market from 04:00 and post-market to 20:00 (Nasdaq, NYSE Arca)",
    },
  ],
  earlyClose: "13:00",
  // On early-close days the late (post-market) session ends at 17:00 instead of 20:00.
  extendedEarlyClose: "17:00",
  days: Object.fromEntries(
    Object.entries(NYSE_DAYS).map(([y, d]) => [y, { closed: [...d.closed], early: [...d.early] }]),
  ),
};

/**
 * The New York Stock Exchange: regular hours 09:30-16:00 or extended hours
 * 04:00-20:00 America/New_York on weekdays, minus the full-day closures and
 * with the early closes of the NYSE table (1990-2030). Dates outside the
 * table throw CALENDAR_OUT_OF_RANGE rather than guess.
 */
export class NyseCalendar extends TableCalendar {
  constructor(readonly kind: "regular" | "extended") {
    super(XNYS_TABLE, kind);
  }
}
