/**
 * Replay benchmark: end-to-end backtest throughput in base bars per second
 * on one core, for examples/plans/breakout.plan (and demo.plan, whose rules
 * fire far more often), (a) from a CSV file through the CSV reader — the
 * whole `tradeplan backtest` path — and (b) from bar objects held in memory;
 * breakout.plan also on the event path (`path: "event"`, every bar through
 * the engine), to set the columnar fast path against it in the same run.
 * Each case runs in its own process so its JIT and heap state are its own.
 * Prints a Markdown section.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Backtest, type BacktestOutcome, type BarData, runBacktest } from "@tradeplan/core";
import type { CompiledPlan } from "@tradeplan/dsl";
import { runBacktestCsv } from "@tradeplan/live";
import { bars, compilePlan, csvFile, type DataSet, SYNTHETIC_1M } from "./runtime-data.js";

const DATA: DataSet = SYNTHETIC_1M;
/** Issue 16's goal for breakout.plan from CSV (its byte-loop floor: 9.4M; the Peers section measures it). */
const GOAL_BARS_PER_S = 4_000_000;
const RUNS = 5;
/** Bars of the untimed in-memory warm-up run. */
const WARM_UP_BARS = 200_000;
/** Bars of the firing pair: a firing costs far more than a bar, so fewer bars give the same precision. */
const FIRING_BARS = 300_000;

/**
 * The plans: the two examples, and a pair that differs only in whether its
 * one rule fires — on every bar (suppressed while the position it opened
 * stays open) or never — which isolates the cost of firing from the cost of
 * evaluating.
 */
const PLANS = {
  breakout: { file: "examples/plans/breakout.plan" },
  demo: { file: "examples/plans/demo.plan" },
  "fires-always": {
    inline: 'plan "fires on every bar"\nsymbol AAPL\non 1m close above 1 with volume > 1 enter long size 100 shares\n',
  },
  "fires-never": {
    inline: 'plan "never fires"\nsymbol AAPL\non 1m close above 1000000 with volume > 1 enter long size 100 shares\n',
  },
} as const satisfies Record<string, { file: string } | { inline: string }>;
type PlanName = keyof typeof PLANS;

interface Case {
  readonly plan: PlanName;
  readonly source: "csv" | "memory";
  /** Which path the backtest takes (default "auto": the columnar fast path where the plan allows it). */
  readonly path?: "auto" | "event";
  /** Only the first this many bars (a per-bar cost measured on fewer bars, to keep the run short). */
  readonly bars?: number;
}

const CASES: readonly Case[] = [
  { plan: "breakout", source: "csv" },
  { plan: "breakout", source: "csv", path: "event" },
  { plan: "breakout", source: "memory" },
  { plan: "breakout", source: "memory", path: "event" },
  { plan: "demo", source: "csv" },
  { plan: "demo", source: "memory" },
  { plan: "fires-always", source: "memory", bars: FIRING_BARS },
  { plan: "fires-never", source: "memory", bars: FIRING_BARS },
];

