import { describe, expect, it } from "vitest";
import {
  AlwaysCalendar,
  CalendarError,
  calendarFor,
  FixedHoursCalendar,
  NyseCalendar,
  sessionFor,
} from "../src/calendar/index.js";

const utc = (iso: string) => Date.parse(iso);

describe("NYSE regular calendar — known dates", () => {
  const nyse = calendarFor("regular");

  it.each([
    ["2024-07-04", "Independence Day"],
    ["2012-10-29", "Hurricane Sandy"],
    ["2012-10-30", "Hurricane Sandy"],
    ["2024-03-29", "Good Friday"],
    ["2001-09-11", "9/11"],
    ["2001-09-14", "9/11"],
    ["2004-06-11", "Reagan"],
    ["2007-01-02", "Ford"],
    ["2018-12-05", "G.H.W. Bush"],
    ["2025-01-09", "Carter"],
    ["2022-06-20", "Juneteenth observed"],
    ["2021-12-24", "Christmas observed on Friday"],
    ["2024-11-28", "Thanksgiving"],
    ["2024-06-15", "a Saturday"],
  ])("%s is closed (%s)", (date) => {
    expect(nyse.sessionOn(date)).toBeNull();
  });

  it.each([
    ["2021-12-31", "New Year 2022 on a Saturday is not observed on the Friday"],
    ["2021-06-18", "no Juneteenth before 2022"],
    ["2001-09-17", "reopened after 9/11"],
    ["2004-12-31", "New Year 2005 on a Saturday"],
  ])("%s is a full day (%s)", (date) => {
    const s = nyse.sessionOn(date);
    expect(s?.earlyClose).toBe(false);
  });

  it.each([
    ["2024-11-29", "2024-11-29T18:00:00Z"],
    ["2019-12-24", "2019-12-24T18:00:00Z"],
    ["2024-07-03", "2024-07-03T17:00:00Z"],
    ["2002-07-05", "2002-07-05T17:00:00Z"],
    ["2003-12-26", "2003-12-26T18:00:00Z"],
  ])("%s closes early at 13:00 New York (%s)", (date, closeUtc) => {
    const s = nyse.sessionOn(date);
    expect(s).not.toBeNull();
    expect(s?.earlyClose).toBe(true);
    expect(s?.close).toBe(utc(closeUtc));
  });

  it("is DST-correct: 13:30 UTC open after the spring change, 14:30 UTC after the autumn one", () => {
    expect(nyse.sessionOn("2020-03-09")?.open).toBe(utc("2020-03-09T13:30:00Z"));
    expect(nyse.sessionOn("2020-03-06")?.open).toBe(utc("2020-03-06T14:30:00Z"));
    expect(nyse.sessionOn("2020-11-02")?.open).toBe(utc("2020-11-02T14:30:00Z"));
    expect(nyse.sessionOn("2020-11-02")?.close).toBe(utc("2020-11-02T21:00:00Z"));
    expect(nyse.sessionOn("2020-10-30")?.close).toBe(utc("2020-10-30T20:00:00Z"));
  });

  it("answers isOpen / sessionBounds / nextOpen / nextClose across weekends, holidays and early closes", () => {
    // Friday 2024-11-29 early close, then the weekend.
    const friNoon = utc("2024-11-29T17:00:00Z");
    expect(nyse.isOpen(friNoon)).toBe(true);
    expect(nyse.sessionBounds(friNoon)?.date).toBe("2024-11-29");
    expect(nyse.nextClose(friNoon)).toBe(utc("2024-11-29T18:00:00Z"));
    expect(nyse.nextOpen(friNoon)).toBe(utc("2024-12-02T14:30:00Z"));
    const closeInstant = utc("2024-11-29T18:00:00Z");
    expect(nyse.isOpen(closeInstant)).toBe(false);
    expect(nyse.sessionBounds(closeInstant)).toBeNull();
    expect(nyse.nextClose(closeInstant)).toBe(utc("2024-12-02T21:00:00Z"));
    // Before the open on a trading day.
    expect(nyse.nextOpen(utc("2024-12-02T12:00:00Z"))).toBe(utc("2024-12-02T14:30:00Z"));
    expect(nyse.isOpen(utc("2024-12-02T14:30:00Z"))).toBe(true);
    // Across the Independence Day holiday.
    expect(nyse.nextOpen(utc("2024-07-03T18:00:00Z"))).toBe(utc("2024-07-05T13:30:00Z"));
    // Across the four closed days after 9/11 and a weekend.
    expect(nyse.nextOpen(utc("2001-09-10T21:00:00Z"))).toBe(utc("2001-09-17T13:30:00Z"));
  });

  it("refuses dates outside the table and malformed dates with stable codes", () => {
    expect(() => nyse.sessionOn("1989-12-29")).toThrow(CalendarError);
    expect(() => nyse.sessionOn("2031-01-02")).toThrow(/CALENDAR_OUT_OF_RANGE/);
    expect(() => nyse.sessionOn("2024-02-30")).toThrow(/CALENDAR_BAD_DATE/);
    expect(() => nyse.sessionOn("24-1-1")).toThrow(/CALENDAR_BAD_DATE/);
    expect(() => nyse.isOpen(Number.NaN)).toThrow(/CALENDAR_BAD_DATE/);
    expect(() => nyse.nextOpen(utc("2030-12-31T22:00:00Z"))).toThrow(/CALENDAR_OUT_OF_RANGE/);
  });
});

