import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCsvFile } from "@tradeplan/live";
import { describe, expect, it } from "vitest";
import { CsvBarReader, CsvFormatError, parseCsvText } from "../src/data/csv.js";
import type { BarData } from "../src/models.js";

const NY = { symbol: "AAPL", timezone: "America/New_York" };

describe("CSV header detection", () => {
  it("reads Date,Time,... as naive wall times in the plan's zone (bar open by default)", () => {
    const { bars, summary } = parseCsvText(
      "Date,Time,Open,High,Low,Close,Volume,OpenInterest\n2024-01-02,09:30:00,10,11,9,10.5,100,0\n2024-01-02,09:31:00,10.5,11,10,10.7,200,0\n",
      NY,
    );
    expect(summary).toMatchObject({ rows: 2, bars: 2, rejected: 0, timeframe: "1m", format: "date_time" });
    // 09:30 EST = 14:30 UTC.
    expect(bars[0]).toMatchObject({
      time: Date.UTC(2024, 0, 2, 14, 30),
      closeTime: Date.UTC(2024, 0, 2, 14, 31),
      open: 10,
      volume: 100,
    });
  });

  it("--timestamps close: a row stamped T covers [T - interval, T)", () => {
    const { bars } = parseCsvText(
      "Date,Time,Open,High,Low,Close,Volume\n2006-01-02,09:05:00,1,1,1,1,0\n2006-01-02,09:10:00,1,1,1,1,0\n",
      {
        symbol: "I",
        timezone: "Europe/Berlin",
        timestamps: "close",
      },
    );
    expect(bars[0]).toMatchObject({
      timeframe: "5m",
      time: Date.UTC(2006, 0, 2, 8, 0),
      closeTime: Date.UTC(2006, 0, 2, 8, 5),
    });
  });

  it("handles daylight saving time in the zone", () => {
    const { bars } = parseCsvText("Date,Time,Open,High,Low,Close,Volume\n2024-07-01,09:30,1,1,1,1,1\n", {
      ...NY,
      timeframe: "1m",
    });
    expect(bars[0]?.time).toBe(Date.UTC(2024, 6, 1, 13, 30));
  });

  it("reads daily Date,Open,High,Low,Close,Adj Close,Volume rows as session days", () => {
    const { bars, summary } = parseCsvText(
      "Date,Open,High,Low,Close,Adj Close,Volume\n1999-01-22,1.75,1.95,1.55,1.64,1.51,67867200\n1999-01-25,1.77,1.83,1.64,1.81,1.67,12762000\n",
      NY,
      (y, m, d) => ({ time: Date.UTC(y, m - 1, d, 14, 30), closeTime: Date.UTC(y, m - 1, d, 21, 0) }),
    );
    expect(summary).toMatchObject({ timeframe: "1d", format: "date" });
    expect(bars[1]).toMatchObject({
      timeframe: "1d",
      time: Date.UTC(1999, 0, 25, 14, 30),
      closeTime: Date.UTC(1999, 0, 25, 21, 0),
      close: 1.81,
    });
  });

  it("daily rows default to local midnight..midnight", () => {
    const { bars } = parseCsvText("Date,Open,High,Low,Close,Volume\n2024-03-10,1,1,1,1,1\n", NY);
    // 2024-03-10 is the spring-forward day in New York: 23 hours long.
    expect(bars[0]).toMatchObject({ time: Date.UTC(2024, 2, 10, 5), closeTime: Date.UTC(2024, 2, 11, 4) });
  });

  it("reads timestamp columns in epoch seconds, epoch ms, ISO with offset and naive ISO", () => {
    const t = Date.UTC(2024, 0, 2, 14, 30);
    const text = [
      "timestamp,open,high,low,close,volume",
      `${t / 1000},1,1,1,1,1`,
      `${t + 60_000},1,1,1,1,1`,
      "2024-01-02T14:32:00Z,1,1,1,1,1",
      "2024-01-02T09:33:00,1,1,1,1,1",
      "2024-01-02 09:34:00-05:00,1,1,1,1,1",
    ].join("\n");
    const { bars, rejected } = parseCsvText(text, NY);
    expect(rejected).toEqual([]);
    expect(bars.map((b) => (b.time - t) / 60_000)).toEqual([0, 1, 2, 3, 4]);
  });

  it("accepts CRLF line ends, a BOM and a missing final newline", () => {
    const { bars } = parseCsvText(
      "\uFEFFDate,Time,Open,High,Low,Close,Volume\r\n2024-01-02,09:30,1,2,1,2,5\r\n2024-01-02,09:31,2,2,1,1,5",
      NY,
    );
    expect(bars).toHaveLength(2);
  });

  it("rejects a header without the needed columns (fatal, with file:line)", () => {
    expect(() => parseCsvText("Date,Open,High,Close,Volume\n", { ...NY, file: "x.csv" })).toThrow(
      /x\.csv:1: the header has no Low column/,
    );
    expect(() => parseCsvText("open,high,low,close,volume\n", NY)).toThrow(CsvFormatError);
    expect(() => parseCsvText("\n\n", NY)).toThrow(/no header/);
  });

  it("rejects bad options", () => {
    expect(() => parseCsvText("", { ...NY, timezone: "Mars/Base" })).toThrow(/unknown time zone/);
    expect(() => parseCsvText("", { ...NY, timestamps: "middle" as "open" })).toThrow(/timestamps/);
    expect(() => parseCsvText("", { ...NY, timeframe: "5x" })).toThrow(/timeframe/);
  });
});

