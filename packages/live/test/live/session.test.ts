import type { EngineEvent, FeedBar } from "@tradeplan/core";
import { calendarFor, generateBars, PaperBroker, tradingSessions, VirtualClock } from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { AuditJournal, auditSink, StateStore, verifyJournal } from "@tradeplan/store";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { LiveError, LiveSession, ScaledClock, ScheduledFeed } from "../../src/live/index.js";

const PLAN = `plan "live"
symbol DEMO

on 1m close crosses above highest(high, 5)[1] enter long size 10 shares
on 1m close crosses below lowest(low, 5)[1] exit long
on 5m close crosses below lowest(low, 3)[1] enter short size 5 shares
on 5m close crosses above highest(high, 3)[1] exit short
on 1m trailing stop 0.2%
`;

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "live.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const plan = compile(PLAN);
const sessions = tradingSessions(calendarFor("regular"), "2024-03-04", 1);
const BARS: FeedBar[] = [...generateBars({ symbol: "DEMO", seed: 11, interval: "1m" }, sessions)].slice(0, 150);
const START = BARS[0]!.time;
const END = BARS.at(-1)!.closeTime + 60_000;

interface Run {
  session: LiveSession;
  broker: PaperBroker;
  clock: VirtualClock;
  events: string[];
  rejected: EngineEvent[];
}

/** A session on a virtual clock over `bars`, streaming from `startAt`. */
function makeRun(
  db: Database.Database | undefined,
  startAt: number,
  bars: FeedBar[] = BARS,
  journal?: AuditJournal,
  traceFirings = false,
): Run {
  const clock = new VirtualClock(startAt);
  const feed = new ScheduledFeed(new Map([["DEMO", bars]]), { clock, baseTimeframe: "1m", startAt, name: "test" });
  const broker = new PaperBroker();
  const events: string[] = [];
  const rejected: EngineEvent[] = [];
  const session = new LiveSession({
    plans: [plan],
    feed,
    clock,
    broker,
    ...(db ? { store: new StateStore(db) } : {}),
    ...(journal ? { batchSink: auditSink(journal, { defer: () => undefined }) } : {}),
    startAt,
    detector: { grace_ms: 1000 },
    budgetMs: Number.POSITIVE_INFINITY,
    traceFirings,
    sink: {
      evaluations: true,
      emit: (e) => {
        if (e.type === "bar_rejected") rejected.push(e);
        else if (e.type === "order")
          events.push(`order ${e.order.clientOrderId} ${e.order.side} ${e.order.quantity} ${e.ack.status}`);
        else events.push(`${e.type} ${e.time} ${e.rule} ${"signal" in e ? e.signal.action : ""}`);
      },
    },
  });
  return { session, broker, clock, events, rejected };
}

async function uninterrupted(): Promise<Run> {
  const run = makeRun(undefined, START);
  await run.session.start();
  run.clock.advanceTo(END);
  await run.session.stop("end");
  return run;
}

