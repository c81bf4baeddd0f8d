import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../packages/cli/src/program.js";
import { captureIO } from "../packages/cli/test/helpers.js";

function harness(cwd: string, isTTY = false) {
  const c = captureIO(cwd, { isTTY });
  return {
    run: (...argv: string[]) => run(argv, c.io),
    get out() {
      return c.out();
    },
    get err() {
      return c.err();
    },
  };
}

const PLAN =
  'plan "cli"\nsymbol TEST\nsession regular\non 1m close above 100 enter long size 10 shares\non 1m trailing stop 2%\n';
const CSV = [
  "Date,Time,Open,High,Low,Close,Volume",
  "2024-01-02,09:30,99,99,99,99,100",
  "2024-01-02,09:31,100.5,100.5,100.5,100.5,100",
  "2024-01-02,09:32,bad,1,1,1,1",
  "2024-01-02,09:33,104,104,104,104,100",
  "2024-01-02,09:34,101,101,101,101,100",
  "2024-01-02,09:35,101,101,101,101,100",
  "",
].join("\n");

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tp-cli-"));
  writeFileSync(join(dir, "p.plan"), PLAN);
  writeFileSync(join(dir, "d.csv"), CSV);
  return dir;
}

describe("tradeplan backtest", () => {
  it("prints a summary, reports bad rows as file:line: reason, and exits 0", async () => {
    const dir = workdir();
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--data", "d.csv")).toBe(0);
    expect(h.err).toContain('d.csv:4: open "bad" is not a number');
    expect(h.out).toContain("cli on TEST");
    expect(h.out).toMatch(/bars 5, 1 rows rejected/);
    expect(h.out).toContain("rows rejected by reason: CSV_BAD_NUMBER 1");
    expect(h.out).toMatch(/trades 1 \(0 won, 1 lost/);
  });

  it("rows outside the calendar's years, hex numbers and a line past 64 KiB are bad rows: file:line, counted per reason", async () => {
    const dir = workdir();
    const rows = [
      "Date,Time,Open,High,Low,Close,Volume",
      "1989-12-29,10:00,99,99,99,99,100",
      "2024-01-02,09:30,99,99,99,99,100",
      "2024-01-02,09:31,0x64,100.5,100.5,100.5,100",
      `2024-01-02,09:32,${"9".repeat(70_000)}`,
      "2024-01-02,09:33,104,104,104,104,100",
      "2024-01-02,09:34,104,104,104,104,100",
      "2031-01-02,10:00,99,99,99,99,100",
      // The file ends in the middle of a row: it is read as the last line.
      "2031-01-02,10:01,99,99",
    ];
    writeFileSync(join(dir, "mixed.csv"), rows.join("\n"));
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--data", "mixed.csv", "--format", "json", "--report", "r.html")).toBe(0);
    expect(h.err).toMatch(/mixed\.csv:2: .*1989 is outside it/);
    expect(h.err).toMatch(/mixed\.csv:4: open "0x64" is not a decimal number \(hexadecimal is not read\)/);
    expect(h.err).toMatch(/mixed\.csv:5: the line is longer than 65536 bytes/);
    expect(h.err).toMatch(/mixed\.csv:8: .*2031 is outside it/);
    expect(h.err).toMatch(/mixed\.csv:9: expected 7 fields, got 4/);
    // In file order, though the first rows are held back until the bar interval is known.
    const lines = h.err.split("\n").filter((l) => l.startsWith("mixed.csv:"));
    expect(lines.map((l) => l.split(":")[1])).toEqual(["2", "4", "5", "8", "9"]);
    const r = JSON.parse(h.out);
    expect(r).toMatchObject({
      bars: 3,
      rejected: 5,
      rejectedByReason: { CSV_BAD_NUMBER: 1, CSV_FIELD_COUNT: 1, CSV_LINE_TOO_LONG: 1, CSV_OUT_OF_CALENDAR: 2 },
    });
    expect(readFileSync(join(dir, "r.html"), "utf8")).toContain(
      "<th>Rejected rows</th><td>5 (CSV_OUT_OF_CALENDAR 2, CSV_BAD_NUMBER 1, CSV_FIELD_COUNT 1, CSV_LINE_TOO_LONG 1)</td>",
    );
  });

  it("--format json prints the stable result document", async () => {
    const dir = workdir();
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--data", "d.csv", "--format", "json", "--fill", "close")).toBe(0);
    const r = JSON.parse(h.out);
    expect(Object.keys(r)).toEqual([
      "format",
      "version",
      "plan",
      "bars",
      "rejected",
      "rejectedByReason",
      "signals",
      "suppressedSignals",
      "suppressedByReason",
      "suppressedOmitted",
      "trades",
      "openPositions",
      "monthlyReturns",
      "currency",
      "perSymbol",
      "stats",
    ]);
    expect(r).toMatchObject({
      format: "tradeplan/backtest-result",
      version: 1,
      bars: 5,
      rejected: 1,
      rejectedByReason: { CSV_BAD_NUMBER: 1 },
    });
    // Enter at the 100.5 close, best close 104, exit at the 101 close (<= 101.92); default slippage 1 bp each way.
    expect(r.trades[0]).toMatchObject({ entryRule: 4, exitRule: 5, quantity: 10 });
    expect(r.trades[0].entryPrice).toBeCloseTo(100.5 * 1.0001, 9);
    expect(r.trades[0].exitPrice).toBeCloseTo(101 * 0.9999, 9);
    expect(r.signals.map((s: { action: string }) => s.action)).toEqual(["ENTER_LONG", "EXIT", "ENTER_LONG"]);
  });

  it("writes the HTML report", async () => {
    const dir = workdir();
    const h = harness(dir);
    expect(await h.run("backtest", "p.plan", "--data", "d.csv", "--report", "r.html")).toBe(0);
    expect(h.err).toContain("report written to `r.html`");
    const html = readFileSync(join(dir, "r.html"), "utf8");
    expect(html).toContain("<!DOCTYPE html>");
    expect(html).toContain('id="equity"');
  });

  it("a plan with errors prints rustc-style diagnostics and exits 1", async () => {
    const dir = workdir();
    writeFileSync(join(dir, "bad.plan"), 'plan "bad"\nsymbol TEST\non 5m close above volume enter long\n');
    const h = harness(dir);
    expect(await h.run("backtest", "bad.plan", "--data", "d.csv")).toBe(1);
    expect(h.err).toMatch(/error\[E\d{4}\]/);
    expect(h.err).toMatch(/--> bad\.plan:3:/);
    expect(h.err).toContain("nothing was run");
    expect(h.out).toBe("");
  });

  it.each([
    [["backtest", "p.plan"], /required option '--data <file>'/],
    [["backtest", "p.plan", "--data", "missing.csv"], /cannot read `missing\.csv`: no such file or directory/],
    [["backtest", "nope.plan", "--data", "d.csv"], /`nope\.plan`: no such file or directory/],
    [["backtest", "p.plan", "--data", "d.csv", "--symbol", "MSFT"], /the plan trades TEST, not MSFT/],
    [["backtest", "p.plan", "--data", "d.csv", "--timestamps", "middle"], /argument 'middle' is invalid/],
    [["backtest", "p.plan", "--data", "d.csv", "--tz", "Mars/Olympus"], /unknown time zone "Mars\/Olympus"/],
    [["backtest", "p.plan", "--data", "h.csv"], /h\.csv:1: the header has no Volume column/],
  ])("bad usage exits 2: %j", async (argv, message) => {
    const dir = workdir();
    writeFileSync(join(dir, "h.csv"), "Date,Time,Open,High,Low,Close\n");
    const h = harness(dir);
    expect(await h.run(...argv)).toBe(2);
    expect(h.err).toMatch(message);
  });

  it("draws a progress bar on a terminal for large files", async () => {
    const dir = workdir();
    const rows = ["Date,Time,Open,High,Low,Close,Volume"];
    // ~9 MB: 120k rows over 308 sessions (the bar only appears from 8 MB up).
    const d = new Date(Date.UTC(2024, 0, 2));
    while (rows.length < 150_000) {
      if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) {
        for (let m = 0; m < 390; m++) {
          const hh = String(9 + Math.floor((30 + m) / 60)).padStart(2, "0");
          const mm = String((30 + m) % 60).padStart(2, "0");
          rows.push(
            `${d.toISOString().slice(0, 10)},${hh}:${mm}:00,100.000000,100.000000,100.000000,100.000000,1000000`,
          );
        }
      }
      d.setUTCDate(d.getUTCDate() + 1);
    }
    writeFileSync(join(dir, "big.csv"), `${rows.join("\n")}\n`);
    const h = harness(dir, true);
    expect(await h.run("backtest", "p.plan", "--data", "big.csv")).toBe(0);
    expect(h.err).toContain("] 100%");
    expect(h.err).toContain("\r[");
  });
});

describe("tradeplan demo", () => {
  it("runs the bundled plan on the bundled data and writes the report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tp-demo-"));
    const h = harness(dir);
    expect(await h.run("demo")).toBe(0);
    expect(h.err).toBe("");
    expect(h.out).toContain("Demo breakout on DEMO");
    expect(h.out).toMatch(/trades \d+/);
    expect(h.out).toContain("report written to tradeplan-demo-report.html");
    const html = readFileSync(join(dir, "tradeplan-demo-report.html"), "utf8");
    expect(html).toContain("Backtest: Demo breakout");
    // Self-contained: nothing loaded from elsewhere (the page links to tradingview.com, as its licence asks).
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/);
    expect(html).toContain("window.LightweightCharts=");
  });
});
