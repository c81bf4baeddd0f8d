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
export { CMES_TABLE } from "./cmes-table.js";
export { DayCalendar, type DayHours } from "./day-calendar.js";
export { CalendarError, type CalendarErrorCode } from "./errors.js";
export { type ExchangeTable, ExchangeTableSchema } from "./exchange-table.js";
export { calendarFor, calendarForPlan, EXCHANGE_TABLES, type SessionSpec, sessionFor } from "./factory.js";
export { FixedHoursCalendar, type FixedHoursConfig, FixedHoursConfigSchema } from "./fixed-hours.js";
export { NYSE_ZONE, NyseCalendar, XNYS_TABLE } from "./nyse.js";
export { NYSE_DAYS, NYSE_TABLE_FIRST_YEAR, NYSE_TABLE_LAST_YEAR } from "./nyse-table.js";
export { TableCalendar, type TableSessionKind } from "./table-calendar.js";
export type { MarketCalendar, Session, SessionKind } from "./types.js";
export { utcDayKey } from "./utc-day.js";
export { XEUR_TABLE } from "./xeur-table.js";
