/**
 * The HTML report in a real browser: the installed `tradeplan backtest
 * --report` on the real 1-minute index future (../shared/data), opened from
 * disk in Debian's Chromium (headless, driven with the playground's
 * playwright-core: no browser download). The page must load with nothing
 * from the network and no console error, draw the candles of the traded
 * timeframe, put each trade's entry and exit marker on the candle that holds
 * the fill, and keep the attribution lightweight-charts' licence asks for.
 * A screenshot and the report are kept in test/e2e/artifacts/ (gitignored).
 *
 * Skips with a message when /usr/bin/chromium (`apt-get install -y
 * chromium`) or ../shared/data is absent.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, sharedFile, tradeplan, workdir } from "./harness.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "test", "e2e", "artifacts");
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`report browser test skipped: ${CHROMIUM} is absent (install it with \`apt-get install -y chromium\`)`);
}
const data = sharedFile("index-future-2006-1m.csv");

/** The parts of playwright-core this test drives (it is the playground's devDependency, resolved from there). */
interface Page {
  on(event: "console", f: (m: { type(): string; text(): string }) => void): void;
  on(event: "pageerror", f: (e: Error) => void): void;
  on(event: "request", f: (r: { url(): string }) => void): void;
  goto(url: string, options: { waitUntil: "load"; timeout: number }): Promise<unknown>;
  waitForFunction(f: () => boolean, arg: undefined, options: { timeout: number }): Promise<unknown>;
  evaluate<T>(f: () => T): Promise<T>;
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
}
interface Browser {
  newPage(options: { viewport: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: {
    launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser>;
  };
}

function playwright(): Playwright {
  const require = createRequire(join(ROOT, "packages", "playground", "package.json"));
  return require("playwright-core") as Playwright;
}

interface ResultTrade {
  readonly symbol: string;
  readonly entryTime: string;
  readonly exitTime: string;
}

/** What the page reports of its chart (window.__tradeplanReport). */
interface PageChart {
  readonly zone: string;
  readonly candles: number;
  readonly candleSeconds: number;
  readonly candleTimes: number[];
  readonly markers: { time: number; text: string }[];
  readonly canvases: number;
}

/** The zone's offset at `t` in seconds, from Intl alone (an oracle of its own, not the report's code). */
function offsetSeconds(zone: string, t: number): number {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return Math.round((wall - Math.floor(t / 1000) * 1000) / 1000);
}

describe.skipIf(!hasChromium || data === undefined)("the HTML report in headless Chromium", () => {
  const dir = workdir("tradeplan-report-");
  const report = join(dir, "report.html");
  let trades: ResultTrade[] = [];
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  let chart: PageChart;

  beforeAll(async () => {
    const plan = join(ROOT, "examples", "plans", "european-index.plan");
    const r = await tradeplan(
      [
        "backtest",
        plan,
        "--data",
        data ?? "",
        "--tz",
        "Europe/Berlin",
        "--timestamps",
        "close",
        "--format",
        "json",
        "--report",
        report,
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    trades = (JSON.parse(r.stdout) as { trades: ResultTrade[] }).trades;
    browser = await playwright().chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    page.on("request", (q) => requests.push(q.url()));
    await page.goto(pathToFileURL(report).href, { waitUntil: "load", timeout: 60_000 });
    await page.waitForFunction(
      () => (globalThis as unknown as { __tradeplanReport?: unknown }).__tradeplanReport !== undefined,
      undefined,
      { timeout: 30_000 },
    );
    chart = await page.evaluate(() => {
      interface Series {
        data(): { time: number }[];
      }
      const w = globalThis as unknown as {
        document: { querySelectorAll(selector: string): { length: number } };
        __tradeplanReport: {
          data: { zone: string; symbols: { candleSeconds: number }[] };
          chart: { candles: Series[]; markers: { markers(): { time: number; text: string }[] }[] };
        };
      };
      const r = w.__tradeplanReport;
      const candles = r.chart.candles[0]?.data() ?? [];
      return {
        zone: r.data.zone,
        candles: candles.length,
        candleSeconds: r.data.symbols[0]?.candleSeconds ?? 0,
        candleTimes: candles.map((c) => c.time),
        markers: (r.chart.markers[0]?.markers() ?? []).map((m) => ({ time: m.time, text: m.text })),
        canvases: w.document.querySelectorAll("canvas").length,
      };
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    copyFileSync(report, join(ARTIFACTS, "report.html"));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("loads from disk alone, with no console error", () => {
    expect(consoleErrors).toEqual([]);
    // Everything the page loads is the page itself (a data: URL is an image made in the page).
    expect(requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"))).toEqual([]);
  });

  it("is one self-contained file of a sensible size, with the licence's attribution", () => {
    const html = readFileSync(report, "utf8");
    expect(statSync(report).size).toBeLessThan(5_000_000);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/);
    expect(html).toContain("Lightweight Charts™ v5.3.0, Copyright (c) TradingView, Inc.");
    expect(html).toContain('<a href="https://www.tradingview.com/">');
    expect(html).toContain("times in Europe/Berlin (exchange time)");
    // Every trade's entry came from an expression rule: hovering its row says why, with the operands' values.
    const rows = [...html.matchAll(/<tr data-trade="\d+" class="(?:win|loss)"( title="why: [^"]+")?>/g)];
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.filter((m) => m[1] === undefined)).toEqual([]);
    expect(rows[0]?.[1]).toMatch(/ ✓/);
  });

  it("draws the candles of the traded timeframe, equity and drawdown", () => {
    expect(chart.zone).toBe("Europe/Berlin");
    // The plan's shortest stream is 5m: 30,889 one-minute bars make some six thousand 5-minute candles.
    expect(chart.candleSeconds).toBe(300);
    expect(chart.candles).toBeGreaterThan(5_000);
    expect(chart.candles).toBeLessThan(30_889 / 4);
    // Each chart draws at least one canvas; three charts.
    expect(chart.canvases).toBeGreaterThanOrEqual(3);
  });

  it("marks every trade's entry and exit on the candle that holds its fill, in Berlin time", () => {
    expect(trades.length).toBeGreaterThan(10);
    expect(chart.markers).toHaveLength(2 * trades.length);
    const candleTimes = new Set(chart.candleTimes);
    for (const m of chart.markers) expect(candleTimes.has(m.time)).toBe(true);
    trades.forEach((t, i) => {
      for (const [kind, iso] of [
        ["buy", t.entryTime],
        ["exit", t.exitTime],
      ] as const) {
        const at = Date.parse(iso);
        const local = Math.floor(at / 1000) + offsetSeconds(chart.zone, at);
        const mine = chart.markers.filter(
          (m) => m.text.startsWith(`#${i + 1} `) && (kind === "buy") === m.text.endsWith(" buy"),
        );
        expect(mine, `trade ${i + 1} ${kind}`).toHaveLength(1);
        const m = mine[0]!;
        expect(m.time, `trade ${i + 1} ${kind} at ${iso}`).toBeLessThanOrEqual(local);
        expect(local - m.time, `trade ${i + 1} ${kind} at ${iso}`).toBeLessThan(chart.candleSeconds);
      }
    });
  });
});
