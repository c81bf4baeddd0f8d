export { AlwaysCalendar } from "./always.js";
export {
  type CivilDate,
  civilFromDays,
  daysFromCivil,
  formatIsoDate,
  isoWeekday,
  parseHhMm,
  parseIsoDate,
} from "./civil.js";
export { DayCalendar, type DayHours } from "./day-calendar.js";
export { CalendarError, type CalendarErrorCode } from "./errors.js";
export { calendarFor, sessionFor } from "./factory.js";
export { FixedHoursCalendar, type FixedHoursConfig, FixedHoursConfigSchema } from "./fixed-hours.js";
export { NYSE_ZONE, NyseCalendar } from "./nyse.js";
export { NYSE_DAYS, NYSE_TABLE_FIRST_YEAR, NYSE_TABLE_LAST_YEAR } from "./nyse-table.js";
export type { MarketCalendar, Session, SessionKind } from "./types.js";
