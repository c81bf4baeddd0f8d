import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FeedBar } from "@tradeplan/core";
import { PaperBroker, VirtualClock } from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { AuditJournal, auditSink, StateStore, verifyJournal } from "@tradeplan/store";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LiveSession, ScheduledFeed } from "../../src/live/index.js";

/**
 * An order placed before a restart and filled (or cancelled) after it: the
 * record of its fill still names the rule, the timeframe and the function,
 * because the audit sink's order -> rule map is saved with the state.
 */

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "origins.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const plan = compile(`plan "origins"
symbol DEMO
session always

on 1m close above 100 enter long size 10 shares
`);

const T0 = Date.UTC(2024, 2, 4, 15, 0);
const MIN = 60_000;
/** Closes 99, 101 (the entry: its order fills at the next bar's open), then 102, 103. */
const BARS: FeedBar[] = [99, 101, 102, 103].map((close, i) => ({
  symbol: "DEMO",
  time: T0 + i * MIN,
  closeTime: T0 + (i + 1) * MIN,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1000,
}));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function runUntil(file: string, startAt: number, until: number): Promise<void> {
  const db = new Database(file);
  const store = new StateStore(db);
  const journal = new AuditJournal(db, { synchronous: "normal" });
  const clock = new VirtualClock(startAt);
  const feed = new ScheduledFeed(new Map([["DEMO", BARS]]), { clock, baseTimeframe: "1m", startAt, name: "t" });
  const sink = auditSink(journal, {
    defer: () => undefined,
    functions: plan.functions.map((f) => ({ id: f.id, name: f.name })),
  });
  const session = new LiveSession({
    plans: [plan],
    feed,
    clock,
    broker: new PaperBroker(),
    store,
    batchSink: sink,
    startAt,
    detector: { grace_ms: 1000 },
    budgetMs: Number.POSITIVE_INFINITY,
  });
  await session.start();
  clock.advanceTo(until);
  await session.stop("test");
  journal.close();
  db.close();
}

describe("order origins across a restart", () => {
  it("a fill recorded after a restart names the rule, timeframe and function of the order placed before it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tp-origins-"));
    dirs.push(dir);
    const file = join(dir, "run.db");
    // Stop right after the entry's close (bar 2): the order is working, its fill comes with bar 3.
    await runUntil(file, T0, BARS[1]!.closeTime + 500);
    const saved = new StateStore(file);
    const state = saved.load()!;
    saved.close();
    const fn = plan.functions[0]!;
    expect(state.orderOrigins).toEqual([
      { clientOrderId: expect.stringContaining(`:${fn.id}:DEMO:1m:`), rule: fn.id, timeframe: "1m", function: fn.name },
    ]);
    await runUntil(file, BARS[1]!.closeTime, BARS[3]!.closeTime + 500);
    const db = new Database(file, { readonly: true });
    const fills = db
      .prepare("SELECT rule, timeframe, function, action FROM audit_records WHERE kind = 'fill'")
      .all() as { rule: string | null; timeframe: string | null; function: string | null; action: string }[];
    expect(fills).toEqual([{ rule: fn.id, timeframe: "1m", function: fn.name, action: "BUY" }]);
    expect(verifyJournal(db).ok).toBe(true);
    db.close();
    // Once filled the order is done: its origin is no longer kept.
    const after = new StateStore(file);
    expect(after.load()!.orderOrigins).toEqual([]);
    after.close();
  });

  it("a cancel recorded after the origins were restored names the rule, timeframe and function", () => {
    const db = new Database(":memory:");
    const journal = new AuditJournal(db, {});
    const sink = auditSink(journal, { defer: () => undefined });
    sink.restoreOrderOrigins([
      { clientOrderId: "h:r5:DEMO:5m:1", rule: "r5", timeframe: "5m", function: "close_above" },
    ]);
    expect(sink.orderOrigins()).toEqual([
      { clientOrderId: "h:r5:DEMO:5m:1", rule: "r5", timeframe: "5m", function: "close_above" },
    ]);
    sink.onBrokerEvent({ type: "status", clientOrderId: "h:r5:DEMO:5m:1", status: "CANCELLED", reason: "end of day" });
    journal.flush();
    const rec = db.prepare("SELECT rule, timeframe, function, action FROM audit_records WHERE kind = 'order'").get();
    expect(rec).toEqual({ rule: "r5", timeframe: "5m", function: "close_above", action: "CANCELLED" });
    expect(sink.orderOrigins()).toEqual([]);
  });
});
