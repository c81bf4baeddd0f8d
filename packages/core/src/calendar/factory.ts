import { type CalendarInfo, findCalendar } from "@tradeplan/dsl";
import { AlwaysCalendar } from "./always.js";
import { CMES_TABLE } from "./cmes-table.js";
import { assertZone } from "./day-calendar.js";
import { CalendarError } from "./errors.js";
import type { ExchangeTable } from "./exchange-table.js";
import { FixedHoursCalendar } from "./fixed-hours.js";
import { NYSE_ZONE, XNYS_TABLE } from "./nyse.js";
import { TableCalendar } from "./table-calendar.js";
import type { MarketCalendar, Session, SessionKind } from "./types.js";
import { XEUR_TABLE } from "./xeur-table.js";

/** The table behind each calendar a plan can name (Nasdaq keeps NYSE's holidays and hours). */
export const EXCHANGE_TABLES: Readonly<Record<CalendarInfo["id"], ExchangeTable>> = {
  XNYS: XNYS_TABLE,
  XNAS: XNYS_TABLE,
  XEUR: XEUR_TABLE,
  CMES: CMES_TABLE,
};

/** What a compiled plan says about its session. */
export interface SessionSpec {
  readonly session: SessionKind;
  readonly timezone: string;
  /** A calendar id or alias (`XEUR`); default XNYS. */
  readonly calendar?: string | undefined;
  /** Fixed hours (`session 09:00-17:30`): weekdays in `timezone`, no holidays. */
  readonly hours?: { readonly open: string; readonly close: string } | undefined;
}

const tables = new Map<string, TableCalendar>();
const always = new Map<string, AlwaysCalendar>();
const fixed = new Map<string, FixedHoursCalendar>();

function tableCalendar(name: string, kind: "regular" | "extended"): TableCalendar {
  const info = findCalendar(name);
  if (info === undefined) throw new CalendarError("CALENDAR_BAD_CONFIG", `unknown calendar "${name}"`);
  const table = EXCHANGE_TABLES[info.id];
  if (!info.sessions.includes(kind))
    throw new CalendarError(
      "CALENDAR_BAD_CONFIG",
      `${info.id} has no ${kind} session (it has ${info.sessions.join(", ")})`,
    );
  const key = `${table.id} ${kind}`;
  let cal = tables.get(key);
  if (cal === undefined) {
    cal = new TableCalendar(table, kind);
    tables.set(key, cal);
  }
  return cal;
}

/**
 * The calendar of a plan's `session`: an exchange's regular or extended
 * hours from its table (the exchange's own zone, whatever the plan's zone;
 * NYSE when the plan names none), or `always` — 24-hour days aligned to
 * midnight in the plan's `zone`. Calendars are shared, so their per-day
 * caches are too.
 */
export function calendarFor(kind: SessionKind, zone: string = NYSE_ZONE, calendar = "XNYS"): MarketCalendar {
  assertZone(zone);
  if (kind === "always") {
    let cal = always.get(zone);
    if (cal === undefined) {
      cal = new AlwaysCalendar(zone);
      always.set(zone, cal);
    }
    return cal;
  }
  return tableCalendar(calendar, kind);
}

/** The calendar a compiled plan's session statement describes. */
export function calendarForPlan(spec: SessionSpec): MarketCalendar {
  if (spec.hours !== undefined && spec.session !== "always") {
    const { open, close } = spec.hours;
    const key = `${spec.timezone} ${open}-${close}`;
    let cal = fixed.get(key);
    if (cal === undefined) {
      cal = new FixedHoursCalendar({ name: `${open}-${close} ${spec.timezone}`, zone: spec.timezone, open, close });
      fixed.set(key, cal);
    }
    return cal;
  }
  return calendarFor(spec.session, spec.timezone, spec.calendar);
}

/** The session on a local date (`YYYY-MM-DD`) for a session kind, or null when closed. */
export function sessionFor(date: string, kind: SessionKind, zone: string = NYSE_ZONE): Session | null {
  return calendarFor(kind, zone).sessionOn(date);
}
