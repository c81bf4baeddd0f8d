import { z } from "zod";
import type { BarData } from "../models.js";
import { onTick } from "../portfolio/instruments.js";
import { type CsvLayout, F_CLOSE, F_HIGH, F_LOW, F_OPEN, F_STAMP, F_VOLUME, FastRowParser } from "./csv-fast.js";
import { secondsToTimeframe, timeframeSeconds } from "./timeframe.js";
import { ZonedTimeConverter } from "./zoned.js";

/** Stable reason codes of rejected CSV rows. */
export type CsvRejectCode =
  | "CSV_FIELD_COUNT"
  | "CSV_BAD_NUMBER"
  | "CSV_BAD_TIMESTAMP"
  | "CSV_NON_POSITIVE_PRICE"
  | "CSV_NEGATIVE_VOLUME"
  | "CSV_HIGH_LOW"
  | "CSV_OUTSIDE_RANGE"
  | "CSV_OUT_OF_ORDER"
  | "CSV_DUPLICATE_TIME"
  | "CSV_LINE_TOO_LONG"
  | "CSV_OUT_OF_CALENDAR";

/**
 * Longest line read, in bytes before its newline (a carriage return
 * included). A longer line is no row of bars: it is rejected and skipped to
 * its end without being held, so a file without newlines is read in
 * constant memory and linear time.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/** One rejected row: where and why. The run goes on without it. */
export interface RejectedRow {
  readonly file: string;
  readonly line: number;
  readonly code: CsvRejectCode;
  readonly reason: string;
}

/**
 * Rejections per reason code as one line for people: `CSV_BAD_NUMBER 3,
 * CSV_HIGH_LOW 1` (most frequent first); empty when there are none.
 */
export function reasonCounts(counts: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(counts)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
}

/** A file that cannot be read as bars at all (bad header, bad options). */
export class CsvFormatError extends Error {
  constructor(
    readonly code: "CSV_HEADER" | "CSV_OPTIONS" | "CSV_EMPTY" | "CSV_IO" | "CSV_LINE_TOO_LONG",
    message: string,
  ) {
    super(message);
    this.name = "CsvFormatError";
  }
}

export const CsvOptionsSchema = z
  .object({
    symbol: z.string().min(1),
    /** Zone naive times are read in (the plan's time zone). */
    timezone: z.string().min(1).default("America/New_York"),
    /** Whether intraday timestamps mark the bar's open or its close. Daily rows are always a session day. */
    timestamps: z.enum(["open", "close"]).default("open"),
    /** Timeframe of the rows (`1m`); inferred from the smallest gap among the first rows when absent. */
    timeframe: z
      .string()
      .regex(/^[1-9][0-9]*[smhd]$/, "a timeframe such as 1m")
      .optional(),
    /** Name used in `file:line` messages. */
    file: z.string().default("<input>"),
    /**
     * Scale open, high, low and close by Adj Close / Close (splits and dividends), row by row; the file must
     * have an `Adj Close` column. Default: prices as given.
     */
    adjust: z.boolean().default(false),
    /** The instrument's tick size: the summary names the first row with a price that is not a multiple of it. */
    tickSize: z
      .number()
      .refine((v) => Number.isFinite(v) && v > 0, "must be > 0")
      .optional(),
  })
  .strict();

export type CsvOptions = z.input<typeof CsvOptionsSchema>;

/** Open and close instants of a daily bar for a session day (default: local midnight to midnight). */
export type DailyBounds = (year: number, month: number, day: number) => { time: number; closeTime: number } | undefined;

/**
 * What the reader asks the market calendar. A row the calendar cannot place
 * (a year its holiday table does not cover) is rejected as a bad row,
 * `CSV_OUT_OF_CALENDAR`, rather than ending the run where the bar meets it.
 */
export interface CsvCalendar {
  /** Bounds of a daily row's session day; a throw with code `CALENDAR_OUT_OF_RANGE` rejects the row. */
  readonly dailyBounds?: DailyBounds;
  /**
   * Why a bar opening at `time` lies outside what the calendar covers, or
   * undefined when inside. Asked once per quarter hour of bar time (every
   * zone's midnight falls on one), not per row.
   */
  readonly outOfRange?: (time: number) => string | undefined;
}

