import { AlwaysCalendar } from "./always.js";
import { assertZone } from "./day-calendar.js";
import { NYSE_ZONE, NyseCalendar } from "./nyse.js";
import type { MarketCalendar, Session, SessionKind } from "./types.js";

const nyse: { regular?: NyseCalendar; extended?: NyseCalendar } = {};
const always = new Map<string, AlwaysCalendar>();

/**
 * The calendar of a plan's `session`: NYSE regular or extended hours (the
 * exchange's own zone, whatever the plan's zone), or `always` — 24-hour
 * days aligned to midnight in the plan's `zone`. Calendars are shared, so
 * their per-day caches are too.
 */
export function calendarFor(kind: SessionKind, zone: string = NYSE_ZONE): MarketCalendar {
  assertZone(zone);
  if (kind === "always") {
    let cal = always.get(zone);
    if (cal === undefined) {
      cal = new AlwaysCalendar(zone);
      always.set(zone, cal);
    }
    return cal;
  }
  nyse[kind] ??= new NyseCalendar(kind);
  return nyse[kind];
}

/** The session on a local date (`YYYY-MM-DD`) for a session kind, or null when closed. */
export function sessionFor(date: string, kind: SessionKind, zone: string = NYSE_ZONE): Session | null {
  return calendarFor(kind, zone).sessionOn(date);
}
