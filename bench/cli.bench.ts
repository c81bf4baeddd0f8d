/**
 * CLI start-up benchmark (`pnpm bench cli`): the CPU time (user + system)
 * and wall time of short `tradeplan` commands, run as a user runs them: the
 * built CLI (`node packages/cli/bin/tradeplan.mjs`, the dist/ the package
 * ships, built here first with scripts/build.mjs), each in a fresh process.
 * `node -e 0` runs in the same loop as the floor, so the goals of the
 * start-up issue (`--version` ≤ 80 ms CPU, `check` of a small plan ≤ 100 ms
 * CPU) are read against the same machine at the same moment. `check`,
 * `fmt` and `explain` run from the CLI's bundle under a V8 code cache kept in
 * the bench's own cache folder (the warm-up runs write it, as a user's first
 * run does); one row runs `check` without it. A breakdown of where the time
 * goes follows: an empty ES module (the launcher is one), bare imports of the
 * heaviest modules, and the phases of a first check timed inside one process.
 *
 * Times come from GNU time (`/usr/bin/time -f "%e %U %S"`, the child's own
 * rusage), medians of RUNS runs after WARM_UP; the commands are interleaved
 * run by run so that a change of load hits them alike.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const CLI = "packages/cli/bin/tradeplan.mjs";
const SMALL_PLAN = "examples/plans/demo.plan";
const RUNS = 15;
const WARM_UP = 2;
const GOALS: Record<string, number> = { "tradeplan --version": 80, [`tradeplan check ${SMALL_PLAN}`]: 100 };

interface Command {
  readonly name: string;
  readonly argv: readonly string[];
  /** Added to the environment (the bench's code cache folder is set for every command). */
  readonly env?: Readonly<Record<string, string>>;
}

const node = process.execPath;
const dir = mkdtempSync(join(tmpdir(), "tradeplan-cli-bench-"));
const EMPTY_MODULE = join(dir, "empty.mjs");
writeFileSync(EMPTY_MODULE, "");
const importOf = (what: string, spec: string): Command => ({
  name: `import ${what}`,
  argv: [node, "--input-type=module", "-e", `await import(${JSON.stringify(spec)})`],
});
const COMMANDS: readonly Command[] = [
  { name: "node -e 0", argv: [node, "-e", "0"] },
  { name: "node empty.mjs", argv: [node, EMPTY_MODULE] },
  { name: "tradeplan --version", argv: [node, CLI, "--version"] },
  { name: `tradeplan check ${SMALL_PLAN}`, argv: [node, CLI, "check", SMALL_PLAN] },
  {
    name: `tradeplan check ${SMALL_PLAN} (no code cache)`,
    argv: [node, CLI, "check", SMALL_PLAN],
    env: { TRADEPLAN_CACHE_DIR: "" },
  },
  { name: `tradeplan fmt --check ${SMALL_PLAN}`, argv: [node, CLI, "fmt", "--check", SMALL_PLAN] },
  { name: "tradeplan check examples/plans", argv: [node, CLI, "check", "examples/plans"] },
  importOf("@tradeplan/dsl (dist)", "./packages/dsl/dist/index.js"),
  importOf("zod", "./packages/cli/node_modules/zod/index.js"),
  importOf("commander", "./packages/cli/node_modules/commander/index.js"),
];

/**
 * The phases of a first `check` in one fresh process, from the built modules (not the bundle, whose parts cannot
 * be timed apart): CPU milliseconds of each import, of building Chevrotain's lexer and parser (done on first use),
 * and of the first analysis after them.
 */
const PHASES = `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const out = { "process start (node boot, to the first line of the script)": cpu() };
const time = async (name, f) => { const t = cpu(); const r = await f(); out[name] = cpu() - t; return r; };
const { readFileSync } = await import("node:fs");
await time("import zod", () => import("./packages/cli/node_modules/zod/index.js"));
const dsl = await time("import @tradeplan/dsl (zod loaded)", () => import("./packages/dsl/dist/index.js"));
const { createPlanLexer } = await import("./packages/dsl/dist/lexer.js");
const { PlanGrammar } = await import("./packages/dsl/dist/grammar.js");
await time("build the lexer (Chevrotain)", () => createPlanLexer());
await time("build the parser (Chevrotain self-analysis)", () => new PlanGrammar({ recovery: false }));
const text = readFileSync(${JSON.stringify(SMALL_PLAN)}, "utf8");
// analyze builds its own lexer and parser on first use: the first call minus the second is that build, warm.
await time("first analyze (builds its lexer and parser, warm code)", () => dsl.analyze(text, { compile: false }));
await time("second analyze", () => dsl.analyze(text, { compile: false }));
process.stdout.write(JSON.stringify(out));
`;

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

