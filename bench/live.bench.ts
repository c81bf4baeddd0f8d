/**
 * Live benchmark: `tradeplan run` as an operator runs it, the built CLI
 * (`node packages/cli/bin/tradeplan.mjs`, the dist the package ships; built
 * here first with `pnpm build`) in a subprocess, on the simulated feed with
 * the paper broker, the audit journal and the state in SQLite, for 100,
 * 1,000 and 10,000 symbols x 5 timeframes (1m, 5m, 15m, 1h, 1d).
 *
 * Per size: the time from spawn to the metrics endpoint and to ACTIVE (the
 * start-up refills a 999-bar lookback on 5m and 20 daily bars from the
 * simulation's history days), the wall-clock time from each bar's close to
 * its decision (`tradeplan_decision_latency_seconds`, scraped from the
 * metrics endpoint, per timeframe and over all of them; every symbol closes
 * at once on every boundary), RSS (`/proc/PID/status`) after the warm-up
 * and at the end, how long a scrape of the endpoint took at most (a blocked
 * event loop shows there), and how long SIGTERM took to end the process:
 * once in the middle of the start-up, once while streaming.
 *
 * The 1,000-symbol run streams until every timeframe has closed at least ten
 * times after the warm-up and at least ten minutes have passed since it (RSS
 * must stay within 10% of its value after the warm-up); 100 and 10,000
 * symbols run two sessions after it to show how the cost grows. It all takes about
 * about an hour. `TRADEPLAN_LIVE_BENCH_SIZES=1000:2` (symbols:sessions[:runs[:speed[:max
 * minutes streaming[:minutes of window]]]], comma separated) runs other sizes.
 *
 * What it measures is checked before anything is printed, and the bench fails
 * (so `pnpm bench live` leaves BENCHMARKS.md alone) rather than write figures
 * of a run that did not do what they describe: every symbol decided on every
 * boundary of every timeframe (each timeframe's count of decisions is a
 * multiple of the symbols and matches the sessions streamed), the rules
 * acted (signals and orders), no bar was rejected, the session stayed
 * ACTIVE, the stop while streaming exited 0. A start-up stop that does not
 * exit cleanly, RSS that is not flat or a slow decision are findings: they
 * are printed with the figures and the goals they miss.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const CLI = "packages/cli/bin/tradeplan.mjs";
const TIMEFRAMES = ["1m", "5m", "15m", "1h", "1d"] as const;
/** Closes of each timeframe in one regular session (09:30-16:00 New York; the last hour is a half). */
const PER_SESSION: Record<(typeof TIMEFRAMES)[number], number> = { "1m": 390, "5m": 78, "15m": 26, "1h": 7, "1d": 1 };
/**
 * Market time per wall-clock time; nights and weekends are skipped (`skip_idle`). A minute of 1,000 symbols
 * takes about 140 ms to process on a busy 2-core machine (most of it the audit journal's commit, up to a
 * quarter of a second at an hourly boundary), so 240 (250 ms a minute) keeps up.
 */
const SPEED = 240;
/** Session days of history before the first streamed day (the 5m cache needs 13, the daily rules 20). */
const HISTORY_DAYS = 25;
/** A Monday: ten sessions end on the Friday of the next week. */
const FROM = "2024-03-04";
/** Sessions streamed before the measurement starts (the first decisions run unoptimised code). */
const WARM_UP_SESSIONS = 1;

interface Case {
  readonly symbols: number;
  /** Daily closes to wait for after the warm-up (each timeframe closes at least this often). */
  readonly sessions: number;
  /** And streaming at least this long after the warm-up (the RSS window). */
  readonly minWindowMs: number;
  /**
   * Stop waiting after this long streaming: the machine did not keep up with the speed (the row says so, its
   * figures cover the window up to then).
   */
  readonly maxStreamMs: number;
  /** The simulation's speed (market time per wall-clock time). */
  readonly speed: number;
  /** Runs of this size (medians beside them when more than one). */
  readonly runs: number;
}

/**
 * The sizes, or `TRADEPLAN_LIVE_BENCH_SIZES` (`SYMBOLS:SESSIONS[:RUNS[:SPEED[:MAX_MINUTES[:WINDOW_MINUTES]]]],...`,
 * e.g. `1000:2` for a quick look); the section names the sizes it ran.
 */