export interface CsvSummary {
  /** Data rows read (header and blank lines excluded). */
  readonly rows: number;
  readonly bars: number;
  readonly rejected: number;
  /** Rejected rows per reason code (only the codes that occurred). */
  readonly rejectedByReason: Readonly<Partial<Record<CsvRejectCode, number>>>;
  readonly timeframe: string;
  readonly format: CsvLayout["kind"];
  /** With `tickSize`: the first accepted row with a price off the tick (line and price), if any. */
  readonly offTick?: { readonly line: number; readonly price: number };
}

/** How many rows are held back to infer the bar interval before the first bar is emitted. */
const INFER_ROWS = 64;

/** The `Adj Close` column of a header, for `adjust`; throws CSV_HEADER when it has none. */
function adjCloseColumn(header: string, where: string): number {
  const names = header
    .replace(/^\uFEFF/, "")
    .split(",")
    .map((h) =>
      h
        .trim()
        .replace(/^"|"$/g, "")
        .toLowerCase()
        .replace(/[\s_]+/g, " "),
    );
  const at = names.indexOf("adj close");
  const i = at >= 0 ? at : names.indexOf("adjusted close");
  if (i < 0)
    throw new CsvFormatError(
      "CSV_HEADER",
      `${where}: adjusting prices (--adjust) needs an "Adj Close" column, and the header has none; run without --adjust to use the prices as given`,
    );
  return i;
}

/** Detects the layout from a header line; throws CSV_HEADER with what is missing. */
export function detectLayout(header: string, where: string): CsvLayout {
  const shown = header.split(",").map((h) => h.trim().replace(/^"|"$/g, ""));
  const names = shown.map((h) => h.toLowerCase());
  const find = (role: string, ...alts: string[]): number => {
    const at = names.flatMap((n, i) => (alts.includes(n) ? [i] : []));
    if (at.length > 1) {
      const list = at.map((i) => `${i + 1} (${shown[i]})`);
      throw new CsvFormatError(
        "CSV_HEADER",
        `${where}: columns ${list.slice(0, -1).join(", ")} and ${list.at(-1)} are both ${role}: which one to read is ambiguous; rename or remove all but one`,
      );
    }
    return at[0] ?? -1;
  };
  const open = find("Open", "open", "o");
  const high = find("High", "high", "h");
  const low = find("Low", "low", "l");
  const close = find("Close", "close", "c");
  const volume = find("Volume", "volume", "vol", "v");
  const ts = find("timestamp", "timestamp", "datetime", "time_stamp", "ts");
  const date = find("Date", "date", "day");
  const time = find("Time", "time");
  const missing = [
    ["Open", open],
    ["High", high],
    ["Low", low],
    ["Close", close],
    ["Volume", volume],
  ]
    .filter(([, i]) => i === -1)
    .map(([n]) => n);
  if (ts === -1 && date === -1 && time === -1) missing.unshift("Date or timestamp");
  if (missing.length > 0) {
    throw new CsvFormatError(
      "CSV_HEADER",
      `${where}: the header has no ${missing.join(", ")} column; expected one of "Date,Time,Open,High,Low,Close,Volume", "Date,Open,High,Low,Close,Adj Close,Volume" or "timestamp,open,high,low,close,volume"`,
    );
  }
  const columns = names.length;
  if (ts !== -1) return { kind: "timestamp", columns, date: ts, time: -1, open, high, low, close, volume };
  if (date !== -1 && time !== -1) return { kind: "date_time", columns, date, time, open, high, low, close, volume };
  // A lone `Time` column holds full timestamps.
  if (date === -1) return { kind: "timestamp", columns, date: time, time: -1, open, high, low, close, volume };
  return { kind: "date", columns, date, time: -1, open, high, low, close, volume };
}

interface ParsedDate {
  y: number;
  m: number;
  d: number;
}

