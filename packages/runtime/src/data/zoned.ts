import { DateTime } from "luxon";

/**
 * Converts naive local date-times in one IANA zone to epoch ms. Luxon is
 * exact but slow per call (tens of microseconds: it formats through Intl),
 * so offsets are cached. A day whose local midnight and next local midnight
 * have the same offset has that offset all day (no zone changes its offset
 * twice within a day), which is every day but the two DST days of a year:
 * one luxon call per day. On a day with a change, the offset is cached per
 * local hour: offsets only change on the hour in every zone the exchanges use.
 */
export class ZonedTimeConverter {
  private readonly cache = new Map<number, number>();
  /** Offset of a local day with no change, NaN for a day with one; keyed by day. */
  private readonly dayOffsets = new Map<number, number>();
  /** Offset at local midnight, keyed by day. */
  private readonly midnights = new Map<number, number>();

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
    const day = (y * 13 + mo) * 32 + d;
    let whole = this.dayOffsets.get(day);
    if (whole === undefined) {
      const next = new Date(Date.UTC(y, mo - 1, d + 1));
      const start = this.midnight(y, mo, d);
      const end = this.midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
      whole = start === end ? start : Number.NaN;
      this.dayOffsets.set(day, whole);
    }
    if (!Number.isNaN(whole)) return naive - whole;
    const key = day * 25 + h;
    let offsetMs = this.cache.get(key);
    if (offsetMs === undefined) {
      const dt = DateTime.fromObject({ year: y, month: mo, day: d, hour: h === 24 ? 23 : h }, { zone: this.zone });
      offsetMs = dt.offset * 60_000;
      this.cache.set(key, offsetMs);
    }
    return naive - offsetMs;
  }

  private midnight(y: number, mo: number, d: number): number {
    const day = (y * 13 + mo) * 32 + d;
    let off = this.midnights.get(day);
    if (off === undefined) {
      off = DateTime.fromObject({ year: y, month: mo, day: d }, { zone: this.zone }).offset * 60_000;
      this.midnights.set(day, off);
    }
    return off;
  }

  /** Local calendar date (`YYYY-MM-DD`) of an instant in this zone. */
  localDate(epochMs: number): string {
    return DateTime.fromMillis(epochMs, { zone: this.zone }).toISODate() ?? "";
  }
}