function cases(): Case[] {
  const custom = process.env.TRADEPLAN_LIVE_BENCH_SIZES;
  if (custom)
    return custom.split(",").map((part) => {
      const [n, sessions, runs, speed, maxMin, windowMin] = part.split(":").map(Number);
      return {
        symbols: n || 100,
        sessions: sessions || 1,
        runs: runs || 1,
        speed: speed || SPEED,
        minWindowMs: (windowMin || 0) * 60_000,
        maxStreamMs: (maxMin || 40) * 60_000,
      };
    });
  return [
    { symbols: 1000, sessions: 10, minWindowMs: 10 * 60_000, maxStreamMs: 25 * 60_000, speed: SPEED, runs: 1 },
    { symbols: 100, sessions: 2, minWindowMs: 0, maxStreamMs: 8 * 60_000, speed: SPEED, runs: 2 },
    // A minute of 10,000 symbols takes about ten times as long (over a second on a busy 2-core machine): at a
    // quarter of the speed the clock's pace is a second a minute, which it nearly keeps.
    { symbols: 10_000, sessions: 2, minWindowMs: 0, maxStreamMs: 12 * 60_000, speed: SPEED / 4, runs: 1 },
  ];
}

const PLAN_RULES = `session regular

let trend = close of 1d > sma(close, 20) of 1d
on 1m close crosses above sma(close, 20) with trend enter long size 10 shares
on 5m close above highest(high, 999)[1] enter long size 10 shares
on 15m close crosses below lowest(low, 20)[1] exit long
on 1h close crosses below sma(close, 10) exit long
on 1d close below lowest(low, 19)[1] exit long
`;

function planText(n: number): string {
  const names = Array.from({ length: n }, (_, i) => `S${i}`);
  const lines: string[] = [];
  // Statements are lines of at most 65,536 characters: 500 symbols a line.
  for (let i = 0; i < n; i += 500) lines.push(`symbols ${names.slice(i, i + 500).join(", ")}`);
  return `plan "scale ${n}"\n${lines.join("\n")}\n${PLAN_RULES}`;
}

function configText(days: number, speed: number): string {
  return [
    "feed:",
    "  type: sim",
    "  sim:",
    `    from: "${FROM}"`,
    `    days: ${days}`,
    `    history_days: ${HISTORY_DAYS}`,
    `    speed: ${speed}`,
    "    skip_idle: true",
    "execution_logging:",
    "  level: warn",
    "",
  ].join("\n");
}

/** A free loopback port (closed again at once; the CLI binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (user + system, s) the process has used: what the figures cost whatever the machine's load (wall times
 * grow with it, on 2 shared cores).
 */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th, stime the 13th.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load1 = (): number => loadavg()[0] ?? 0;

/** One scrape: the text and how long it took; undefined while the endpoint is not up. */
async function scrape(port: number): Promise<{ text: string; ms: number } | undefined> {
  const t = performance.now();
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    return { text, ms: performance.now() - t };
  } catch {
    return undefined;
  }
}