function parseDate(s: string): ParsedDate | undefined {
  let y: number;
  let m: number;
  let d: number;
  if (s.length === 10 && (s[4] === "-" || s[4] === "/") && s[7] === s[4]) {
    y = Number(s.slice(0, 4));
    m = Number(s.slice(5, 7));
    d = Number(s.slice(8, 10));
  } else if (s.length === 8 && /^[0-9]{8}$/.test(s)) {
    y = Number(s.slice(0, 4));
    m = Number(s.slice(4, 6));
    d = Number(s.slice(6, 8));
  } else return undefined;
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return undefined;
  return { y, m, d };
}

/** `HH:MM`, `HH:MM:SS` or `HH:MM:SS.sss` -> [h, m, s, ms]. */
function parseTime(s: string): [number, number, number, number] | undefined {
  const m = /^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,3}))?)?$/.exec(s);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : 0, m[4] ? Number(m[4].padEnd(3, "0")) : 0];
}

/**
 * A number as price files write it: an optional sign, digits with an
 * optional point (`100`, `100.`, `.5`) and an optional exponent. `Number()`
 * alone would also read `0x64`, `0b1100100` and ` 100 ` as 100.
 */
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** Why a field is not a number the reader takes. */
function numberProblem(name: string, s: string): string {
  const t = s.trim();
  if (t !== s && t !== "" && DECIMAL.test(t)) return `${name} "${s}" has spaces around it`;
  const base = /^[+-]?0([xXbBoO])/.exec(t)?.[1]?.toLowerCase();
  if (base !== undefined)
    return `${name} "${s}" is not a decimal number (${base === "x" ? "hexadecimal" : base === "b" ? "binary" : "octal"} is not read)`;
  if (DECIMAL.test(s)) return `${name} "${s}" is not a finite number`;
  return `${name} "${s}" is not a number`;
}

/** The range check without a calendar. */
const inRange = (): string | undefined => undefined;

/** Bars parsed before they are handed over (see CsvBarReader.handOver). */
const HAND_OVER_ROWS = 1024;

/**
 * Streaming CSV-to-bars reader. Push text in chunks of any size; every
 * valid row becomes one `BarData` handed to `onBar`, every bad row one
 * `RejectedRow` handed to `onReject`, both in file order; bars are handed
 * over in batches of at most {@link HAND_OVER_ROWS} (and at the end of each
 * chunk), and nothing is retained past them, so memory stays flat however
 * long the file is.
 *
 * Timestamps: `Date,Time` and naive ISO / `timestamp` values are wall times
 * in `timezone`; epoch numbers (seconds below 1e11, else milliseconds) and
 * ISO strings with an offset are absolute. With `timestamps: "close"` a row
 * stamped T covers [T - interval, T). Date-only rows are session days whose
 * bounds come from the calendar (`dailyBounds`); bars the calendar cannot
 * place are rejected (`outOfRange`). Lines longer than {@link MAX_LINE_BYTES}
 * are rejected and skipped without being held.
 */