describe("CSV row validation", () => {
  const H = "Date,Time,Open,High,Low,Close,Volume\n";
  const ok = (min: number) => `2024-01-02,09:${String(30 + min).padStart(2, "0")},10,11,9,10,100`;

  it.each([
    ["CSV_FIELD_COUNT", "2024-01-02,09:31,10,11,9", /expected 7 fields, got 5/],
    ["CSV_BAD_NUMBER", "2024-01-02,09:31,10,abc,9,10,100", /high "abc" is not a number/],
    ["CSV_BAD_NUMBER", "2024-01-02,09:31,10,11,9,10,", /volume "" is not a number/],
    ["CSV_BAD_TIMESTAMP", "2024-02-30,09:31,10,11,9,10,100", /not a valid date and time/],
    ["CSV_BAD_TIMESTAMP", "2024-01-02,9h31,10,11,9,10,100", /not a valid date and time/],
    ["CSV_NON_POSITIVE_PRICE", "2024-01-02,09:31,0,11,9,10,100", /prices must be positive/],
    ["CSV_NEGATIVE_VOLUME", "2024-01-02,09:31,10,11,9,10,-5", /volume -5 is negative/],
    ["CSV_HIGH_LOW", "2024-01-02,09:31,10,9,11,10,100", /high 9 is below low 11/],
    ["CSV_OUTSIDE_RANGE", "2024-01-02,09:31,12,11,9,10,100", /outside the bar's range/],
    ["CSV_DUPLICATE_TIME", ok(0), /already read/],
  ])("%s: rejects the row with file:line and goes on", (code, row, reason) => {
    const { bars, rejected, summary } = parseCsvText(`${H}${ok(0)}\n${row}\n${ok(2)}\n`, {
      ...NY,
      file: "d.csv",
      timeframe: "1m",
    });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ file: "d.csv", line: 3, code });
    expect(rejected[0]?.reason).toMatch(reason);
    expect(bars).toHaveLength(2);
    expect(summary).toMatchObject({ rows: 3, bars: 2, rejected: 1 });
  });

  it("CSV_OUT_OF_ORDER: a bar earlier than the previous one", () => {
    const { rejected, bars } = parseCsvText(`${H}${ok(5)}\n${ok(1)}\n${ok(6)}\n`, { ...NY, timeframe: "1m" });
    expect(rejected.map((r) => [r.line, r.code])).toEqual([[3, "CSV_OUT_OF_ORDER"]]);
    expect(bars).toHaveLength(2);
  });

  it("CSV_BAD_TIMESTAMP for timestamp and daily layouts", () => {
    const a = parseCsvText("timestamp,open,high,low,close,volume\nyesterday,1,1,1,1,1\n", NY);
    expect(a.rejected[0]).toMatchObject({ code: "CSV_BAD_TIMESTAMP", line: 2 });
    const b = parseCsvText("Date,Open,High,Low,Close,Volume\n2024-13-01,1,1,1,1,1\n", NY);
    expect(b.rejected[0]?.reason).toMatch(/not a valid YYYY-MM-DD date/);
  });

  it("keeps file line numbers while rows are held back to infer the interval", () => {
    const rows = [ok(0), ok(1), "2024-01-02,09:32,1,1,1,1,x", ok(3)];
    const { rejected, summary } = parseCsvText(`${H}${rows.join("\n")}\n`, NY);
    expect(rejected[0]).toMatchObject({ line: 4 });
    expect(summary.timeframe).toBe("1m");
  });
});