const TIME = "/usr/bin/time";

/** One run of `argv` under GNU time: wall and CPU milliseconds. Fails on a non-zero exit (a broken command is no figure). */
function once(c: Command): Sample {
  const out = join(dir, "time.txt");
  const env = { ...process.env, TRADEPLAN_CACHE_DIR: join(dir, "code-cache"), ...c.env };
  const r = spawnSync(TIME, ["-o", out, "-f", "%e %U %S", ...c.argv], { stdio: "ignore", env });
  if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}`);
  const [wall, user, sys] = readFileSync(out, "utf8").trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
  if (wall === undefined || user === undefined || sys === undefined || [wall, user, sys].some(Number.isNaN))
    throw new Error(`GNU time wrote no figures for ${c.name}`);
  return { wall: wall * 1000, cpu: (user + sys) * 1000 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed: apt install time`);
execFileSync(node, ["scripts/build.mjs"], { stdio: ["ignore", "ignore", "inherit"] });
const loadBefore = loadavg()[0] ?? 0;
const samples = new Map<string, Sample[]>(COMMANDS.map((c) => [c.name, []]));
const phaseRuns: Record<string, number>[] = [];
try {
  for (let i = 0; i < WARM_UP + RUNS; i++) {
    for (const c of COMMANDS) {
      const s = once(c);
      if (i >= WARM_UP) samples.get(c.name)?.push(s);
    }
    const phases = JSON.parse(execFileSync(node, ["--input-type=module", "-e", PHASES], { encoding: "utf8" }));
    if (i >= WARM_UP) phaseRuns.push(phases);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg()[0] ?? 0;

const f0 = (n: number): string => n.toFixed(0);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const floor = median((samples.get("node -e 0") ?? []).map((s) => s.cpu));
const meanFloor = mean((samples.get("node -e 0") ?? []).map((s) => s.cpu));
const out: string[] = [];
out.push("## CLI start-up (`bench/cli.bench.ts`)");
out.push("");
out.push(
  `Each command in a fresh process, the built CLI (\`node ${CLI}\`, the dist/ the package ships), ${RUNS} runs after ${WARM_UP} warm-up runs, interleaved; medians of GNU time's figures (CPU = user + system, the child's own). \`node -e 0\` is the floor, measured in the same loop. 1-minute load average: ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (2 shared cores).`,
);
out.push("");
out.push(
  "| command | median wall ms | median CPU ms | CPU over `node -e 0` ms | mean CPU ms | mean over `node -e 0` ms | goal (CPU ms) |",
);
out.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const c of COMMANDS) {
  const s = samples.get(c.name) ?? [];
  const cpu = median(s.map((x) => x.cpu));
  const goal = GOALS[c.name];
  const verdict = goal === undefined ? "" : `${goal} (${cpu <= goal ? "met" : "not met"})`;
  const avg = mean(s.map((x) => x.cpu));
  const first = c.name === "node -e 0";
  out.push(
    `| \`${c.name}\` | ${f0(median(s.map((x) => x.wall)))} | ${f0(cpu)} | ${first ? "" : f0(cpu - floor)} | ${avg.toFixed(1)} | ${first ? "" : (avg - meanFloor).toFixed(1)} | ${verdict} |`,
  );
}
out.push("");
out.push(
  "GNU time gives CPU seconds to two decimals, so each sample is a multiple of 10 ms and so is a median; the means of the same samples resolve finer (the goal is read on the median). `node empty.mjs` is the floor of an ES module (the launcher bin/tradeplan.mjs is one). `--version` imports only the version (bin/tradeplan.mjs); `check`, `fmt` and `explain` run from one bundle, packages/cli/dist/fast.cjs (packages/cli/scripts/bundle.mjs), under a V8 code cache, and never load the runtime, SQLite, IB or the language server (test/e2e/start-up.test.ts). The `import` rows are bare imports of the modules in a fresh `node` (floor included), which the bundle replaces.",
);
out.push("");
out.push(
  "Where a first `check`'s time goes, in one fresh process from the built modules (medians of the same runs, CPU ms):",
);
out.push("");
out.push("| phase | median CPU ms |");
out.push("| --- | ---: |");
for (const name of Object.keys(phaseRuns[0] ?? {}))
  out.push(`| ${name} | ${median(phaseRuns.map((p) => p[name] ?? 0)).toFixed(1)} |`);
console.log(out.join("\n"));
