/**
 * CLI start-up benchmark (`pnpm bench cli`): the CPU time (user + system)
 * and wall time of short `tradeplan` commands, run as a user runs them: the
 * built CLI (`node packages/cli/bin/tradeplan.mjs`, the dist/ the package
 * ships, built here first with scripts/build.mjs), each in a fresh process.
 * `node -e 0` runs in the same loop as the floor, so the goals of the
 * start-up issue (`--version` ≤ 80 ms CPU, `check` of a small plan ≤ 100 ms
 * CPU) are read against the same machine at the same moment. A breakdown of
 * where the time goes follows: bare imports of the heaviest modules.
 *
 * Times come from GNU time (`/usr/bin/time -f "%e %U %S"`, the child's own
 * rusage), medians of RUNS runs after WARM_UP; the commands are interleaved
 * run by run so that a change of load hits them alike.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
}

const node = process.execPath;
const importOf = (what: string, spec: string): Command => ({
  name: `import ${what}`,
  argv: [node, "--input-type=module", "-e", `await import(${JSON.stringify(spec)})`],
});
const COMMANDS: readonly Command[] = [
  { name: "node -e 0", argv: [node, "-e", "0"] },
  { name: "tradeplan --version", argv: [node, CLI, "--version"] },
  { name: `tradeplan check ${SMALL_PLAN}`, argv: [node, CLI, "check", SMALL_PLAN] },
  { name: `tradeplan fmt --check ${SMALL_PLAN}`, argv: [node, CLI, "fmt", "--check", SMALL_PLAN] },
  { name: "tradeplan check examples/plans", argv: [node, CLI, "check", "examples/plans"] },
  importOf("@tradeplan/dsl (dist)", "./packages/dsl/dist/index.js"),
  importOf("zod", "./packages/cli/node_modules/zod/index.js"),
  importOf("commander", "./packages/cli/node_modules/commander/index.js"),
];

interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

const TIME = "/usr/bin/time";

/** One run of `argv` under GNU time: wall and CPU milliseconds. Fails on a non-zero exit (a broken command is no figure). */
function once(c: Command, dir: string): Sample {
  const out = join(dir, "time.txt");
  const r = spawnSync(TIME, ["-o", out, "-f", "%e %U %S", ...c.argv], { stdio: "ignore" });
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
const dir = mkdtempSync(join(tmpdir(), "tradeplan-cli-bench-"));
const loadBefore = loadavg()[0] ?? 0;
const samples = new Map<string, Sample[]>(COMMANDS.map((c) => [c.name, []]));
try {
  for (let i = 0; i < WARM_UP + RUNS; i++)
    for (const c of COMMANDS) {
      const s = once(c, dir);
      if (i >= WARM_UP) samples.get(c.name)?.push(s);
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const loadAfter = loadavg()[0] ?? 0;

const f0 = (n: number): string => n.toFixed(0);
const floor = median((samples.get("node -e 0") ?? []).map((s) => s.cpu));
const out: string[] = [];
out.push("## CLI start-up (`bench/cli.bench.ts`)");
out.push("");
out.push(
  `Each command in a fresh process, the built CLI (\`node ${CLI}\`, the dist/ the package ships), ${RUNS} runs after ${WARM_UP} warm-up runs, interleaved; medians of GNU time's figures (CPU = user + system, the child's own). \`node -e 0\` is the floor, measured in the same loop. 1-minute load average: ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (2 shared cores).`,
);
out.push("");
out.push("| command | median wall ms | median CPU ms | CPU over `node -e 0` ms | goal (CPU ms) |");
out.push("| --- | ---: | ---: | ---: | ---: |");
for (const c of COMMANDS) {
  const s = samples.get(c.name) ?? [];
  const cpu = median(s.map((x) => x.cpu));
  const goal = GOALS[c.name];
  const verdict = goal === undefined ? "" : `${goal} (${cpu <= goal ? "met" : "not met"})`;
  out.push(
    `| \`${c.name}\` | ${f0(median(s.map((x) => x.wall)))} | ${f0(cpu)} | ${c.name === "node -e 0" ? "" : f0(cpu - floor)} | ${verdict} |`,
  );
}
out.push("");
out.push(
  "The `import` rows are bare imports in a fresh `node` (floor included): what loading each costs before any command runs. `check` and `fmt` never load the runtime, SQLite, IB or the language server (commands load lazily, packages/cli/src/commands/register.ts); the dsl imports Chevrotain's single-file build (packages/dsl/scripts/vendor.mjs).",
);
console.log(out.join("\n"));
