/**
 * Exchange calendars and exchange-local times through the installed
 * `tradeplan backtest`, on the real files in ../shared/data (skipped with a
 * message when the folder is absent, as in a user's clone) and on small
 * files written here.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHARED_DATA, tradeplan, workdir, writeFiles } from "./harness.js";

const haveData = existsSync(SHARED_DATA);
if (!haveData) console.warn(`e2e calendars: ${SHARED_DATA} is absent; the real-data backtests are skipped`);

interface Trade {
  readonly entryTime: string;
  readonly exitTime: string;
}
interface Result {
  readonly bars: number;
  readonly rejected: number;
  readonly rejectedByReason: Record<string, number>;
  readonly signals: readonly { time: string; timeframe: string }[];
  readonly trades: readonly Trade[];
  readonly plan: { readonly timezone: string };
}

/** An instant as `YYYY-MM-DD HH:MM` in `zone`, by Intl (an oracle independent of tradeplan's formatter). */
function wall(iso: string, zone: string): string {
  return new Date(iso).toLocaleString("sv-SE", { timeZone: zone }).slice(0, 16);
}

/** The trade rows of the pretty summary: [entry, exit] as printed. */
function prettyTrades(stdout: string): [string, string][] {
  return stdout
    .split("\n")
    .map((l) => /^\s+\d+\s+(?:long|short)\s+\d+\s+(\S+(?: \d\d:\d\d)?)\s+[\d.]+\s+(\S+(?: \d\d:\d\d)?)\s/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]);
}

