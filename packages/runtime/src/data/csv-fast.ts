import type { ZonedTimeConverter } from "./zoned.js";

/** Where each field of a CSV row is, as detected from the header (`detectLayout` in csv.ts). */
export interface CsvLayout {
  readonly kind: "date_time" | "date" | "timestamp";
  readonly columns: number;
  readonly date: number;
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Field indexes in {@link FastRowParser.values}. */
export const F_STAMP = 0;
export const F_OPEN = 1;
export const F_HIGH = 2;
export const F_LOW = 3;
export const F_CLOSE = 4;
export const F_VOLUME = 5;

/** Column roles besides the value slots 0-5. */
const ROLE_DATE = -1;
const ROLE_TIME = -2;
/** A column the bar does not use: only checked to be ASCII, as the general path decodes it. */
const ROLE_OTHER = -3;

const COMMA = 44;
const DOT = 46;
const COLON = 58;
const DASH = 45;
const SLASH = 47;
const ZERO = 48;
const NINE = 57;

/** Exact powers of ten up to the most fraction digits accepted. */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Digits a decimal may have in all: their integer value stays below 2^53, so it is exact. */
const MAX_DIGITS = 15;

/**
 * Parses the common shape of a bar row straight from the file's bytes: ASCII
 * only, plain decimals (`150.25`, `1243401`), `YYYY-MM-DD` (or `/`) dates with
 * `H:MM[:SS]` times, or integer epoch stamps. No string, array or object is
 * built per row; `Number(" 1e3 ")`-style inputs, quotes, signs, non-ASCII
 * bytes, daily rows and ISO stamps are declined, and the reader then takes
 * its general path, which reports the precise reason for a bad row. A
 * declined row therefore costs one decode more, never a different result:
 * every value accepted here equals what the general path computes (`d/10^k`
 * with both exact is the correctly rounded decimal, as `Number` is).
 *
 * Written by hand rather than with a CSV library because the libraries we
 * checked build a string per field and an array or object per row, which
 * was most of the replay's time per bar.
 */
export class FastRowParser {
  /** Values of the last accepted row: stamp (epoch ms), open, high, low, close, volume. */
  readonly values = new Float64Array(6);
  /** What each column holds: a slot of {@link values}, or one of the `ROLE_*` codes. */
  private readonly roles: Int8Array;
  /** Where the time field of the row being parsed is. */
  private timeStart = 0;
  private timeEnd = 0;
  /** The last date seen: its 10 bytes packed in two numbers, and its UTC midnight. */
  private dateHi = -1;
  private dateLo = -1;
  private dayUtc = 0;
  private y = 0;
  private m = 0;
  private d = 0;
  /** The local hour whose zone offset is cached (day start + hour), and that offset. */
  private hourKey = Number.NaN;
  private offsetMs = 0;

  constructor(
    private readonly layout: CsvLayout,
    private readonly zone: ZonedTimeConverter,
  ) {
    const roles = new Int8Array(layout.columns).fill(ROLE_OTHER);
    roles[layout.open] = F_OPEN;
    roles[layout.high] = F_HIGH;
    roles[layout.low] = F_LOW;
    roles[layout.close] = F_CLOSE;
    roles[layout.volume] = F_VOLUME;
    if (layout.kind === "timestamp") roles[layout.date] = F_STAMP;
    else {
      roles[layout.date] = ROLE_DATE;
      if (layout.time >= 0) roles[layout.time] = ROLE_TIME;
    }
    this.roles = roles;
  }

  /** Whether rows of this layout can take the fast path at all. */
  get applicable(): boolean {
    return this.layout.kind !== "date";
  }

  /**
   * Parses bytes [start, end) of `buf` (a line without its newline or
   * carriage return) into {@link values}; false to decline the row. One pass:
   * each field is parsed where it starts and ends at the next comma (the
   * rows are read at over a million a second, and a separate comma scan
   * doubled the bytes touched).
   */
  parse(buf: Uint8Array, start: number, end: number): boolean {
    const roles = this.roles;
    const last = roles.length - 1;
    let s = start;
    for (let k = 0; k <= last; k++) {
      const role = roles[k] as number;
      let e: number;
      if (role >= 0) e = this.decimal(buf, s, end, role);
      else {
        e = s;
        while (e < end && buf[e] !== COMMA) e++;
        if (role === ROLE_DATE) {
          if (!this.date(buf, s, e)) return false;
        } else if (role === ROLE_TIME) {
          this.timeStart = s;
          this.timeEnd = e;
        } else if (!ascii(buf, s, e)) return false;
      }
      // A field that failed (-1), a row with fewer fields (ends early) or more (a comma after the last field).
      if (e < 0 || (k < last ? e >= end : e !== end)) return false;
      s = e + 1;
    }
    if (this.layout.kind === "timestamp") {
      const v = this.values;
      const t = v[F_STAMP] as number;
      // Integers only: a fractional epoch goes through the general path's rounding.
      if (!Number.isInteger(t)) return false;
      v[F_STAMP] = t < 1e11 ? t * 1000 : t;
      return true;
    }
    // The time is read after the date, whichever column comes first.
    return this.time(buf, this.timeStart, this.timeEnd);
  }