describe("CSV streaming", () => {
  it("gives the same bars whatever the chunk boundaries", () => {
    const lines = ["Date,Time,Open,High,Low,Close,Volume"];
    for (let i = 0; i < 200; i++)
      lines.push(
        `2024-01-02,${String(9 + Math.floor((30 + i) / 60)).padStart(2, "0")}:${String((30 + i) % 60).padStart(2, "0")},1,2,1,1.5,${i}`,
      );
    const text = `${lines.join("\n")}\n`;
    const whole = parseCsvText(text, NY).bars;
    const bytes = new TextEncoder().encode(text);
    const got: BarData[] = [];
    const r = new CsvBarReader(
      NY,
      (b) => got.push(b),
      () => undefined,
    );
    for (let i = 0; i < bytes.length; i += 7) r.push(bytes.subarray(i, i + 7));
    r.end();
    expect(got).toEqual(whole);
    expect(got).toHaveLength(200);
  });

  it("streams a file and reports bad rows as file:line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tp-csv-"));
    const file = join(dir, "bars.csv");
    writeFileSync(
      file,
      "Date,Time,Open,High,Low,Close,Volume\n2024-01-02,09:30,1,1,1,1,1\noops\n2024-01-02,09:31,1,1,1,1,1\n",
    );
    const bars: BarData[] = [];
    const bad: string[] = [];
    const s = await readCsvFile(
      file,
      NY,
      (b) => bars.push(b),
      (r) => bad.push(`${r.file}:${r.line}: ${r.reason}`),
    );
    expect(s).toMatchObject({ bars: 2, rejected: 1 });
    expect(bad).toEqual([`${file}:3: expected 7 fields, got 1`]);
  });

  it("hands bars and rejected rows over in file order, across read chunks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tp-csv-"));
    const file = join(dir, "bars.csv");
    // About 1.2 MB: several read chunks, with a bad row every 997 rows (so some sit near chunk ends).
    const lines = ["Date,Time,Open,High,Low,Close,Volume"];
    const expected: string[] = [];
    const t0 = Date.UTC(2024, 0, 2, 14, 30);
    for (let i = 0; i < 30_000; i++) {
      const stamp = new Date(t0 + i * 60_000 - 5 * 3_600_000).toISOString();
      if (i % 997 === 500) {
        lines.push(`${stamp.slice(0, 10)},${stamp.slice(11, 19)},1,0.5,1,1,1`);
        expected.push(`reject ${i + 2}`);
      } else {
        lines.push(`${stamp.slice(0, 10)},${stamp.slice(11, 19)},100.25,101.5,99.75,100.5,${1000 + i}`);
        expected.push(`bar ${1000 + i}`);
      }
    }
    writeFileSync(file, `${lines.join("\n")}\n`);
    const seen: string[] = [];
    const s = await readCsvFile(
      file,
      NY,
      (b) => seen.push(`bar ${b.volume}`),
      (r) => seen.push(`reject ${r.line}`),
    );
    expect(s).toMatchObject({ bars: 29_970, rejected: 30 });
    expect(seen).toEqual(expected);
  });

  it("an error thrown by onBar ends the read with that error, and no bar is handed over twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tp-csv-"));
    const file = join(dir, "bars.csv");
    const rows = Array.from(
      { length: 50 },
      (_, i) => `2024-01-02,${10 + Math.floor(i / 60)}:${String(i % 60).padStart(2, "0")},1,1,1,1,${i}`,
    );
    writeFileSync(file, `Date,Time,Open,High,Low,Close,Volume\n${rows.join("\n")}\n`);
    const volumes: number[] = [];
    const boom = new Error("boom");
    await expect(
      readCsvFile(
        file,
        NY,
        (b) => {
          volumes.push(b.volume);
          if (b.volume === 7) throw boom;
        },
        () => undefined,
      ),
    ).rejects.toBe(boom);
    expect(volumes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("a missing file is a CSV_IO error", async () => {
    await expect(
      readCsvFile(
        "/nonexistent/x.csv",
        NY,
        () => undefined,
        () => undefined,
      ),
    ).rejects.toMatchObject({ code: "CSV_IO" });
  });
});

const SHARED = join(import.meta.dirname, "../../../../shared/data");

describe.skipIf(!existsSync(SHARED))("CSV on the shared real data (skipped without ../shared/data)", () => {
  it("reads the 1-minute index future file with close stamps in Berlin time", async () => {
    const bars: BarData[] = [];
    const s = await readCsvFile(
      join(SHARED, "index-future-2006-1m.csv"),
      { symbol: "FDAX", timezone: "Europe/Berlin", timestamps: "close" },
      (b) => {
        if (bars.length < 1) bars.push(b);
      },
      () => undefined,
    );
    expect(s).toMatchObject({ bars: 30_889, rejected: 0, timeframe: "1m" });
    // 09:01 close -> bar [09:00, 09:01) Berlin = 08:00 UTC.
    expect(bars[0]?.time).toBe(Date.UTC(2006, 0, 2, 8, 0));
  });

  it("reads the NVDA daily file", async () => {
    const s = await readCsvFile(
      join(SHARED, "nvda-1999-2014-1d.csv"),
      { symbol: "NVDA" },
      () => undefined,
      () => undefined,
    );
    expect(s).toMatchObject({ bars: 4_012, rejected: 0, timeframe: "1d", format: "date" });
  });
});
