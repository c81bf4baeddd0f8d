/**
 * NYSE full-day closures and early closes, 1990-2030, as DATA (Nasdaq
 * keeps the same holidays, so `XNAS` reads this table too).
 *
 * Why a table and not rules: exchange holidays are decided by the exchange,
 * not by a formula. The rules change (Juneteenth from 2022; the Independence
 * Day early close moved from the Friday after to the Wednesday before in
 * 2013), ad-hoc closures happen (9/11, hurricanes, state funerals) and
 * ad-hoc early closes too (2003-12-26). A table states exactly what the
 * calendar believes, is reviewable line by line against the exchange's
 * published list, and is patched by adding a date rather than by re-deriving
 * a rule that then silently moves other years.
 *
 * How it was produced: a one-off script applied the observance rules
 * (Saturday holiday -> Friday, Sunday -> Monday, except that New Year's Day
 * on a Saturday is not observed on the prior Friday, which closes a
 * year; MLK and Presidents' Day third Mondays, Memorial Day last Monday of
 * May, Labor Day first Monday of September, Thanksgiving fourth Thursday of
 * November, Good Friday two days before Easter by the anonymous Gregorian
 * computus, MLK Day from 1998, Juneteenth from 2022), added the ad-hoc
 * closures (1994-04-27 Nixon, 2001-09-11..14,
 * 2004-06-11 Reagan, 2007-01-02 Ford, 2012-10-29/30 Sandy, 2018-12-05
 * G.H.W. Bush, 2025-01-09 Carter) and the early closes the NYSE actually
 * used: July 3 when it is a Monday, Tuesday or Thursday; July 3 on a
 * Wednesday from 2013; the Friday July 5 after a Thursday Independence Day
 * before 2013 (2002); the day after Thanksgiving; December 24 Monday to
 * Thursday (a Friday December 24 is the observed Christmas holiday); and the
 * one-off 2003-12-26. Before 2000: July 3 and the Friday July 5 from 1995,
 * the day after Thanksgiving from 1992, and the standard early close was
 * 14:00 until 1993 (`MM-DD HH:MM` states a close other than 13:00), plus
 * the ad-hoc early closes 1994-02-11 14:30 (snow), 1996-01-08 14:00
 * (snow; its 11:00 late open is not modelled), 1997-10-27 15:30 (circuit
 * breaker) and 1997-12-26 13:00.
 *
 * How it was checked: against the NYSE's published holiday calendars for
 * the years they cover, against the dates pandas_market_calendars records,
 * and by packages/runtime/test/calendar-table.test.ts, which re-derives the rule-based
 * dates independently and pins known dates. Unscheduled intraday events
 * (late opens for a moment of silence, the 2005-06-01 15:56 close) are not
 * modelled. Years outside the table are refused, not guessed.
 */

/** First and last year the table covers. */
export const NYSE_TABLE_FIRST_YEAR = 1990;
export const NYSE_TABLE_LAST_YEAR = 2030;

/** Per year: `closed` full-day closures as `MM-DD`, `early` closes as `MM-DD` (13:00) or `MM-DD HH:MM`. */
export const NYSE_DAYS: Readonly<
  Record<number, { readonly closed: readonly string[]; readonly early: readonly string[] }>