describe("NYSE extended calendar", () => {
  const ext = new NyseCalendar("extended");

  it("spans 04:00-20:00 New York, and 04:00-17:00 on early-close days", () => {
    const s = ext.sessionOn("2024-03-11");
    expect(s?.open).toBe(utc("2024-03-11T08:00:00Z"));
    expect(s?.close).toBe(utc("2024-03-12T00:00:00Z"));
    expect(ext.sessionOn("2024-11-29")?.close).toBe(utc("2024-11-29T22:00:00Z"));
    expect(ext.sessionOn("2024-07-04")).toBeNull();
    expect(sessionFor("2024-03-11", "extended", "Europe/Berlin")?.open).toBe(utc("2024-03-11T08:00:00Z"));
  });
});

describe("always calendar", () => {
  it("has 24-hour days aligned to midnight in the plan's zone, 23 h and 25 h on DST days", () => {
    const cal = calendarFor("always", "America/New_York");
    expect(cal).toBe(calendarFor("always", "America/New_York"));
    const spring = cal.sessionOn("2024-03-10");
    expect(spring?.open).toBe(utc("2024-03-10T05:00:00Z"));
    expect(spring!.close - spring!.open).toBe(23 * 3_600_000);
    const autumn = sessionFor("2024-11-03", "always", "America/New_York");
    expect(autumn!.close - autumn!.open).toBe(25 * 3_600_000);
    expect(cal.sessionOn("2024-12-25")).not.toBeNull();
    // Contiguous days: the close of one is the open of the next.
    const t = utc("2024-03-10T12:00:00Z");
    expect(cal.nextClose(t)).toBe(utc("2024-03-11T04:00:00Z"));
    expect(cal.nextOpen(t)).toBe(utc("2024-03-11T04:00:00Z"));
    expect(cal.isOpen(utc("2024-03-10T05:00:00Z"))).toBe(true);
    expect(new AlwaysCalendar("UTC").sessionOn("2024-01-01")?.open).toBe(utc("2024-01-01T00:00:00Z"));
  });

  it("rejects unknown zones", () => {
    expect(() => calendarFor("always", "Mars/Olympus")).toThrow(/CALENDAR_BAD_ZONE/);
    expect(() => new AlwaysCalendar("nope")).toThrow(CalendarError);
  });
});

describe("fixed-hours calendar", () => {
  const berlin = new FixedHoursCalendar({
    name: "EU index future",
    zone: "Europe/Berlin",
    open: "09:00",
    close: "22:00",
  });

  it("trades 09:00-22:00 Berlin on weekdays, DST-correct", () => {
    expect(berlin.sessionOn("2006-01-02")?.open).toBe(utc("2006-01-02T08:00:00Z"));
    expect(berlin.sessionOn("2006-01-02")?.close).toBe(utc("2006-01-02T21:00:00Z"));
    expect(berlin.sessionOn("2006-07-03")?.open).toBe(utc("2006-07-03T07:00:00Z"));
    expect(berlin.sessionOn("2006-01-07")).toBeNull();
    expect(berlin.nextOpen(utc("2006-01-06T21:30:00Z"))).toBe(utc("2006-01-09T08:00:00Z"));
  });

  it("supports holidays, early closes and other weekdays", () => {
    const cal = new FixedHoursCalendar({
      name: "x",
      zone: "UTC",
      open: "08:00",
      close: "24:00",
      weekdays: [7],
      holidays: ["2024-01-07"],
      early_closes: { "2024-01-14": "12:00" },
    });
    expect(cal.sessionOn("2024-01-07")).toBeNull();
    expect(cal.sessionOn("2024-01-08")).toBeNull();
    expect(cal.sessionOn("2024-01-14")).toMatchObject({ close: utc("2024-01-14T12:00:00Z"), earlyClose: true });
    expect(cal.sessionOn("2024-01-21")?.close).toBe(utc("2024-01-22T00:00:00Z"));
  });

  it.each([
    [{ name: "x", zone: "UTC", open: "9:00", close: "17:00" }, /open/],
    [{ name: "x", zone: "UTC", open: "17:00", close: "09:00" }, /open must be before close/],
    [{ name: "x", zone: "UTC", open: "09:00", close: "17:00", weekdays: [0] }, /weekdays/],
    [{ name: "x", zone: "UTC", open: "09:00", close: "17:00", weekdays: [] }, /weekdays/],
    [{ name: "x", zone: "UTC", open: "09:00", close: "17:00", holidays: ["2024-13-01"] }, /holidays/],
    [{ name: "x", zone: "UTC", open: "09:00", close: "17:00", early_closes: { "2024-01-02": "08:00" } }, /early/],
    [{ name: "", zone: "UTC", open: "09:00", close: "17:00" }, /name/],
  ])("rejects bad config %j", (config, pattern) => {
    expect(() => new FixedHoursCalendar(config)).toThrow(/CALENDAR_BAD_CONFIG/);
    expect(() => new FixedHoursCalendar(config)).toThrow(pattern);
  });

  it("rejects an unknown zone", () => {
    expect(() => new FixedHoursCalendar({ name: "x", zone: "Europe/Nowhere", open: "09:00", close: "17:00" })).toThrow(
      /CALENDAR_BAD_ZONE/,
    );
  });
});