export class CsvBarReader {
  readonly options: z.output<typeof CsvOptionsSchema>;
  private readonly zone: ZonedTimeConverter;
  // ignoreBOM keeps a BOM in the text: each line is decoded alone, and only the header may drop one.
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  private readonly encoder = new TextEncoder();
  /** `carry[0, carryLength)`: the start of a line whose newline has not arrived (at most {@link MAX_LINE_BYTES}). */
  private carry: Uint8Array = new Uint8Array(0);
  private carryLength = 0;
  /** Inside a line longer than {@link MAX_LINE_BYTES}, already rejected: bytes are dropped up to its newline. */
  private skipping = false;
  /** Holds the current chunk (after the end of a carried line), reused from chunk to chunk. */
  private work: Uint8Array = new Uint8Array(0);
  private readonly dailyBounds: DailyBounds | undefined;
  /** Always a function (one shape from file to file on the row path): without a calendar, nothing is out of range. */
  private readonly outOfRange: (time: number) => string | undefined;
  /** The quarter hour of bar time last checked against the calendar, and what was found. */
  private rangeSlot = Number.NaN;
  private rangeProblem: string | undefined;
  private readonly byReason: Partial<Record<CsvRejectCode, number>> = {};
  private fast: FastRowParser | undefined;
  private lineNo = 0;
  private layout: CsvLayout | undefined;
  private intervalMs: number | undefined;
  private timeframe: string | undefined;
  private pending: { line: number; stamp: number; o: number; h: number; l: number; c: number; v: number }[] = [];
  private lastTime = Number.NEGATIVE_INFINITY;
  private rows = 0;
  private bars = 0;
  private rejectedCount = 0;
  private ended = false;
  private dailyCloseTime = 0;
  /** Column of `Adj Close` with `adjust`; -1 without. */
  private adjColumn = -1;
  private offTick: { line: number; price: number } | undefined;
  /**
   * Parsed bars not yet handed to `onBar`: up to {@link HAND_OVER_ROWS} rows
   * (or the rest of a chunk) are parsed first, then their bars handed over in
   * one loop. Two short loops rather than one long one: parsing a row and
   * running a backtest on it, row after row, measured 20-30% slower (each
   * loop's code and data stay in the caches while it runs).
   */
  private ready: (BarData | undefined)[] = [];
  private readyCount = 0;

