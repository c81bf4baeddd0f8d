import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { NYSE_DAYS, NYSE_TABLE_FIRST_YEAR, NYSE_TABLE_LAST_YEAR } from "../src/calendar/index.js";

/**
 * Re-derives the rule-based part of the NYSE table in a different way from
 * the generator (luxon weekday arithmetic, Meeus/Jones/Butcher Easter), so a
 * slip in either shows up as a difference, and pins published years.
 */

const AD_HOC_CLOSED = new Set([
  "1994-04-27",
  "2001-09-11",
  "2001-09-12",
  "2001-09-13",
  "2001-09-14",
  "2004-06-11",
  "2007-01-02",
  "2012-10-29",
  "2012-10-30",
  "2018-12-05",
  "2025-01-09",
]);
// Ad-hoc early closes (with their time when it is not 13:00).
const AD_HOC_EARLY = new Set(["1994-02-11 14:30", "1996-01-08 14:00", "1997-10-27 15:30", "1997-12-26", "2003-12-26"]);

const d = (y: number, m: number, day: number) => DateTime.utc(y, m, day);
const nth = (y: number, m: number, weekday: number, n: number) => {
  const first = d(y, m, 1);
  return first.plus({ days: ((weekday - first.weekday + 7) % 7) + 7 * (n - 1) });
};
const lastOf = (y: number, m: number, weekday: number) => {
  const last = d(y, m, 1).endOf("month").startOf("day");
  return last.minus({ days: (last.weekday - weekday + 7) % 7 });
};
const observe = (x: DateTime) => (x.weekday === 6 ? x.minus({ days: 1 }) : x.weekday === 7 ? x.plus({ days: 1 }) : x);
const iso = (x: DateTime) => x.toISODate()!;

function easterSunday(y: number): DateTime {
  // Meeus/Jones/Butcher, written as in Meeus' "Astronomical Algorithms".
  const a = y % 19;
  const b = Math.trunc(y / 100);
  const c = y % 100;
  const dd = Math.trunc(b / 4);
  const e = b % 4;
  const f = Math.trunc((b + 8) / 25);
  const g = Math.trunc((b - f + 1) / 3);
  const h = (19 * a + b - dd - g + 15) % 30;
  const i = Math.trunc(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.trunc((a + 11 * h + 22 * l) / 451);
  const n = h + l - 7 * m + 114;
  return d(y, Math.trunc(n / 31), (n % 31) + 1);
}

function ruleHolidays(y: number): string[] {
  const out: DateTime[] = [];
  const newYear = d(y, 1, 1);
  if (newYear.weekday !== 6) out.push(observe(newYear));
  // NYSE first closed for Martin Luther King Jr. Day in 1998.
  if (y >= 1998) out.push(nth(y, 1, 1, 3));
  out.push(nth(y, 2, 1, 3), easterSunday(y).minus({ days: 2 }), lastOf(y, 5, 1));
  if (y >= 2022) out.push(observe(d(y, 6, 19)));
  out.push(observe(d(y, 7, 4)), nth(y, 9, 1, 1), nth(y, 11, 4, 4), observe(d(y, 12, 25)));
  return out.map(iso);
}

function ruleEarly(y: number): string[] {
  const out: string[] = [];
  // The standard early close was 14:00 until 1993, 13:00 since (written without a time).
  const at = (x: DateTime) => (y < 1993 ? `${iso(x)} 14:00` : iso(x));
  const jul3 = d(y, 7, 3);
  if (y >= 1995 && ([1, 2, 4].includes(jul3.weekday) || (jul3.weekday === 3 && y >= 2013))) out.push(at(jul3));
  const jul5 = d(y, 7, 5);
  if (y >= 1995 && jul5.weekday === 5 && y < 2013) out.push(at(jul5));
  if (y >= 1992) out.push(at(nth(y, 11, 4, 4).plus({ days: 1 })));
  const xmasEve = d(y, 12, 24);
  if (xmasEve.weekday <= 4) out.push(at(xmasEve));
  return out;
}

function tableYear(y: number): { closed: string[]; early: string[] } {
  const entry = NYSE_DAYS[y];
  if (!entry) throw new Error(`no table entry for ${y}`);
  return { closed: entry.closed.map((md) => `${y}-${md}`), early: entry.early.map((md) => `${y}-${md}`) };
}

const years = Array.from(
  { length: NYSE_TABLE_LAST_YEAR - NYSE_TABLE_FIRST_YEAR + 1 },
  (_, i) => NYSE_TABLE_FIRST_YEAR + i,
);

describe("NYSE table", () => {
  it("covers exactly 1990-2030", () => {
    expect(NYSE_TABLE_FIRST_YEAR).toBe(1990);
    expect(NYSE_TABLE_LAST_YEAR).toBe(2030);
    expect(Object.keys(NYSE_DAYS).map(Number)).toEqual(years);
  });

  it.each(years)("%i matches the observance rules plus the recorded ad-hoc days", (y) => {
    const table = tableYear(y);
    expect(table.closed.filter((x) => !AD_HOC_CLOSED.has(x)).sort()).toEqual([...ruleHolidays(y)].sort());
    expect(table.early.filter((x) => !AD_HOC_EARLY.has(x)).sort()).toEqual([...ruleEarly(y)].sort());
  });

  it("lists only weekdays, sorted, never a day both closed and early", () => {
    for (const y of years) {
      const { closed, early } = tableYear(y);
      for (const x of [...closed, ...early])
        expect(DateTime.fromISO(x.slice(0, 10), { zone: "UTC" }).weekday).toBeLessThanOrEqual(5);
      expect(closed).toEqual([...closed].sort());
      expect(early).toEqual([...early].sort());
      expect(closed.filter((x) => early.some((e) => e.startsWith(x)))).toEqual([]);
    }
  });

  it("includes every ad-hoc closure", () => {
    const all = new Set(years.flatMap((y) => tableYear(y).closed));
    for (const x of AD_HOC_CLOSED) expect(all.has(x)).toBe(true);
  });

  // Published NYSE holiday calendars.
  it.each([
    [
      2024,
      ["01-01", "01-15", "02-19", "03-29", "05-27", "06-19", "07-04", "09-02", "11-28", "12-25"],
      ["07-03", "11-29", "12-24"],
    ],
    [
      2025,
      ["01-01", "01-09", "01-20", "02-17", "04-18", "05-26", "06-19", "07-04", "09-01", "11-27", "12-25"],
      ["07-03", "11-28", "12-24"],
    ],
    [
      2026,
      ["01-01", "01-19", "02-16", "04-03", "05-25", "06-19", "07-03", "09-07", "11-26", "12-25"],
      ["11-27", "12-24"],
    ],
    [2027, ["01-01", "01-18", "02-15", "03-26", "05-31", "06-18", "07-05", "09-06", "11-25", "12-24"], ["11-26"]],
  ])("%i equals the published calendar", (y, closed, early) => {
    expect(NYSE_DAYS[y]).toEqual({ closed, early });
  });
});
