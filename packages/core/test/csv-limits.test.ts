import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCsvFile } from "@tradeplan/live";
import { afterEach, describe, expect, it } from "vitest";
import {
  CsvBarReader,
  type CsvCalendar,
  CsvFormatError,
  MAX_LINE_BYTES,
  parseCsvText,
  type RejectedRow,
} from "../src/data/csv.js";
import type { BarData } from "../src/models.js";

const NY = { symbol: "T", timezone: "America/New_York", timeframe: "1m" } as const;
const H = "Date,Time,Open,High,Low,Close,Volume";
const row = (min: number, volume = 100) =>
  `2024-01-02,${String(9 + Math.floor((30 + min) / 60)).padStart(2, "0")}:${String((30 + min) % 60).padStart(2, "0")},10,11,9,10,${volume}`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tp-csv-limits-"));
  dirs.push(d);
  return d;
}

/** Reads `text` cut into chunks of `size` bytes: bars as volumes, rejections as `line code`. */
function readChunked(text: string, size: number): { out: string[]; rejected: number } {
  const out: string[] = [];
  const r = new CsvBarReader(
    NY,
    (b) => out.push(`bar ${b.volume}`),
    (x) => out.push(`reject ${x.line} ${x.code}`),
  );
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) r.push(bytes.subarray(i, i + size));
  return { out, rejected: r.end().rejected };
}

describe("CSV line length", () => {
  it("a line longer than 64 KiB is rejected with file:line and CSV_LINE_TOO_LONG; the rows around it are read", () => {
    const long = `2024-01-02,09:31,10,11,9,10,${"7".repeat(MAX_LINE_BYTES)}`;
    const text = `${H}\n${row(0, 1)}\n${long}\n${row(2, 3)}\n`;
    const { bars, rejected, summary } = parseCsvText(text, { ...NY, file: "big.csv" });
    expect(bars.map((b) => b.volume)).toEqual([1, 3]);
    expect(rejected).toEqual([
      {
        file: "big.csv",
        line: 3,
        code: "CSV_LINE_TOO_LONG",
        reason: expect.stringMatching(/longer than 65536 bytes/),
      },
    ]);
    expect(summary).toMatchObject({ rows: 3, bars: 2, rejected: 1 });
  });

  it("the cap does not depend on where the chunks are cut (junk without digits, a line of exactly 64 KiB, CRLF)", () => {
    const exact = `2024-01-02,09:31,10,11,9,10,1${" ".repeat(0)}`.padEnd(MAX_LINE_BYTES, "0");
    const cases = [
      `${H}\n${row(0, 1)}\n${"x".repeat(3 * MAX_LINE_BYTES)}\n${row(2, 3)}\n`,
      `${H}\n${row(0, 1)}\n${exact}\n${exact}0\n${row(4, 3)}`,
      `${H}\r\n${row(0, 1)}\r\n${"y".repeat(MAX_LINE_BYTES - 1)}\r\n${"z".repeat(MAX_LINE_BYTES)}\r\n${row(2, 3)}\r\n`,
    ];
    for (const text of cases) {
      const whole = readChunked(text, text.length + 1);
      for (const size of [1, 7, 4096, MAX_LINE_BYTES - 1, MAX_LINE_BYTES + 3, 1 << 18])
        expect(readChunked(text, size)).toEqual(whole);
    }
    expect(readChunked(cases[0]!, 1 << 18).out).toEqual(["bar 1", "reject 3 CSV_LINE_TOO_LONG", "bar 3"]);
    // A line of exactly 64 KiB is read (and here rejected for its number, not its length); one byte more is not.
    expect(readChunked(cases[1]!, 1 << 18).out).toEqual([
      "bar 1",
      "reject 3 CSV_BAD_NUMBER",
      "reject 4 CSV_LINE_TOO_LONG",
      "bar 3",
    ]);
    // The CR counts: a line of 64 KiB - 1 bytes and its CR is still read; 64 KiB and its CR is too long.
    expect(readChunked(cases[2]!, 1 << 18).out).toEqual([
      "bar 1",
      "reject 3 CSV_FIELD_COUNT",
      "reject 4 CSV_LINE_TOO_LONG",
      "bar 3",
    ]);
  });

  it("a header longer than 64 KiB is a CSV_LINE_TOO_LONG error", () => {
    expect(() => parseCsvText(`${"Date,".repeat(20_000)}\n${row(0)}\n`, { ...NY, file: "h.csv" })).toThrow(
      /h\.csv:1: .*longer than 65536 bytes/,
    );
    try {
      parseCsvText(`${"x".repeat(MAX_LINE_BYTES + 1)}`, NY);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CsvFormatError);
      expect((e as CsvFormatError).code).toBe("CSV_LINE_TOO_LONG");
    }
  });

  it("a 200 MB file that ends without a newline is read in constant memory: one rejected row, no carried line", async () => {
    const file = join(tempDir(), "no-newline.csv");
    const fd = openSync(file, "w");
    writeSync(fd, `${H}\n${row(0, 1)}\n${row(1, 2)}\n2024-01-02,09:32,`);
    const junk = Buffer.alloc(1 << 20, "5");
    for (let i = 0; i < 200; i++) writeSync(fd, junk);
    closeSync(fd);
    const base = process.memoryUsage();
    let peak = 0;
    const bars: number[] = [];
    const rejected: RejectedRow[] = [];
    const summary = await readCsvFile(
      file,
      NY,
      (b) => bars.push(b.volume),
      (r) => rejected.push(r),
      undefined,
      () => {
        const m = process.memoryUsage();
        const grown = m.arrayBuffers - base.arrayBuffers + (m.heapUsed - base.heapUsed);
        peak = Math.max(peak, grown);
        // Fails fast instead of carrying the line on: what the reader holds must not grow with the line.
        if (grown > 48 * 1024 * 1024) throw new Error(`the reader holds ${grown} bytes more than at the start`);
      },
    );
    expect(bars).toEqual([1, 2]);
    expect(rejected.map((r) => [r.line, r.code])).toEqual([[4, "CSV_LINE_TOO_LONG"]]);
    expect(summary).toMatchObject({ rows: 3, bars: 2, rejected: 1 });
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  });
});