describe("LiveSession", () => {
  it("starts INITIALIZING, goes ACTIVE after the start sequence, trades, and stops cleanly", async () => {
    const run = makeRun(new Database(":memory:"), START);
    expect(run.session.state).toBe("INITIALIZING");
    await run.session.start();
    expect(run.session.state).toBe("ACTIVE");
    run.clock.advanceTo(END);
    await run.session.stop("end");
    expect(run.session.stats.barsIn).toBe(BARS.length);
    expect(run.session.stats.closes).toBe(BARS.length + BARS.length / 5);
    expect(run.events.filter((e) => e.startsWith("order ")).length).toBeGreaterThan(4);
    expect(run.session.error).toBeUndefined();
  });

  it("a restart continues exactly where it stopped: no decision missing, none doubled", async () => {
    const reference = await uninterrupted();
    const db = new Database(":memory:");
    const events: string[] = [];
    let resume = START;
    let last: Run | undefined;
    // Stop at three arbitrary points, mid-interval of the 5m stream included.
    for (const stopAt of [START + 17 * 60_000 + 30_000, START + 61 * 60_000, START + 98 * 60_000 + 1_000, END]) {
      const run = makeRun(db, resume);
      await run.session.start();
      run.clock.advanceTo(stopAt);
      await run.session.stop("test stop");
      events.push(...run.events);
      const saved = new StateStore(db).load()!;
      resume = Math.min(...saved.watermarks.map((w) => w.closeTime));
      last = run;
    }
    expect(events).toEqual(reference.events);
    expect(last!.broker.exportState().lots).toEqual(reference.broker.exportState().lots);
    expect(last!.broker.account()).toEqual(reference.broker.account());
    expect(last!.session.stats.warmUpCloses).toBeGreaterThan(0);
  });

  // With the firings' traces (larger records), SQLite's full disk came in the middle of a batch: on SQLITE_FULL it
  // rolled back the whole transaction, not only the failing savepoint, and the batch's later flush then committed on
  // its own, chained onto records that were gone (seq 112-114 missing, 115-117 on disk). runTransaction now refuses
  // to write inside a transaction SQLite has already rolled back.
  it.each([
    ["", false],
    [" (the firings' traces in the records)", true],
  ])("a full disk halts trading with a clear error and loses nothing already committed%s", async (_, traced) => {
    const db = new Database(":memory:");
    const journal = new AuditJournal(db, {});
    const run = makeRun(db, START, BARS, journal, traced);
    await run.session.start();
    run.clock.advanceTo(START + 40 * 60_000);
    const before = new StateStore(db).load()!;
    const records = (db.prepare("SELECT COUNT(*) AS n FROM audit_records").get() as { n: number }).n;
    // No page may be added any more: the next batch's transaction fails as on a full disk.
    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true })}`);
    let t = START + 40 * 60_000;
    while (run.session.state !== "HALTED" && t < END) {
      t += 60_000;
      run.clock.advanceTo(t);
    }
    expect(run.session.state).toBe("HALTED");
    expect(run.session.reason).toMatch(/batch failed: .*full/i);
    expect(String(run.session.error)).toMatch(/full/i);
    // Nothing is decided or sent once halted (the failed batch's own orders reached the broker before its
    // commit failed; a restart reconciles them and their client order ids keep them from being sent twice).
    const orders = run.events.filter((e) => e.startsWith("order ")).length;
    run.clock.advanceTo(END);
    expect(run.events.filter((e) => e.startsWith("order ")).length).toBe(orders);
    // What was committed before is intact and verifies.
    expect(new StateStore(db).load()).toEqual(before);
    expect((db.prepare("SELECT COUNT(*) AS n FROM audit_records").get() as { n: number }).n).toBe(records);
    expect(verifyJournal(db).ok).toBe(true);
    await run.session.stop("test over");
  });

  it("rejects and counts bad bars without evaluating them; the rest of the stream goes on", async () => {
    const bars = BARS.slice(0, 20).map((b, i) => (i === 7 ? { ...b, high: b.low - 1 } : b));
    const run = makeRun(undefined, START, bars);
    await run.session.start();
    run.clock.advanceTo(bars.at(-1)!.closeTime + 60_000);
    await run.session.stop();
    expect(run.session.stats.barsRejected).toBe(1);
    expect(run.session.stats.barsIn).toBe(19);
    expect(run.rejected).toEqual([
      expect.objectContaining({ type: "bar_rejected", code: "LOW_ABOVE_HIGH", file: "feed:DEMO" }),
    ]);
    expect(run.session.validator.rejections("DEMO", "1m").LOW_ABOVE_HIGH).toBe(1);
  });

  it("HALTED refuses every order; setState before the start is ignored", async () => {
    const run = makeRun(undefined, START);
    run.session.setState("HALTED", "too early");
    expect(run.session.state).toBe("INITIALIZING");
    await run.session.start();
    run.session.setState("HALTED", "operator");
    expect(run.session.state).toBe("HALTED");
    expect(run.session.reason).toBe("operator");
    run.clock.advanceTo(END);
    await run.session.stop();
    expect(run.events.some((e) => e.startsWith("order "))).toBe(false);
    expect(run.events.some((e) => e.startsWith("risk "))).toBe(true);
  });

  it("refuses plans that cannot share a session", () => {
    const clock = new VirtualClock(0);
    const feed = new ScheduledFeed(new Map(), { clock, baseTimeframe: "1m", startAt: 0, name: "x" });
    const base = { feed, clock, broker: new PaperBroker() };
    expect(() => new LiveSession({ ...base, plans: [] })).toThrow(LiveError);
    const other = compile(PLAN.replace('plan "live"', 'plan "other"\ntimezone "Europe/London"'));
    expect(() => new LiveSession({ ...base, plans: [plan, other] })).toThrow(/LIVE_MIXED_SESSIONS/);
    expect(() => new LiveSession({ ...base, plans: [plan, plan] })).toThrow(/LIVE_DUPLICATE_PLAN/);
  });
});

describe("ScheduledFeed", () => {
  it("streams bars closing after startAt in close-time order and answers history from the rest", async () => {
    const clock = new VirtualClock(START);
    const feed = new ScheduledFeed(new Map([["DEMO", BARS.slice(0, 10)]]), {
      clock,
      baseTimeframe: "1m",
      startAt: BARS[3]!.closeTime,
      name: "t",
    });
    expect(await feed.history("DEMO", START, BARS[4]!.time)).toEqual(BARS.slice(0, 4));
    await feed.start();
    const got: number[] = [];
    feed.subscribe(["DEMO"], (e) => {
      if (e.type === "bar") got.push(e.bar.time);
    });
    clock.advanceTo(BARS[9]!.closeTime);
    await feed.finished;
    expect(got).toEqual(BARS.slice(4, 10).map((b) => b.time));
    await feed.stop();
  });
});

describe("ScaledClock", () => {
  it("fires timers in market-time order at their due time, however late it wakes", async () => {
    let wall = 1_000;
    const clock = new ScaledClock({ start: 0, speed: 1000, wall: () => wall });
    const fired: [string, number][] = [];
    const done = new Promise<void>((resolve) => {
      clock.setTimer(5_000, () => fired.push(["b", clock.now()]));
      clock.setTimer(2_000, () => fired.push(["a", clock.now()]));
      clock.setTimer(9_000, () => {
        fired.push(["c", clock.now()]);
        resolve();
      });
    });
    // The process "wakes" long after every timer was due.
    wall += 60;
    await done;
    expect(fired).toEqual([
      ["a", 2_000],
      ["b", 5_000],
      ["c", 9_000],
    ]);
    expect(clock.now()).toBe(60_000);
    clock.dispose();
    expect(() => new ScaledClock({ start: 0, speed: 0 })).toThrow(/CLOCK_BAD_TIME/);
  });
});
