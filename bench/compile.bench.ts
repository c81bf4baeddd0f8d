/**
 * Compile benchmark: lex, parse, check and compile a generated plan of 1,000,
 * 10,000 and 100,000 rules. Each size runs in its own process so its peak
 * memory (max RSS) is its own. Prints a Markdown section.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyze, DiagnosticCollector } from "@tradeplan/dsl";
import { check } from "../packages/dsl/src/checker/index.js";
import { compile } from "../packages/dsl/src/compiler.js";
import { tokenize } from "../packages/dsl/src/lexer.js";
import { parse } from "../packages/dsl/src/parser.js";
import { generatePlan } from "./gen-plan.js";

interface Result {
  rules: number;
  lines: number;
  bytes: number;
  lexMs: number;
  parseMs: number;
  checkMs: number;
  compileMs: number;
  analyzeCheckMs: number;
  analyzeMs: number;
  maxRssMiB: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Median wall time of `runs` calls. Each call starts after a full collection
 * (run.mjs passes --expose-gc), as a `tradeplan check` process starts with
 * an empty heap: otherwise a run also pays, at a random point, for
 * collecting the ASTs of the runs before it, which made the median swing by
 * a hundred milliseconds between identical runs.
 */
function time(runs: number, f: () => void): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.();
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return median(out);
}

function measure(rules: number): Result {
  const source = generatePlan(rules);
  const runs = rules >= 100_000 ? 3 : 7;
  // Warm-up: builds the shared lexer/parser instances and lets the JIT settle.
  analyze(generatePlan(500));
  analyze(source);
  const lexMs = time(runs, () => tokenize(source));
  const parseAll = time(runs, () => parse(source, new DiagnosticCollector()));
  const ast = parse(source, new DiagnosticCollector());
  const checkMs = time(runs, () => check(ast, new DiagnosticCollector(), {}));
  const model = check(ast, new DiagnosticCollector(), {});
  const compileMs = time(runs, () => compile(ast, model, source, new DiagnosticCollector()));
  const analyzeCheckMs = time(runs, () => analyze(source, { compile: false }));
  const analyzeMs = time(runs, () => {
    const r = analyze(source);
    if (!r.compiled) throw new Error(`generated plan does not compile: ${r.diagnostics[0]?.message}`);
  });
  return {
    rules,
    lines: source.split("\n").length - 1,
    bytes: source.length,
    lexMs,
    parseMs: parseAll,
    checkMs,
    compileMs,
    analyzeCheckMs,
    analyzeMs,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

/** Median wall time of `tradeplan check` on a generated plan, each run a new process (what a user or CI waits for). */
function cliCheckMs(rules: number): number {
  const dir = mkdtempSync(join(tmpdir(), "tradeplan-bench-"));
  const file = join(dir, `generated-${rules}.plan`);
  writeFileSync(file, generatePlan(rules));
  // run.mjs runs benches from the repository root (this file runs bundled, elsewhere). The CLI is built first, as
  // `pnpm build` does (scripts/build.mjs: tsc -b, only what changed): the launcher runs dist/, which would otherwise
  // be whatever an older build left there.
  const root = process.cwd();
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
  const bin = join(root, "packages", "cli", "bin", "tradeplan.mjs");
  const runs: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      execFileSync(process.execPath, [bin, "check", file], { stdio: "ignore" });
      runs.push(performance.now() - t);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return median(runs);
}

const f1 = (n: number): string => n.toFixed(1);
const rate = (lines: number, ms: number): string =>
  ms > 0 ? Math.round((lines / ms) * 1000).toLocaleString("en-US") : "n/a";

if (process.env.TRADEPLAN_BENCH_SIZE) {
  console.log(JSON.stringify(measure(Number(process.env.TRADEPLAN_BENCH_SIZE))));
} else {
  const self = fileURLToPath(import.meta.url);
  const load = loadavg()[0] ?? 0;
  const results: Result[] = [1_000, 10_000, 100_000].map(
    (n) =>
      JSON.parse(
        execFileSync(process.execPath, ["--expose-gc", self], {
          env: { ...process.env, TRADEPLAN_BENCH_SIZE: String(n) },
          encoding: "utf8",
        }),
      ) as Result,
  );
  const out: string[] = [];
  out.push("## Compile (`bench/compile.bench.ts`)");
  out.push("");
  out.push(
    "Generated plans (bench/gen-plan.ts), median of 7 runs (3 at 100,000 rules), after warm-up, each run starting after a full collection (`gc()`, as a `tradeplan check` process starts with an empty heap); one parser instance reused.",
  );
  out.push(
    "`check` is `analyze(source, {compile:false})` = lex + parse + check, what `tradeplan check` does per file.",
  );
  out.push(
    `1-minute load average when the run started: ${load.toFixed(2)} (2 shared cores: with other work running, every figure here is inflated).`,
  );
  out.push("");
  out.push(
    "| rules | lines | lex ms | lex+parse ms | check ms | compile ms | **check total ms** | analyze+compile ms | peak RSS MiB |",
  );
  out.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    out.push(
      `| ${r.rules.toLocaleString("en-US")} | ${r.lines.toLocaleString("en-US")} | ${f1(r.lexMs)} | ${f1(r.parseMs)} | ${f1(r.checkMs)} | ${f1(r.compileMs)} | **${f1(r.analyzeCheckMs)}** | ${f1(r.analyzeMs)} | ${f1(r.maxRssMiB)} |`,
    );
  }
  out.push("");
  out.push("Throughput, lines per second (`parse` always includes lexing: the parser lexes its own input):");
  out.push("");
  out.push("| rules | lex | lex+parse | check | compile |");
  out.push("| ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    out.push(
      `| ${r.rules.toLocaleString("en-US")} | ${rate(r.lines, r.lexMs)} | ${rate(r.lines, r.parseMs)} | ${rate(r.lines, r.checkMs)} | ${rate(r.lines, r.compileMs)} |`,
    );
  }
  const [a, b, c] = results as [Result, Result, Result];
  out.push("");
  out.push(
    `Growth (check total): 1k→10k ×${(b.analyzeCheckMs / a.analyzeCheckMs).toFixed(1)}, 10k→100k ×${(c.analyzeCheckMs / b.analyzeCheckMs).toFixed(1)} for ×10 rules (linear = ×10).`,
  );
  out.push(
    `Goal: 10,000 rules checked in under 300 ms — measured ${f1(b.analyzeCheckMs)} ms (${b.analyzeCheckMs < 300 ? "met" : "NOT met"}).`,
  );
  const cli = cliCheckMs(10_000);
  out.push(
    `End to end, \`tradeplan check\` of the 10,000-rule file as a new process (Node start-up, loading the CLI, cold JIT, reading, checking, printing): ${f1(cli)} ms, median of 3.`,
  );
  console.log(out.join("\n"));
}
