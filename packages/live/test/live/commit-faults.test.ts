import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FeedBar } from "@tradeplan/core";
import { calendarFor, generateBars, PaperBroker, tradingSessions, VirtualClock } from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { AuditJournal, auditSink, type SessionState, StateStore, verifyJournal } from "@tradeplan/store";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LiveSession, ScheduledFeed } from "../../src/live/index.js";

/**
 * A batch commit that fails after the journal's part of it was written (the
 * state save throws, or the disk fills at COMMIT) rolls the whole batch
 * back. The journal must not keep chaining onto records that never reached
 * the disk: it verifies after the fault, and after a restart it continues
 * the chain and still verifies.
 */

const PLAN = `plan "faults"
symbol DEMO

on 1m close crosses above highest(high, 5)[1] enter long size 10 shares
on 1m close crosses below lowest(low, 5)[1] exit long
on 5m close crosses below lowest(low, 3)[1] enter short size 5 shares
on 5m close crosses above highest(high, 3)[1] exit short
`;

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "faults.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const plan = compile(PLAN);
const sessions = tradingSessions(calendarFor("regular"), "2024-03-04", 1);
const BARS: FeedBar[] = [...generateBars({ symbol: "DEMO", seed: 11, interval: "1m" }, sessions)].slice(0, 200);
const START = BARS[0]!.time;
const END = BARS.at(-1)!.closeTime + 60_000;

const dirs: string[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync("umount", [m]);
    } catch {
      // Left for the OS; the test itself already failed or passed.
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tradeplan-faults-"));
  dirs.push(d);
  return d;
}

/** A state store whose `save` throws while `failing` is set: a state write refused after the journal's part. */
class FlakyStore extends StateStore {
  failing = false;
  override save(state: SessionState): void {
    if (this.failing) throw new Error("injected: the state save failed");
    super.save(state);
  }
}

interface Run {
  readonly session: LiveSession;
  readonly clock: VirtualClock;
  readonly journal: AuditJournal;
  readonly store: StateStore;
  readonly db: Database.Database;
  /** Client order ids the engine sent, in order. */
  readonly orders: string[];
}

function makeRun(file: string, startAt: number, store?: (db: Database.Database) => StateStore): Run {
  const db = new Database(file);
  const st = store ? store(db) : new StateStore(db);
  const journal = new AuditJournal(db, { synchronous: "normal" });
  const clock = new VirtualClock(startAt);
  const feed = new ScheduledFeed(new Map([["DEMO", BARS]]), { clock, baseTimeframe: "1m", startAt, name: "test" });
  const orders: string[] = [];
  const session = new LiveSession({
    plans: [plan],
    feed,
    clock,
    broker: new PaperBroker(),
    store: st,
    batchSink: auditSink(journal, {
      defer: () => undefined,
      functions: plan.functions.map((f) => ({ id: f.id, name: f.name })),
    }),
    // As `tradeplan run` wires it: session events go to the journal outside the batch.
    record: (what, payload) => journal.append({ kind: "session", reasoning: what, payload }),
    startAt,
    detector: { grace_ms: 1000 },
    budgetMs: Number.POSITIVE_INFINITY,
    sink: {
      evaluations: false,
      emit: (e) => {
        if (e.type === "order" && e.ack.status === "ACCEPTED") orders.push(e.order.clientOrderId);
      },
    },
  });
  return { session, clock, journal, store: st, db, orders };
}

/** Advances one minute at a time until the session halts (or the bars run out). */
function advanceUntilHalted(run: Run, from: number): number {
  let t = from;
  while (run.session.state !== "HALTED" && t < END) {
    t += 60_000;
    run.clock.advanceTo(t);
  }
  return t;
}

/** Stops a run and closes everything, whatever fails on the way (a full disk may refuse the last writes). */
async function shutDown(run: Run): Promise<unknown[]> {
  const errors: unknown[] = [];
  await run.session.stop("test over");
  try {
    run.journal.close();
  } catch (e) {
    errors.push(e);
  }
  run.store.close();
  run.db.close();
  return errors;
}

function verifyFile(file: string): ReturnType<typeof verifyJournal> {
  const db = new Database(file, { readonly: true });
  try {
    return verifyJournal(db);
  } finally {
    db.close();
  }
}

function orderRecords(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("SELECT payload FROM audit_records WHERE kind = 'order' AND action IN ('BUY', 'SELL')").all() as {
        payload: string;
      }[]
    ).map((r) => (JSON.parse(r.payload) as { order: { clientOrderId: string } }).order.clientOrderId);
  } finally {
    db.close();
  }
}

