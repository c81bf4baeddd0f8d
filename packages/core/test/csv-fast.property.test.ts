import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { CsvBarReader, parseCsvText } from "../src/data/csv.js";

const NY = { symbol: "T", timezone: "America/New_York", timeframe: "1m" } as const;

/** Plain decimals as files write them: up to 15 digits, with or without a fraction. */
const decimal = fc
  .tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 999_999 }))
  .map(([i, k, f]) => (k === 0 ? String(i) : `${i}.${String(f % 10 ** k).padStart(k, "0")}`));

/** Wall times across 2000-2030, DST change days included (Sundays in March and November). */
const wall = fc.record({
  y: fc.integer({ min: 2000, max: 2030 }),
  m: fc.constantFrom(1, 3, 6, 11, 12),
  d: fc.integer({ min: 1, max: 28 }),
  h: fc.integer({ min: 0, max: 23 }),
  mi: fc.integer({ min: 0, max: 59 }),
  s: fc.constantFrom(0, 0, 30),
  short: fc.boolean(),
});

const p2 = (n: number) => String(n).padStart(2, "0");

describe("CSV fast path", () => {
  it("parses each row to exactly the values Number() and luxon give", () => {
    fc.assert(
      fc.property(wall, decimal, decimal, (w, a, b) => {
        const lo = Math.min(Number(a), Number(b));
        const hi = Math.max(Number(a), Number(b));
        const loS = Number(a) <= Number(b) ? a : b;
        const hiS = Number(a) <= Number(b) ? b : a;
        const time = w.short ? `${w.h}:${p2(w.mi)}` : `${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}`;
        const text = `Date,Time,Open,High,Low,Close,Volume\n${w.y}-${p2(w.m)}-${p2(w.d)},${time},${loS},${hiS},${loS},${hiS},${a}\n`;
        const { bars, rejected } = parseCsvText(text, NY);
        const expected = DateTime.fromObject(
          { year: w.y, month: w.m, day: w.d, hour: w.h, minute: w.mi, second: w.short ? 0 : w.s },
          { zone: NY.timezone },
        );
        // Wall times that do not exist (the skipped DST hour) follow the zone's offset of that hour, as the general path does.
        expect(rejected).toEqual([]);
        expect(bars).toHaveLength(1);
        const bar = bars[0]!;
        expect([bar.open, bar.high, bar.low, bar.close, bar.volume]).toEqual([lo, hi, lo, hi, Number(a)]);
        if (expected.isValid && expected.hour === w.h) expect(bar.time).toBe(expected.toMillis());
      }),
      { numRuns: 400 },
    );
  });

  it("gives the same bars as the general path for rows it declines", () => {
    // The second file differs only in spellings the fast path declines (spaces around the date and time, exponent,
    // ISO-ish time with fractions, a trailing dot, a sign): the general path must read the same values from them.
    const fast =
      "Date,Time,Open,High,Low,Close,Volume\n2024-03-10,01:59:00,10.5,11,10,10.75,1000\n2024-03-10,03:00:00,10.75,11,10.5,11,2000\n";
    const slow =
      "Date,Time,Open,High,Low,Close,Volume\n2024-03-10 , 01:59:00.000,10.5,11.,1e1,10.75,1000\n2024-03-10,3:00:00.0,+10.75,11,10.5,1.1e1,2e3\n";
    const a = parseCsvText(fast, NY);
    const b = parseCsvText(slow, NY);
    expect(b.rejected).toEqual([]);
    expect(b.bars).toEqual(a.bars);
  });

  it("rejects the same bad rows with the same messages on either path", () => {
    const rows = [
      "2024-02-30,09:30,1,1,1,1,1", // no such day
      "2024-02-01,25:00,1,1,1,1,1", // no such hour
      "2024-02-01,09:30,0,1,1,1,1", // non-positive price
      "2024-02-01,09:31,1,1,2,1,1", // high below low
      "2024-02-01,09:32,1,1,1,1", // field count
      "2024-02-01,09:33,1,1,1,x,1", // bad number
      "2024-02-01,09:29,1,1,1,1,1", // out of order (after 09:30 was... rejected, so after none: accepted)
      "2024-02-01,09:29,1,1,1,1,1", // duplicate
    ];
    const { bars, rejected } = parseCsvText(`Date,Time,Open,High,Low,Close,Volume\n${rows.join("\n")}\n`, NY);
    expect(rejected.map((r) => [r.line, r.code])).toEqual([
      [2, "CSV_BAD_TIMESTAMP"],
      [3, "CSV_BAD_TIMESTAMP"],
      [4, "CSV_NON_POSITIVE_PRICE"],
      [5, "CSV_HIGH_LOW"],
      [6, "CSV_FIELD_COUNT"],
      [7, "CSV_BAD_NUMBER"],
      [9, "CSV_DUPLICATE_TIME"],
    ]);
    expect(bars).toHaveLength(1);
  });

  it("keeps multi-byte characters whole when a chunk ends inside one", () => {
    const text = "Date,Time,Open,High,Low,Close,Volume\n2024-02-01,09:30,1,1,1,1,1\n2024-02-01,09:31,1,1,1,1,1€\n";
    const bytes = new TextEncoder().encode(text);
    const euro = bytes.indexOf(0xe2);
    const { rejected: whole } = parseCsvText(text, NY);
    expect(whole.map((r) => r.reason)).toEqual(['volume "1€" is not a number']);
    for (const cut of [euro + 1, euro + 2]) {
      const rows: string[] = [];
      const bars: number[] = [];
      // Feed the bytes in two chunks cut inside the euro sign's three bytes.
      const r = new CsvBarReader(
        NY,
        (b) => bars.push(b.time),
        (x) => rows.push(x.reason),
      );
      r.push(bytes.subarray(0, cut));
      r.push(bytes.subarray(cut));
      r.end();
      expect(rows).toEqual(['volume "1€" is not a number']);
      expect(bars).toHaveLength(1);
    }
  });

  it("reads a file the same whatever its chunks and line endings", () => {
    // Rows the fast path reads, rows it declines (read by the general path), bad rows and blank lines, with LF or
    // CRLF endings, cut into chunks anywhere (inside a row, between a CR and its LF): the fast path finds each
    // row's newline itself, so every such cut must leave the bars and the rejections unchanged.
    const row = fc.oneof(
      fc
        .tuple(decimal, decimal)
        .map(([a, b]) =>
          `${a},${b},${a},${b},${a}`.replace(
            /^([^,]*),([^,]*),/,
            (_, x, y) => `${Math.min(Number(x), Number(y))},${Math.max(Number(x), Number(y))},`,
          ),
        ),
      fc.constant("1e1,11,10,10.5,7."),
      fc.constant("1e1,11,10,10.5, 7"),
      fc.constant("1,1,2,1,1"),
      fc.constant("1,1,1,x,1"),
      fc.constant("1,1,1,1"),
    );
    const file = fc.record({
      rows: fc.array(fc.tuple(row, fc.boolean()), { minLength: 1, maxLength: 40 }),
      crlf: fc.boolean(),
      finalNewline: fc.boolean(),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(file, (f) => {
        const nl = f.crlf ? "\r\n" : "\n";
        const lines = ["Date,Time,Open,High,Low,Close,Volume"];
        f.rows.forEach(([r, blank], i) => {
          if (blank) lines.push("");
          lines.push(`2024-02-01,${p2(10 + Math.floor(i / 60))}:${p2(i % 60)},${r}`);
        });
        const text = lines.join(nl) + (f.finalNewline ? nl : "");
        const read = (chunks: Uint8Array[]) => {
          const out: string[] = [];
          const r = new CsvBarReader(
            NY,
            (b) => out.push(`bar ${b.time} ${b.open} ${b.high} ${b.low} ${b.close} ${b.volume}`),
            (x) => out.push(`reject ${x.line} ${x.code} ${x.reason}`),
          );
          for (const c of chunks) r.push(c);
          const summary = r.end();
          return { out, summary };
        };
        const bytes = new TextEncoder().encode(text);
        const whole = read([bytes]);
        const points = [...new Set(f.cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const p of points) {
          chunks.push(bytes.slice(at, p));
          at = p;
        }
        chunks.push(bytes.slice(at));
        expect(read(chunks)).toEqual(whole);
        expect(read([new TextEncoder().encode(text.replaceAll("\r\n", "\n"))])).toEqual(whole);
        expect(whole.summary.rows).toBe(f.rows.length);
      }),
      { numRuns: 300 },
    );
  });
});