describe("CSV numbers", () => {
  it.each([
    ["0x64", /open "0x64" is not a decimal number.*hexadecimal/],
    ["0b1100100", /open "0b1100100" is not a decimal number.*binary/],
    ["0o144", /open "0o144" is not a decimal number.*octal/],
    [" 100 ", /open " 100 " has spaces around it/],
    ["100 ", /open "100 " has spaces around it/],
    ["Infinity", /open "Infinity" is not a number/],
    ["1_000", /open "1_000" is not a number/],
    ["1e999", /open "1e999" is not a finite number/],
  ])("%j is a bad number, with the reason", (value, reason) => {
    const { bars, rejected } = parseCsvText(`${H}\n2024-01-02,09:30,${value},200,50,100,1\n${row(1)}\n`, {
      ...NY,
      file: "n.csv",
    });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ file: "n.csv", line: 2, code: "CSV_BAD_NUMBER" });
    expect(rejected[0]!.reason).toMatch(reason);
    expect(bars).toHaveLength(1);
  });

  it("decimals in the usual spellings are read: exponent, sign, trailing point, leading point", () => {
    const { bars, rejected } = parseCsvText(`${H}\n2024-01-02,09:30,1e2,+200,50.,100,.5\n`, NY);
    expect(rejected).toEqual([]);
    expect(bars.map((b) => [b.open, b.high, b.low, b.close, b.volume])).toEqual([[100, 200, 50, 100, 0.5]]);
  });
});

describe("CSV header roles", () => {
  it.each([
    ["Date,Time,Open,High,Low,Close,Volume,Close", /columns 6 \(Close\) and 8 \(Close\) are both Close/],
    ["Date,Time,Open,High,Low,Close,C,Volume", /columns 6 \(Close\) and 7 \(C\) .*both Close/],
    ["Date,Day,Time,Open,High,Low,Close,Volume", /columns 1 \(Date\) and 2 \(Day\) .*both Date/],
    ["timestamp,ts,open,high,low,close,volume", /both timestamp/],
    ["Date,Time,Open,High,Low,Close,Volume,vol", /both Volume/],
  ])("%s: a role given twice is a CSV_HEADER error", (header, message) => {
    try {
      parseCsvText(`${header}\n`, { ...NY, file: "d.csv" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CsvFormatError);
      expect((e as CsvFormatError).code).toBe("CSV_HEADER");
      expect((e as Error).message).toMatch(/^d\.csv:1: /);
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe("CSV rows outside the calendar", () => {
  /** A calendar that covers 2000-2030, as the NYSE table does. */
  const covered: CsvCalendar = {
    outOfRange: (t) => {
      const y = new Date(t).getUTCFullYear();
      return y < 2000 || y > 2030 ? `the calendar covers 2000-2030; ${y} is outside it` : undefined;
    },
  };

  it("are rejected as bad rows with file:line, counted per reason, and the run goes on", () => {
    const text = `${H}\n1999-12-31,15:58,10,11,9,10,1\n1999-12-31,15:59,10,11,9,10,2\n2024-01-02,09:30,10,11,9,10,3\n2031-01-02,09:30,10,11,9,10,4\n2024-01-02,09:30,x,11,9,10,5\n`;
    const bars: BarData[] = [];
    const rejected: RejectedRow[] = [];
    const reader = new CsvBarReader(
      { ...NY, file: "cal.csv" },
      (b) => bars.push(b),
      (r) => rejected.push(r),
      covered,
    );
    reader.push(text);
    const summary = reader.end();
    expect(bars.map((b) => b.volume)).toEqual([3]);
    expect(rejected.map((r) => [r.line, r.code])).toEqual([
      [2, "CSV_OUT_OF_CALENDAR"],
      [3, "CSV_OUT_OF_CALENDAR"],
      [5, "CSV_OUT_OF_CALENDAR"],
      [6, "CSV_BAD_NUMBER"],
    ]);
    expect(rejected[0]!.reason).toMatch(/1999 is outside it/);
    expect(summary.rejectedByReason).toEqual({ CSV_OUT_OF_CALENDAR: 3, CSV_BAD_NUMBER: 1 });
  });

  it("daily rows whose session day the calendar cannot answer are rejected the same way", () => {
    const text = "Date,Open,High,Low,Close,Volume\n1999-12-30,1,1,1,1,1\n2024-01-02,1,1,1,1,1\n";
    const rejected: string[] = [];
    const reader = new CsvBarReader(
      NY,
      () => undefined,
      (x) => rejected.push(`${x.line} ${x.code} ${x.reason}`),
      (y, m, d) => {
        if (y < 2000) throw Object.assign(new Error(`${y} is outside the table`), { code: "CALENDAR_OUT_OF_RANGE" });
        const time = Date.UTC(y, m - 1, d, 14, 30);
        return { time, closeTime: time + 390 * 60_000 };
      },
    );
    reader.push(text);
    expect(reader.end()).toMatchObject({ bars: 1, rejected: 1, rejectedByReason: { CSV_OUT_OF_CALENDAR: 1 } });
    expect(rejected).toEqual(["2 CSV_OUT_OF_CALENDAR 1999 is outside the table"]);
  });
});