/** Every evaluation, signal, order and fill of a journal, in order (what a restart must not repeat). */
function decisions(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db
        .prepare(
          "SELECT kind, bar_time, rule, action FROM audit_records WHERE kind IN ('evaluation', 'signal', 'order', 'fill') ORDER BY seq",
        )
        .all() as { kind: string; bar_time: number | null; rule: string | null; action: string | null }[]
    ).map((r) => `${r.kind} ${r.bar_time} ${r.rule} ${r.action}`);
  } finally {
    db.close();
  }
}

/** The decisions of a run over every bar with no fault, in `dir`/clean.db: what a faulted run must end up with. */
async function uninterruptedDecisions(dir: string): Promise<string[]> {
  const clean = makeRun(join(dir, "clean.db"), START);
  await clean.session.start();
  clean.clock.advanceTo(END);
  expect(await shutDown(clean)).toEqual([]);
  return decisions(join(dir, "clean.db"));
}

/** Restarts on `file` from the saved watermarks, runs to the end of the bars, and closes cleanly. */
async function restartAndFinish(file: string): Promise<{ before: number; after: number }> {
  const saved = new StateStore(file);
  const state = saved.load();
  saved.close();
  expect(state).toBeDefined();
  const resume = Math.min(...state!.watermarks.map((w) => w.closeTime));
  const run = makeRun(file, resume);
  const before = run.journal.headSeq;
  await run.session.start();
  run.clock.advanceTo(END);
  expect(run.session.error).toBeUndefined();
  const errors = await shutDown(run);
  expect(errors).toEqual([]);
  const db = new Database(file, { readonly: true });
  const after = (db.prepare("SELECT seq FROM audit_head").get() as { seq: number }).seq;
  db.close();
  return { before, after };
}

