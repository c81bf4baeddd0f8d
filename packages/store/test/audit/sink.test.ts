import type { BarData, EngineEvent } from "@tradeplan/core";
import { Backtest } from "@tradeplan/core";
import { canonicalJson } from "@tradeplan/core/internal";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { AuditJournal } from "../../src/audit/journal.js";
import { sha256Hex } from "../../src/audit/record.js";
import { auditSink, engineContext, originContext } from "../../src/audit/sink.js";
import { verifyJournal } from "../../src/audit/verify.js";
import { journalPath, rows, T0 } from "./fixtures.js";

const MIN = 60_000;

function compile(source: string): CompiledPlan {
  const r = analyze(source, { fileName: "t.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.compiled;
}

const PLAN = compile(
  'plan "audit"\nsymbol AAPL\nsession always\n\non 1m close above 100 enter long size 10 shares\non 1m close below 95 exit long\n',
);

/** Closes 99, 101, 102, 94, 93, 101: an entry at 101, an exit at 94, a new entry at 101. */
function bars(): BarData[] {
  return [99, 101, 102, 94, 93, 101].map((close, i) => ({
    symbol: "AAPL",
    timeframe: "1m",
    time: T0 + i * MIN,
    closeTime: T0 + (i + 1) * MIN,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1000,
  }));
}

/** Runs the plan over the bars with an audit sink; returns the journal's records. */
function run(options: { includeContext?: boolean; evaluations?: boolean } = {}) {
  const file = journalPath();
  const journal = new AuditJournal(file, { synchronous: "normal" });
  const flushes: number[] = [];
  const flush = journal.flush.bind(journal);
  vi.spyOn(journal, "flush").mockImplementation(() => {
    flushes.push(journal.pendingCount);
    flush();
  });
  const deferred: (() => void)[] = [];
  let bt: Backtest | undefined;
  const sink = auditSink(journal, {
    ...options,
    functions: PLAN.functions,
    context: engineContext(() => bt),
    defer: (f) => deferred.push(f),
  });
  bt = new Backtest({ plan: PLAN, sink });
  bt.broker.onEvent(sink.onBrokerEvent);
  for (const b of bars()) bt.feed(b);
  bt.finish();
  for (const f of deferred.splice(0)) f();
  journal.close();
  const db = new Database(file, { readonly: true });
  const all = rows(db);
  const ok = verifyJournal(db).ok;
  db.close();
  return { all, flushes, ok, sink };
}

describe("auditSink on a backtest", () => {
  it("records every evaluation, signal, risk decision, order and fill with its origin", () => {
    const { all, ok } = run();
    expect(ok).toBe(true);
    const kinds = all.map((r) => r.kind);
    expect(kinds.filter((k) => k === "evaluation")).toHaveLength(12); // 6 closes x 2 rules
    expect(all.filter((r) => r.kind === "signal").map((r) => r.action)).toEqual(["ENTER_LONG", "EXIT", "ENTER_LONG"]);
    expect(all.filter((r) => r.kind === "risk").map((r) => r.action)).toEqual(["APPROVED", "APPROVED", "APPROVED"]);
    // The last entry is never filled: it is cancelled at the end of data.
    expect(all.filter((r) => r.kind === "order").map((r) => r.action)).toEqual(["BUY", "SELL", "BUY", "CANCELLED"]);
    // Orders fill at the next open, attributed to the rule that placed them.
    expect(all.filter((r) => r.kind === "fill").map((r) => `${r.action} ${r.rule}`)).toEqual(["BUY r5", "SELL r6"]);
    // Suppressed: the second close above 100 while long, the second close below 95 once flat.
    expect(all.filter((r) => r.kind === "suppressed").map((r) => JSON.parse(r.payload).code)).toEqual([
      "POSITION_OPEN",
      "NO_POSITION",
    ]);
    const signal = all.find((r) => r.kind === "signal")!;
    expect(signal).toMatchObject({
      symbol: "AAPL",
      timeframe: "1m",
      rule: "r5",
      bar_time: T0 + 2 * MIN,
      function: PLAN.functions[0]?.name,
    });
    expect(JSON.parse(signal.payload)).toMatchObject({ line: 5, price: 101 });
    const evaluation = all.find((r) => r.kind === "evaluation")!;
    expect(evaluation.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("digests the engine's context; stores it only with includeContext", () => {
    const without = run().all.find((r) => r.kind === "signal")!;
    expect(without.context).toBeNull();
    const withCtx = run({ includeContext: true }).all.find((r) => r.kind === "signal")!;
    const ctx = JSON.parse(withCtx.context!) as Record<string, unknown>;
    expect(ctx).toMatchObject({
      symbol: "AAPL",
      rule: "r5",
      bar: { close: 101, time: T0 + MIN },
      position: { quantity: 0 },
      account: { cash: expect.any(Number) },
    });
    expect(withCtx.context_digest).toBe(sha256Hex(withCtx.context!));
    expect(without.context_digest).toBe(withCtx.context_digest);
  });

  it("flushes one transaction per bar-close batch", () => {
    const { all, flushes } = run({ evaluations: false });
    const decisionTimes = new Set(all.filter((r) => r.rule !== null && r.kind !== "fill").map((r) => r.bar_time));
    // One flush per close time that produced records (the last by close()), the first with nothing before it skipped.
    expect(flushes.filter((n) => n > 0).length).toBeGreaterThanOrEqual(decisionTimes.size - 1);
    expect(flushes.reduce((a, b) => a + b, 0)).toBe(all.length);
  });

  it("can leave evaluations out", () => {
    const { all } = run({ evaluations: false });
    expect(all.some((r) => r.kind === "evaluation")).toBe(false);
    expect(all.some((r) => r.kind === "signal")).toBe(true);
  });
});

describe("auditSink edge cases", () => {
  const origin = { time: T0, symbol: "AAPL", timeframe: "5m", rule: "r1", line: 3 };

  it("records rule errors and rejected bars", () => {
    const file = journalPath();
    const j = new AuditJournal(file);
    const s = auditSink(j, { defer: () => undefined });
    s.emit({ type: "error", ...origin, code: "FN_THROW", message: "close_threshold: Error: boom" });
    s.emit({ type: "bar_rejected", file: "bars.csv", line: 7, code: "OHLC", reason: "high below low" });
    s.flush();
    const rs = j.query({ order: "asc" });
    expect(rs.map((r) => [r.kind, r.action, r.reasoning])).toEqual([
      ["error", "FN_THROW", "close_threshold: Error: boom"],
      ["bar_rejected", null, "high below low"],
    ]);
    expect(rs[0]?.context_digest).toBe(
      sha256Hex(canonicalJson(originContext({ type: "error", ...origin, code: "FN_THROW", message: "" }))),
    );
    j.close();
  });

  it("flushes when a new close time starts and once the burst is over", () => {
    const j = new AuditJournal(journalPath());
    const deferred: (() => void)[] = [];
    const s = auditSink(j, { defer: (f) => deferred.push(f) });
    const err = (time: number): EngineEvent => ({ type: "error", ...origin, time, code: "FN_THROW", message: "x" });
    s.emit(err(T0));
    s.emit(err(T0));
    expect(j.headSeq).toBe(0);
    s.emit(err(T0 + MIN));
    expect(j.headSeq).toBe(2);
    expect(deferred).toHaveLength(1);
    deferred[0]?.();
    expect(j.headSeq).toBe(3);
    j.close();
  });

  it("never throws: events after a failure are counted as dropped", () => {
    const fatal: string[] = [];
    const j = new AuditJournal(journalPath(), { onFatal: (e) => fatal.push(e.code) });
    const s = auditSink(j, { defer: () => undefined });
    j.db.pragma("query_only = 1");
    const err = (time: number): EngineEvent => ({ type: "error", ...origin, time, code: "FN_THROW", message: "x" });
    s.emit(err(T0));
    expect(() => s.emit(err(T0 + MIN))).not.toThrow();
    expect(() => s.emit(err(T0 + 2 * MIN))).not.toThrow();
    expect(fatal).toEqual(["AUDIT_READONLY"]);
    expect(s.dropped).toBe(2);
    j.db.pragma("query_only = 0");
    j.close();
  });

  it("records a FILLED status only when it carries a reason (filled with no fill of its own to record)", () => {
    const j = new AuditJournal(journalPath());
    const s = auditSink(j, { defer: () => undefined });
    s.onBrokerEvent({ type: "status", clientOrderId: "a", status: "FILLED" });
    s.onBrokerEvent({ type: "status", clientOrderId: "b", status: "FILLED", reason: "executed while away" });
    j.flush();
    const recs = j.query({ kind: "order", order: "asc" });
    expect(recs.map((r) => [r.action, r.reasoning, JSON.parse(r.payload).clientOrderId])).toEqual([
      ["FILLED", "executed while away", "b"],
    ]);
    j.close();
  });

  it("does not flush a closed journal from a late deferred callback", () => {
    const j = new AuditJournal(journalPath());
    const deferred: (() => void)[] = [];
    const s = auditSink(j, { defer: (f) => deferred.push(f) });
    s.emit({ type: "error", ...origin, code: "FN_THROW", message: "x" });
    j.close();
    expect(() => deferred[0]?.()).not.toThrow();
  });
});
