/**
 * Peers benchmark: tradeplan against other engines, run side by side in one
 * invocation on the same files with the same rule (bench/plans/peer-breakout-*.plan:
 * a 5-minute close crossing above the highest high of the 12 bars before it
 * enters long, a trailing stop on 5-minute closes exits, fills at the next
 * 1-minute open):
 *
 * - **tradeplan**: whole process = the built CLI, `node packages/cli/bin/tradeplan.mjs
 *   backtest PLAN --data FILE --format json` (after scripts/build.mjs);
 *   in process = the runtime's `runBacktestCsv`.
 * - **backtrader** (Python, ../shared/peers/backtrader; skipped with a
 *   message when absent): bench/peers/backtrader_breakout.py.
 * - **grademark** (npm): bench/peers/grademark_breakout.mjs.
 * - **byte loop**, the floor: bench/peers/byteloop_breakout.mjs, one loop
 *   over the file's bytes with no framework.
 *
 * Every engine's entry decisions (5-minute close times, local time) must be
 * the same list as tradeplan's, run by run, or the bench fails. Prints a
 * Markdown section.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runBacktestCsv } from "@tradeplan/live";
import { runByteLoop } from "./peers/byteloop_breakout.mjs";
import { readBars, runGrademark } from "./peers/grademark_breakout.mjs";
import { compilePlan, csvFile, SYNTHETIC_1M } from "./runtime-data.js";

const ROOT = process.cwd();
const SHARED = resolve(ROOT, "../shared");
const PEERS = join(SHARED, "peers");
const CLI = join(ROOT, "packages", "cli", "bin", "tradeplan.mjs");

interface DataCase {
  readonly name: string;
  /** What the file is, for the table. */
  readonly label: string;
  readonly plan: string;
  /** Whether a row's time is its bar's open or its close. */
  readonly stamps: "open" | "close";
  /** Whole-process runs per engine (the in-process runs follow one warm-up run). */
  readonly runs: number;
  /** The file, made or found when the case runs; undefined when it is absent. */
  readonly file: () => string | undefined;
}

const REAL_FILE = join(SHARED, "data", "index-future-2006-1m.csv");
const CASES: readonly DataCase[] = [
  {
    name: "real",
    label: "real index future, 1-minute (`../shared/data/index-future-2006-1m.csv`, Europe/Berlin, close stamps)",
    plan: "bench/plans/peer-breakout-fdax.plan",
    stamps: "close",
    runs: 5,
    file: () => (existsSync(REAL_FILE) ? REAL_FILE : undefined),
  },
  {
    name: "synthetic",
    label: `synthetic AAPL-like, 1-minute (${SYNTHETIC_1M.sessions.toLocaleString("en-US")} NYSE sessions, the replay bench's file)`,
    plan: "bench/plans/peer-breakout-aapl.plan",
    stamps: "open",
    runs: 3,
    file: () => csvFile(SYNTHETIC_1M).path,
  },
];

type Engine = "tradeplan" | "backtrader" | "grademark" | "byteloop";
const ENGINES: readonly Engine[] = ["tradeplan", "backtrader", "grademark", "byteloop"];
const ENGINE_LABEL: Record<Engine, string> = {
  tradeplan: "tradeplan",
  backtrader: "backtrader 1.9.78 (Python 3)",
  grademark: "grademark 0.3.0",
  byteloop: "byte loop (floor)",
};

/** What the plan says, read from its text so that the peers run the numbers the plan states. */
interface Rule {
  readonly trail: number;
  readonly size: number;
  readonly timezone: string;
}

function ruleOf(planFile: string): Rule {
  const text = readFileSync(planFile, "utf8");
  // The peers implement exactly this channel: a plan that says anything else is not what they run.
  if (!/on 5m close crosses above highest\(high, 12\)\[1\] enter long/.test(text)) {
    throw new Error(`${planFile}: the peers implement 'on 5m close crosses above highest(high, 12)[1] enter long'`);
  }
  const trail = /on 5m trailing stop ([0-9.]+)%/.exec(text)?.[1];
  const size = /size ([0-9]+) shares/.exec(text)?.[1];
  const zone = /timezone "([^"]+)"/.exec(text)?.[1];
  if (!trail || !size || !zone) throw new Error(`${planFile}: no 5m trailing stop, size or timezone`);
  return { trail: Number(trail), size: Number(size), timezone: zone };
}