describe("a batch whose commit fails leaves the journal in step with the disk", () => {
  it("a state save that throws after the journal wrote its part, and still at shutdown: verify OK, the batch's records dropped with it, the restart decides it once", async () => {
    const dir = tempDir();
    const expected = await uninterruptedDecisions(dir);

    const file = join(dir, "run.db");
    const run = makeRun(file, START, (db) => new FlakyStore(db));
    await run.session.start();
    run.clock.advanceTo(START + 40 * 60_000);
    (run.store as FlakyStore).failing = true;
    advanceUntilHalted(run, START + 40 * 60_000);
    expect(run.session.state).toBe("HALTED");
    expect(String(run.session.error)).toMatch(/injected/);
    // In memory, the journal stands where the disk does.
    const onDisk = run.db.prepare("SELECT seq, hash FROM audit_head").get() as { seq: number; hash: string };
    expect({ seq: run.journal.headSeq, hash: run.journal.headHash }).toEqual(onDisk);
    const sent = [...run.orders];
    // The state still cannot be saved at shutdown: the batch's records are dropped with it, and the run says so.
    // Written alone at the journal's close they would stand next to the older state, and the restart would decide
    // that batch again beside them (orders journalled twice).
    expect(await shutDown(run)).toEqual([]);
    expect(run.session.unwrittenBatch).toMatch(
      /^the last batch \(\d+ records\) was not committed: .*injected.*; a restart on this database decides it again$/,
    );
    const report = verifyFile(file);
    expect(report.problem).toBeNull();
    expect(report.ok).toBe(true);
    const recorded = orderRecords(file);
    expect(sent.slice(0, recorded.length)).toEqual(recorded);
    // Nothing decided is lost and nothing is decided twice: the restart decides the dropped batch once.
    const { before, after } = await restartAndFinish(file);
    expect(after).toBeGreaterThan(before);
    expect(decisions(file)).toEqual(expected);
    expect(verifyFile(file).ok).toBe(true);
  });

  it("a batch whose commit failed is committed whole at shutdown once the database takes writes again: the restart decides nothing twice", async () => {
    const dir = tempDir();
    const expected = await uninterruptedDecisions(dir);
    expect(expected.filter((d) => d.startsWith("order")).length).toBeGreaterThan(2);

    const file = join(dir, "run.db");
    const run = makeRun(file, START, (db) => new FlakyStore(db));
    await run.session.start();
    run.clock.advanceTo(START + 40 * 60_000);
    (run.store as FlakyStore).failing = true;
    advanceUntilHalted(run, START + 40 * 60_000);
    expect(run.session.state).toBe("HALTED");
    // The lock is gone (the disk has room) by the time the operator stops the run.
    (run.store as FlakyStore).failing = false;
    expect(await shutDown(run)).toEqual([]);
    expect(verifyFile(file).ok).toBe(true);
    // The failed batch and the state after it are on disk together; the halt itself was not saved.
    const saved = new StateStore(file);
    expect(saved.load()?.risk.state).toBe("ACTIVE");
    saved.close();
    await restartAndFinish(file);
    // Every decision recorded once, exactly those of an uninterrupted run.
    expect(decisions(file)).toEqual(expected);
    expect(verifyFile(file).ok).toBe(true);
  });

  it("the whole batch rolled back by its owner after the journal's savepoint was released: head and batch come back", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    const journal = new AuditJournal(db, {});
    journal.append({ kind: "session", reasoning: "first" });
    journal.flush();
    const committed = { seq: journal.headSeq, hash: journal.headHash };
    journal.append({ kind: "session", reasoning: "rolled back" });
    expect(() =>
      store.transaction(() => {
        journal.flush();
        expect(journal.headSeq).toBe(committed.seq + 1);
        throw new Error("the owner gives up");
      }),
    ).toThrow(/gives up/);
    expect({ seq: journal.headSeq, hash: journal.headHash }).toEqual(committed);
    expect(journal.pendingCount).toBe(1);
    journal.append({ kind: "session", reasoning: "next" });
    journal.flush();
    expect(verifyJournal(db).ok).toBe(true);
    const reasons = db.prepare("SELECT reasoning FROM audit_records ORDER BY seq").all() as { reasoning: string }[];
    expect(reasons.map((r) => r.reasoning)).toEqual(["first", "rolled back", "next"]);
  });

  it("a rollback by a transaction the journal was not told about (a plain db.transaction) is found on the disk", () => {
    const db = new Database(":memory:");
    const journal = new AuditJournal(db, {});
    journal.append({ kind: "session", reasoning: "first" });
    journal.flush();
    const committed = { seq: journal.headSeq, hash: journal.headHash };
    journal.append({ kind: "session", reasoning: "rolled back" });
    expect(() =>
      db.transaction(() => {
        journal.flush();
        throw new Error("the owner gives up");
      })(),
    ).toThrow(/gives up/);
    journal.append({ kind: "session", reasoning: "next" });
    journal.flush();
    expect(verifyJournal(db).ok).toBe(true);
    expect(journal.headSeq).toBe(committed.seq + 2);
    const reasons = db.prepare("SELECT reasoning FROM audit_records ORDER BY seq").all() as { reasoning: string }[];
    expect(reasons.map((r) => r.reasoning)).toEqual(["first", "rolled back", "next"]);
  });

  it("a batch committed by its owner is kept once, not written again", () => {
    const db = new Database(":memory:");
    const store = new StateStore(db);
    const journal = new AuditJournal(db, {});
    for (let i = 0; i < 3; i++) {
      journal.append({ kind: "session", reasoning: `batch ${i}` });
      store.transaction(() => journal.flush());
    }
    journal.close();
    expect(verifyJournal(db).ok).toBe(true);
    const reasons = db.prepare("SELECT reasoning FROM audit_records ORDER BY seq").all() as { reasoning: string }[];
    expect(reasons.map((r) => r.reasoning)).toEqual(["batch 0", "batch 1", "batch 2"]);
  });

  it("on a real 2 MiB filesystem that fills up: HALTED, verify OK there, and a restart on a good disk continues the chain", async (ctx) => {
    const mnt = join(tempDir(), "small");
    mkdirSync(mnt);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], { stdio: "pipe" });
    } catch (e) {
      ctx.skip(`cannot mount a tmpfs here (needs root): ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      return;
    }
    mounts.push(mnt);
    // Half the file system is taken by something else: the journal's own growth (its WAL) fills the rest.
    const filler = join(mnt, "filler");
    writeFileSync(filler, Buffer.alloc(1024 * 1024));
    const file = join(mnt, "run.db");
    const run = makeRun(file, START);
    await run.session.start();
    run.clock.advanceTo(START + 20 * 60_000);
    advanceUntilHalted(run, START + 20 * 60_000);
    expect(run.session.state).toBe("HALTED");
    expect(String(run.session.error)).toMatch(/full/i);
    // Wherever it struck (the journal's write, the state save, the COMMIT), the error names the file.
    expect(String(run.session.error)).toContain(file);
    // The operator frees space; the journal's last writes (the failed batch, the session's own records) now succeed.
    rmSync(filler);
    expect(await shutDown(run)).toEqual([]);
    const report = verifyFile(file);
    expect(report.problem).toBeNull();
    // A restart on a good disk: the files are moved there (the WAL holds committed batches too).
    const good = join(tempDir(), "good");
    mkdirSync(good);
    for (const suffix of ["", "-wal", "-shm"])
      if (existsSync(file + suffix)) copyFileSync(file + suffix, join(good, `run.db${suffix}`));
    const moved = join(good, "run.db");
    expect(verifyFile(moved).ok).toBe(true);
    const { before, after } = await restartAndFinish(moved);
    expect(after).toBeGreaterThan(before);
    expect(verifyFile(moved).problem).toBeNull();
  });
});
