/**
 * Burst benchmark: bar-close detection latency on the real clock when many
 * streams close on one boundary. 500 and 10,000 streams (100 and 2,000
 * symbols x 5 timeframes), each wired as live: RealClock -> BarCloseDetector
 * -> Engine.onBarClose (async path, 100 ms budget per function) -> event
 * sink. Every stream gets a trade shortly before the boundary; for every
 * stream we take the wall-clock time from the boundary to (a) its
 * BarCloseEvent and (b) its rule's decision reaching the engine's event sink.
 * The rule fires on every stream ("fires"), or on none ("quiet", to separate
 * the cost of firing from detection and evaluation). Each case runs in its
 * own process. Prints a Markdown section.
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  BarCloseDetector,
  type BarCloseEvent,
  type Clock,
  type Engine,
  type EngineEventSink,
  RealClock,
  VirtualClock,
} from "@tradeplan/core";
import { liveEngine, ShortSessionCalendar, simpleRulePlan, symbolNames, TIMEFRAMES } from "./runtime-streams.js";

/** Length of a session: every stream's bar ends at each session close, so that is the shared boundary. */
const SESSION_MS = 5_000;
/** Trades are fed this long before the boundary (after the previous boundary's work is long done). */
const FEED_BEFORE_MS = 3_000;
const WARM_UP_BOUNDARIES = 3;
/** Evaluations run on a virtual clock before the real-clock boundaries (see warmUp). */
const WARM_UP_EVALUATIONS = 50_000;
const MEASURED_BOUNDARIES = 4;
type Mode = "fires" | "quiet";
const CASES: readonly { streams: number; mode: Mode }[] = [
  { streams: 500, mode: "fires" },
  { streams: 10_000, mode: "fires" },
  { streams: 10_000, mode: "quiet" },
];
/** The goals: decision p99 in ms, by stream count. */
const GOAL_P99_MS = new Map([
  [500, 500],
  [10_000, 50],
]);
/** Price of every trade fed; the rule's threshold is below it ("fires") or above it ("quiet"). */
const PRICE = 100;
const THRESHOLD: Record<Mode, number> = { fires: 1, quiet: 1000 };

interface Dist {
  p50: number;
  p99: number;
  max: number;
  min: number;
}

interface BoundaryResult {
  /** A warm-up boundary: shown per boundary, left out of the pooled percentiles and the goals. */
  warmUp: boolean;
  closes: number;
  /** CPU time the process used from the feed to the last decision (user + system). */
  cpuMs: number;
  /** How late a plain setTimeout due at the boundary ran. */
  timerLateMs: number;
  decisions: number;
  errors: number;
  close: Dist;
  decision: Dist;
}

interface SizeResult {
  streams: number;
  mode: Mode;
  symbols: number;
  boundaries: BoundaryResult[];
  /** Pooled over the measured boundaries. */
  close: Dist;
  decision: Dist;
  closes: number;
  decisions: number;
  errors: number;
  stray: number;
  setupMs: number;
  maxRssMiB: number;
}

/** Nearest-rank percentiles of latencies in ms. */
function dist(xs: readonly number[]): Dist {
  if (xs.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN, min: Number.NaN };
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] as number, min: s[0] as number };
}

/**
 * Wall-clock time with sub-millisecond resolution, on the same scale as
 * `Date.now()` (which the RealClock and so the boundaries use): the offset
 * is taken at a millisecond edge of `Date.now()`.
 */
function wallClock(): () => number {
  const start = Date.now();
  while (Date.now() === start) {
    // Spin to the next millisecond edge (at most 1 ms).
  }
  // timeOrigin is a getter; read once, since this runs twice per stream inside the measured work.
  const base = Date.now() - performance.now();
  return () => base + performance.now();
}

function sleepUntil(t: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));
}

/** One set-up: the engine and the detector feeding it, on a given clock. */
interface Rig {
  readonly engine: Engine;
  readonly detector: BarCloseDetector;
  /** Feeds one trade per symbol at `now` (and the broker a bar, so earlier entries fill). */
  feed(now: number): void;
}

