import { DateTime } from "luxon";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Converts naive local date-times in one IANA zone to epoch ms.
 *
 * Most days have one offset from start to end. Deciding that costs one
 * offset look-up per day: with `p(k)` the instant 15 hours before the UTC
 * midnight of day k, local day k lies inside [p(k), p(k+3)) for every offset
 * between -14 h and +14 h, and when the offsets at both ends agree the whole
 * span has that offset (no zone changes its offset and back within three
 * days). The look-up is one `Intl.DateTimeFormat` call on an instant, several
 * times cheaper than luxon's conversion of a local time, which needs two or
 * three of them; a CSV of ten years has over 2,500 days, and this was a tenth
 * of reading one. Days near an offset change take luxon's exact path, cached
 * per local hour (offsets change on the hour in every zone the exchanges use).
 */
export class ZonedTimeConverter {
  private readonly cache = new Map<number, number>();
  /** Offset of a local day with no change nearby, NaN for one near a change; keyed by day. */
  private readonly dayOffsets = new Map<number, number>();
  /** Offset at p(k), keyed by k (days since the epoch). */
  private readonly probes = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly zone: string) {
    if (!DateTime.local().setZone(zone).isValid) throw new RangeError(`unknown time zone "${zone}"`);
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /** Epoch ms of the local wall time; undefined when the fields are not a real date and time. */
  toEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number | undefined {
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 24 || mi < 0 || mi > 59 || s < 0 || s > 60)
      return undefined;
    const naive = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    const midnight = Date.UTC(y, mo - 1, d);
    const check = new Date(midnight);
    if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined;
    const day = Math.round(midnight / DAY);
    let whole = this.dayOffsets.get(day);
    if (whole === undefined) {
      const start = this.probe(day);
      whole = start === this.probe(day + 3) ? start : Number.NaN;
      this.dayOffsets.set(day, whole);
    }
    if (!Number.isNaN(whole)) return naive - whole;
    const key = day * 25 + h;
    let offsetMs = this.cache.get(key);
    if (offsetMs === undefined) {
      const hour = h === 24 ? 23 : h;
      const dt = DateTime.fromObject({ year: y, month: mo, day: d, hour }, { zone: this.zone });
      offsetMs = this.settle(Date.UTC(y, mo - 1, d, hour), dt.offset * 60_000);
      this.cache.set(key, offsetMs);
    }
    return naive - offsetMs;
  }

  /**
   * The offset of the local hour starting at `local` (its wall time read as
   * UTC), given luxon's `guess`. luxon misplaces some hours next to an offset
   * change (Pacific/Apia 2011-04-02 06:00, an hour after the change, came out
   * an hour early): when the guess does not give that wall time back, the
   * offset at the instant it gave is tried, and kept if it does. An hour that
   * does not exist, or exists twice, keeps luxon's choice.
   */
  private settle(local: number, guess: number): number {
    const at = this.offsetAt(local - guess);
    if (at === guess) return guess;
    return this.offsetAt(local - at) === at ? at : guess;
  }

  /** The zone's offset (ms) at p(k), 15 hours before the UTC midnight of day k. */
  private probe(k: number): number {
    let off = this.probes.get(k);
    if (off === undefined) {
      off = this.offsetAt(k * DAY - 15 * HOUR);
      this.probes.set(k, off);
    }
    return off;
  }

  /** The zone's offset (ms) at an instant: its local wall time read as UTC, minus the instant. */
  private offsetAt(t: number): number {
    let y = 0;
    let mo = 0;
    let d = 0;
    let h = 0;
    let mi = 0;
    let s = 0;
    for (const p of this.format.formatToParts(t)) {
      if (p.type === "year") y = Number(p.value);
      else if (p.type === "month") mo = Number(p.value);
      else if (p.type === "day") d = Number(p.value);
      else if (p.type === "hour") h = Number(p.value);
      else if (p.type === "minute") mi = Number(p.value);
      else if (p.type === "second") s = Number(p.value);
    }
    // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999. Whole seconds: the formatted time drops t's ms.
    const wall = new Date(0);
    wall.setUTCFullYear(y, mo - 1, d);
    wall.setUTCHours(h, mi, s);
    return wall.getTime() - (t - (((t % 1000) + 1000) % 1000));
  }

  /** Local calendar date (`YYYY-MM-DD`) of an instant in this zone. */
  localDate(epochMs: number): string {
    return DateTime.fromMillis(epochMs, { zone: this.zone }).toISODate() ?? "";
  }
}
