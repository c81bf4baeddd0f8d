/**
 * Audit journal benchmark. (1) Write throughput: records per second when
 * records are written in one transaction per bar-close batch, for several
 * batch sizes, with synchronous=NORMAL and FULL. (2) Query latency over a
 * journal of 1,000,000 records (100 symbols x 5 timeframes x 2 rules), for
 * each filter the CLI offers, and the time to verify the whole chain. (3) The
 * cost the audit sink adds to a burst of 500 and 10,000 stream closes on one
 * boundary (engine wired as live: onBarClose, paper broker, risk): the
 * decision path (events buffered) and the flush after the burst (hashing and
 * one transaction, off the decision path). Prints a Markdown section.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEventSink } from "@tradeplan/core";
import { AuditJournal, type AuditQuery, auditSink, openDatabase, queryLogs, verifyJournal } from "@tradeplan/store";
import { liveEngine, simpleRulePlan, symbolNames, TIMEFRAMES } from "./runtime-streams.js";

const dir = mkdtempSync(join(tmpdir(), "tradeplan-audit-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const SYMBOLS = symbolNames(100);
const RULES = ["r4", "r5"];
const ACTIONS = ["NONE", "NONE", "NONE", "ENTER_LONG", "EXIT"];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Batch `b` of a synthetic stream of evaluation records: one bar-close boundary's worth. */
function appendBatch(j: AuditJournal, b: number, size: number): void {
  const barTime = T0 + b * 5_000;
  for (let i = 0; i < size; i++) {
    const n = b * size + i;
    const action = ACTIONS[n % ACTIONS.length] as string;
    j.append({
      kind: action === "NONE" ? "evaluation" : "signal",
      function: "condition",
      rule: RULES[n % 2],
      symbol: SYMBOLS[(n >> 1) % SYMBOLS.length],
      timeframe: TIMEFRAMES[(n >> 1) % TIMEFRAMES.length],
      barTime,
      context: { close: 100 + (n % 50) / 10, volume: 1000 + (n % 7) },
      action,
      reasoning: action === "NONE" ? "close 100.00 <= 150.25" : "close 151.20 > 150.25 with volume 1.8M > 1M",
      durationMs: 0.01,
      payload: { line: 4, confidence: 0.8 },
    });
  }
  j.flush();
}

interface WriteResult {
  batch: number;
  sync: "normal" | "full";
  records: number;
  perSecond: number;
  msPerBatch: number;
}

function writeThroughput(batch: number, sync: "normal" | "full", total: number): WriteResult {
  const file = join(dir, `write-${batch}-${sync}.db`);
  const j = new AuditJournal(file, { synchronous: sync, clock: () => T0 });
  const batches = Math.max(1, Math.floor(total / batch));
  appendBatch(j, 0, batch); // warm-up: statements prepared, JIT
  const t0 = performance.now();
  for (let b = 1; b <= batches; b++) appendBatch(j, b, batch);
  const ms = performance.now() - t0;
  j.close();
  return {
    batch,
    sync,
    records: batches * batch,
    perSecond: (batches * batch) / (ms / 1000),
    msPerBatch: ms / batches,
  };
}

interface QueryResult {
  name: string;
  rows: number;
  p50: number;
  max: number;
}

function queryLatency(): { results: QueryResult[]; buildS: number; verifyS: number; mib: number; records: number } {
  const file = join(dir, "million.db");
  const j = new AuditJournal(file, { synchronous: "normal", clock: () => T0 });
  const t0 = performance.now();
  const BATCH = 10_000;
  for (let b = 0; b < 100; b++) appendBatch(j, b, BATCH);
  // A few rare records, to find among the million.
  for (let i = 0; i < 20; i++)
    j.append({ kind: "fill", symbol: SYMBOLS[i], action: "BUY", barTime: T0 + i, payload: {} });
  j.close();
  const buildS = (performance.now() - t0) / 1000;
  const db = openDatabase(file, { readonly: true });
  const records = db.prepare("SELECT count(*) FROM audit_records").pluck().get() as number;
  const mid = T0 + 50 * 5_000;
  const cases: [string, AuditQuery][] = [
    ["latest 100, no filter", {}],
    ["--symbol (latest 100)", { symbol: "S0042" }],
    ["--rule (latest 100)", { rule: "r5" }],
    ["--function (latest 100)", { function: "condition" }],
    ["--action ENTER_LONG (latest 100)", { action: "ENTER_LONG" }],
    ["--symbol --rule --action", { symbol: "S0042", rule: "r5", action: "ENTER_LONG" }],
    ["--kind fill (20 of 1M)", { kind: "fill" }],
    ["--since/--until one boundary", { since: mid, until: mid + 1 }],
    ["--symbol + one boundary", { symbol: "S0042", since: mid, until: mid + 1 }],
    ["--symbol, 10,000 rows", { symbol: "S0042", limit: 10_000 }],
  ];
  const results: QueryResult[] = [];
  for (const [name, q] of cases) {
    const times: number[] = [];
    let rows = 0;
    for (let k = 0; k < 15; k++) {
      const s = performance.now();
      rows = queryLogs(db, q).length;
      times.push(performance.now() - s);
    }
    results.push({ name, rows, p50: median(times), max: Math.max(...times) });
  }
  const v0 = performance.now();
  const report = verifyJournal(db);
  const verifyS = (performance.now() - v0) / 1000;
  if (!report.ok) throw new Error(`verify failed: ${report.problem?.message}`);
  db.close();
  return { results, buildS, verifyS, mib: statSync(file).size / 2 ** 20, records };
}