> = {
  1990: { closed: ["01-01", "02-19", "04-13", "05-28", "07-04", "09-03", "11-22", "12-25"], early: ["12-24 14:00"] },
  1991: { closed: ["01-01", "02-18", "03-29", "05-27", "07-04", "09-02", "11-28", "12-25"], early: ["12-24 14:00"] },
  1992: {
    closed: ["01-01", "02-17", "04-17", "05-25", "07-03", "09-07", "11-26", "12-25"],
    early: ["11-27 14:00", "12-24 14:00"],
  },
  1993: { closed: ["01-01", "02-15", "04-09", "05-31", "07-05", "09-06", "11-25", "12-24"], early: ["11-26"] },
  1994: {
    closed: ["02-21", "04-01", "04-27", "05-30", "07-04", "09-05", "11-24", "12-26"],
    early: ["02-11 14:30", "11-25"],
  },
  1995: { closed: ["01-02", "02-20", "04-14", "05-29", "07-04", "09-04", "11-23", "12-25"], early: ["07-03", "11-24"] },
  1996: {
    closed: ["01-01", "02-19", "04-05", "05-27", "07-04", "09-02", "11-28", "12-25"],
    early: ["01-08 14:00", "07-05", "11-29", "12-24"],
  },
  1997: {
    closed: ["01-01", "02-17", "03-28", "05-26", "07-04", "09-01", "11-27", "12-25"],
    early: ["07-03", "10-27 15:30", "11-28", "12-24", "12-26"],
  },
  1998: {
    closed: ["01-01", "01-19", "02-16", "04-10", "05-25", "07-03", "09-07", "11-26", "12-25"],
    early: ["11-27", "12-24"],
  },
  1999: { closed: ["01-01", "01-18", "02-15", "04-02", "05-31", "07-05", "09-06", "11-25", "12-24"], early: ["11-26"] },
  2000: { closed: ["01-17", "02-21", "04-21", "05-29", "07-04", "09-04", "11-23", "12-25"], early: ["07-03", "11-24"] },
  2001: {
    closed: [
      "01-01",
      "01-15",
      "02-19",
      "04-13",
      "05-28",
      "07-04",
      "09-03",
      "09-11",
      "09-12",
      "09-13",
      "09-14",
      "11-22",
      "12-25",
    ],
    early: ["07-03", "11-23", "12-24"],
  },
  2002: {
    closed: ["01-01", "01-21", "02-18", "03-29", "05-27", "07-04", "09-02", "11-28", "12-25"],
    early: ["07-05", "11-29", "12-24"],
  },
  2003: {
    closed: ["01-01", "01-20", "02-17", "04-18", "05-26", "07-04", "09-01", "11-27", "12-25"],
    early: ["07-03", "11-28", "12-24", "12-26"],
  },
  2004: {
    closed: ["01-01", "01-19", "02-16", "04-09", "05-31", "06-11", "07-05", "09-06", "11-25", "12-24"],
    early: ["11-26"],
  },
  2005: { closed: ["01-17", "02-21", "03-25", "05-30", "07-04", "09-05", "11-24", "12-26"], early: ["11-25"] },
  2006: {
    closed: ["01-02", "01-16", "02-20", "04-14", "05-29", "07-04", "09-04", "11-23", "12-25"],
    early: ["07-03", "11-24"],
  },
  2007: {
    closed: ["01-01", "01-02", "01-15", "02-19", "04-06", "05-28", "07-04", "09-03", "11-22", "12-25"],
    early: ["07-03", "11-23", "12-24"],
  },
  2008: {
    closed: ["01-01", "01-21", "02-18", "03-21", "05-26", "07-04", "09-01", "11-27", "12-25"],
    early: ["07-03", "11-28", "12-24"],
  },
  2009: {
    closed: ["01-01", "01-19", "02-16", "04-10", "05-25", "07-03", "09-07", "11-26", "12-25"],
    early: ["11-27", "12-24"],
  },
  2010: { closed: ["01-01", "01-18", "02-15", "04-02", "05-31", "07-05", "09-06", "11-25", "12-24"], early: ["11-26"] },
  2011: { closed: ["01-17", "02-21", "04-22", "05-30", "07-04", "09-05", "11-24", "12-26"], early: ["11-25"] },
  2012: {
    closed: ["01-02", "01-16", "02-20", "04-06", "05-28", "07-04", "09-03", "10-29", "10-30", "11-22", "12-25"],
    early: ["07-03", "11-23", "12-24"],
  },
  2013: {
    closed: ["01-01", "01-21", "02-18", "03-29", "05-27", "07-04", "09-02", "11-28", "12-25"],
    early: ["07-03", "11-29", "12-24"],
  },
  2014: {
    closed: ["01-01", "01-20", "02-17", "04-18", "05-26", "07-04", "09-01", "11-27", "12-25"],
    early: ["07-03", "11-28", "12-24"],
  },
  2015: {
    closed: ["01-01", "01-19", "02-16", "04-03", "05-25", "07-03", "09-07", "11-26", "12-25"],
    early: ["11-27", "12-24"],
  },
  2016: { closed: ["01-01", "01-18", "02-15", "03-25", "05-30", "07-04", "09-05", "11-24", "12-26"], early: ["11-25"] },
  2017: {
    closed: ["01-02", "01-16", "02-20", "04-14", "05-29", "07-04", "09-04", "11-23", "12-25"],
    early: ["07-03", "11-24"],
  },
  2018: {
    closed: ["01-01", "01-15", "02-19", "03-30", "05-28", "07-04", "09-03", "11-22", "12-05", "12-25"],
    early: ["07-03", "11-23", "12-24"],
  },
  2019: {
    closed: ["01-01", "01-21", "02-18", "04-19", "05-27", "07-04", "09-02", "11-28", "12-25"],
    early: ["07-03", "11-29", "12-24"],
  },
  2020: {
    closed: ["01-01", "01-20", "02-17", "04-10", "05-25", "07-03", "09-07", "11-26", "12-25"],
    early: ["11-27", "12-24"],
  },
  2021: { closed: ["01-01", "01-18", "02-15", "04-02", "05-31", "07-05", "09-06", "11-25", "12-24"], early: ["11-26"] },
  2022: { closed: ["01-17", "02-21", "04-15", "05-30", "06-20", "07-04", "09-05", "11-24", "12-26"], early: ["11-25"] },
  2023: {
    closed: ["01-02", "01-16", "02-20", "04-07", "05-29", "06-19", "07-04", "09-04", "11-23", "12-25"],
    early: ["07-03", "11-24"],
  },
  2024: {
    closed: ["01-01", "01-15", "02-19", "03-29", "05-27", "06-19", "07-04", "09-02", "11-28", "12-25"],
    early: ["07-03", "11-29", "12-24"],
  },
  2025: {
    closed: ["01-01", "01-09", "01-20", "02-17", "04-18", "05-26", "06-19", "07-04", "09-01", "11-27", "12-25"],
    early: ["07-03", "11-28", "12-24"],
  },
  2026: {
    closed: ["01-01", "01-19", "02-16", "04-03", "05-25", "06-19", "07-03", "09-07", "11-26", "12-25"],
    early: ["11-27", "12-24"],
  },
  2027: {
    closed: ["01-01", "01-18", "02-15", "03-26", "05-31", "06-18", "07-05", "09-06", "11-25", "12-24"],
    early: ["11-26"],
  },
  2028: {
    closed: ["01-17", "02-21", "04-14", "05-29", "06-19", "07-04", "09-04", "11-23", "12-25"],
    early: ["07-03", "11-24"],
  },
  2029: {
    closed: ["01-01", "01-15", "02-19", "03-30", "05-28", "06-19", "07-04", "09-03", "11-22", "12-25"],
    early: ["07-03", "11-23", "12-24"],
  },
  2030: {
    closed: ["01-01", "01-21", "02-18", "04-19", "05-27", "06-19", "07-04", "09-02", "11-28", "12-25"],
    early: ["07-03", "11-29", "12-24"],
  },
};