  /** @param calendar the market calendar's answers, or only its daily bounds (see {@link CsvCalendar}). */
  constructor(
    options: CsvOptions,
    private readonly onBar: (bar: BarData) => void,
    private readonly onReject: (row: RejectedRow) => void,
    calendar?: DailyBounds | CsvCalendar,
  ) {
    const hooks: CsvCalendar = typeof calendar === "function" ? { dailyBounds: calendar } : (calendar ?? {});
    this.dailyBounds = hooks.dailyBounds;
    this.outOfRange = hooks.outOfRange ?? inRange;
    const r = CsvOptionsSchema.safeParse(options);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new CsvFormatError("CSV_OPTIONS", `invalid CSV options: ${i?.path.join(".")}: ${i?.message}`);
    }
    this.options = r.data;
    try {
      this.zone = new ZonedTimeConverter(this.options.timezone);
    } catch (e) {
      throw new CsvFormatError("CSV_OPTIONS", e instanceof Error ? e.message : String(e));
    }
    if (this.options.timeframe) this.setInterval((timeframeSeconds(this.options.timeframe) ?? 60) * 1000);
  }

  /**
   * Feeds raw bytes or text. Lines are cut on the bytes (a multi-byte UTF-8
   * sequence split across chunks stays whole, as lines are decoded only once
   * complete); rows of the common shape are parsed from the bytes directly
   * (see {@link FastRowParser}), any other line is decoded and parsed as text.
   */
  push(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === "string" ? this.encoder.encode(chunk) : chunk;
    let from = 0;
    if (this.skipping || this.carryLength > 0) {
      // The line the previous chunk ended in: its end is this chunk's first newline, looked for once (rescanning
      // the carried bytes with every chunk made a file without newlines quadratic).
      const nl = bytes.indexOf(10);
      const end = nl === -1 ? bytes.length : nl;
      if (this.skipping) {
        if (nl === -1) return;
        this.skipping = false;
      } else if (this.carryLength + end > MAX_LINE_BYTES) {
        this.carryLength = 0;
        this.tooLong();
        if (nl === -1) {
          this.skipping = true;
          return;
        }
      } else {
        this.keep(bytes, 0, end);
        if (nl === -1) return;
        const length = this.carryLength;
        this.carryLength = 0;
        this.lineBytes(this.carry, 0, length, true);
      }
      from = nl + 1;
    }
    // Always a plain Uint8Array (never the caller's Buffer): the row parser then sees one array type, and its byte
    // reads stay monomorphic; a Buffer here made parsing a third slower. The bytes are copied into one work
    // array reused from chunk to chunk rather than a new one each time (a megabyte per chunk of garbage).
    const limit = bytes.length - from;
    if (this.work.length < limit) this.work = new Uint8Array(Math.max(limit, 2 * this.work.length));
    const buf = this.work.subarray(0, limit);
    buf.set(from === 0 ? bytes : bytes.subarray(from), 0);
    let start = 0;
    for (;;) {
      // Rows of the common shape are parsed where they stand, their newline found on the way.
      const fast = this.fast;
      if (fast !== undefined) {
        const nl = fast.parseLine(buf, start, limit);
        if (nl >= 0) {
          // Only a row with long columns the bar does not use gets here past the cap.
          if (nl - start > MAX_LINE_BYTES) this.tooLong();
          else this.fastRow(fast);
          start = nl + 1;
          if (this.readyCount >= HAND_OVER_ROWS) this.handOver();
          continue;
        }
      }
      // Any other line (the header, a row the fast path declines, an incomplete last line): cut, then read.
      const nl = buf.indexOf(10, start);
      if (nl === -1) break;
      // A complete line parseLine declined would be declined again by parse: straight to the general path.
      if (nl - start > MAX_LINE_BYTES) this.tooLong();
      else this.lineBytes(buf, start, nl, fast === undefined);
      start = nl + 1;
    }
    if (limit - start > MAX_LINE_BYTES) {
      this.tooLong();
      this.skipping = true;
    } else this.keep(buf, start, limit);
    this.handOver();
  }

  /** Appends bytes [start, end) to the carried line (copied: the caller may reuse its chunk's memory). */
  private keep(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    const need = this.carryLength + n;
    if (this.carry.length < need) {
      const grown = new Uint8Array(Math.min(MAX_LINE_BYTES, Math.max(need, 2 * this.carry.length)));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(src.subarray(start, end), this.carryLength);
    this.carryLength = need;
  }

  /** The current line is longer than {@link MAX_LINE_BYTES}: a rejected row, or an unreadable header. */
  private tooLong(): void {
    this.lineNo++;
    const what = `the line is longer than ${MAX_LINE_BYTES} bytes`;
    if (!this.layout)
      throw new CsvFormatError(
        "CSV_LINE_TOO_LONG",
        `${this.options.file}:${this.lineNo}: ${what}, so it is no CSV header; is this a CSV file of bars?`,
      );
    this.rows++;
    this.reject("CSV_LINE_TOO_LONG", `${what}: no row of bars is; skipped to its end`);
  }

  /** Hands the parsed bars to `onBar`, in order. */
  private handOver(): void {
    const ready = this.ready;
    const n = this.readyCount;
    // Counted before the calls: a callback that throws leaves no bar to be handed over twice.
    this.readyCount = 0;
    for (let i = 0; i < n; i++) {
      const bar = ready[i] as BarData;
      ready[i] = undefined;
      this.onBar(bar);
    }
  }

  /** Flushes the last line and any rows held for interval inference. */
  end(): CsvSummary {
    if (!this.ended) {
      this.ended = true;
      this.skipping = false;
      const length = this.carryLength;
      this.carryLength = 0;
      if (length > 0) this.lineBytes(this.carry, 0, length, true);
      if (!this.layout)
        throw new CsvFormatError("CSV_EMPTY", `${this.options.file}: the file has no header and no rows`);
      this.flushPending();
      this.handOver();
    }
    return {
      rows: this.rows,
      bars: this.bars,
      rejected: this.rejectedCount,
      rejectedByReason: { ...this.byReason },
      timeframe: this.timeframe ?? "1m",
      format: this.layout?.kind ?? "date_time",
      ...(this.offTick ? { offTick: this.offTick } : {}),
    };
  }

  /** One line, bytes [start, end) of `buf` without the newline; `tryFast` unless the fast path declined it already. */
  private lineBytes(buf: Uint8Array, start: number, end: number, tryFast: boolean): void {
    const e = end > start && buf[end - 1] === 13 ? end - 1 : end;
    const fast = this.fast;
    if (tryFast && fast !== undefined && e > start && fast.parse(buf, start, e)) {
      this.fastRow(fast);
      return;
    }
    this.line(this.decoder.decode(buf.subarray(start, e)));
  }

  /** A row the fast path parsed into `fast.values`. */
  private fastRow(fast: FastRowParser): void {
    this.lineNo++;
    this.rows++;
    const v = fast.values;
    this.checked(
      v[F_OPEN] as number,
      v[F_HIGH] as number,
      v[F_LOW] as number,
      v[F_CLOSE] as number,
      v[F_VOLUME] as number,
      v[F_STAMP] as number,
    );
  }

  private line(raw: string): void {
    this.lineNo++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (text.trim() === "") return;
    if (!this.layout) {
      this.layout = detectLayout(text.replace(/^\uFEFF/, ""), `${this.options.file}:${this.lineNo}`);
      if (this.layout.kind === "date") this.setInterval(86_400_000);
      if (this.options.adjust) this.adjColumn = adjCloseColumn(text, `${this.options.file}:${this.lineNo}`);
      const fast = new FastRowParser(this.layout, this.zone);
      // The fast path reads no Adj Close: adjusted rows take the general one.
      if (fast.applicable && this.adjColumn < 0) this.fast = fast;
      return;
    }
    this.rows++;
    this.row(text, this.layout);
  }

  private reject(code: CsvRejectCode, reason: string, line = this.lineNo): void {
    // The bars before this row first: bars and rejections reach the callbacks in file order.
    this.handOver();
    this.rejectedCount++;
    this.byReason[code] = (this.byReason[code] ?? 0) + 1;
    this.onReject({ file: this.options.file, line, code, reason });
  }

  private row(text: string, L: CsvLayout): void {
    const f = text.split(",");
    if (f.length !== L.columns) {
      this.reject("CSV_FIELD_COUNT", `expected ${L.columns} fields, got ${f.length}`);
      return;
    }
    const num = (i: number, name: string): number | undefined => {
      const s = f[i] ?? "";
      const v = DECIMAL.test(s) ? Number(s) : Number.NaN;
      if (!Number.isFinite(v)) {
        this.reject("CSV_BAD_NUMBER", numberProblem(name, s));
        return undefined;
      }
      return v;
    };
    let o = num(L.open, "open");
    if (o === undefined) return;
    let h = num(L.high, "high");
    if (h === undefined) return;
    let l = num(L.low, "low");
    if (l === undefined) return;
    let c = num(L.close, "close");
    if (c === undefined) return;
    const v = num(L.volume, "volume");
    if (v === undefined) return;
    if (this.adjColumn >= 0) {
      const a = num(this.adjColumn, "adj close");
      if (a === undefined) return;
      if (!(a > 0 && c > 0)) {
        this.reject("CSV_NON_POSITIVE_PRICE", `prices must be positive (close ${c}, adj close ${a})`);
        return;
      }
      // All four times one factor (close too, rather than set to Adj Close): the bar keeps its shape exactly.
      const k = a / c;
      o *= k;
      h *= k;
      l *= k;
      c *= k;
    }
    const stamp = this.checkValues(o, h, l, c, v) ? this.stamp(f, L) : undefined;
    if (stamp === undefined) return;
    this.accept(stamp, o, h, l, c, v);
  }

  /** A row whose fields parsed on the fast path: the same checks, in the same order, as {@link row}. */
  private checked(o: number, h: number, l: number, c: number, v: number, stamp: number): void {
    if (this.checkValues(o, h, l, c, v)) this.accept(stamp, o, h, l, c, v);
  }

  /** Rejects (and returns false for) prices and volumes no real bar has. */
  private checkValues(o: number, h: number, l: number, c: number, v: number): boolean {
    if (o <= 0 || h <= 0 || l <= 0 || c <= 0) {
      this.reject("CSV_NON_POSITIVE_PRICE", `prices must be positive (open ${o}, high ${h}, low ${l}, close ${c})`);
      return false;
    }
    if (v < 0) {
      this.reject("CSV_NEGATIVE_VOLUME", `volume ${v} is negative`);
      return false;
    }
    if (h < l) {
      this.reject("CSV_HIGH_LOW", `high ${h} is below low ${l}`);
      return false;
    }
    if (o > h || o < l || c > h || c < l) {
      this.reject("CSV_OUTSIDE_RANGE", `open ${o} or close ${c} is outside the bar's range [${l}, ${h}]`);
      return false;
    }
    return true;
  }

  private accept(stamp: number, o: number, h: number, l: number, c: number, v: number): void {
    // The stamp (open or close time) stands for the bar: it is known before the interval is, so the row is
    // rejected in file order even while the first rows are held back.
    if (this.outOfCalendar(stamp)) return;
    if (this.intervalMs === undefined) this.hold(stamp, o, h, l, c, v);
    else this.emit(this.lineNo, stamp, o, h, l, c, v);
  }

  /**
   * Keeps one of the first rows until the interval is inferred. A method of
   * its own: it runs for a file's first rows only, so V8 leaves it out of
   * the optimised row loop, and a change it sees (a new array per file)
   * does not throw that loop's code away.
   */
  private hold(stamp: number, o: number, h: number, l: number, c: number, v: number): void {
    this.pending.push({ line: this.lineNo, stamp, o, h, l, c, v });
    if (this.pending.length >= INFER_ROWS) this.flushPending();
  }

  /** Parses the row's time stamp (epoch ms); for a daily row, the session day's open. */
  private stamp(f: string[], L: CsvLayout): number | undefined {
    const ds = (f[L.date] ?? "").trim();
    if (L.kind === "date") {
      const d = parseDate(ds);
      let t: { time: number; closeTime: number } | undefined;
      try {
        t = d && this.dayBounds(d);
      } catch (e) {
        if ((e as { code?: unknown }).code !== "CALENDAR_OUT_OF_RANGE") throw e;
        this.reject(
          "CSV_OUT_OF_CALENDAR",
          (e instanceof Error ? e.message : String(e)).replace(/^CALENDAR_OUT_OF_RANGE: /, ""),
        );
        return undefined;
      }
      if (!t) {
        this.reject("CSV_BAD_TIMESTAMP", `date "${ds}" is not a valid YYYY-MM-DD date with a trading session`);
        return undefined;
      }
      this.dailyCloseTime = t.closeTime;
      return t.time;
    }
    if (L.kind === "date_time") {
      const d = parseDate(ds);
      const ts = (f[L.time] ?? "").trim();
      const t = parseTime(ts);
      const e = d && t ? this.zone.toEpoch(d.y, d.m, d.d, t[0], t[1], t[2], t[3]) : undefined;
      if (e === undefined) {
        this.reject("CSV_BAD_TIMESTAMP", `"${ds} ${ts}" is not a valid date and time`);
        return undefined;
      }
      return e;
    }
    const e = this.parseTimestamp(ds);
    if (e === undefined) this.reject("CSV_BAD_TIMESTAMP", `"${ds}" is not an epoch time or ISO 8601 date-time`);
    return e;
  }

  private parseTimestamp(s: string): number | undefined {
    if (/^[0-9]+(\.[0-9]+)?$/.test(s)) {
      const n = Number(s);
      return Math.round(n < 1e11 ? n * 1000 : n);
    }
    const m = /^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9:.]+)(Z|[+-][0-9]{2}:?[0-9]{2})?$/.exec(s);
    if (!m) return undefined;
    const d = parseDate(m[1] ?? "");
    const t = parseTime(m[2] ?? "");
    if (!d || !t) return undefined;
    if (m[3]) {
      const ms = Date.parse(`${m[1]}T${m[2]}${m[3]}`);
      return Number.isFinite(ms) ? ms : undefined;
    }
    return this.zone.toEpoch(d.y, d.m, d.d, t[0], t[1], t[2], t[3]);
  }

  private dayBounds(d: ParsedDate): { time: number; closeTime: number } | undefined {
    if (this.dailyBounds) return this.dailyBounds(d.y, d.m, d.d);
    const time = this.zone.toEpoch(d.y, d.m, d.d, 0, 0, 0);
    if (time === undefined) return undefined;
    const next = new Date(Date.UTC(d.y, d.m - 1, d.d + 1));
    const closeTime = this.zone.toEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0);
    return closeTime === undefined ? undefined : { time, closeTime };
  }

  private setInterval(ms: number): void {
    this.intervalMs = ms;
    this.timeframe = secondsToTimeframe(Math.round(ms / 1000));
  }

  private flushPending(): void {
    if (this.intervalMs === undefined) {
      let gap = Number.POSITIVE_INFINITY;
      for (let i = 1; i < this.pending.length; i++) {
        const dt = (this.pending[i]?.stamp ?? 0) - (this.pending[i - 1]?.stamp ?? 0);
        if (dt > 0 && dt < gap) gap = dt;
      }
      // One row alone says nothing about its length; a minute is the common base feed.
      this.setInterval(Number.isFinite(gap) ? Math.max(1000, Math.round(gap / 1000) * 1000) : 60_000);
    }
    const rows = this.pending;
    this.pending = [];
    for (const r of rows) this.emit(r.line, r.stamp, r.o, r.h, r.l, r.c, r.v);
  }

  /** Rejects (and returns true for) a bar the calendar cannot place; the answer is kept per quarter hour. */
  private outOfCalendar(time: number): boolean {
    const slot = Math.floor(time / 900_000);
    if (slot !== this.rangeSlot) {
      this.rangeSlot = slot;
      this.rangeProblem = this.outOfRange(time);
    }
    if (this.rangeProblem === undefined) return false;
    this.reject("CSV_OUT_OF_CALENDAR", this.rangeProblem);
    return true;
  }

  /** Remembers the first row with a price off the tick (a method apart: it runs only with a tick size). */
  private checkTick(line: number, tick: number, o: number, h: number, l: number, c: number): void {
    for (const p of [o, h, l, c]) {
      if (!onTick(p, tick)) {
        this.offTick = { line, price: p };
        return;
      }
    }
  }

  private emit(line: number, stamp: number, o: number, h: number, l: number, c: number, v: number): void {
    const L = this.layout;
    const interval = this.intervalMs ?? 60_000;
    let time: number;
    let closeTime: number;
    if (L?.kind === "date") {
      // Daily rows are never held back (their interval is known), so the bounds from stamp() belong to this row.
      time = stamp;
      closeTime = this.dailyCloseTime;
    } else if (this.options.timestamps === "close") {
      closeTime = stamp;
      time = stamp - interval;
    } else {
      time = stamp;
      closeTime = stamp + interval;
    }
    if (time < this.lastTime) {
      this.reject(
        "CSV_OUT_OF_ORDER",
        `time ${new Date(time).toISOString()} is before the previous bar's ${new Date(this.lastTime).toISOString()}`,
        line,
      );
      return;
    }
    if (time === this.lastTime) {
      this.reject("CSV_DUPLICATE_TIME", `a bar at ${new Date(time).toISOString()} was already read`, line);
      return;
    }
    this.lastTime = time;
    this.bars++;
    const tick = this.options.tickSize;
    if (tick !== undefined && this.offTick === undefined) this.checkTick(line, tick, o, h, l, c);
    this.ready[this.readyCount++] = {
      symbol: this.options.symbol,
      timeframe: this.timeframe ?? "1m",
      time,
      closeTime,
      open: o,
      high: h,
      low: l,
      close: c,
      volume: v,
    };
  }
}

/** Parses CSV text held in memory (tests, small inputs): every bar and every rejected row. */
export function parseCsvText(
  text: string,
  options: CsvOptions,
  calendar?: DailyBounds | CsvCalendar,
): { bars: BarData[]; rejected: RejectedRow[]; summary: CsvSummary } {
  const bars: BarData[] = [];
  const rejected: RejectedRow[] = [];
  const reader = new CsvBarReader(
    options,
    (b) => bars.push(b),
    (r) => rejected.push(r),
    calendar,
  );
  reader.push(text);
  const summary = reader.end();
  return { bars, rejected, summary };
}
