/**
 * Language-server benchmark: a real server process over stdio (this bundle
 * re-run with `--lsp-server`), a 5,000-line plan, and an editor's load:
 * keystroke-to-published-diagnostics over 200 single-character edits
 * spread over the file, completion latency, and the server's memory.
 * Prints a Markdown section.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { analyze, check, compile, createIncrementalAnalyzer, DiagnosticCollector, parse } from "@tradeplan/dsl";
import { startNodeServer } from "../packages/lsp/src/node.js";
import { type ServerProcess, startServerProcess } from "../packages/lsp/test/client.js";
import { generatePlan } from "./gen-plan.js";

const LINES = 5_000;
const EDITS = 200;
const WARMUP = 20;
const COMPLETIONS = 200;
const GOAL_DIAGNOSTICS_P95_MS = 30;
const GOAL_COMPLETION_P95_MS = 10;

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

function kib(statusField: string, pid: number): number {
  const m = new RegExp(`${statusField}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : Number.NaN;
}

interface Run {
  diag: number[];
  completion: number[];
  rssMiB: number;
  peakMiB: number;
  openMs: number;
}

/** The level of `close above N` rules (every 6th rule from line 8): where the edits go, one digit each time. */
function editTargets(lines: readonly string[]): { line: number; character: number }[] {
  const targets: { line: number; character: number }[] = [];
  for (let i = 8; i < lines.length; i++) {
    const at = (lines[i] ?? "").indexOf("close above 1");
    if (at >= 0) targets.push({ line: i, character: at + "close above 1".length });
  }
  return targets;
}

async function measure(s: ServerProcess, text: string): Promise<Run> {
  const uri = "file:///bench/big.plan";
  const lines = text.split("\n");
  let t = performance.now();
  const opened = s.waitForDiagnostics(uri);
  s.open(uri, text, 1);
  await opened;
  const openMs = performance.now() - t;

  const targets = editTargets(lines);
  const diag: number[] = [];
  let version = 1;
  for (let k = 0; k < WARMUP + EDITS; k++) {
    const pos = targets[(k * 37) % targets.length] as { line: number; character: number };
    version++;
    const v = version;
    const wait = s.waitForDiagnostics(uri, (p) => p.version === v);
    t = performance.now();
    s.change(uri, v, [
      { range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: String(k % 10) },
    ]);
    await wait;
    if (k >= WARMUP) diag.push(performance.now() - t);
  }

  const completion: number[] = [];
  for (let k = 0; k < WARMUP + COMPLETIONS; k++) {
    const line = 8 + ((k * 53) % (lines.length - 10));
    t = performance.now();
    await s.conn.sendRequest("textDocument/completion", { textDocument: { uri }, position: { line, character: 6 } });
    if (k >= WARMUP) completion.push(performance.now() - t);
  }
  return {
    diag,
    completion,
    rssMiB: kib("VmRSS", s.proc.pid ?? 0) / 1024,
    peakMiB: kib("VmHWM", s.proc.pid ?? 0) / 1024,
    openMs,
  };
}

function median(xs: number[]): number {
  return percentile(xs, 50);
}

/**
 * What a full re-analysis of the plan costs, in this process, against what
 * the server does per keystroke: an incremental `update` that re-parses and
 * re-checks only the edited line (median of 200 one-digit edits, the same
 * edits as the server gets).
 */
function breakdown(text: string): {
  parse: number;
  check: number;
  compile: number;
  analyze: number;
  update: number;
} {
  analyze(text);
  const runs = 7;
  const timed = (f: () => void): number => {
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      f();
      xs.push(performance.now() - t);
    }
    return median(xs);
  };
  const ast = parse(text, new DiagnosticCollector());
  const model = check(ast, new DiagnosticCollector(), {});
  return {
    parse: timed(() => parse(text, new DiagnosticCollector())),
    check: timed(() => check(ast, new DiagnosticCollector(), {})),
    compile: timed(() => compile(ast, model, text, new DiagnosticCollector())),
    analyze: timed(() => analyze(text)),
    update: incrementalUpdate(text),
  };
}