function buildRig(
  symbols: readonly string[],
  mode: Mode,
  clock: Clock,
  sink: EngineEventSink,
  onClose: (e: BarCloseEvent) => void,
): Rig {
  const { engine, broker } = liveEngine(simpleRulePlan(symbols, THRESHOLD[mode]), { sink });
  let failures = 0;
  const detector = new BarCloseDetector({
    clock,
    calendar: new ShortSessionCalendar(SESSION_MS),
    config: { market_hours_only: true },
    onClose: (e) => {
      onClose(e);
      engine.onBarClose(e).catch(() => {
        failures++;
      });
    },
  });
  for (const s of symbols) for (const tf of TIMEFRAMES) detector.addStream(s, tf);
  return {
    engine,
    detector,
    feed(now) {
      if (failures > 0) throw new Error(`${failures} closes failed in the engine`);
      for (let s = 0; s < symbols.length; s++) {
        const symbol = symbols[s] as string;
        const price = PRICE + s / 100;
        // The broker sees the market move on: entries decided at the last boundary fill, as they would live.
        broker.onBar({
          symbol,
          timeframe: "1s",
          time: now,
          closeTime: now + 1000,
          open: price,
          high: price,
          low: price,
          close: price,
          volume: 100,
        });
        // One trade per symbol opens the current bar of all its five streams; their timer is due at the boundary.
        detector.updateTick(symbol, now, price, 100);
      }
    },
  };
}

/**
 * Runs the same set-up on a virtual clock first, so the measured boundaries
 * see optimised code as a process that has been running for a while would
 * (the engine's and detector's methods are shared by all instances).
 */
async function warmUp(symbols: readonly string[], mode: Mode): Promise<void> {
  const start = Math.floor(Date.now() / SESSION_MS) * SESSION_MS - 1000 * SESSION_MS;
  const clock = new VirtualClock(start);
  const sink: EngineEventSink = { evaluations: mode === "quiet", emit: () => undefined };
  const rig = buildRig(symbols, mode, clock, sink, () => undefined);
  const rounds = Math.ceil(WARM_UP_EVALUATIONS / (symbols.length * TIMEFRAMES.length));
  for (let k = 1; k <= rounds; k++) {
    const b = start + k * SESSION_MS;
    clock.advanceTo(b - FEED_BEFORE_MS);
    rig.feed(clock.now());
    clock.advanceTo(b);
    await rig.engine.idle();
  }
  rig.detector.dispose();
}

