/**
 * The exchange calendars a plan's `session` may name: the one list the
 * checker (unknown names, E0307) and the runtime's calendar factory (which
 * holds each one's table) share. Names are ISO 10383 market identifiers;
 * the aliases are the names people say.
 */

/** A calendar `session` can name. */
export interface CalendarInfo {
  /** ISO 10383 market identifier (CME Group's segment `CMES` for CME Globex). */
  readonly id: "XNYS" | "XNAS" | "XEUR" | "CMES";
  readonly title: string;
  /** The exchange's IANA zone: a plan naming the calendar and no `timezone` is in it. */
  readonly zone: string;
  /** The sessions the calendar has (`session extended "XEUR"` is an error). */
  readonly sessions: readonly ("regular" | "extended")[];
}

export const CALENDARS: readonly CalendarInfo[] = [
  { id: "XNYS", title: "New York Stock Exchange", zone: "America/New_York", sessions: ["regular", "extended"] },
  { id: "XNAS", title: "Nasdaq (NYSE's holidays)", zone: "America/New_York", sessions: ["regular", "extended"] },
  { id: "XEUR", title: "Eurex equity index futures", zone: "Europe/Berlin", sessions: ["regular"] },
  { id: "CMES", title: "CME Globex equity index futures", zone: "America/Chicago", sessions: ["regular"] },
];

const ALIASES: Readonly<Record<string, CalendarInfo["id"]>> = {
  NYSE: "XNYS",
  NASDAQ: "XNAS",
  EUREX: "XEUR",
  CME: "CMES",
  XCME: "CMES",
  GLOBEX: "CMES",
};

/** The calendar a name means (an id or an alias, any case), or undefined. */
export function findCalendar(name: string): CalendarInfo | undefined {
  const key = name.trim().toUpperCase();
  const id = ALIASES[key] ?? key;
  return CALENDARS.find((c) => c.id === id);
}

/** Every name `findCalendar` knows, ids first, for suggestions. */
export function calendarNames(): string[] {
  return [...CALENDARS.map((c) => c.id), ...Object.keys(ALIASES)];
}
