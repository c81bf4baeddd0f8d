import { ZonedTimeConverter } from "@tradeplan/core/internal";
import { LocalTime } from "../render/local-time.js";
import { TIME_PATTERN } from "./schema.js";

/** Reads test-file times in one zone (the plan's) and prints instants back in it. */
export class TestClock {
  private readonly converter: ZonedTimeConverter;
  private readonly local: LocalTime;

  /** Throws a RangeError for an unknown zone (the plan's zone was checked by the compiler). */
  constructor(readonly zone: string) {
    this.converter = new ZonedTimeConverter(zone);
    this.local = new LocalTime(zone);
  }

  /**
   * `2024-03-01 09:35`, `09:35` (on `date`), with seconds, `T`, `Z` or an
   * offset: epoch ms, or a reason why not. Naive times are wall times in the zone.
   */
  parse(
    text: string,
    date: string | undefined,
  ): { ok: true; time: number; date: string } | { ok: false; reason: string } {
    const m = TIME_PATTERN.exec(text);
    if (!m) return { ok: false, reason: `\`${text}\` is not a time such as \`2024-03-01 09:35\`` };
    let y: number;
    let mo: number;
    let d: number;
    if (m[1] !== undefined) {
      y = Number(m[1]);
      mo = Number(m[2]);
      d = Number(m[3]);
    } else {
      if (date === undefined)
        return {
          ok: false,
          reason: `\`${text}\` has no date: write \`YYYY-MM-DD ${text}\` or give the case a \`date\``,
        };
      [y, mo, d] = date.split("-").map(Number) as [number, number, number];
    }
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const s = m[6] !== undefined ? Number(m[6]) : 0;
    const day = `${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
    const bad = { ok: false as const, reason: `\`${text}\` is not a real date and time` };
    if (h > 23 || mi > 59 || s > 59) return bad;
    if (m[7] !== undefined) {
      const offset = m[7] === "Z" ? "Z" : `${m[7].slice(0, 3)}:${m[7].slice(-2)}`;
      const t = Date.parse(`${day}T${String(h).padStart(2, "0")}:${m[5]}:${String(s).padStart(2, "0")}${offset}`);
      const check = new Date(Date.UTC(y, mo - 1, d));
      if (!Number.isFinite(t) || check.getUTCDate() !== d) return bad;
      return { ok: true, time: t, date: day };
    }
    const t = this.converter.toEpoch(y, mo, d, h, mi, s);
    return t === undefined ? bad : { ok: true, time: t, date: day };
  }

  /** Start of a local day, and of the next one. */
  dayBounds(date: string): { start: number; end: number } | undefined {
    const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
    const start = this.converter.toEpoch(y, mo, d, 0, 0, 0);
    const next = new Date(Date.UTC(y, mo - 1, d + 1));
    const end = this.converter.toEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0);
    return start === undefined || end === undefined ? undefined : { start, end };
  }

  /** `2024-03-01 09:35` (seconds only when not zero), in the zone. */
  show(time: number): string {
    return this.local.dateTime(time);
  }
}
