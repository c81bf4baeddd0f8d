/**
 * CLI start-up benchmark: wall time of `tradeplan check examples/plans` (8
 * small plans, so start-up dominates) through packages/cli/bin/tradeplan.mjs,
 * once running the esbuild bundle (packages/cli/dist/tradeplan.mjs, built
 * here first; TRADEPLAN_BUNDLE=1, as helpers editing sources mid-run would
 * make the launcher distrust it) and once through tsx (TRADEPLAN_BUNDLE=0, what the launcher
 * did before the bundle existed). Measured with hyperfine when it is
 * installed, otherwise by spawning the command in a loop. Prints a Markdown
 * section.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const LAUNCHER = "packages/cli/bin/tradeplan.mjs";
const ARGS = ["check", "examples/plans"];
const RUNS = 10;

interface Timing {
  mean: number;
  median: number;
  min: number;
  user: number;
  system: number;
}

/** The first result of hyperfine's `--export-json` file, checked field by field (the file comes from another program). */
function hyperfineResult(json: unknown): Timing {
  const first = (json as { results?: unknown[] } | null)?.results?.[0] as Record<string, unknown> | undefined;
  const field = (k: keyof Timing): number => {
    const v = first?.[k];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new Error(`hyperfine's JSON has no numeric results[0].${k}`);
    return v * 1000;
  };
  return {
    mean: field("mean"),
    median: field("median"),
    min: field("min"),
    user: field("user"),
    system: field("system"),
  };
}

function hasHyperfine(): boolean {
  return spawnSync("hyperfine", ["--version"], { stdio: "ignore" }).status === 0;
}

function withHyperfine(env: Record<string, string>): Timing {
  const dir = mkdtempSync(join(tmpdir(), "tradeplan-cli-bench-"));
  try {
    const out = join(dir, "result.json");
    const command = `${process.execPath} ${LAUNCHER} ${ARGS.join(" ")}`;
    execFileSync("hyperfine", ["-N", "-w", "2", "-r", String(RUNS), "--export-json", out, command], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "inherit"],
    });
    return hyperfineResult(JSON.parse(readFileSync(out, "utf8")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fallback without hyperfine: wall time only. */
function withLoop(env: Record<string, string>): Timing {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [LAUNCHER, ...ARGS], { env: { ...process.env, ...env }, stdio: "ignore" });
    if (r.status !== 0) throw new Error(`tradeplan ${ARGS.join(" ")} exited with ${r.status}`);
    if (i >= 2) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    mean,
    median: times[times.length >> 1] as number,
    min: times[0] as number,
    user: Number.NaN,
    system: Number.NaN,
  };
}

execFileSync(process.execPath, ["packages/cli/bin/build.mjs"], { stdio: ["ignore", "ignore", "inherit"] });
const load = loadavg()[0] ?? 0;
const tool = hasHyperfine() ? "hyperfine" : "a spawn loop";
const measure = tool === "hyperfine" ? withHyperfine : withLoop;
const rows: [string, Timing][] = [
  ["bundle (dist/tradeplan.mjs)", measure({ TRADEPLAN_BUNDLE: "1" })],
  ["tsx (TRADEPLAN_BUNDLE=0)", measure({ TRADEPLAN_BUNDLE: "0" })],
];
const f0 = (n: number): string => (Number.isNaN(n) ? "n/a" : n.toFixed(0));
const out: string[] = [];
out.push("## CLI start-up (`bench/cli.bench.ts`)");
out.push("");
out.push(
  `\`node ${LAUNCHER} ${ARGS.join(" ")}\` (8 plans; start-up dominates), ${RUNS} runs after 2 warm-up runs, measured with ${tool}. The launcher runs the esbuild bundle that \`pnpm --filter @tradeplan/cli build\` writes, or TypeScript through tsx when there is no up-to-date bundle. 1-minute load average when the run started: ${load.toFixed(2)} (2 shared cores: compare the minimum).`,
);
out.push("");
out.push("| launcher runs | mean ms | median ms | **min ms** | user ms | system ms |");
out.push("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [name, t] of rows) {
  out.push(`| ${name} | ${f0(t.mean)} | ${f0(t.median)} | **${f0(t.min)}** | ${f0(t.user)} | ${f0(t.system)} |`);
}
const [bundle, tsx] = rows.map((r) => r[1]) as [Timing, Timing];
out.push("");
out.push(`The bundle starts ×${(tsx.min / bundle.min).toFixed(1)} faster (minimum wall time).`);
console.log(out.join("\n"));
