import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CALENDARS } from "@tradeplan/dsl";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  CalendarError,
  CMES_TABLE,
  calendarFor,
  calendarForPlan,
  EXCHANGE_TABLES,
  ExchangeTableSchema,
  TableCalendar,
  XEUR_TABLE,
  XNYS_TABLE,
} from "../src/calendar/index.js";

/**
 * Each exchange table against dates anyone can look up (the source is named
 * beside each list), and the NYSE and Eurex tables against the real files in
 * ../shared/data: no bar on a day the table closes, and a bar on every day it
 * opens.
 */

const local = (zone: string, text: string) => DateTime.fromFormat(text, "yyyy-MM-dd HH:mm", { zone }).toMillis();
const hhmm = (zone: string, t: number) => DateTime.fromMillis(t, { zone }).toFormat("yyyy-MM-dd HH:mm");

describe("the calendar catalogue and the tables", () => {
  it("has a valid table for every calendar a plan can name, in the calendar's zone", () => {
    for (const info of CALENDARS) {
      const table = EXCHANGE_TABLES[info.id];
      expect(ExchangeTableSchema.safeParse(table).success).toBe(true);
      expect(table.zone).toBe(info.zone);
      for (const kind of info.sessions) expect(calendarFor(kind, info.zone, info.id)).toBeInstanceOf(TableCalendar);
    }
  });

  it("refuses a table with a year missing, or periods out of order", () => {
    const { 2006: _gone, ...days } = XEUR_TABLE.days;
    expect(() => new TableCalendar({ ...XEUR_TABLE, days }, "regular")).toThrow(
      /days\.2006: a covered year has no entry/,
    );
    const hours = [...XEUR_TABLE.hours].reverse();
    expect(() => new TableCalendar({ ...XEUR_TABLE, hours }, "regular")).toThrow(/CALENDAR_BAD_CONFIG/);
  });

  it("refuses a session a calendar does not have and an unknown name", () => {
    expect(() => calendarFor("extended", "Europe/Berlin", "XEUR")).toThrow(/XEUR has no extended session/);
    expect(() => calendarFor("regular", "UTC", "XXXX")).toThrow(/unknown calendar "XXXX"/);
  });

  it("builds fixed hours from `session 09:00-17:30` in the plan's zone", () => {
    const cal = calendarForPlan({
      session: "regular",
      timezone: "Europe/Berlin",
      hours: { open: "09:00", close: "17:30" },
    });
    const s = cal.sessionOn("2024-07-01");
    expect(s && [hhmm("Europe/Berlin", s.open), hhmm("Europe/Berlin", s.close)]).toEqual([
      "2024-07-01 09:00",
      "2024-07-01 17:30",
    ]);
    expect(cal.sessionOn("2024-07-06")).toBeNull();
    expect(calendarForPlan({ session: "regular", timezone: "Europe/Berlin", calendar: "EUREX" })).toBe(
      calendarFor("regular", "UTC", "XEUR"),
    );
  });

  it("says which years it covers and what to do outside them", () => {
    const err = (() => {
      try {
        calendarFor("regular", "UTC", "XEUR").sessionOn("2004-06-01");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CalendarError);
    expect(String(err)).toBe(
      "CalendarError: CALENDAR_OUT_OF_RANGE: the XEUR calendar covers 2005-2030; 2004 is outside it (`session always` runs data of any year)",
    );
  });
});

describe("XNYS (NYSE; Nasdaq keeps its holidays) back to 1990", () => {
  const nyse = calendarFor("regular", "America/New_York", "XNYS");
  const Z = XNYS_TABLE.zone;
  // NYSE press releases and the NYSE holiday history; the ad-hoc days as reported at the time.
  it.each([
    ["1994-04-27", "President Nixon's funeral"],
    ["2001-09-11", "September 11 attacks (closed through 09-14)"],
    ["2001-09-14", "September 11 attacks"],
    ["2004-06-11", "President Reagan's funeral"],
    ["2007-01-02", "President Ford's national day of mourning"],
    ["2012-10-29", "Hurricane Sandy"],
    ["2012-10-30", "Hurricane Sandy"],
    ["2018-12-05", "President George H. W. Bush's national day of mourning"],
    ["2025-01-09", "President Carter's national day of mourning"],
    ["1999-12-24", "Christmas (Saturday) observed on Friday"],
    ["1993-12-24", "Christmas (Saturday) observed on Friday"],
    ["1998-01-19", "first Martin Luther King Jr. Day the NYSE closed for"],
  ])("is closed on %s (%s)", (date) => {
    expect(nyse.sessionOn(date)).toBeNull();
  });

  it.each([
    ["1997-01-20", "Martin Luther King Jr. Day before 1998: open"],
    ["1994-01-03", "New Year's Day on a Saturday is not observed (2005, 2011, 2022 likewise)"],
    ["1999-12-31", "the Friday before a Saturday New Year's Day"],
  ])("is open on %s (%s)", (date) => {
    expect(nyse.sessionOn(date)).not.toBeNull();
  });

  it.each([
    ["1990-12-24", "14:00"],
    ["1992-11-27", "14:00"],
    ["1993-11-26", "13:00"],
    ["1994-02-11", "14:30"],
    ["1996-07-05", "13:00"],
    ["1997-10-27", "15:30"],
    ["1997-12-26", "13:00"],
    ["2003-12-26", "13:00"],
    ["2024-07-03", "13:00"],
  ])("closes early on %s at %s", (date, close) => {
    const s = nyse.sessionOn(date);
    expect(s?.earlyClose).toBe(true);
    expect(s && hhmm(Z, s.close)).toBe(`${date} ${close}`);
  });

  it("keeps the post-market's 17:00 early close in extended hours, whatever the regular close", () => {
    const ext = calendarFor("extended", Z, "XNAS");
    const s = ext.sessionOn("1997-10-27");
    expect(s && [hhmm(Z, s.open), hhmm(Z, s.close)]).toEqual(["1997-10-27 04:00", "1997-10-27 17:00"]);
  });
});

describe("XEUR (Eurex equity index futures)", () => {
  const eurex = calendarFor("regular", "Europe/Berlin", "XEUR");
  const Z = XEUR_TABLE.zone;
  const hours = (date: string) => {
    const s = eurex.sessionOn(date);
    return s ? `${hhmm(Z, s.open).slice(11)}-${hhmm(Z, s.close).slice(11)}` : null;
  };

  // Eurex press releases of 6 July 2005 (to 22:00 from 2005-11-21) and 7 April 2006 (from 08:00 on 2006-06-01).
  it.each([
    ["2005-11-18", "09:00-20:00"],
    ["2005-11-21", "09:00-22:00"],
    ["2006-01-02", "09:00-22:00"],
    ["2006-05-31", "09:00-22:00"],
    ["2006-06-01", "08:00-22:00"],
    ["2024-03-04", "08:00-22:00"],
  ])("trades %s %s Europe/Berlin", (date, expected) => {
    expect(hours(date)).toBe(expected);
  });

  // The Eurex trading calendar: New Year, Good Friday, Easter Monday, 1 May, 24-26 and 31 December.
  it.each([
    "2006-04-14",
    "2006-04-17",
    "2006-05-01",
    "2006-12-25",
    "2006-12-26",
    "2007-12-24",
    "2007-12-31",
    "2024-01-01",
    "2024-03-29",
    "2024-04-01",
    "2024-05-01",
    "2024-12-24",
    "2024-12-31",
  ])("is closed on %s", (date) => {
    expect(hours(date)).toBeNull();
  });

  it.each([
    ["2006-06-05", "Whit Monday"],
    ["2006-10-03", "German Unity Day"],
    ["2024-12-27", "the Friday after Christmas"],
  ])("trades on %s (%s)", (date) => {
    expect(hours(date)).not.toBeNull();
  });
});

describe("CMES (CME Globex equity index futures)", () => {
  const cme = calendarFor("regular", "America/Chicago", "CMES");
  const Z = CMES_TABLE.zone;
  const span = (date: string) => {
    const s = cme.sessionOn(date);
    return s ? `${hhmm(Z, s.open)} - ${hhmm(Z, s.close)}` : null;
  };

  it("opens the evening before the trade date, Sunday for Monday, with the daily halt between", () => {
    expect(span("2024-03-04")).toBe("2024-03-03 17:00 - 2024-03-04 16:00");
    expect(span("2024-03-05")).toBe("2024-03-04 17:00 - 2024-03-05 16:00");
    expect(cme.sessionOn("2024-03-09")).toBeNull();
    const tuesday = cme.sessionOn("2024-03-05");
    expect(cme.sessionBounds(local(Z, "2024-03-04 17:30"))).toBe(tuesday);
    expect(cme.sessionBounds(local(Z, "2024-03-04 16:30"))).toBeNull();
    expect(cme.isOpen(local(Z, "2024-03-02 12:00"))).toBe(false);
    expect(cme.nextOpen(local(Z, "2024-03-08 16:00"))).toBe(local(Z, "2024-03-10 17:00"));
    expect(cme.nextClose(local(Z, "2024-03-04 18:00"))).toBe(local(Z, "2024-03-05 16:00"));
  });

  it("closed at 16:15 before 2015-09-21 (CME Group notice of November 2012; the 2015 change)", () => {
    expect(span("2015-09-18")).toBe("2015-09-17 17:00 - 2015-09-18 16:15");
    expect(span("2015-09-21")).toBe("2015-09-20 17:00 - 2015-09-21 16:00");
  });

  // CME Group holiday calendars (cmegroup.com/tools-information/holiday-calendar), as pandas_market_calendars records them.
  it.each([
    ["2024-01-15", "2024-01-14 17:00 - 2024-01-15 12:00"],
    ["2024-11-28", "2024-11-27 17:00 - 2024-11-28 12:00"],
    ["2024-11-29", "2024-11-28 17:00 - 2024-11-29 12:15"],
    ["2024-12-24", "2024-12-23 17:00 - 2024-12-24 12:15"],
    ["2024-12-26", "2024-12-25 17:00 - 2024-12-26 16:00"],
    ["2023-04-07", "2023-04-06 17:00 - 2023-04-07 08:15"],
    ["2013-01-21", "2013-01-20 17:00 - 2013-01-21 10:30"],
  ])("trades %s as %s", (date, expected) => {
    expect(span(date)).toBe(expected);
  });

  it.each(["2024-01-01", "2024-03-29", "2024-12-25", "2025-04-18", "2017-01-02"])("is closed on %s", (date) => {
    expect(cme.sessionOn(date)).toBeNull();
  });
});

const SHARED = join(dirname(fileURLToPath(import.meta.url)), "../../../../shared/data");
const haveData = existsSync(SHARED);
if (!haveData) console.warn(`calendar-exchanges: ${SHARED} is absent; the real-data checks are skipped`);

describe.skipIf(!haveData)("the tables against the real files in ../shared/data", () => {
  const datesOf = (file: string) =>
    new Set(
      readFileSync(join(SHARED, file), "utf8")
        .split("\n")
        .slice(1)
        .map((l) => l.slice(0, 10))
        .filter((l) => /^\d{4}-\d{2}-\d{2}$/.test(l)),
    );

  it.each(["nvda-1999-2014-1d.csv", "orcl-1995-2014-1d.csv", "yhoo-1996-2014-1d.csv"])(
    "%s has a row on every NYSE trading day from its first to its last and on no other",
    (file) => {
      const nyse = calendarFor("regular", "America/New_York", "XNYS");
      const dates = datesOf(file);
      const sorted = [...dates].sort();
      const traded: string[] = [];
      for (let d = DateTime.fromISO(sorted[0]!); d.toISODate()! <= sorted.at(-1)!; d = d.plus({ days: 1 }))
        if (nyse.sessionOn(d.toISODate()!) !== null) traded.push(d.toISODate()!);
      expect(sorted.filter((x) => !traded.includes(x))).toEqual([]);
      expect(traded.filter((x) => !dates.has(x))).toEqual([]);
    },
  );

  it("the index future's minutes all lie in XEUR sessions, on every trading day of the file", () => {
    const eurex = calendarFor("regular", "Europe/Berlin", "XEUR");
    const rows = readFileSync(join(SHARED, "index-future-2006-1m.csv"), "utf8").split("\n").slice(1);
    const days = new Set<string>();
    for (const row of rows) {
      const [date, time] = row.split(",");
      if (!date || !time) continue;
      // A bar stamped with its close time covers the minute before it.
      const open = local("Europe/Berlin", `${date} ${time.slice(0, 5)}`) - 60_000;
      expect(eurex.sessionBounds(open)?.date, row).toBe(date);
      days.add(date);
    }
    const expected: string[] = [];
    for (let d = DateTime.fromISO("2006-01-02"); d.toISODate()! <= "2006-02-27"; d = d.plus({ days: 1 }))
      if (eurex.sessionOn(d.toISODate()!) !== null) expected.push(d.toISODate()!);
    expect([...days].sort()).toEqual(expected);
  });
});