async function measure(streams: number, mode: Mode): Promise<SizeResult> {
  const t0 = performance.now();
  const wall = wallClock();
  const symbols = symbolNames(streams / TIMEFRAMES.length);
  // One look-up per event (it runs inside the measured work): symbol -> the index of each of its timeframes.
  const streamIndex = new Map<string, Record<string, number>>(
    symbols.map((s, i) => [s, Object.fromEntries(TIMEFRAMES.map((tf, j) => [tf, i * TIMEFRAMES.length + j]))]),
  );
  const idx = (symbol: string, tf: string) => streamIndex.get(symbol)?.[tf] ?? 0;
  await warmUp(symbols, mode);
  // The warm-up set-up is garbage now; collect it rather than let a major GC land in a measured boundary.
  globalThis.gc?.();

  const closeAt = new Float64Array(streams);
  const decideAt = new Float64Array(streams);
  let boundary = 0;
  let closes = 0;
  let decisions = 0;
  let errors = 0;
  let stray = 0;
  let allDecided: (() => void) | undefined;

  // The decision on each close. Fires: the signal, or its suppression while the position is open (the
  // engine's output for a firing rule). Quiet: the NONE evaluation, which only the evaluation event shows.
  const quiet = mode === "quiet";
  const sink: EngineEventSink = {
    evaluations: quiet,
    emit(e) {
      if (e.type === "bar_rejected") return;
      const decision = quiet
        ? e.type === "evaluation" || e.type === "error"
        : e.type === "signal" || e.type === "suppressed" || e.type === "error";
      if (!decision) return;
      const i = idx(e.symbol, e.timeframe);
      if (e.time !== boundary || !Number.isNaN(decideAt[i] as number)) {
        stray++;
        return;
      }
      decideAt[i] = wall() - boundary;
      if (e.type === "error") errors++;
      if (++decisions === streams) allDecided?.();
    },
  };
  const rig = buildRig(symbols, mode, new RealClock(), sink, (e) => {
    const i = idx(e.symbol, e.timeframe);
    if (e.closeTime === boundary && Number.isNaN(closeAt[i] as number)) {
      closeAt[i] = wall() - boundary;
      closes++;
    } else stray++;
  });
  const setupMs = performance.now() - t0;
  // The rig just built is young: collect now so it is promoted here, as a long-running process's engine is,
  // instead of being copied by the young-generation collections of the first measured boundaries.
  globalThis.gc?.();

  const results: BoundaryResult[] = [];
  const pooledClose: number[] = [];
  const pooledDecision: number[] = [];
  const first = Math.ceil((Date.now() + FEED_BEFORE_MS + 500) / SESSION_MS) * SESSION_MS;
  for (let k = 0; k < WARM_UP_BOUNDARIES + MEASURED_BOUNDARIES; k++) {
    const b = first + k * SESSION_MS;
    await sleepUntil(b - FEED_BEFORE_MS);
    closeAt.fill(Number.NaN);
    decideAt.fill(Number.NaN);
    closes = 0;
    decisions = 0;
    errors = 0;
    boundary = b;
    rig.feed(Date.now());
    // A plain timer due 1 ms before the boundary, armed after the feed so Node usually runs it before the
    // detector's timer (both count from the same cached loop time): how late this machine wakes a timer.
    let probe = Number.NaN;
    const probed = new Promise<void>((resolve) => {
      setTimeout(
        () => {
          probe = wall() - (b - 1);
          resolve();
        },
        b - 1 - Date.now(),
      );
    });
    const settled = new Promise<void>((resolve) => {
      allDecided = resolve;
    });
    // The process is idle from here to the boundary, so this CPU time is the boundary's work.
    const cpu0 = process.cpuUsage();
    // Give up on missing streams before the next feed, so they are counted as not detected.
    await Promise.race([settled, sleepUntil(b + SESSION_MS - FEED_BEFORE_MS - 500)]);
    const cpu = process.cpuUsage(cpu0);
    allDecided = undefined;
    await probed;
    const warmUpBoundary = k < WARM_UP_BOUNDARIES;
    // The arrays are reused per boundary: keep copies of the samples.
    const c = [...closeAt].filter((x) => !Number.isNaN(x));
    const d = [...decideAt].filter((x) => !Number.isNaN(x));
    results.push({
      warmUp: warmUpBoundary,
      closes,
      decisions,
      errors,
      cpuMs: (cpu.user + cpu.system) / 1000,
      timerLateMs: probe,
      close: dist(c),
      decision: dist(d),
    });
    if (warmUpBoundary) continue;
    pooledClose.push(...c);
    pooledDecision.push(...d);
  }
  rig.detector.dispose();
  const measured = results.filter((r) => !r.warmUp);
  return {
    streams,
    mode,
    symbols: symbols.length,
    boundaries: results,
    close: dist(pooledClose),
    decision: dist(pooledDecision),
    closes: measured.reduce((a, r) => a + r.closes, 0),
    decisions: measured.reduce((a, r) => a + r.decisions, 0),
    errors: measured.reduce((a, r) => a + r.errors, 0),
    stray,
    setupMs,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

const ms = (v: number): string => (Number.isNaN(v) ? "n/a" : v.toFixed(1));
const int = (n: number): string => n.toLocaleString("en-US");

function report(results: readonly SizeResult[], load: number): string {
  const out: string[] = [];
  out.push("## Burst (`bench/burst.bench.ts`)");
  out.push("");
  out.push(
    `Bar-close detection on the real clock (\`RealClock\`, default detector config: no grace, no early arming) when every stream closes on one boundary. Each stream has one rule, \`on TF close above X enter long\` (TF in ${TIMEFRAMES.join(", ")}), wired as live: detector \`onClose\` -> \`Engine.onBarClose\` (async path, 100 ms budget timer per function, paper broker, risk validator) -> event sink.`,
  );
  out.push(
    `Sessions last ${SESSION_MS / 1000} s (a bench calendar), so each session close ends the bar of every stream at once, as 16:00 does on NYSE. ${FEED_BEFORE_MS / 1000} s before each boundary one trade per symbol at ${PRICE} opens the bar of its five streams (and the paper broker gets a bar, so the entries of the previous boundary fill as they would live).`,
  );
  out.push(
    `Per stream, wall-clock time from the boundary to **close** = its \`BarCloseEvent\` handed to \`onClose\`, and to **decision** = its rule's result reaching the engine's sink. **fires** (X = ${THRESHOLD.fires}): every rule fires; the decision is the \`signal\` event, or the \`suppressed\` event once the symbol's position is open (after the warm-up boundary, almost all of them). **quiet** (X = ${THRESHOLD.quiet}): no rule fires; the decision is the NONE \`evaluation\` event (the sink asks for evaluation events).`,
  );
  out.push(
    `Before the clock runs, the same set-up processes ${int(WARM_UP_EVALUATIONS)} evaluations on a virtual clock (a live process has run many closes before; without it the code runs unoptimised). Then the measured set-up is collected once (\`gc()\`: a long-running process's engine lives in the old generation), runs ${WARM_UP_BOUNDARIES} warm-up boundaries on the real clock (the first boundaries after start also grow V8's young generation and finish optimising; they are listed below as warm-up, and are what the first closes after a start see) and ${MEASURED_BOUNDARIES} measured; percentiles pooled over the measured boundaries (nearest rank). Each case in its own process. 1-minute load average when the run started: ${load.toFixed(2)}.`,
  );
  out.push("");
  out.push(
    "| streams | rule | detected (close / decision) | errors | close p50 ms | close p99 ms | close max ms | decision p50 ms | **decision p99 ms** | decision max ms | peak RSS MiB |",
  );
  out.push("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    const expected = r.streams * MEASURED_BOUNDARIES;
    out.push(
      `| ${int(r.streams)} (${int(r.symbols)} x ${TIMEFRAMES.length}) | ${r.mode} | ${int(r.closes)} / ${int(r.decisions)} of ${int(expected)} | ${r.errors} | ${ms(r.close.p50)} | ${ms(r.close.p99)} | ${ms(r.close.max)} | ${ms(r.decision.p50)} | **${ms(r.decision.p99)}** | ${ms(r.decision.max)} | ${r.maxRssMiB.toFixed(0)} |`,
    );
  }
  out.push("");
  out.push(
    "Per boundary (`plain timer late` = how late a bare `setTimeout` due 1 ms before the boundary ran, the machine's own wake-up delay — when it is far above `first close`, Node ran it after the detector's timer and the boundary's work, and it says nothing; `first close` = the earliest BarCloseEvent, i.e. the detector's timer; `last close` = when the detector had emitted them all; `CPU ms` = CPU time this process used for the boundary, user + system, all its threads (V8's GC and compiler threads included): a decision max well above it means the process waited for a core):",
  );
  out.push("");
  out.push(
    "| streams | rule | boundary | detected | plain timer late ms | first close ms | last close ms | decision p50 ms | decision p99 ms | decision max ms | CPU ms |",
  );
  out.push("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    r.boundaries.forEach((b, i) => {
      const label = b.warmUp ? `warm-up ${i + 1}` : String(i + 1 - WARM_UP_BOUNDARIES);
      out.push(
        `| ${int(r.streams)} | ${r.mode} | ${label} | ${int(b.decisions)} | ${ms(b.timerLateMs)} | ${ms(b.close.min)} | ${ms(b.close.max)} | ${ms(b.decision.p50)} | ${ms(b.decision.p99)} | ${ms(b.decision.max)} | ${ms(b.cpuMs)} |`,
      );
    });
  }
  out.push("");
  for (const r of results) {
    const goal = GOAL_P99_MS.get(r.streams);
    if (goal === undefined) continue;
    const all = r.closes === r.streams * MEASURED_BOUNDARIES && r.decisions === r.streams * MEASURED_BOUNDARIES;
    const met = all && r.errors === 0 && r.decision.p99 < goal;
    out.push(
      `Goal: ${int(r.streams)} streams (${r.mode}), decision p99 < ${goal} ms with every stream detected — measured p99 ${ms(r.decision.p99)} ms, ${all ? "all" : "NOT all"} detected, ${r.errors} errors (${met ? "met" : "NOT met"}).`,
    );
  }
  for (const r of results) {
    const cpu = r.boundaries
      .filter((b) => !b.warmUp)
      .map((b) => b.cpuMs)
      .sort((a, b) => a - b);
    const med = cpu[Math.floor(cpu.length / 2)] ?? Number.NaN;
    out.push(
      `CPU per close, ${int(r.streams)} streams (${r.mode}): ${((med * 1000) / r.streams).toFixed(1)} µs (median boundary ${ms(med)} ms of CPU for ${int(r.streams)} closes: detector + engine + the bench's own bookkeeping + V8 background threads).`,
    );
  }
  const stray = results.reduce((a, r) => a + r.stray, 0);
  if (stray > 0) out.push(`(${stray} events did not belong to the boundary being measured and were not counted.)`);
  return out.join("\n");
}

if (process.env.TRADEPLAN_BENCH_CASE) {
  const [n, mode] = process.env.TRADEPLAN_BENCH_CASE.split("|") as [string, Mode];
  console.log(JSON.stringify(await measure(Number(n), mode)));
} else {
  const self = fileURLToPath(import.meta.url);
  const load = loadavg()[0] ?? 0;
  const results = CASES.map((c) => {
    console.error(`  ${c.streams} streams, ${c.mode} ...`);
    return JSON.parse(
      execFileSync(process.execPath, ["--expose-gc", self], {
        env: { ...process.env, TRADEPLAN_BENCH_CASE: `${c.streams}|${c.mode}` },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      }),
    ) as SizeResult;
  });
  console.log(report(results, load));
}