/** A metric's value (the first line matching name and labels). */
function value(text: string, name: string, labels = ""): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}${labels}`)) continue;
    const rest = line.slice(name.length + labels.length);
    if (!rest.startsWith(" ")) continue;
    return Number(rest.trim());
  }
  return undefined;
}

/** The sum of a metric over all its label sets (0 when it has none yet). */
function total(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest.startsWith(" ") || rest.startsWith("{")) sum += Number(rest.slice(rest.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** The state the endpoint shows as 1. */
function tradingState(text: string): string {
  const m = /^tradeplan_trading_state\{state="([A-Z]+)"\} 1$/m.exec(text);
  return m?.[1] ?? "unknown";
}

/** Cumulative bucket counts of the decision histogram, per timeframe: le -> count. */
type Buckets = Map<string, Map<number, number>>;

function decisionBuckets(text: string): Buckets {
  const out: Buckets = new Map();
  const re =
    /^tradeplan_decision_latency_seconds_bucket\{(?:le="([^"]+)",timeframe="([^"]+)"|timeframe="([^"]+)",le="([^"]+)")\} (\S+)$/;
  for (const line of text.split("\n")) {
    const m = re.exec(line);
    if (!m) continue;
    const le = m[1] ?? m[4];
    const tf = m[2] ?? m[3];
    if (le === undefined || tf === undefined) continue;
    const b = out.get(tf) ?? new Map<number, number>();
    b.set(le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), Number(m[5]));
    out.set(tf, b);
  }
  return out;
}

/** Bucket counts of `end` minus those of `start` (the measured window), for some timeframes pooled. */
function window(start: Buckets, end: Buckets, tfs: readonly string[]): [number, number][] {
  const sum = new Map<number, number>();
  for (const tf of tfs) {
    const e = end.get(tf);
    if (!e) continue;
    const s = start.get(tf);
    for (const [le, n] of e) sum.set(le, (sum.get(le) ?? 0) + n - (s?.get(le) ?? 0));
  }
  return [...sum].sort((a, b) => a[0] - b[0]);
}

/**
 * A quantile of cumulative buckets, linearly interpolated inside its bucket (as Prometheus' histogram_quantile);
 * Infinity when it lies past the last bound (decisions 10 s or more behind the clock, commits of 2.5 s or more).
 */
function quantile(buckets: readonly [number, number][], q: number): number {
  const count = buckets.at(-1)?.[1] ?? 0;
  if (count === 0) return Number.NaN;
  const rank = q * count;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of buckets) {
    if (n >= rank) {
      if (!Number.isFinite(le)) return Number.POSITIVE_INFINITY;
      return (prevLe + ((le - prevLe) * (rank - prevN)) / Math.max(1, n - prevN)) * 1000;
    }
    prevLe = le;
    prevN = n;
  }
  return prevLe * 1000;
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  readonly dir: string;
}

function launch(dir: string, port: number): Running {
  const err = openSync(join(dir, "stderr.log"), "w");
  const out = openSync(join(dir, "stdout.json"), "w");
  const child = spawn(
    process.execPath,
    [
      CLI,
      "run",
      join(dir, "scale.plan"),
      "--config",
      join(dir, "tradeplan.yaml"),
      "--audit",
      join(dir, "run.db"),
      "--metrics-port",
      String(port),
    ],
    { stdio: ["ignore", out, err] },
  );
  closeSync(err);
  closeSync(out);
  const exited = new Promise<number>((resolve) => child.once("exit", () => resolve(performance.now())));
  return { child, exited, dir };
}

/** The last line of the run's stderr (its error, when it failed). */
function lastLine(dir: string, file = "stderr.log"): string {
  const lines = readFileSync(join(dir, file), "utf8").trimEnd().split("\n");
  return lines.at(-1) ?? "";
}

/** Sends SIGTERM and returns how long the process took to exit (ms); kills it after 30 s. */
async function terminate(run: Running): Promise<number> {
  if (run.child.exitCode !== null || run.child.signalCode !== null)
    throw new Error(`tradeplan exited (${run.child.exitCode}) before SIGTERM was sent: ${lastLine(run.dir)}`);
  const t = performance.now();
  run.child.kill("SIGTERM");
  const killer = setTimeout(() => run.child.kill("SIGKILL"), 30_000);
  const at = await run.exited;
  clearTimeout(killer);
  return at - t;
}

function prepare(c: Case): string {
  const dir = mkdtempSync(join(tmpdir(), "tradeplan-live-bench-"));
  writeFileSync(join(dir, "scale.plan"), planText(c.symbols));
  writeFileSync(join(dir, "tradeplan.yaml"), configText(c.sessions + WARM_UP_SESSIONS + 3, c.speed));
  return dir;
}

interface StartProbe {
  /** Time from spawn to SIGTERM. */
  readonly sentAfterMs: number;
  readonly state: string;
  readonly answerMs: number;
  readonly code: number | null;
  /** The run's last stderr line when it did not exit 0. */
  readonly error: string;
}

/**
 * A run stopped with SIGTERM during its start-up: once the endpoint answers INITIALIZING and `afterMs` have
 * passed since the spawn (the stop must reach a start-up at any point, the earliest included).
 */
async function startProbe(c: Case, afterMs: number): Promise<StartProbe> {
  const dir = prepare(c);
  const port = await freePort();
  const t0 = performance.now();
  const run = launch(dir, port);
  let state = "not started";
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`tradeplan exited (${run.child.exitCode}): ${lastLine(dir)}`);
    const s = await scrape(port);
    if (s) state = tradingState(s.text);
    if (state !== "not started" && performance.now() - t0 >= afterMs) break;
    await sleep(50);
  }
  const sentAfterMs = performance.now() - t0;
  const answerMs = await terminate(run);
  const code = run.child.exitCode;
  const error = code === 0 ? "" : lastLine(dir);
  rmSync(dir, { recursive: true, force: true });
  return { sentAfterMs, state, answerMs, code, error };
}

interface Result {
  readonly c: Case;
  readonly loadStart: number;
  readonly loadEnd: number;
  readonly endpointMs: number;
  readonly activeMs: number;
  /** CPU time of the process up to ACTIVE, and in the measured window (s). */
  readonly cpuActive: number;
  readonly cpuWindow: number;
  readonly rssActive: number;
  readonly rssWarm: number;
  readonly rssEnd: number;
  readonly rssMin: number;
  readonly rssMax: number;
  /** RSS each minute after the warm-up. */
  readonly rssPerMinute: readonly number[];
  readonly streamedMs: number;
  /** Streaming after the warm-up (the measured window). */
  readonly windowMs: number;
  /** The sessions wanted did not close within `maxStreamMs`: the run fell behind the clock. */
  readonly fellBehind: boolean;
  /** Sessions closed after the warm-up. */
  readonly sessions: number;
  readonly scrapeMaxStartMs: number;
  readonly scrapeMaxStreamMs: number;
  /** Closes per timeframe in the measured window, per symbol (boundaries). */
  readonly boundaries: Record<string, number>;
  readonly p50: Record<string, number>;
  readonly p99: Record<string, number>;
  readonly all: { p50: number; p99: number; closes: number };
  readonly commitP99: number;
  /** Rule errors over the whole run, by code (`FN_TIMEOUT 9`), empty when none. */
  readonly ruleErrors: string;
  /** Function calls (evaluations) per wall-clock minute in the window. */
  readonly evaluationsPerMin: number;
  readonly signals: number;
  readonly orders: number;
  readonly termMs: number;
  readonly termCode: number | null;
  /** The run's summary (stdout) after SIGTERM: base bars in and closes evaluated over the whole run. */
  readonly final: { readonly barsIn: number; readonly barsDropped: number; readonly closes: number } | undefined;
  readonly probes: readonly StartProbe[];
}

/**
 * Checks that the run did what its figures describe; returns the problems (none: the figures stand).
 * `last` is the scrape at the end of the window.
 */
function problems(c: Case, last: string, r: Omit<Result, "probes">): string[] {
  const out: string[] = [];
  const days = Math.round(r.boundaries["1d"] ?? 0);
  if (!r.fellBehind && days < c.sessions) out.push(`only ${days} of ${c.sessions} sessions closed after the warm-up`);
  // Every symbol closes at every boundary: over the whole run (the summary after SIGTERM, which finishes the
  // instant in progress), bars and closes that are not a multiple of the symbols mean symbols that did not
  // decide. A scrape may come in the middle of an instant (the session works through a large one in slices,
  // serving scrapes in between), so the window's own counts are checked to within an instant.
  // A SIGTERM in the middle of an instant drops its rest (the summary counts those bars as dropped; a restart
  // would stream them again): the bars then add up with the dropped ones, and the closes are not checked.
  if (!r.final) out.push("no summary on stdout after SIGTERM");
  else {
    const bars = r.final.barsIn + r.final.barsDropped;
    if (bars % c.symbols !== 0)
      out.push(`${bars} base bars in or dropped over the run, not a multiple of ${c.symbols} symbols`);
    if (r.final.barsDropped === 0 && r.final.closes % c.symbols !== 0)
      out.push(`${r.final.closes} closes evaluated over the run, not a multiple of ${c.symbols} symbols`);
  }
  for (const tf of TIMEFRAMES) {
    // A run that fell behind was stopped in the middle of a session: its counts are checked above only.
    if (r.fellBehind) continue;
    const want = days * PER_SESSION[tf];
    const got = r.boundaries[tf] ?? 0;
    // The window's ends are scrapes a second apart, a few minutes of market time at the bench's speeds.
    if (got < want - 1 || got > want + Math.max(1, PER_SESSION[tf] / 10))
      out.push(`${tf}: ${got.toFixed(2)} boundaries over ${days} sessions, expected ${want}`);
  }
  if (r.signals <= 0 || r.orders <= 0)
    out.push(`the rules did not act: ${r.signals} signals, ${r.orders} orders in the window`);
  // A rejected bar makes the figures those of another run (bars missing). Rule errors are a finding, shown in
  // the row (FN_TIMEOUT: a call past engine.budget_ms, on a starved machine); risk rejections and suppressed
  // signals (an entry with a position open) are decisions like any other.
  const bad = rejectionLines(last).filter((l) => l.includes('kind="bar"') && !l.endsWith(" 0"));
  if (bad.length > 0) out.push(`rejected bars: ${bad.join("; ")}`);
  if (tradingState(last) !== "ACTIVE") out.push(`the session was ${tradingState(last)} at the end, not ACTIVE`);
  if (r.termCode !== 0) out.push(`SIGTERM while streaming: exit ${r.termCode}`);
  if (Number.isNaN(r.rssWarm) || Number.isNaN(r.rssEnd)) out.push("RSS was not read");
  return out;
}

/** Base bars in and dropped, and closes evaluated, from the run's summary on stdout (undefined when there is none). */
function summaryOf(dir: string): { barsIn: number; barsDropped: number; closes: number } | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dir, "stdout.json"), "utf8")) as {
      stats?: { barsIn?: unknown; barsDropped?: unknown; closes?: unknown };
    };
    const { barsIn, barsDropped, closes } = s.stats ?? {};
    return typeof barsIn === "number" && typeof closes === "number"
      ? { barsIn, barsDropped: typeof barsDropped === "number" ? barsDropped : 0, closes }
      : undefined;
  } catch {
    return undefined;
  }
}

function rejectionLines(text: string): string[] {
  return text.split("\n").filter((l) => l.startsWith("tradeplan_rejections_total{"));
}

async function measure(c: Case): Promise<Omit<Result, "probes">> {
  const loadStart = load1();
  const dir = prepare(c);
  const port = await freePort();
  const t0 = performance.now();
  const run = launch(dir, port);
  let endpointMs = Number.NaN;
  let activeMs = Number.NaN;
  let scrapeMaxStartMs = 0;
  for (;;) {
    if (run.child.exitCode !== null)
      throw new Error(`tradeplan exited (${run.child.exitCode}) before ACTIVE: ${lastLine(dir)}`);
    const s = await scrape(port);
    if (s) {
      if (Number.isNaN(endpointMs)) endpointMs = performance.now() - t0;
      scrapeMaxStartMs = Math.max(scrapeMaxStartMs, s.ms);
      if (tradingState(s.text) === "ACTIVE") {
        activeMs = performance.now() - t0;
        break;
      }
    }
    await sleep(100);
  }
  const rssActive = rssMiB(run.child.pid ?? 0);
  const cpuActive = cpuSeconds(run.child.pid ?? 0);
  console.error(
    `    ${c.symbols} symbols ACTIVE after ${(activeMs / 1000).toFixed(1)} s, RSS ${rssActive.toFixed(0)} MiB`,
  );
  const samples: { t: number; mib: number }[] = [];
  const streamStart = performance.now();
  let warm: { text: string; rss: number; at: number; cpu: number } | undefined;
  // The window of a run that falls behind before its warm-up is over starts at the first scrape.
  let first: { text: string; rss: number; at: number; cpu: number } | undefined;
  let fellBehind = false;
  let last = "";
  let scrapeMaxStreamMs = 0;
  let lastLog = streamStart;
  const dailyCloses = (text: string) =>
    (value(text, "tradeplan_decision_latency_seconds_count", '{timeframe="1d"}') ?? 0) / c.symbols;
  for (;;) {
    await sleep(1000);
    if (run.child.exitCode !== null)
      throw new Error(`tradeplan exited (${run.child.exitCode}) while streaming: ${lastLine(dir)}`);
    const now = performance.now();
    samples.push({ t: now - streamStart, mib: rssMiB(run.child.pid ?? 0) });
    const s = await scrape(port);
    if (!s) continue;
    scrapeMaxStreamMs = Math.max(scrapeMaxStreamMs, s.ms);
    last = s.text;
    first ??= { text: s.text, rss: samples.at(-1)?.mib ?? Number.NaN, at: now, cpu: cpuSeconds(run.child.pid ?? 0) };
    const days = dailyCloses(s.text);
    if (!warm && days >= WARM_UP_SESSIONS) {
      warm = { text: s.text, rss: samples.at(-1)?.mib ?? Number.NaN, at: now, cpu: cpuSeconds(run.child.pid ?? 0) };
      console.error(`    warm after ${((now - streamStart) / 1000).toFixed(0)} s, RSS ${warm.rss.toFixed(0)} MiB`);
    }
    if (now - lastLog >= 60_000) {
      lastLog = now;
      console.error(
        `    ${((now - streamStart) / 1000).toFixed(0)} s: ${days} sessions, RSS ${samples.at(-1)?.mib.toFixed(0)} MiB, load ${load1().toFixed(2)}`,
      );
    }
    const done = warm !== undefined && days >= c.sessions + WARM_UP_SESSIONS && now - warm.at >= c.minWindowMs;
    if (done) break;
    if (now - streamStart >= c.maxStreamMs) {
      fellBehind = true;
      console.error(
        `    ${days} sessions closed after ${(c.maxStreamMs / 60_000).toFixed(0)} minutes streaming, ${c.sessions + WARM_UP_SESSIONS} wanted: fell behind at speed ${c.speed}`,
      );
      break;
    }
  }
  warm ??= first;
  const streamedMs = performance.now() - streamStart;
  const warmText = warm?.text ?? "";
  const start = decisionBuckets(warmText);
  const end = decisionBuckets(last);
  const p50: Record<string, number> = {};
  const p99: Record<string, number> = {};
  const boundaries: Record<string, number> = {};
  for (const tf of TIMEFRAMES) {
    const w = window(start, end, [tf]);
    p50[tf] = quantile(w, 0.5);
    p99[tf] = quantile(w, 0.99);
    boundaries[tf] = (w.at(-1)?.[1] ?? 0) / c.symbols;
  }
  const pooled = window(start, end, TIMEFRAMES);
  const commit: [number, number][] = [];
  for (const line of last.split("\n")) {
    const m = /^tradeplan_batch_commit_seconds_bucket\{le="([^"]+)"\} (\S+)$/.exec(line);
    if (m) commit.push([m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])]);
  }
  const warmAt = warm ? warm.at - streamStart : 0;
  const after = samples.filter((s) => s.t >= warmAt && !Number.isNaN(s.mib));
  const windowMs = warm ? performance.now() - warm.at : 0;
  const diff = (name: string) => total(last, name) - total(warmText, name);
  const cpuWindow = cpuSeconds(run.child.pid ?? 0) - (warm?.cpu ?? Number.NaN);
  const termMs = await terminate(run);
  const result = {
    final: summaryOf(dir),
    c,
    loadStart,
    loadEnd: load1(),
    endpointMs,
    activeMs,
    cpuActive,
    cpuWindow,
    rssActive,
    rssWarm: warm?.rss ?? Number.NaN,
    rssEnd: after.at(-1)?.mib ?? Number.NaN,
    rssMin: Math.min(...after.map((s) => s.mib)),
    rssMax: Math.max(...after.map((s) => s.mib)),
    rssPerMinute: after.filter((_, i) => i % 60 === 0).map((s) => s.mib),
    streamedMs,
    windowMs,
    fellBehind,
    sessions: dailyCloses(last) - dailyCloses(warmText),
    scrapeMaxStartMs,
    scrapeMaxStreamMs,
    boundaries,
    p50,
    p99,
    all: { p50: quantile(pooled, 0.5), p99: quantile(pooled, 0.99), closes: pooled.at(-1)?.[1] ?? 0 },
    commitP99: quantile(
      commit.sort((a, b) => a[0] - b[0]),
      0.99,
    ),
    evaluationsPerMin: diff("tradeplan_evaluation_seconds_count") / (windowMs / 60_000),
    signals: diff("tradeplan_signals_total"),
    ruleErrors: rejectionLines(last)
      .filter((l) => l.includes('kind="error"') && !l.endsWith(" 0"))
      .map((l) => `${/code="([^"]+)"/.exec(l)?.[1]} ${l.slice(l.lastIndexOf(" ") + 1)}`)
      .join(", "),
    orders: diff("tradeplan_orders_total"),
    termMs,
    termCode: run.child.exitCode,
  };
  const bad = problems(c, last, result);
  if (bad.length > 0) {
    console.error(JSON.stringify(result));
    throw new Error(
      `${c.symbols} symbols: the run did not do what the figures would describe:\n  ${bad.join("\n  ")}\n(stderr: ${dir}/stderr.log)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/** Milliseconds; a quantile past the histogram's last bound (`top`, ms) as "> top". */
const ms = (v: number, top = 10_000): string =>
  Number.isNaN(v) ? "n/a" : v === Number.POSITIVE_INFINITY ? `> ${top}` : v < 10 ? v.toFixed(1) : v.toFixed(0);
/** The last bound of `tradeplan_batch_commit_seconds`, ms. */
const COMMIT_TOP = 2500;
const s1 = (v: number): string => (Number.isNaN(v) ? "n/a" : (v / 1000).toFixed(1));
const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** CPU seconds and the share of a core they are of `wallMs`. */
function cpuText(cpu: number, wallMs: number): string {
  return Number.isNaN(cpu) ? "n/a" : `${cpu.toFixed(1)} (${((cpu * 1000) / wallMs).toFixed(2)})`;
}

function probeText(p: StartProbe | undefined): string {
  if (!p) return "n/a";
  const exit = p.code === 0 ? "exit 0" : `**exit ${p.code}**: ${p.error.replaceAll("|", "\\|")}`;
  return `${ms(p.answerMs)} (${p.state} at ${s1(p.sentAfterMs)} s, ${exit})`;
}

function row(r: Result): string {
  const counts = TIMEFRAMES.map((tf) => int(r.boundaries[tf] ?? 0)).join(" / ");
  const b = r.fellBehind ? `**fell behind**: ${counts}` : counts;
  const p = TIMEFRAMES.map((tf) => ms(r.p99[tf] ?? Number.NaN)).join(" / ");
  return `| ${int(r.c.symbols)} | ${r.c.speed} | ${r.loadStart.toFixed(2)} / ${r.loadEnd.toFixed(2)} | ${s1(r.endpointMs)} | **${s1(r.activeMs)}** | ${cpuText(r.cpuActive, r.activeMs)} / ${cpuText(r.cpuWindow, r.windowMs)} | ${s1(r.streamedMs)} (${s1(r.windowMs)}) | ${b} | ${int(r.evaluationsPerMin)} | ${int(r.orders)}${r.ruleErrors ? ` (rule errors: ${r.ruleErrors})` : ""} | ${ms(r.all.p50)} | **${ms(r.all.p99)}** | ${p} | ${ms(r.commitP99, COMMIT_TOP)} | ${r.rssActive.toFixed(0)} / ${r.rssWarm.toFixed(0)} / ${r.rssEnd.toFixed(0)} | ${r.rssMin.toFixed(0)}-${r.rssMax.toFixed(0)} | ${ms(r.scrapeMaxStartMs)} / ${ms(r.scrapeMaxStreamMs)} | ${probeText(r.probes[0])} | ${probeText(r.probes[1])} | **${ms(r.termMs)}** (exit ${r.termCode}) |`;
}

/** The median row of several runs of one size (each figure's median on its own). */
function medianRow(rs: readonly Result[]): string {
  const f = (g: (r: Result) => number) => median(rs.map(g));
  const b = TIMEFRAMES.map((tf) => int(f((r) => r.boundaries[tf] ?? 0))).join(" / ");
  const p = TIMEFRAMES.map((tf) => ms(f((r) => r.p99[tf] ?? Number.NaN))).join(" / ");
  const first = rs[0];
  return `| ${int(first?.c.symbols ?? 0)} median of ${rs.length} | ${first?.c.speed} | ${f((r) => r.loadStart).toFixed(2)} / ${f((r) => r.loadEnd).toFixed(2)} | ${s1(f((r) => r.endpointMs))} | **${s1(f((r) => r.activeMs))}** | ${cpuText(
    f((r) => r.cpuActive),
    f((r) => r.activeMs),
  )} / ${cpuText(
    f((r) => r.cpuWindow),
    f((r) => r.windowMs),
  )} | ${s1(f((r) => r.streamedMs))} (${s1(f((r) => r.windowMs))}) | ${b} | ${int(f((r) => r.evaluationsPerMin))} | ${int(f((r) => r.orders))} | ${ms(f((r) => r.all.p50))} | **${ms(f((r) => r.all.p99))}** | ${p} | ${ms(
    f((r) => r.commitP99),
    COMMIT_TOP,
  )} | ${f((r) => r.rssActive).toFixed(0)} / ${f((r) => r.rssWarm).toFixed(0)} / ${f((r) => r.rssEnd).toFixed(0)} | ${f((r) => r.rssMin).toFixed(0)}-${f((r) => r.rssMax).toFixed(0)} | ${ms(f((r) => r.scrapeMaxStartMs))} / ${ms(f((r) => r.scrapeMaxStreamMs))} | ${ms(f((r) => r.probes[0]?.answerMs ?? Number.NaN))} | ${ms(f((r) => r.probes[1]?.answerMs ?? Number.NaN))} | **${ms(f((r) => r.termMs))}** |`;
}

/** The commit the CLI was built from, and whether its packages had uncommitted changes. */
function source(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages"], { encoding: "utf8" }).trim();
    return `commit ${head}${dirty ? " with uncommitted changes in packages/" : ""}`;
  } catch {
    return "not a git checkout";
  }
}

function caseText(c: Case): string {
  const window = c.minWindowMs > 0 ? `, a window of at least ${c.minWindowMs / 60_000} minutes` : "";
  return `${int(c.symbols)} symbols at speed ${c.speed}: ${c.sessions} sessions after the warm-up${window}, at most ${c.maxStreamMs / 60_000} minutes streaming, ${c.runs} run${c.runs > 1 ? "s" : ""}`;
}

function report(results: readonly Result[], built: string): string {
  const out: string[] = [];
  out.push("## Live: `tradeplan run` at scale (`bench/live.bench.ts`)");
  out.push("");
  const custom = process.env.TRADEPLAN_LIVE_BENCH_SIZES;
  out.push(
    `Sizes${custom ? ` (\`TRADEPLAN_LIVE_BENCH_SIZES=${custom}\`)` : ""}: ${cases().map(caseText).join("; ")}. A run that has not closed its sessions by then **fell behind** the clock: its figures cover the window up to then.`,
  );
  out.push("");
  out.push(
    `\`pnpm bench live\`: the built CLI (\`node ${CLI}\` after \`pnpm build\`, ${built}) in a subprocess: the simulated feed (1-minute bars, ${HISTORY_DAYS} days of history before ${FROM}, nights and weekends skipped), the paper broker, the audit journal and the state in one SQLite file, \`--metrics-port\`; log level warn. The plan trades N symbols on 5 timeframes (1m, 5m, 15m, 1h, 1d): \`close crosses above sma(close, 20) with trend\` on 1m (\`trend\`: \`close of 1d > sma(close, 20) of 1d\`), \`close above highest(high, 999)[1]\` on 5m (a 1,000-bar cache), \`lowest(low, 20)[1]\` on 15m, \`sma(close, 10)\` on 1h, \`lowest(low, 19)[1]\` on 1d. The start-up asks the simulation for the 5m, 15m, 1h and 1d history at those timeframes (the simulation walks its 1-minute bars and folds them as the bar-close detector would) and rebuilds only the open bars and the 1m cache from 1-minute bars.`,
  );
  out.push("");
  out.push(
    `**speed**: the simulation's market time per wall-clock time (240: a session of 390 minutes in 98 s). **load**: the machine's 1-minute load average at the start and the end of the run (2 cores shared with other work: figures taken under load are inflated). **ACTIVE**: spawn to \`tradeplan_trading_state{state="ACTIVE"} 1\` on the endpoint (polled every 100 ms). **CPU**: user + system time of the process (\`/proc/PID/stat\`) up to ACTIVE and in the measured window, with the share of a core it is of the wall time (below 1 on a loaded machine: the process waited for a core). **decision**: \`tradeplan_decision_latency_seconds\`, wall-clock time from the moment the clock reached a bar's close time to the end of its close's evaluation (every rule, orders sent), all symbols closing at once on every boundary; quantiles interpolated in the histogram's buckets (10 ms wide up to 100 ms), over the window after the first ${WARM_UP_SESSIONS} streamed session (warm-up), per timeframe and pooled. **boundaries**: closes per symbol in that window (checked: every symbol decided at every boundary, as many as the sessions streamed have). **evaluations/min**: function calls on closes per wall-clock minute in the window. **orders**: orders sent in the window. **RSS**: \`/proc/PID/status\` VmRSS at ACTIVE, at the end of the warm-up and at the end; min-max over the window, sampled every second. **scrape max**: the slowest scrape of the endpoint during the start-up and while streaming (the event loop's longest stall, roughly). **SIGTERM**: kill to exit, in two separate runs stopped during their start-up (as soon as the endpoint answers, and at about half of the time to ACTIVE) and once while streaming.`,
  );
  out.push("");
  out.push(
    "| symbols | speed | load start / end | endpoint s | **ACTIVE s** | CPU s to ACTIVE / in window (cores) | streamed s (window) | boundaries 1m / 5m / 15m / 1h / 1d | evaluations/min | orders | decision p50 ms | **decision p99 ms** | p99 1m / 5m / 15m / 1h / 1d ms | commit p99 ms | RSS ACTIVE / warm / end MiB | RSS min-max MiB | scrape max start-up / streaming ms | SIGTERM at once ms | SIGTERM mid start-up ms | **SIGTERM streaming ms** |",
  );
  out.push(
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | --- | --- | ---: |",
  );
  const sizes = [...new Set(results.map((r) => r.c.symbols))].sort((a, b) => a - b);
  for (const n of sizes) {
    const rs = results.filter((r) => r.c.symbols === n);
    for (const r of rs) out.push(row(r));
    if (rs.length > 1) out.push(medianRow(rs));
  }
  out.push("");
  const k = results.find((r) => r.c.symbols === 1000);
  if (k) {
    const every = !k.fellBehind && TIMEFRAMES.every((tf) => (k.boundaries[tf] ?? 0) >= 10);
    const flat = k.rssMax <= k.rssWarm * 1.1 && k.rssMin >= k.rssWarm * 0.9;
    const probesOk = k.probes.every((p) => p.answerMs <= 2000 && p.code === 0);
    const goals = [
      `ACTIVE within 30 s: ${s1(k.activeMs)} s (${k.activeMs <= 30_000 ? "met" : "NOT met"})`,
      `RSS flat (+-10%) over ${s1(k.windowMs)} s after the warm-up: ${k.rssMin.toFixed(0)}-${k.rssMax.toFixed(0)} MiB against ${k.rssWarm.toFixed(0)} MiB (${flat && k.windowMs >= 600_000 ? "met" : "NOT met"})`,
      `decision p99 <= 100 ms over all boundaries with every timeframe closing at least 10 times: ${ms(k.all.p99)} ms, ${every ? "every timeframe 10+ times" : "NOT every timeframe 10 times"} (${every && k.all.p99 <= 100 ? "met" : "NOT met"})`,
      `SIGTERM answered within 2 s with exit 0: ${ms(k.termMs)} ms streaming, ${k.probes.map((p) => `${ms(p.answerMs)} ms (exit ${p.code})`).join(" and ")} in the start-up (${k.termMs <= 2000 && probesOk ? "met" : "NOT met"})`,
      `1,000+ evaluations a minute: ${int(k.evaluationsPerMin)} a wall-clock minute (${k.evaluationsPerMin >= 1000 ? "met" : "NOT met"})`,
    ];
    out.push(`Goals at 1,000 symbols (issue 14): ${goals.join("; ")}.`);
    out.push("");
    out.push(
      `RSS of the 1,000-symbol run each minute after the warm-up (MiB): ${k.rssPerMinute.map((x) => x.toFixed(0)).join(", ")}.`,
    );
  }
  return out.join("\n");
}

/** Runs the benchmark and prints its Markdown section. */
async function main(): Promise<void> {
  console.error("  building the CLI (pnpm build) ...");
  execFileSync("pnpm", ["-s", "build"], { stdio: ["ignore", "inherit", "inherit"] });
  const built = source();
  const results: Result[] = [];
  for (const c of cases()) {
    for (let i = 0; i < c.runs; i++) {
      console.error(
        `  ${c.symbols} symbols at speed ${c.speed}, run ${i + 1} of ${c.runs} (load ${load1().toFixed(2)}) ...`,
      );
      const r = await measure(c);
      const probes = [await startProbe(c, 0), await startProbe(c, r.activeMs / 2)];
      const done = { ...r, probes };
      results.push(done);
      // The figures so far, in case a later size fails.
      console.error(row(done));
    }
  }
  console.log(report(results, built));
}

await main();