  /**
   * A plain unsigned decimal with at most {@link MAX_DIGITS} digits, from `s`
   * to the next comma or `end`, into `values[slot]`; returns where it ended,
   * -1 when the field is not such a decimal.
   */
  private decimal(buf: Uint8Array, s: number, end: number, slot: number): number {
    let int = 0;
    let digits = 0;
    let frac = -1;
    let i = s;
    for (; i < end; i++) {
      const b = buf[i] as number;
      if (b >= ZERO && b <= NINE) {
        int = int * 10 + (b - ZERO);
        digits++;
        if (frac >= 0) frac++;
      } else if (b === DOT && frac < 0) frac = 0;
      else if (b === COMMA) break;
      else return -1;
    }
    if (digits === 0 || digits > MAX_DIGITS || frac === 0) return -1;
    this.values[slot] = frac > 0 ? int / (POW10[frac] as number) : int;
    return i;
  }

  /** `YYYY-MM-DD` or `YYYY/MM/DD`; the parsed day is kept while the rows stay on it. */
  private date(buf: Uint8Array, s: number, e: number): boolean {
    if (e - s !== 10) return false;
    const sep = buf[s + 4];
    if ((sep !== DASH && sep !== SLASH) || buf[s + 7] !== sep) return false;
    // Bytes 0-4 and 5-9 packed into two exact integers (5 bytes each < 2^40).
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < 5; i++) hi = hi * 256 + (buf[s + i] as number);
    for (let i = 5; i < 10; i++) lo = lo * 256 + (buf[s + i] as number);
    if (hi === this.dateHi && lo === this.dateLo) return true;
    const y = digits(buf, s, 4);
    const m = digits(buf, s + 5, 2);
    const d = digits(buf, s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return false;
    const dayUtc = Date.UTC(y, m - 1, d);
    // Rejects 2024-02-30 and the like, as the general path does.
    const check = new Date(dayUtc);
    if (check.getUTCDate() !== d || check.getUTCMonth() !== m - 1 || check.getUTCFullYear() !== y) return false;
    this.dateHi = hi;
    this.dateLo = lo;
    this.dayUtc = dayUtc;
    this.y = y;
    this.m = m;
    this.d = d;
    return true;
  }

  /** `H:MM`, `HH:MM` or `HH:MM:SS` on the current day, through the zone's offset for that local hour. */
  private time(buf: Uint8Array, s: number, e: number): boolean {
    const len = e - s;
    let h: number;
    let p: number;
    if (len >= 5 && buf[s + 2] === COLON) {
      h = digits(buf, s, 2);
      p = s + 3;
    } else if (len >= 4 && buf[s + 1] === COLON) {
      h = digits(buf, s, 1);
      p = s + 2;
    } else return false;
    const mi = digits(buf, p, 2);
    let sec = 0;
    if (e === p + 5 && buf[p + 2] === COLON) sec = digits(buf, p + 3, 2);
    else if (e !== p + 2) return false;
    if (h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return false;
    const key = this.dayUtc + h;
    if (key !== this.hourKey) {
      const at = this.zone.toEpoch(this.y, this.m, this.d, h, 0, 0);
      if (at === undefined) return false;
      this.offsetMs = this.dayUtc + h * 3_600_000 - at;
      this.hourKey = key;
    }
    this.values[F_STAMP] = this.dayUtc + ((h * 60 + mi) * 60 + sec) * 1000 - this.offsetMs;
    return true;
  }
}

/** `count` ASCII digits at `s` as a number; -1 if any is not a digit. */
function digits(buf: Uint8Array, s: number, count: number): number {
  let n = 0;
  for (let i = s; i < s + count; i++) {
    const b = buf[i] as number;
    if (b < ZERO || b > NINE) return -1;
    n = n * 10 + (b - ZERO);
  }
  return n;
}

/** Whether bytes [s, e) are all ASCII (a column the bar ignores still declines the row otherwise). */
function ascii(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if ((buf[i] as number) > 127) return false;
  return true;
}
