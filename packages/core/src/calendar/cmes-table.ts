import type { ExchangeTable } from "./exchange-table.js";

/**
 * CME Globex equity index futures (E-mini S&P 500, Nasdaq-100, Dow; ISO
 * 10383 `XCME`, CME Group's segment `CMES`), trade dates 2013-2025, as DATA.
 * A trade date's session opens at 17:00 America/Chicago the evening before
 * (Sunday for Monday) and ends the same afternoon; the hour between is the
 * daily maintenance halt.
 *
 * Hours: 17:00-16:15 from the trade date 2012-11-19 (CME Group notice "Equity
 * Index Later Close for CME Globex Trading Day", November 2012); 17:00-16:00
 * from 2015-09-21 (CME Globex close moved 15 minutes earlier). The 15-minute
 * pause 15:15-15:30 of those years lies inside a session and is not modelled
 * (a feed simply has no bars then).
 *
 * Closures and early closes follow CME Group's published holiday schedules
 * as pandas_market_calendars' `CME Globex Equity` calendar encodes them
 * (holidays/cme.py): closed on New Year's Day (Sunday -> Monday), Good
 * Friday (except 2015-04-03, 2021-04-02 and 2023-04-07, when the US
 * employment report fell on it and the session ended at 08:15) and Christmas
 * (Saturday -> Friday, Sunday -> Monday); on Martin Luther King Jr., Presidents',
 * Memorial, Independence, Labor and Thanksgiving Day (and Juneteenth from
 * 2022) the session ends at 12:00 (10:30 before 2014/2015); the day before
 * Independence Day when that falls Tuesday to Friday, the Friday after
 * Thanksgiving and Christmas Eve Monday to Thursday end at 12:15.
 * Unscheduled halts (2018-12-05, 2025-01-09) are not in the table.
 */
export const CMES_TABLE: ExchangeTable = {
  id: "CMES",
  name: "CME Globex equity index futures",
  zone: "America/Chicago",
  firstYear: 2013,
  lastYear: 2025,
  weekdays: [1, 2, 3, 4, 5],
  hours: [
    { from: "2013-01-01", regular: ["17:00", "16:15"], source: "CME Group notice, November 2012" },
    { from: "2015-09-21", regular: ["17:00", "16:00"], source: "CME Globex hours change of 21 September 2015" },
  ],
  earlyClose: "12:15",
  days: {
    "2013": {
      closed: ["01-01", "03-29", "12-25"],
      early: [
        "01-21 10:30",
        "02-18 10:30",
        "05-27 10:30",
        "07-03",
        "07-04 10:30",
        "09-02 10:30",
        "11-28 10:30",
        "11-29",
        "12-24",
      ],
    },
    "2014": {
      closed: ["01-01", "04-18", "12-25"],
      early: [
        "01-20 10:30",
        "02-17 10:30",
        "05-26 12:00",
        "07-03",
        "07-04 12:00",
        "09-01 12:00",
        "11-27 12:00",
        "11-28",
        "12-24",
      ],
    },
    "2015": {
      closed: ["01-01", "12-25"],
      early: [
        "01-19 12:00",
        "02-16 12:00",
        "04-03 08:15",
        "05-25 12:00",
        "07-03 12:00",
        "09-07 12:00",
        "11-26 12:00",
        "11-27",
        "12-24",
      ],
    },
    "2016": {
      closed: ["01-01", "03-25", "12-26"],
      early: ["01-18 12:00", "02-15 12:00", "05-30 12:00", "07-04 12:00", "09-05 12:00", "11-24 12:00", "11-25"],
    },
    "2017": {
      closed: ["01-02", "04-14", "12-25"],
      early: [
        "01-16 12:00",
        "02-20 12:00",
        "05-29 12:00",
        "07-03",
        "07-04 12:00",
        "09-04 12:00",
        "11-23 12:00",
        "11-24",
      ],
    },
    "2018": {
      closed: ["01-01", "03-30", "12-25"],
      early: [
        "01-15 12:00",
        "02-19 12:00",
        "05-28 12:00",
        "07-03",
        "07-04 12:00",
        "09-03 12:00",
        "11-22 12:00",
        "11-23",
        "12-24",
      ],
    },
    "2019": {
      closed: ["01-01", "04-19", "12-25"],
      early: [
        "01-21 12:00",
        "02-18 12:00",
        "05-27 12:00",
        "07-03",
        "07-04 12:00",
        "09-02 12:00",
        "11-28 12:00",
        "11-29",
        "12-24",
      ],
    },
    "2020": {
      closed: ["01-01", "04-10", "12-25"],
      early: [
        "01-20 12:00",
        "02-17 12:00",
        "05-25 12:00",
        "07-03 12:00",
        "09-07 12:00",
        "11-26 12:00",
        "11-27",
        "12-24",
      ],
    },
    "2021": {
      closed: ["01-01", "12-24"],
      early: [
        "01-18 12:00",
        "02-15 12:00",
        "04-02 08:15",
        "05-31 12:00",
        "07-05 12:00",
        "09-06 12:00",
        "11-25 12:00",
        "11-26",
      ],
    },
    "2022": {
      closed: ["04-15", "12-26"],
      early: [
        "01-17 12:00",
        "02-21 12:00",
        "05-30 12:00",
        "06-20 12:00",
        "07-04 12:00",
        "09-05 12:00",
        "11-24 12:00",
        "11-25",
      ],
    },
    "2023": {
      closed: ["01-02", "12-25"],
      early: [
        "01-16 12:00",
        "02-20 12:00",
        "04-07 08:15",
        "05-29 12:00",
        "06-19 12:00",
        "07-03",
        "07-04 12:00",
        "09-04 12:00",
        "11-23 12:00",
        "11-24",
      ],
    },
    "2024": {
      closed: ["01-01", "03-29", "12-25"],
      early: [
        "01-15 12:00",
        "02-19 12:00",
        "05-27 12:00",
        "06-19 12:00",
        "07-03",
        "07-04 12:00",
        "09-02 12:00",
        "11-28 12:00",
        "11-29",
        "12-24",
      ],
    },
    "2025": {
      closed: ["01-01", "04-18", "12-25"],
      early: [
        "01-20 12:00",
        "02-17 12:00",
        "05-26 12:00",
        "06-19 12:00",
        "07-03",
        "07-04 12:00",
        "09-01 12:00",
        "11-27 12:00",
        "11-28",
        "12-24",
      ],
    },
  },
};
