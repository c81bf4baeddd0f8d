import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "@tradeplan/dsl";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The playground in a real browser: Debian's Chromium, headless, driven with
 * playwright-core (no browser download). The page is served by Vite's dev
 * server started here on a free port. Skips only when /usr/bin/chromium is
 * absent (`apt-get install -y chromium`).
 */
const CHROMIUM = "/usr/bin/chromium";
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = join(PACKAGE_DIR, "test-artifacts");
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`playground e2e tests skipped: ${CHROMIUM} is absent (install it with \`apt-get install -y chromium\`)`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

interface MarkerView {
  readonly code: string;
  readonly severity: number;
  readonly line: number;
  readonly message: string;
}

describe.skipIf(!hasChromium)("playground in headless Chromium", () => {
  let server: ViteDevServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];

  /** The language server's markers, read through the page's test hook. */
  const markers = (): Promise<MarkerView[]> =>
    page.evaluate(async () => {
      const hook = window.__tradeplan!;
      await hook.diagnosticsSettled();
      return hook.markers().map((m) => ({
        code: typeof m.code === "string" ? m.code : (m.code?.value ?? ""),
        severity: m.severity,
        line: m.startLineNumber,
        message: m.message,
      }));
    });

  const setText = (text: string) =>
    page.evaluate((t) => {
      window.__tradeplan!.editor.getModel()!.setValue(t);
    }, text);

  beforeAll(async () => {
    server = await createServer({
      root: PACKAGE_DIR,
      configFile: join(PACKAGE_DIR, "vite.config.ts"),
      logLevel: "warn",
      // Vite reads port 0 as "the default"; ask the OS for a free one instead.
      server: { port: await freePort(), host: "127.0.0.1", strictPort: false },
    });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error("vite did not report the URL it listens on");
    profile = mkdtempSync(join(tmpdir(), "tradeplan-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 150_000 });
    // The first load makes Vite optimise Monaco's modules; later steps are quick.
    await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 150_000 });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("highlights with the Monarch grammar: timeframes, magnitudes, percents, keywords", async () => {
    const tokens = await page.evaluate(() => {
      const { monaco } = window.__tradeplan!;
      const line = "on 1m volume > 1M with close above 2.5% enter long # why";
      const [toks = []] = monaco.editor.tokenize(line, "tradeplan");
      return toks.map((t, i) => {
        const end = toks[i + 1]?.offset ?? line.length;
        return `${line.slice(t.offset, end).trim()}=${t.type}`;
      });
    });
    expect(tokens.filter((t) => !t.startsWith("="))).toEqual([
      "on=keyword.plan",
      "1m=type.timeframe.plan",
      "volume=variable.predefined.plan",
      ">=operator.plan",
      "1M=number.plan",
      "with=keyword.plan",
      "close=variable.predefined.plan",
      "above=keyword.operator.plan",
      "2.5%=number.percent.plan",
      "enter=keyword.plan",
      "long=constant.plan",
      "# why=comment.plan",
    ]);
  });

  it("shows a marker for a mistake typed into the editor, and clears it when fixed", async () => {
    expect((await markers()).filter((m) => m.severity === 8)).toEqual([]);
    await page.click("#editor .view-lines");
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\non 5m close above brekout enter long");
    await page.waitForFunction(() =>
      window.__tradeplan!.markers().some((m) => (typeof m.code === "string" ? m.code : m.code?.value) === "E0201"),
    );
    const found = (await markers()).find((m) => m.code === "E0201");
    expect(found?.message).toContain("brekout");
    expect(found?.severity).toBe(8);
    expect(await page.locator("#problems li.error").count()).toBeGreaterThan(0);
    // Fix it by hand: delete the misspelled line.
    await page.keyboard.press("Shift+Home");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Backspace");
    await page.waitForFunction(() => window.__tradeplan!.markers().every((m) => m.severity !== 8));
  });

  it("completes from the language server on Ctrl+Space", async () => {
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\non 5m close ");
    await page.keyboard.press("Control+Space");
    const rows = page.locator(".suggest-widget .monaco-list-row");
    await rows.first().waitFor({ state: "visible", timeout: 20_000 });
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.some((l) => /\babove\b/.test(l))).toBe(true);
    await page.keyboard.press("Escape");
  });

  it("hovers with the server's documentation", async () => {
    await setText('plan "h"\nsymbol DEMO\nlet avg = sma(close, 20)\non 5m close above avg enter long\n');
    await page.evaluate(() => {
      const { editor } = window.__tradeplan!;
      editor.setPosition({ lineNumber: 3, column: 12 });
      editor.focus();
      editor.trigger("test", "editor.action.showHover", {});
    });
    const hover = page.locator(".monaco-hover-content");
    await hover.first().waitFor({ state: "visible", timeout: 20_000 });
    expect(((await hover.first().textContent()) ?? "").toLowerCase()).toContain("sma");
  });

  it("formats through the language server, as `tradeplan fmt` does", async () => {
    const messy = 'plan   "f"\nsymbol DEMO\non  5m   close   above 150    enter long\n';
    const canonical = format(messy);
    if (!canonical.ok) throw new Error("the formatter rejected the test's plan");
    expect(canonical.text).not.toBe(messy);
    await setText(messy);
    await page.click("#format");
    await page.waitForFunction((want) => window.__tradeplan!.editor.getModel()!.getValue() === want, canonical.text);
  });

  it("backtests the demo plan in the page and draws the report's chart: candles, trade markers, equity", async () => {
    await page.click("#reset");
    await page.click("#run");
    const chart = page.locator("#results .chart[data-points]");
    await chart.waitFor({ state: "visible", timeout: 60_000 });
    // lightweight-charts draws into canvases: one per pane and axis, in each of the three charts at least.
    await expect.poll(() => chart.locator("canvas").count()).toBeGreaterThanOrEqual(3);
    const points = Number(await chart.getAttribute("data-points"));
    const marks = Number(await chart.getAttribute("data-marks"));
    expect(points).toBeGreaterThan(0);
    expect(marks).toBeGreaterThan(0);
    const run = await page.evaluate(() => window.__tradeplan!.backtest());
    expect(run.ok).toBe(true);
    expect(run.trades).toBeGreaterThan(0);
    expect(marks).toBe(2 * run.trades);
    expect(await page.locator("#results .stats").textContent()).toContain("net P&L");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground.png"), fullPage: true });
  });

  it("explains why a plan with errors does not run", async () => {
    await setText('plan "bad"\nsymbol DEMO\non 5m close above nowhere enter long\n');
    await page.click("#run");
    await expect.poll(() => page.locator("#results .run-error").textContent()).toContain("E0201");
  });

  it("raised no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
