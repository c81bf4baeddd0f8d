import { DateTime } from "luxon";

/**
 * Converts naive local date-times in one IANA zone to epoch ms. Luxon is
 * exact but slow per call, so the zone offset is cached per local hour:
 * offsets only change on the hour in every zone the exchanges use, and a
 * 10-million-row file then costs a few thousand luxon calls.
 */
export class ZonedTimeConverter {
  private readonly cache = new Map<number, number>();

  constructor(readonly zone: string) {
    if (!DateTime.local().setZone(zone).isValid) throw new RangeError(`unknown time zone "${zone}"`);
  }

  /** Epoch ms of the local wall time; undefined when the fields are not a real date and time. */
  toEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number | undefined {
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60)
      return undefined;
    const naive = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined;
    const key = ((y * 13 + mo) * 32 + d) * 25 + h;
    let offsetMs = this.cache.get(key);
    if (offsetMs === undefined) {
      const dt = DateTime.fromObject({ year: y, month: mo, day: d, hour: h === 24 ? 23 : h }, { zone: this.zone });
      offsetMs = dt.offset * 60_000;
      this.cache.set(key, offsetMs);
    }
    return naive - offsetMs;
  }

  /** Local calendar date (`YYYY-MM-DD`) of an instant in this zone. */
  localDate(epochMs: number): string {
    return DateTime.fromMillis(epochMs, { zone: this.zone }).toISODate() ?? "";
  }
}