/** Median in-process time of `IncrementalAnalyzer.update` for one-digit edits spread over the plan. */
function incrementalUpdate(text: string): number {
  const lines = text.split("\n");
  const inc = createIncrementalAnalyzer({ fileName: "big.plan", compile: true });
  inc.update(text);
  const xs: number[] = [];
  const targets = editTargets(lines);
  for (let k = 0; k < WARMUP + EDITS; k++) {
    const pos = targets[(k * 37) % targets.length] as { line: number; character: number };
    const line = lines[pos.line] as string;
    lines[pos.line] = line.slice(0, pos.character) + String(k % 10) + line.slice(pos.character + 1);
    const edited = lines.join("\n");
    const t = performance.now();
    inc.update(edited);
    if (k >= WARMUP) xs.push(performance.now() - t);
  }
  return median(xs);
}

async function main(): Promise<void> {
  const text = generatePlan(LINES - 8);
  const lineCount = text.split("\n").length - 1;
  const self = fileURLToPath(import.meta.url);
  const s = startServerProcess({ cmd: process.execPath, args: [self, "--lsp-server", "--stdio"] });
  await s.initialize({ debounceMs: 0 });
  const r = await measure(s, text);
  const code = await s.stop();
  if (code !== 0) throw new Error(`server exited with ${code}: ${s.stderr()}`);

  const b = breakdown(text);
  const f = (x: number) => x.toFixed(1);
  const d50 = percentile(r.diag, 50);
  const d95 = percentile(r.diag, 95);
  const c50 = percentile(r.completion, 50);
  const c95 = percentile(r.completion, 95);
  const out = [
    "## Language server (`bench/lsp.bench.ts`)",
    "",
    `A real server process over stdio, a generated ${lineCount.toLocaleString("en-US")}-line plan (${(text.length / 1024).toFixed(0)} KiB, bench/gen-plan.ts), \`debounceMs: 0\` (editors get the default 75 ms quiet time on top, by design).`,
    `**diagnostics** = one-character incremental edit sent → \`publishDiagnostics\` for that version received, ${EDITS} edits spread over the file after ${WARMUP} warm-up edits; **completion** = \`textDocument/completion\` after \`on 5m \` (fields, indicators, lets), ${COMPLETIONS} requests on the analysed text.`,
    "",
    "| measure | p50 ms | p95 ms | goal p95 |",
    "| --- | ---: | ---: | ---: |",
    `| keystroke → diagnostics | ${f(d50)} | ${f(d95)} | < ${GOAL_DIAGNOSTICS_P95_MS} ms ${d95 < GOAL_DIAGNOSTICS_P95_MS ? "(met)" : "(NOT met)"} |`,
    `| completion | ${f(c50)} | ${f(c95)} | < ${GOAL_COMPLETION_P95_MS} ms ${c95 < GOAL_COMPLETION_P95_MS ? "(met)" : "(NOT met)"} |`,
    "",
    `Opening the document (first diagnostics): ${f(r.openMs)} ms. Server memory after the run: RSS ${f(r.rssMiB)} MiB, peak RSS ${f(r.peakMiB)} MiB.`,
    "",
    `The server keeps an incremental analyzer per document (\`createIncrementalAnalyzer\`): a keystroke re-parses and re-checks the edited line and re-runs only the plan-level checks. In-process, median: incremental \`update\` ${f(b.update)} ms per one-digit edit (200 edits), against a full \`analyze\` ${f(b.analyze)} ms (median of 7) = lex+parse ${f(b.parse)} + check ${f(b.check)} + compile ${f(b.compile)}.`,
    `1-minute load average when the run ended: ${loadavg()[0]?.toFixed(2)} (2 shared cores: compare the in-process figures).`,
  ];
  console.log(out.join("\n"));
}

if (process.argv.includes("--lsp-server")) {
  startNodeServer();
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
