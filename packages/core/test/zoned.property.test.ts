import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { ZonedTimeConverter } from "../src/data/zoned.js";

/** Zones with every kind of offset change: DST on the hour, at midnight, by 30 minutes, odd base offsets, none. */
const ZONES = [
  "America/New_York",
  "Europe/London",
  "America/Santiago",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Asia/Kolkata",
  "America/Sao_Paulo",
  "Pacific/Apia",
  "UTC",
];

describe("ZonedTimeConverter", () => {
  it("agrees with luxon on every local time that exists once", () => {
    const converters = new Map(ZONES.map((z) => [z, new ZonedTimeConverter(z)]));
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1975, 0, 1), max: Date.UTC(2035, 0, 1) }),
        (zone, instant) => {
          // A local time taken from a real instant, so it exists; skipped when the zone's clock shows it twice.
          const dt = DateTime.fromMillis(instant - (instant % 1000), { zone });
          const earlier = DateTime.fromMillis(dt.toMillis() - 3 * 3_600_000, { zone });
          const later = DateTime.fromMillis(dt.toMillis() + 3 * 3_600_000, { zone });
          fc.pre(earlier.offset === dt.offset && later.offset === dt.offset);
          const got = converters.get(zone)?.toEpoch(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second);
          expect(got).toBe(dt.toMillis());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("places the hours right after an offset change where luxon's local-time conversion does not", () => {
    // Samoa left daylight time at 04:00 on 2011-04-02 (UTC-10 to UTC-11). luxon's fromObject puts 06:00 at
    // UTC-10 (16:00Z, which is 05:00 there); from the instant, luxon itself says 06:00 is 17:00Z.
    const c = new ZonedTimeConverter("Pacific/Apia");
    const instant = Date.UTC(2011, 3, 2, 17);
    expect(DateTime.fromMillis(instant, { zone: "Pacific/Apia" }).toISO()).toBe("2011-04-02T06:00:00.000-11:00");
    expect(c.toEpoch(2011, 4, 2, 6, 0, 0)).toBe(instant);
    expect(c.toEpoch(2011, 4, 2, 6, 30, 15)).toBe(instant + 30 * 60_000 + 15_000);
  });

  it("on the days around offset changes, matches luxon hour by hour", () => {
    const zone = "America/New_York";
    const c = new ZonedTimeConverter(zone);
    // 2021-03-14 02:00 (clocks forward) and 2021-11-07 02:00 (clocks back).
    for (const [y, mo, d] of [
      [2021, 3, 13],
      [2021, 3, 14],
      [2021, 3, 15],
      [2021, 11, 6],
      [2021, 11, 7],
      [2021, 11, 8],
    ] as const) {
      for (const h of [0, 1, 3, 4, 9, 12, 16, 23]) {
        const want = DateTime.fromObject({ year: y, month: mo, day: d, hour: h, minute: 30 }, { zone }).toMillis();
        expect(c.toEpoch(y, mo, d, h, 30, 0), `${y}-${mo}-${d} ${h}:30`).toBe(want);
      }
    }
  });

  it("rejects fields that are not a date and time", () => {
    const c = new ZonedTimeConverter("America/New_York");
    expect(c.toEpoch(2021, 2, 30, 10, 0, 0)).toBeUndefined();
    expect(c.toEpoch(2021, 13, 1, 10, 0, 0)).toBeUndefined();
    expect(c.toEpoch(2021, 1, 1, 25, 0, 0)).toBeUndefined();
    expect(c.toEpoch(2021, 1, 1, 10, 60, 0)).toBeUndefined();
    expect(() => new ZonedTimeConverter("Mars/Olympus")).toThrow(/unknown time zone/);
  });
});