describe.skipIf(!haveData)("backtests on the real data under exchange calendars", () => {
  const dir = workdir("tradeplan-e2e-calendars-");

  it("NVDA daily backtests from its first row (1999) under the default session, dates only for daily trades", async () => {
    writeFiles(dir, {
      "nvda.plan": [
        'plan "NVDA trend"',
        "symbol NVDA",
        "on 1d close crosses above sma(close, 50) enter long size 100 shares",
        "on 1d close crosses below sma(close, 50) exit long",
        "",
      ].join("\n"),
    });
    const file = join(SHARED_DATA, "nvda-1999-2014-1d.csv");
    const rows = readFileSync(file, "utf8").trim().split("\n").length - 1;
    const json = await tradeplan(["backtest", "nvda.plan", "--data", file, "--format", "json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe("");
    const r = JSON.parse(json.stdout) as Result;
    expect(r).toMatchObject({ bars: rows, rejected: 0, rejectedByReason: {} });
    expect(r.signals[0]?.time.slice(0, 4)).toBe("1999");
    // UTC stays in JSON, as ISO instants.
    expect(r.trades[0]?.entryTime).toMatch(/^1999-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const pretty = await tradeplan(["backtest", "nvda.plan", "--data", file], { cwd: dir });
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stdout).toContain(`  bars ${rows}\n`);
    expect(pretty.stdout).toContain("trades, times in America/New_York");
    const trades = prettyTrades(pretty.stdout);
    expect(trades.length).toBe(20);
    // A daily trade is a date: the next session's open, in New York.
    const local = (iso: string) => wall(iso, "America/New_York").slice(0, 10);
    expect(trades).toEqual(r.trades.slice(0, 20).map((t) => [local(t.entryTime), local(t.exitTime)]));
  });

  it("the index future on the XEUR calendar shows Berlin times in the pretty output", async () => {
    writeFiles(dir, {
      "fesx.plan": [
        'plan "Index future breakout"',
        "symbol FESX",
        'session regular "XEUR"',
        "on 15m close crosses above sma(close, 20) between 09:30 and 17:00 enter long size 1 shares",
        "on 15m close crosses below sma(close, 20) exit long",
        "",
      ].join("\n"),
    });
    const file = join(SHARED_DATA, "index-future-2006-1m.csv");
    const args = ["backtest", "fesx.plan", "--data", file, "--timestamps", "close"];
    const json = await tradeplan([...args, "--format", "json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout) as Result;
    // The plan names the calendar and no zone: it is in the exchange's zone, and every minute of the file is in a session.
    expect(r.plan.timezone).toBe("Europe/Berlin");
    expect(r).toMatchObject({ bars: 30_889, rejected: 0 });
    expect(r.trades.length).toBeGreaterThan(20);

    const pretty = await tradeplan(args, { cwd: dir });
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stdout).toContain("trades, times in Europe/Berlin");
    const berlin = (iso: string) => wall(iso, "Europe/Berlin");
    const trades = prettyTrades(pretty.stdout);
    expect(trades).toEqual(r.trades.slice(0, 20).map((t) => [berlin(t.entryTime), berlin(t.exitTime)]));
    // Entries were decided between 09:30 and 17:00 Berlin time and filled at the next bar's open.
    for (const [entry] of trades) expect(entry.slice(11) >= "09:30" && entry.slice(11) <= "17:15").toBe(true);
  });
});

describe("calendar years, session statements and local times (small files)", () => {
  const dir = workdir("tradeplan-e2e-calendars-");

  it("a row stamped 10:30 local is reported as 10:30 local", async () => {
    writeFiles(dir, {
      "berlin.plan": [
        'plan "Berlin"',
        "symbol FDAX",
        'session regular "XEUR"',
        "on 1m close crosses above 100 enter long size 1 shares",
        "on 1m close above 101.5 exit long",
        "",
      ].join("\n"),
      "berlin.csv": [
        "Date,Time,Open,High,Low,Close,Volume",
        "2024-03-05,10:28,99,99,99,99,10",
        "2024-03-05,10:29,99,99,99,99,10",
        "2024-03-05,10:30,101,101,101,101,10",
        "2024-03-05,10:31,102,102,102,102,10",
        "",
      ].join("\n"),
    });
    const args = ["backtest", "berlin.plan", "--data", "berlin.csv", "--timestamps", "close", "--fill", "close"];
    const json = await tradeplan([...args, "--format", "json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout) as Result;
    // 10:30 in Berlin (CET) is 09:30 UTC in JSON: the bar closing at 10:30 decided and filled at its close.
    expect(r.signals[0]?.time).toBe("2024-03-05T09:30:00.000Z");
    expect(r.trades[0]).toMatchObject({ entryTime: "2024-03-05T09:30:00.000Z", exitTime: "2024-03-05T09:31:00.000Z" });
    const pretty = await tradeplan(args, { cwd: dir });
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stdout).toContain("trades, times in Europe/Berlin");
    expect(prettyTrades(pretty.stdout)).toEqual([["2024-03-05 10:30", "2024-03-05 10:31"]]);
  });

  it("rows outside the calendar's years are bad rows with file:line saying which years it covers", async () => {
    writeFiles(dir, {
      "old.plan": 'plan "old"\nsymbol IBM\non 1d close above 1 enter long\n',
      "old.csv": [
        "Date,Open,High,Low,Close,Adj Close,Volume",
        "1989-12-28,10,10,10,10,10,100",
        "1989-12-29,10,10,10,10,10,100",
        "1990-01-02,10,11,10,11,11,100",
        "1990-01-03,11,12,11,12,12,100",
        "",
      ].join("\n"),
    });
    const r = await tradeplan(["backtest", "old.plan", "--data", "old.csv"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "old.csv:2: the XNYS calendar covers 1990-2030; 1989 is outside it (`session always` runs data of any year)\n",
    );
    expect(r.stderr).toContain("old.csv:3: the XNYS calendar covers 1990-2030; 1989 is outside it");
    expect(r.stdout).toContain("rows rejected by reason: CSV_OUT_OF_CALENDAR 2");
    expect(r.stdout).toMatch(/bars 2, 2 rows rejected/);
    // The years the table covers run: bought at 1990-01-03's open.
    expect(r.stdout).toContain("open at the end: long 100 IBM @ 11.00");
  });

  it("checks the session statement's calendar and hours", async () => {
    writeFiles(dir, {
      "bad-cal.plan": 'plan "x"\nsymbol ES\nsession regular "CBOT"\non 5m close above 1 enter long\n',
      "bad-hours.plan": 'plan "x"\nsymbol ES\nsession 16:00-09:30\non 5m close above 1 enter long\n',
      "good.plan": 'plan "x"\nsymbol ES\nsession regular "CME"\non 5m close above 1 enter long\n',
    });
    const bad = await tradeplan(["check", "bad-cal.plan", "bad-hours.plan"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("error[E0307]: unknown exchange calendar `CBOT`");
    expect(bad.stdout).toContain("error[E0308]: malformed session hours `16:00-09:30`");
    const good = await tradeplan(["compile", "good.plan"], { cwd: dir });
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ calendar: "CMES", timezone: "America/Chicago" });
    const explain = await tradeplan(["explain", "E0307"], { cwd: dir });
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain("XEUR");
  });
});