interface BurstResult {
  streams: number;
  mode: string;
  records: number;
  decideMs: number;
  flushMs: number;
}

/** One burst: every stream closes at the same boundary; time until the engine is idle, then the deferred flush. */
async function burst(streams: number, mode: "none" | "audit" | "audit-ctx"): Promise<BurstResult> {
  const symbols = symbolNames(streams / TIMEFRAMES.length);
  let journal: AuditJournal | undefined;
  const deferred: (() => void)[] = [];
  let sink: EngineEventSink = { evaluations: true, emit: () => undefined };
  if (mode !== "none") {
    journal = new AuditJournal(join(dir, `burst-${streams}-${mode}.db`), { maxPending: 1_000_000 });
    sink = auditSink(journal, { includeContext: mode === "audit-ctx", defer: (f) => deferred.push(f) });
  }
  const { engine } = liveEngine(simpleRulePlan(symbols, 1), { sink });
  const decide: number[] = [];
  const flush: number[] = [];
  let records = 0;
  for (let k = 0; k < 8; k++) {
    const closeTime = T0 + (k + 1) * 60_000;
    const closes = [];
    for (const symbol of symbols)
      for (const timeframe of TIMEFRAMES) {
        const bar = {
          symbol,
          timeframe,
          time: closeTime - 5_000,
          closeTime,
          open: 100,
          high: 101,
          low: 99,
          close: 100,
          volume: 1000,
        };
        closes.push({ symbol, timeframe, bar, closeTime });
      }
    const before = journal?.headSeq ?? 0;
    const t0 = performance.now();
    for (const c of closes) void engine.onBarClose(c);
    await engine.idle();
    const t1 = performance.now();
    for (const f of deferred.splice(0)) f();
    const t2 = performance.now();
    // The first three boundaries warm up (and the first one places every entry).
    if (k >= 3) {
      decide.push(t1 - t0);
      flush.push(t2 - t1);
      records += (journal?.headSeq ?? 0) - before;
    }
  }
  journal?.close();
  return { streams, mode, records: records / decide.length, decideMs: median(decide), flushMs: median(flush) };
}

const f0 = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });
const f2 = (v: number) => v.toFixed(2);

async function main(): Promise<void> {
  const writes: WriteResult[] = [];
  for (const sync of ["normal", "full"] as const)
    for (const batch of [100, 1_000, 10_000])
      writes.push(writeThroughput(batch, sync, sync === "full" && batch === 100 ? 20_000 : 200_000));
  globalThis.gc?.();
  const q = queryLatency();
  globalThis.gc?.();
  const bursts: BurstResult[] = [];
  for (const streams of [500, 10_000])
    for (const mode of ["none", "audit", "audit-ctx"] as const) {
      bursts.push(await burst(streams, mode));
      globalThis.gc?.();
    }

  const out: string[] = [];
  out.push("## Audit journal (`bench/audit.bench.ts`)", "");
  out.push(
    "Write throughput: evaluation/signal records (context digested, not stored), one transaction per bar-close batch, WAL.",
    "",
    "| synchronous | records per batch | records | records/s | ms per batch |",
    "| --- | ---: | ---: | ---: | ---: |",
  );
  for (const w of writes)
    out.push(
      `| ${w.sync.toUpperCase()} | ${f0(w.batch)} | ${f0(w.records)} | ${f0(w.perSecond)} | ${f2(w.msPerBatch)} |`,
    );
  out.push(
    "",
    `Query latency over ${f0(q.records)} records (${q.mib.toFixed(0)} MiB; built in ${q.buildS.toFixed(1)} s; 100 symbols x 5 timeframes x 2 rules). Median and max of 15 runs, \`queryLogs\` on a read-only connection. Goal: well under a second.`,
    "",
    "| query | rows | p50 ms | max ms |",
    "| --- | ---: | ---: | ---: |",
  );
  for (const r of q.results) out.push(`| ${r.name} | ${f0(r.rows)} | ${f2(r.p50)} | ${f2(r.max)} |`);
  out.push("", `\`verifyJournal\` over the ${f0(q.records)} records: ${q.verifyS.toFixed(1)} s.`);
  out.push(
    "",
    "Burst: every stream closes on one boundary (engine.onBarClose per stream, rule fires, paper broker, risk). `decide`: from the first close to the engine idle (events buffered by the sink); `flush`: the deferred write of the burst's records (hash chain + one transaction, synchronous=FULL), after the decisions. Median of 5 boundaries after 3 warm-up ones.",
    "",
    "| streams | sink | records per burst | decide ms | flush ms |",
    "| ---: | --- | ---: | ---: | ---: |",
  );
  const label = { none: "no-op (baseline)", audit: "audit", "audit-ctx": "audit + include context" } as const;
  for (const b of bursts)
    out.push(
      `| ${f0(b.streams)} | ${label[b.mode as keyof typeof label]} | ${f0(b.records)} | ${f2(b.decideMs)} | ${b.mode === "none" ? "-" : f2(b.flushMs)} |`,
    );
  console.log(out.join("\n"));
}

await main();