interface Result extends Case {
  bars: number;
  /** Wall time of each timed run, ms. */
  runsMs: number[];
  /** CPU time (user + system, the process's threads) of each timed run, ms. */
  cpuMs: number[];
  /** The path the backtest took (`Backtest.path`: columnar, or event and why). */
  taken: string;
  signals: number;
  trades: number;
  suppressed: number;
  maxRssMiB: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function loadPlan(name: PlanName): CompiledPlan {
  const p: { file: string } | { inline: string } = PLANS[name];
  return "file" in p ? compilePlan(readFileSync(p.file, "utf8"), p.file) : compilePlan(p.inline, `${name}.plan`);
}

/** The data set relabelled for the plan's symbol (same prices: the symbol is only a label to the generator). */
function dataFor(plan: CompiledPlan): DataSet {
  const symbol = plan.symbols[0];
  if (plan.symbols.length !== 1 || symbol === undefined) throw new Error(`${plan.name}: expected one symbol`);
  return { ...DATA, symbol };
}

async function runCase(c: Case, csvPath: string): Promise<Result> {
  const plan = loadPlan(c.plan);
  const set = dataFor(plan);
  const path = c.path ?? "auto";
  let run: (warmUp: boolean) => Promise<BacktestOutcome>;
  if (c.source === "csv") {
    // Exactly what `tradeplan backtest PLAN --data FILE` does (CLI defaults: open time stamps, next-open fills).
    run = () =>
      runBacktestCsv({
        plan,
        path,
        file: csvPath,
        csv: { symbol: set.symbol, timezone: plan.timezone, timestamps: "open" },
        broker: { fillAt: "next_open" },
      });
  } else {
    const all: BarData[] = [];
    for (const b of bars(set)) {
      if (c.bars !== undefined && all.length >= c.bars) break;
      all.push(b);
    }
    const warm = all.slice(0, WARM_UP_BARS);
    run = async (warmUp) => runBacktest({ plan, path, broker: { fillAt: "next_open" } }, warmUp ? warm : all);
  }
  const runsMs: number[] = [];
  const cpuMs: number[] = [];
  let last: BacktestOutcome | undefined;
  // In memory a short untimed run warms the JIT first. From CSV there is none, to keep the bench short: the
  // first timed run starts cold, as the CLI does; the median is of the three.
  const warmUp = c.source === "memory";
  for (let i = warmUp ? 0 : 1; i <= RUNS; i++) {
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    const t = performance.now();
    last = await run(i === 0);
    if (i > 0) {
      runsMs.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      cpuMs.push((used.user + used.system) / 1000);
    }
  }
  const r = (last as BacktestOutcome).result;
  return {
    ...c,
    bars: r.bars,
    runsMs,
    cpuMs,
    taken: new Backtest({ plan, path }).path.kind,
    signals: r.signals.length,
    trades: r.trades.length,
    suppressed: r.stats.suppressed,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const rate = (r: Result, ms: number): number => (r.bars / ms) * 1000;

function report(
  results: readonly Result[],
  csvPath: string,
  csvWritten: boolean,
  load: readonly number[],
  loadEnd: readonly number[],
): string {
  const out: string[] = [];
  const first = results[0] as Result;
  const mib = statSync(csvPath).size / 2 ** 20;
  out.push("## Replay (`bench/replay.bench.ts`)");
  out.push("");
  out.push(
    `${int(first.bars)} AAPL-like 1-minute bars (${DATA.sessions.toLocaleString("en-US")} NYSE sessions from ${DATA.from}, the runtime's generator, seed ${DATA.generator.seed}), one core.`,
  );
  out.push(
    `**csv** = \`runBacktestCsv\`, what \`tradeplan backtest PLAN --data FILE\` runs: read the ${mib.toFixed(0)} MiB file (page cache warm${csvWritten ? ", written by this run" : ""}), parse and validate every row, aggregate 5m/15m bars, run the rules, paper broker, equity statistics. **memory** = \`runBacktest\` over pre-built \`BarData\` objects (no I/O, no parsing).`,
  );
  out.push(
    `**path**: the columnar fast path (\`columnar\`, the default: the engine sees a close only where a rule's gate says it may fire or a position is open, docs/backtest.md) or every bar through the engine (\`event\`, \`path: "event"\`, what \`--event-path\` runs), the same results. Median of ${RUNS} timed runs (in memory after an untimed warm-up run over ${int(WARM_UP_BARS)} bars; from CSV the first timed run starts cold, as a CLI run does, and is also shown alone as **first**), each case in its own process; bars/s counts base (1-minute) bars. A full \`gc()\` precedes each run, in a process started with \`--no-flush-bytecode\` (without it a forced collection also discards all compiled code, and every run starts cold). 1 / 5 / 15-minute load average ${load.map((x) => x.toFixed(2)).join(" / ")} when the run started and ${loadEnd.map((x) => x.toFixed(2)).join(" / ")} at its end (the 2 cores are shared, so other processes slow some runs: compare median and best, and the CPU time, which the load moves less).`,
  );
  out.push("");
  out.push(
    "| plan | source | path | bars | bars/s (median) | best | first | ms (median) | CPU ms (median) | bars per CPU-second | signals | trades | suppressed | peak RSS MiB |",
  );
  out.push("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    const med = median(r.runsMs);
    const best = Math.min(...r.runsMs);
    const cpu = median(r.cpuMs);
    out.push(
      `| ${r.plan}.plan | ${r.source} | ${r.taken} | ${int(r.bars)} | **${int(rate(r, med))}** | ${int(rate(r, best))} | ${int(rate(r, r.runsMs[0] as number))} | ${int(med)} | ${int(cpu)} | ${int(rate(r, cpu))} | ${int(r.signals)} | ${int(r.trades)} | ${int(r.suppressed)} | ${r.maxRssMiB.toFixed(0)} |`,
    );
  }
  const find = (plan: PlanName, source: Case["source"], path: "auto" | "event" = "auto"): Result => {
    const r = results.find((x) => x.plan === plan && x.source === source && (x.path ?? "auto") === path);
    if (!r) throw new Error(`missing case ${plan}/${source}`);
    return r;
  };
  const bc = rate(find("breakout", "csv"), median(find("breakout", "csv").runsMs));
  const bm = rate(find("breakout", "memory"), median(find("breakout", "memory").runsMs));
  const dm = rate(find("demo", "memory"), median(find("demo", "memory").runsMs));
  const always = find("fires-always", "memory");
  const never = find("fires-never", "memory");
  const perBarUs = (r: Result) => (median(r.runsMs) * 1000) / r.bars;
  const firingUs = perBarUs(always) - perBarUs(never);
  out.push("");
  out.push(
    `CSV reading (read, split, parse, validate, build the bar) is ${(((1 / bc - 1 / bm) / (1 / bc)) * 100).toFixed(0)}% of the breakout CSV run: ${((1 / bc - 1 / bm) * 1e6).toFixed(2)} µs of ${((1 / bc) * 1e6).toFixed(2)} µs per bar.`,
  );
  out.push(
    `Cost of firing: fires-always.plan (\`on 1m close above 1 with volume > 1 enter long\`: a signal on every bar, suppressed while the position is open) takes ${perBarUs(always).toFixed(2)} µs per bar against ${perBarUs(never).toFixed(2)} µs for the same rule with a threshold it never reaches: ${firingUs.toFixed(2)} µs per firing (confidence, reasoning text, signal validation, suppression event), measured on the first ${int(FIRING_BARS)} bars. demo.plan (indicators; ${int(find("demo", "memory").signals)} signals, ${int(find("demo", "memory").suppressed)} suppressed) runs at ${int(dm)} bars/s in memory, ${Math.abs((bm / dm - 1) * 100).toFixed(0)}% ${dm <= bm ? "more" : "less"} time per bar than breakout.plan (${int(find("breakout", "memory").signals)} signals, ${int(find("breakout", "memory").suppressed)} suppressed).`,
  );
  out.push(
    "Against other engines (backtrader, grademark, a bare byte loop) on the same file and the same rule, measured in one run: the Peers section (`pnpm bench peers`).",
  );
  const be = find("breakout", "csv", "event");
  const bme = find("breakout", "memory", "event");
  const cpuRate = (r: Result) => rate(r, median(r.cpuMs));
  out.push(
    `The fast path against the event path, breakout.plan, same run: from CSV ${int(cpuRate(find("breakout", "csv")))} against ${int(cpuRate(be))} bars per CPU-second (×${(cpuRate(find("breakout", "csv")) / cpuRate(be)).toFixed(2)}), in memory ${int(cpuRate(find("breakout", "memory")))} against ${int(cpuRate(bme))} (×${(cpuRate(find("breakout", "memory")) / cpuRate(bme)).toFixed(2)}); the same signals, trades and suppressions (${int(be.signals)}, ${int(be.trades)}, ${int(be.suppressed)} on the event path).`,
  );
  const verdict = (v: number) => (v >= GOAL_BARS_PER_S ? "met" : "NOT met");
  out.push(
    `Goal: >= ${int(GOAL_BARS_PER_S)} bars/s for breakout.plan on one core — from CSV ${int(bc)} bars/s (${verdict(bc)}; its first, cold run alone ${int(rate(find("breakout", "csv"), find("breakout", "csv").runsMs[0] as number))}), in memory ${int(bm)} bars/s (${verdict(bm)}).`,
  );
  return out.join("\n");
}

if (process.env.TRADEPLAN_BENCH_CASE) {
  const [plan, source, count, csvPath, path] = process.env.TRADEPLAN_BENCH_CASE.split("|") as [
    PlanName,
    Case["source"],
    string,
    string,
    "auto" | "event",
  ];
  const c: Case = { plan, source, path, ...(count === "" ? {} : { bars: Number(count) }) };
  console.log(JSON.stringify(await runCase(c, csvPath)));
} else {
  const self = fileURLToPath(import.meta.url);
  const load = loadavg();
  const t = performance.now();
  const { path, written } = csvFile(DATA);
  console.error(`  data: ${path} (${written ? "written" : "reused"} in ${int(performance.now() - t)} ms)`);
  const results: Result[] = CASES.map((c) => {
    console.error(`  ${c.plan}/${c.source}/${c.path ?? "auto"} ...`);
    return JSON.parse(
      // --no-flush-bytecode: a forced gc() (before each timed run) otherwise also throws away every function's
      // bytecode and optimised code, so each run restarted the JIT from nothing — every run was a cold run, not
      // only the first, which is not what a run over a long file (or the documented method) is.
      execFileSync(process.execPath, ["--expose-gc", "--no-flush-bytecode", self], {
        env: {
          ...process.env,
          TRADEPLAN_BENCH_CASE: `${c.plan}|${c.source}|${c.bars ?? ""}|${path}|${c.path ?? "auto"}`,
        },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 16 * 1024 * 1024,
      }),
    ) as Result;
  });
  console.log(report(results, path, written, load, loadavg()));
}
