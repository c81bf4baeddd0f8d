import type { ExchangeTable } from "./exchange-table.js";

/**
 * Eurex (XEUR) equity index futures (EURO STOXX 50, DAX), 2005-2030, as
 * DATA: the continuous-trading hours of the European session and the
 * exchange's full-day closures.
 *
 * Hours (Europe/Berlin): 09:00-20:00 until 2005-11-18; 09:00-22:00 from
 * 2005-11-21 (Eurex press release of 6 July 2005: index futures trade until
 * 22:00 CET instead of 20:00); 08:00-22:00 from 2006-06-01 (press release of
 * 7 April 2006: euro-denominated equity index products open at 08:00 instead
 * of 09:00). The Asian-hours extension of 2018-12-10 (Eurex circular 084/20
 * and the "Trading Hours Extension" page: FESX/FDAX from 01:15 CET, 02:15
 * CEST) is a session before this one that the table does not model.
 *
 * Closures: the Eurex trading calendar closes equity index derivatives on
 * New Year's Day, Good Friday, Easter Monday, 1 May, 24, 25, 26 and 31
 * December (on whichever weekday they fall; a Saturday or Sunday one is not
 * moved). Eurex trades on German regional holidays, Whit Monday and 3
 * October. The one-off script that wrote the years below applied those
 * dates (Easter by the anonymous Gregorian computus); the test
 * calendar-exchanges.test.ts re-derives them and pins looked-up dates.
 */
export const XEUR_TABLE: ExchangeTable = {
  id: "XEUR",
  name: "Eurex equity index futures",
  zone: "Europe/Berlin",
  firstYear: 2005,
  lastYear: 2030,
  weekdays: [1, 2, 3, 4, 5],
  hours: [
    { from: "2005-01-01", regular: ["09:00", "20:00"], source: "Eurex press release, 6 July 2005" },
    { from: "2005-11-21", regular: ["09:00", "22:00"], source: "Eurex press release, 6 July 2005" },
    { from: "2006-06-01", regular: ["08:00", "22:00"], source: "Eurex press release, 7 April 2006" },
  ],
  earlyClose: "22:00",
  days: {
    "2005": { closed: ["03-25", "03-28", "12-26"], early: [] },
    "2006": { closed: ["04-14", "04-17", "05-01", "12-25", "12-26"], early: [] },
    "2007": { closed: ["01-01", "04-06", "04-09", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2008": { closed: ["01-01", "03-21", "03-24", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2009": { closed: ["01-01", "04-10", "04-13", "05-01", "12-24", "12-25", "12-31"], early: [] },
    "2010": { closed: ["01-01", "04-02", "04-05", "12-24", "12-31"], early: [] },
    "2011": { closed: ["04-22", "04-25", "12-26"], early: [] },
    "2012": { closed: ["04-06", "04-09", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2013": { closed: ["01-01", "03-29", "04-01", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2014": { closed: ["01-01", "04-18", "04-21", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2015": { closed: ["01-01", "04-03", "04-06", "05-01", "12-24", "12-25", "12-31"], early: [] },
    "2016": { closed: ["01-01", "03-25", "03-28", "12-26"], early: [] },
    "2017": { closed: ["04-14", "04-17", "05-01", "12-25", "12-26"], early: [] },
    "2018": { closed: ["01-01", "03-30", "04-02", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2019": { closed: ["01-01", "04-19", "04-22", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2020": { closed: ["01-01", "04-10", "04-13", "05-01", "12-24", "12-25", "12-31"], early: [] },
    "2021": { closed: ["01-01", "04-02", "04-05", "12-24", "12-31"], early: [] },
    "2022": { closed: ["04-15", "04-18", "12-26"], early: [] },
    "2023": { closed: ["04-07", "04-10", "05-01", "12-25", "12-26"], early: [] },
    "2024": { closed: ["01-01", "03-29", "04-01", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2025": { closed: ["01-01", "04-18", "04-21", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2026": { closed: ["01-01", "04-03", "04-06", "05-01", "12-24", "12-25", "12-31"], early: [] },
    "2027": { closed: ["01-01", "03-26", "03-29", "12-24", "12-31"], early: [] },
    "2028": { closed: ["04-14", "04-17", "05-01", "12-25", "12-26"], early: [] },
    "2029": { closed: ["01-01", "03-30", "04-02", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
    "2030": { closed: ["01-01", "04-19", "04-22", "05-01", "12-24", "12-25", "12-26", "12-31"], early: [] },
  },
};