/** `YYYY-MM-DD HH:MM` in `zone` of an ISO time (the peers' local stamps). */
function localStamper(zone: string): (iso: string) => string {
  const f = new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return (iso) => f.format(new Date(iso));
}

interface Outcome {
  bars: number;
  entryTimes: string[];
}

interface Measured {
  /** Whole process, spawn to exit, ms per run. */
  wallMs: number[];
  /** Whole process, CPU time (user + system) per run, ms; empty where /proc is not there to tell. */
  cpuMs: number[];
  /** In process, from the file to the result, ms per timed run. */
  inMs: number[];
  /** In process, CPU time (user + system, the whole process's threads) per timed run, ms. */
  inCpuMs: number[];
  outcome: Outcome;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * CPU time (user + system, ms) of this process's waited-for children so far:
 * `cutime` + `cstime` of /proc/self/stat, in clock ticks of 10 ms (Linux's
 * USER_HZ). On a shared machine a child's CPU time moves far less with the
 * load than its wall time. Undefined without /proc.
 */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name's closing parenthesis start at field 3; cutime and cstime are fields 16 and 17.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return undefined;
  }
}

/** Runs a command whose stdout is one JSON document. Throws with its stderr when it fails. */
function spawnJson(
  cmd: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): { ms: number; cpuMs: number | undefined; json: unknown } {
  const cpu0 = childrenCpuMs();
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env: env ?? process.env, encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  const ms = performance.now() - t;
  const cpu1 = childrenCpuMs();
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr || r.error}`);
  const cpuMs = cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0;
  return { ms, cpuMs, json: JSON.parse(r.stdout) };
}

/** Builds the CLI to dist/ as `pnpm build` does (scripts/build.mjs: tsc -b, only what changed). */
function buildCli(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * Runs `f`, rebuilding the CLI and running it again when the launcher finds
 * no build: other work in the same checkout (packing, clean builds) may
 * remove dist/ between two runs. A retried run is timed afresh.
 */
function withBuiltCli<T>(f: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return f();
    } catch (e) {
      if (attempt >= 3 || !String(e).includes("the CLI is not built")) throw e;
      console.error("  dist/ was removed meanwhile: building the CLI again ...");
      buildCli();
    }
  }
}

/** One whole-process run of an engine: wall time, outcome, and the in-process seconds a Python peer reports. */
function wholeProcess(
  engine: Engine,
  c: DataCase,
  file: string,
  rule: Rule,
): { ms: number; cpuMs: number | undefined; outcome: Outcome; inMs?: number; inCpuMs?: number } {
  const trail = String(rule.trail);
  switch (engine) {
    case "tradeplan": {
      const { ms, cpuMs, json } = withBuiltCli(() =>
        spawnJson(process.execPath, [
          CLI,
          "backtest",
          c.plan,
          "--data",
          file,
          "--timestamps",
          c.stamps,
          "--format",
          "json",
        ]),
      );
      const j = json as { bars: number; signals: { action: string; time: string }[] };
      const local = localStamper(rule.timezone);
      return {
        ms,
        cpuMs,
        outcome: {
          bars: j.bars,
          entryTimes: j.signals.filter((s) => s.action === "ENTER_LONG").map((s) => local(s.time)),
        },
      };
    }
    case "backtrader": {
      const { ms, cpuMs, json } = spawnJson(
        "python3",
        ["bench/peers/backtrader_breakout.py", file, c.stamps, trail, String(rule.size)],
        { ...process.env, PYTHONPATH: PEERS },
      );
      const j = json as Outcome & { runSeconds: number; runCpuSeconds: number };
      return { ms, cpuMs, outcome: j, inMs: j.runSeconds * 1000, inCpuMs: j.runCpuSeconds * 1000 };
    }
    case "grademark": {
      const { ms, cpuMs, json } = spawnJson(process.execPath, [
        "bench/peers/grademark_breakout.mjs",
        file,
        c.stamps,
        trail,
      ]);
      return { ms, cpuMs, outcome: json as Outcome };
    }
    case "byteloop": {
      const { ms, cpuMs, json } = spawnJson(process.execPath, [
        "bench/peers/byteloop_breakout.mjs",
        file,
        c.stamps,
        trail,
      ]);
      return { ms, cpuMs, outcome: json as Outcome };
    }
  }
}

/** In-process runs of a JavaScript engine, in a child process of its own (its JIT and heap its own). */
async function inProcess(
  engine: Engine,
  c: DataCase,
  file: string,
  runs: number,
): Promise<{ ms: number[]; cpuMs: number[] }> {
  const rule = ruleOf(c.plan);
  let run: () => Promise<Outcome>;
  if (engine === "tradeplan") {
    const plan = compilePlan(readFileSync(c.plan, "utf8"), c.plan);
    const symbol = plan.symbols[0] as string;
    const local = localStamper(rule.timezone);
    run = async () => {
      const { result } = await runBacktestCsv({
        plan,
        file,
        csv: { symbol, timezone: plan.timezone, timestamps: c.stamps },
        broker: { fillAt: "next_open" },
      });
      return {
        bars: result.bars,
        entryTimes: result.signals.filter((s) => s.action === "ENTER_LONG").map((s) => local(s.time)),
      };
    };
  } else if (engine === "grademark") {
    run = async () => runGrademark(readBars(file, c.stamps), rule.trail);
  } else if (engine === "byteloop") {
    run = async () => runByteLoop(file, c.stamps, rule.trail);
  } else throw new Error(`${engine} is not run in process here`);
  const ms: number[] = [];
  const cpuMs: number[] = [];
  let first: Outcome | undefined;
  // Run 0 warms the JIT up and is not timed.
  for (let i = 0; i <= runs; i++) {
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    const t = performance.now();
    const o = await run();
    if (i > 0) {
      ms.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      cpuMs.push((used.user + used.system) / 1000);
    }
    first ??= o;
    if (JSON.stringify(o.entryTimes) !== JSON.stringify(first.entryTimes)) throw new Error(`${engine}: runs differ`);
  }
  return { ms, cpuMs };
}

/** Fails the bench unless `got` made exactly the entries `want` made. */
function assertSameEntries(engine: Engine, c: DataCase, want: Outcome, got: Outcome): void {
  if (got.bars !== want.bars) throw new Error(`${c.name}: ${engine} read ${got.bars} bars, tradeplan ${want.bars}`);
  const a = want.entryTimes;
  const b = got.entryTimes;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      throw new Error(
        `${c.name}: ${engine} disagrees with tradeplan on the entries (${b.length} against ${a.length}); first difference at entry ${i + 1}: ${engine} ${b[i] ?? "none"}, tradeplan ${a[i] ?? "none"}`,
      );
    }
  }
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const secs = (ms: number): string => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const medianOrNaN = (xs: readonly number[]): number => (xs.length > 0 ? median(xs) : Number.NaN);
const times = (x: number): string => `×${x >= 10 ? x.toFixed(0) : x.toFixed(2)}`;

async function main(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const loadStart = loadavg();
  const withBacktrader = existsSync(join(PEERS, "backtrader"));
  if (!withBacktrader) console.error(`  backtrader skipped: ${PEERS}/backtrader is absent (see the peers README)`);
  // What users run: the built CLI (scripts/build.mjs, as `pnpm build`), not whatever an older build left in dist/.
  console.error("  building the CLI (scripts/build.mjs) ...");
  buildCli();
  const engines = ENGINES.filter((e) => e !== "backtrader" || withBacktrader);
  const out: string[] = [];
  const results: { c: DataCase; bars: number; entries: number; m: Map<Engine, Measured> }[] = [];
  const skipped: string[] = [];
  for (const c of CASES) {
    const file = c.file();
    if (file === undefined) {
      skipped.push(`${c.name}: ${REAL_FILE} is absent`);
      console.error(`  ${c.name} skipped: ${REAL_FILE} is absent`);
      continue;
    }
    const rule = ruleOf(c.plan);
    const m = new Map<Engine, Measured>();
    // Whole processes, engines interleaved run by run so that a change in the machine's load falls on all of them.
    for (let i = 0; i < c.runs; i++) {
      for (const e of engines) {
        console.error(`  ${c.name}: ${e} whole process, run ${i + 1} of ${c.runs} ...`);
        const r = wholeProcess(e, c, file, rule);
        const cur = m.get(e) ?? { wallMs: [], cpuMs: [], inMs: [], inCpuMs: [], outcome: r.outcome };
        cur.wallMs.push(r.ms);
        if (r.cpuMs !== undefined) cur.cpuMs.push(r.cpuMs);
        if (r.inMs !== undefined) cur.inMs.push(r.inMs);
        if (r.inCpuMs !== undefined) cur.inCpuMs.push(r.inCpuMs);
        m.set(e, cur);
        const ours = m.get("tradeplan") as Measured;
        assertSameEntries(e, c, ours.outcome, r.outcome);
      }
    }
    for (const e of engines) {
      if (e === "backtrader") continue;
      console.error(`  ${c.name}: ${e} in process ...`);
      const { json } = spawnJson(process.execPath, ["--expose-gc", "--no-flush-bytecode", self], {
        ...process.env,
        TRADEPLAN_BENCH_PEER: `${c.name}|${e}|${file}`,
      });
      const x = json as { ms: number[]; cpuMs: number[] };
      (m.get(e) as Measured).inMs.push(...x.ms);
      (m.get(e) as Measured).inCpuMs.push(...x.cpuMs);
    }
    const ours = m.get("tradeplan") as Measured;
    results.push({ c, bars: ours.outcome.bars, entries: ours.outcome.entryTimes.length, m });
  }
  const loadEnd = loadavg();

  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  out.push("## Peers (`bench/peers.bench.ts`)");
  out.push("");
  out.push(
    "The same rule, on the same files, by four engines in one run: `bench/plans/peer-breakout-*.plan` (a 5-minute close crossing above the highest 5-minute high of the 12 bars before it enters long, a trailing stop on 5-minute closes exits, market orders fill at the next 1-minute open; 1-minute data aggregated to 5 minutes by each engine). **tradeplan** whole process = the built CLI (`node packages/cli/bin/tradeplan.mjs backtest PLAN --data FILE --format json`, after `scripts/build.mjs`), in process = the runtime's `runBacktestCsv`. **backtrader** = bench/peers/backtrader_breakout.py (../shared/peers, Python 3.11; in process = its `Cerebro` set-up and run, timed inside the script). **grademark** = bench/peers/grademark_breakout.mjs (rows parsed with plain `split`/`Number()` and marked with their 5-minute close and channel crossing before grademark's `backtest` runs its rules over a data-forge DataFrame). **byte loop** = bench/peers/byteloop_breakout.mjs: read, parse, aggregate, channel, trailing stop in one loop over the bytes, no framework: the floor.",
  );
  out.push(
    "Every engine's entry decisions (the 5-minute close times) are checked equal to tradeplan's, entry by entry, in every run (the bench fails otherwise). Why not examples/plans/breakout.plan: its fixed level is for AAPL prices, and its risk limits (a daily loss limit on realized + unrealized P&L), its second rule's `between` window on NYSE hours and its 15-minute exit would each be a model of tradeplan's broker and risk validator to rebuild in every peer; the bench plan keeps what every engine has (aggregation, a channel, a trailing stop, next-open fills). backtrader gets its 5-minute closes from its data feed (a line marking the row that closes a bucket) rather than `resampledata`, whose 5-minute bar arrives a row late when a bucket's last minute is missing (the real file has such gaps), which would fill its orders a minute after the others'.",
  );
  out.push(
    `Whole process = spawn to exit (Node or Python start-up, loading, reading the file, the run, printing JSON), as wall time and as the process's CPU time (user + system, from the kernel's count for waited-for children); in process = from the file to the result in a running process, wall and CPU time (the process's, all its threads: V8's compiler and GC threads included): JavaScript engines in a process of their own, timed runs after an untimed warm-up run, each after \`gc()\`; backtrader has no JIT to warm, its figures are its whole-process runs' own timing of its Cerebro run. Medians; ratios are peer time / tradeplan time from this run. **The machine is shared** (2 cores; other engineers' tests were running): 1-minute / 5-minute / 15-minute load average ${la(loadStart)} at the start and ${la(loadEnd)} at the end, so every wall time here is inflated and noisy (a process waits for a core); CPU times move much less with the load, and the ratios come from interleaved runs.`,
  );
  if (!withBacktrader) out.push(`backtrader: **skipped**, ${PEERS}/backtrader is absent.`);
  for (const s of skipped) out.push(`Skipped: ${s}.`);
  for (const r of results) {
    const ours = r.m.get("tradeplan") as Measured;
    out.push("");
    out.push(
      `**${r.c.label}**: ${int(r.bars)} bars, \`${r.c.plan}\`, ${int(r.entries)} entries (every engine). Median of ${r.c.runs} runs each, whole process and in process.`,
    );
    out.push("");
    out.push(
      "| engine | entries | whole process: wall s | CPU s | tradeplan faster: wall | CPU | in process: wall s | CPU s | bars per CPU-second | tradeplan faster: CPU |",
    );
    out.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    const ourWall = median(ours.wallMs);
    const ourCpu = medianOrNaN(ours.cpuMs);
    const ourInCpu = median(ours.inCpuMs);
    for (const e of engines) {
      const x = r.m.get(e) as Measured;
      const wall = median(x.wallMs);
      const cpu = medianOrNaN(x.cpuMs);
      const inCpu = median(x.inCpuMs);
      const us = e === "tradeplan";
      out.push(
        `| ${ENGINE_LABEL[e]} | ${int(x.outcome.entryTimes.length)} | ${secs(wall)} | ${Number.isNaN(cpu) ? "-" : secs(cpu)} | ${us ? "" : times(wall / ourWall)} | ${us || Number.isNaN(cpu) ? "" : times(cpu / ourCpu)} | ${secs(median(x.inMs))} | ${secs(inCpu)} | ${int((r.bars / inCpu) * 1000)} | ${us ? "" : times(inCpu / ourInCpu)} |`,
      );
    }
  }
  // The goals, against this run.
  const get = (name: string) => results.find((r) => r.c.name === name);
  const real = get("real");
  const synth = get("synthetic");
  const verdict = (ok: boolean) => (ok ? "met" : "**NOT met**");
  const cpuRatio = (peer: Measured, ours: Measured, goal: (x: number) => boolean): string => {
    if (peer.cpuMs.length === 0 || ours.cpuMs.length === 0) return "";
    const x = median(peer.cpuMs) / median(ours.cpuMs);
    return `; CPU: tradeplan ${secs(median(ours.cpuMs))} s, the peer ${secs(median(peer.cpuMs))} s, ${times(x)} (${verdict(goal(x))})`;
  };
  out.push("");
  if (real) {
    const g = real.m.get("grademark") as Measured;
    const ours = real.m.get("tradeplan") as Measured;
    const ratio = median(g.wallMs) / median(ours.wallMs);
    out.push(
      `Goal: whole process faster than grademark on the real file — wall: tradeplan ${secs(median(ours.wallMs))} s, grademark ${secs(median(g.wallMs))} s, ${times(ratio)} (${verdict(ratio > 1)})${cpuRatio(g, ours, (x) => x > 1)}.`,
    );
  }
  if (synth) {
    const ours = synth.m.get("tradeplan") as Measured;
    const bt = synth.m.get("backtrader");
    if (bt) {
      const ratio = median(bt.wallMs) / median(ours.wallMs);
      out.push(
        `Goal: whole process >= ×150 faster than backtrader on the ${int(synth.bars)}-bar file — wall: tradeplan ${secs(median(ours.wallMs))} s, backtrader ${secs(median(bt.wallMs))} s, ${times(ratio)} (${verdict(ratio >= 150)})${cpuRatio(bt, ours, (x) => x >= 150)}.`,
      );
    } else out.push("Goal: >= ×150 faster than backtrader: not measured (backtrader absent).");
    const byteLoop = synth.m.get("byteloop") as Measured;
    const rate = (synth.bars / median(ours.inMs)) * 1000;
    const cpuRate = (synth.bars / median(ours.inCpuMs)) * 1000;
    const floor = (synth.bars / median(byteLoop.inCpuMs)) * 1000;
    out.push(
      `Goal: backtest >= 4,000,000 bars/s on the ${int(synth.bars)}-bar file — tradeplan in process ${int(rate)} bars/s of wall time, ${int(cpuRate)} per CPU-second (${verdict(cpuRate >= 4_000_000)}; this plan, not breakout.plan, which the replay section measures); the byte loop here: ${int(floor)} bars per CPU-second (the issue's floor figure: 9.4M), tradeplan ${((cpuRate / floor) * 100).toFixed(0)}% of it.`,
    );
  }
  console.log(out.join("\n"));
}

if (process.env.TRADEPLAN_BENCH_PEER) {
  const [name, engine, file] = process.env.TRADEPLAN_BENCH_PEER.split("|") as [string, Engine, string];
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  console.log(JSON.stringify(await inProcess(engine, c, file, c.runs)));
} else {
  await main();
}
