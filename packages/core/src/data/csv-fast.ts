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

const LF = 10;
const CR = 13;
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
  /** The bytes of the last date parsed (valid when `dateKnown`), and its UTC midnight. */
  private readonly lastDate = new Uint8Array(10);
  private dateKnown = false;
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
   * carriage return) into {@link values}; false to decline the row.
   */
  parse(buf: Uint8Array, start: number, end: number): boolean {
    return this.fields(buf, start, end) === end && this.stamp(buf);
  }

  /**
   * Parses the line starting at `start` in place, without looking for its
   * end first: returns the index of the newline that ends it (after an
   * optional carriage return), or -1 to decline the row, or when no newline
   * comes before `limit` (the line is not complete yet). One pass over the
   * bytes: each field is parsed where it starts and ends at the next comma
   * or line end (the rows are read at over a million a second, and a
   * separate scan for the newline, then for the commas, tripled the bytes
   * touched).
   */
  parseLine(buf: Uint8Array, start: number, limit: number): number {
    const e = this.fields(buf, start, limit);
    if (e < 0 || e >= limit) return -1;
    let nl = e;
    if (buf[e] === CR) nl = e + 1 < limit ? e + 1 : -1;
    if (nl < 0 || buf[nl] !== LF || !this.stamp(buf)) return -1;
    return nl;
  }

  /**
   * Parses every field of a row starting at `start`, a field ending at a
   * comma, a line end or `limit`; returns where the last field ended, or -1
   * when a field is not of the fast path's shape or the row has fewer fields.
   */
  private fields(buf: Uint8Array, start: number, limit: number): number {
    const roles = this.roles;
    const last = roles.length - 1;
    let s = start;
    for (let k = 0; ; k++) {
      const role = roles[k] as number;
      let e: number;
      if (role >= 0) e = this.decimal(buf, s, limit, role);
      else {
        e = s;
        for (; e < limit; e++) {
          const b = buf[e] as number;
          if (b === COMMA || b === LF || b === CR) break;
        }
        if (role === ROLE_DATE) {
          if (!this.date(buf, s, e)) return -1;
        } else if (role === ROLE_TIME) {
          this.timeStart = s;
          this.timeEnd = e;
        } else if (!ascii(buf, s, e)) return -1;
      }
      if (k === last || e < 0) return e;
      // A row with fewer fields ends before its last one.
      if (e >= limit || buf[e] !== COMMA) return -1;
      s = e + 1;
    }
  }

  /** Completes the time stamp of a row whose fields parsed. */
  private stamp(buf: Uint8Array): boolean {
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
   * to the next comma, line end or `end`, into `values[slot]`; returns where
   * it ended, -1 when the field is not such a decimal.
   */
  private decimal(buf: Uint8Array, s: number, end: number, slot: number): number {
    // Integer digits, then fraction digits, each in a loop of its own (no per-byte test of which part it is in).
    let n = 0;
    let i = s;
    for (; i < end; i++) {
      const b = buf[i] as number;
      if (b < ZERO || b > NINE) break;
      n = n * 10 + (b - ZERO);
    }
    let digits = i - s;
    let frac = 0;
    if (i < end && buf[i] === DOT) {
      const from = ++i;
      for (; i < end; i++) {
        const b = buf[i] as number;
        if (b < ZERO || b > NINE) break;
        n = n * 10 + (b - ZERO);
      }
      frac = i - from;
      // `5.` is not a plain decimal.
      if (frac === 0) return -1;
      digits += frac;
    }
    if (digits === 0 || digits > MAX_DIGITS) return -1;
    if (i < end) {
      const b = buf[i] as number;
      if (b !== COMMA && b !== LF && b !== CR) return -1;
    }
    this.values[slot] = frac > 0 ? n / (POW10[frac] as number) : n;
    return i;
  }

  /** `YYYY-MM-DD` or `YYYY/MM/DD`; the parsed day is kept while the rows stay on it. */
  private date(buf: Uint8Array, s: number, e: number): boolean {
    if (e - s !== 10) return false;
    const last = this.lastDate;
    if (this.dateKnown) {
      // From the end: consecutive dates differ in their last bytes.
      let k = 9;
      while (k >= 0 && buf[s + k] === last[k]) k--;
      if (k < 0) return true;
    }
    const sep = buf[s + 4];
    if ((sep !== DASH && sep !== SLASH) || buf[s + 7] !== sep) return false;
    const y = digits(buf, s, 4);
    const m = digits(buf, s + 5, 2);
    const d = digits(buf, s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return false;
    const dayUtc = Date.UTC(y, m - 1, d);
    // Rejects 2024-02-30 and the like, as the general path does.
    const check = new Date(dayUtc);
    if (check.getUTCDate() !== d || check.getUTCMonth() !== m - 1 || check.getUTCFullYear() !== y) return false;
    last.set(buf.subarray(s, s + 10));
    this.dateKnown = true;
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
