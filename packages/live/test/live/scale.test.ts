import { type Clock, calendarFor, PaperBroker, VirtualClock } from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { AuditJournal, auditSink, StateStore, verifyJournal } from "@tradeplan/store";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  FastClock,
  LiveError,
  LiveSession,
  ScaledClock,
  ScheduledFeed,
  type SessionFeed,
  SimFeed,
  type SimFeedSpec,
} from "../../src/live/index.js";

/**
 * A session of many symbols: one commit per market instant (not per bar),
 * history at the streams' own timeframes giving exactly what rebuilding them
 * from base bars gives, and a start-up that yields to the event loop and
 * can be stopped.
 */

const SYMBOLS = ["A", "B", "C", "D", "E", "F"];
const PLAN = `plan "scale"
symbols ${SYMBOLS.join(", ")}

let trend = close of 1d > sma(close, 3) of 1d
on 1m close crosses above sma(close, 10) with trend enter long size 10 shares
on 5m close above highest(high, 60)[1] enter long size 10 shares
on 15m close crosses below lowest(low, 8)[1] exit long
on 1h close crosses below sma(close, 5) exit long
on 1d close below lowest(low, 4)[1] exit long
`;

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "scale.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const plan = compile(PLAN);
const calendar = calendarFor("regular", "America/New_York");
const SPEC: SimFeedSpec = {
  symbols: SYMBOLS,
  seed: 5,
  interval: "1m",
  startPrice: 80,
  dailyVolume: 500_000,
  from: "2024-03-04",
  days: 3,
  historyDays: 8,
  calendar,
};
const DAYS = SimFeed.sessions(SPEC);
const START = DAYS[0]!.open;
const END = DAYS.at(-1)!.close + 60_000;

/** The same simulation, without history at the streams' own timeframes: everything is rebuilt from 1m bars. */
function baseOnly(feed: SimFeed): SessionFeed {
  return {
    baseTimeframe: feed.baseTimeframe,
    start: () => feed.start(),
    subscribe: (symbols, listener) => feed.subscribe(symbols, listener),
    history: (symbol, from, to) => feed.history(symbol, from, to),
    stop: () => feed.stop(),
    releaseDue: () => feed.releaseDue(),
  };
}

interface Run {
  readonly session: LiveSession;
  readonly clock: VirtualClock;
  readonly events: string[];
  readonly db: Database.Database;
  readonly journal: AuditJournal;
}

function makeRun(
  startAt: number,
  options: { db?: Database.Database; direct?: boolean; feed?: (f: SimFeed) => SessionFeed } = {},
): Run {
  const clock = new VirtualClock(startAt);
  const sim = new SimFeed(SPEC, { clock, startAt, name: "sim" });
  const feed = options.feed ? options.feed(sim) : options.direct === false ? baseOnly(sim) : sim;
  const db = options.db ?? new Database(":memory:");
  const journal = new AuditJournal(db, {});
  const events: string[] = [];
  const session = new LiveSession({
    plans: [plan],
    feed,
    clock,
    broker: new PaperBroker(),
    store: new StateStore(db),
    batchSink: auditSink(journal, { defer: () => undefined }),
    startAt,
    detector: { grace_ms: 1000 },
    budgetMs: Number.POSITIVE_INFINITY,
    sink: {
      evaluations: true,
      emit: (e) => {
        if (e.type === "evaluation")
          events.push(`${e.time} ${e.symbol} ${e.rule} ${e.signal.action} ${e.signal.reasoning}`);
        else if (e.type === "order") events.push(`order ${e.order.clientOrderId} ${e.ack.status}`);
      },
    },
  });
  return { session, clock, events, db, journal };
}

/** Every stream's cached bars, as plain rows. */
function caches(session: LiveSession): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  const engine = session.engines[0]!.engine;
  for (const s of engine.streams()) {
    const series = engine.series(s.symbol, s.timeframe)!;
    const rows: unknown[] = [];
    for (let i = series.length - 1; i >= 0; i--) {
      const b = series.history.get(i);
      rows.push({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
    }
    out[`${s.symbol} ${s.timeframe}`] = rows;
  }
  return out;
}

describe("LiveSession at scale", () => {
  it("commits one batch per market instant: six symbols closing a bar together are one commit", async () => {
    const run = makeRun(START);
    await run.session.start();
    const atStart = run.session.stats.batches;
    // An hour of bars, a minute per turn of the event loop: 60 instants of six bars each.
    for (let m = 1; m <= 60; m++) {
      run.clock.advanceTo(START + m * 60_000);
      await new Promise((r) => setImmediate(r));
    }
    expect(run.session.stats.barsIn).toBe(6 * 60);
    expect(run.session.stats.batches - atStart).toBe(60);
    // Another hour in one turn (as a replay at speed max works): up to 16 instants a commit.
    const before = run.session.stats.batches;
    run.clock.advanceTo(START + 120 * 60_000);
    await Promise.resolve();
    expect(run.session.stats.barsIn).toBe(6 * 120);
    expect(run.session.stats.batches - before).toBeGreaterThanOrEqual(4);
    expect(run.session.stats.batches - before).toBeLessThan(30);
    await run.session.stop("test");
    expect(verifyJournal(run.db).ok).toBe(true);
  });

  it("history asked at the streams' own timeframes fills the caches exactly as rebuilding them from 1m bars does", async () => {
    const direct = makeRun(START);
    const rebuilt = makeRun(START, { direct: false });
    await direct.session.start();
    await rebuilt.session.start();
    const a = caches(direct.session);
    expect(a["A 5m"]!.length).toBeGreaterThan(60);
    expect(a["A 1d"]).toHaveLength(8);
    expect(a).toEqual(caches(rebuilt.session));
    // With less work: only the bars the caches keep, not every close of the history days.
    expect(direct.session.stats.warmUpCloses).toBeLessThan(rebuilt.session.stats.warmUpCloses);
    // And the decisions that follow, over the three days, are the same.
    direct.clock.advanceTo(END);
    rebuilt.clock.advanceTo(END);
    await direct.session.stop("test");
    await rebuilt.session.stop("test");
    expect(direct.events.length).toBeGreaterThan(1000);
    expect(direct.events).toEqual(rebuilt.events);
  });

  it("a restart mid-day (the open bars rebuilt from 1m bars, the rest at their timeframes) decides as an uninterrupted run", async () => {
    const reference = makeRun(START);
    await reference.session.start();
    reference.clock.advanceTo(END);
    await reference.session.stop("end");

    const db = new Database(":memory:");
    const events: string[] = [];
    let resume = START;
    for (const stopAt of [DAYS[0]!.open + 137 * 60_000 + 20_000, DAYS[1]!.open + 301 * 60_000, END]) {
      const run = makeRun(resume, { db });
      await run.session.start();
      run.clock.advanceTo(stopAt);
      await run.session.stop("test stop");
      events.push(...run.events);
      const saved = new StateStore(db).load()!;
      resume = Math.min(...saved.watermarks.map((w) => w.closeTime));
    }
    expect(events).toEqual(reference.events);
    expect(verifyJournal(db).ok).toBe(true);
  });

  it("the start-up yields to the event loop while it refills, and stops with LIVE_STOPPED when asked to", async () => {
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    // A feed whose every history request keeps the CPU busy for 25 ms (a long refill, in slices).
    const run = makeRun(START, {
      feed: (sim) => ({
        ...baseOnly(sim),
        history: async (symbol, from, to) => {
          const until = performance.now() + 25;
          while (performance.now() < until) {
            // Busy, as parsing or folding a long history is.
          }
          return sim.history(symbol, from, to);
        },
      }),
    });
    await run.session.start();
    ticking = false;
    // Six symbols, at least 150 ms of work: other work got in between the slices.
    expect(turns).toBeGreaterThan(4);
    await run.session.stop("test");

    // Stopped while the feed's history is still on its way: the start gives up, nothing is streamed.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = makeRun(START, {
      feed: (sim) => ({
        ...baseOnly(sim),
        history: async (symbol, from, to) => {
          await held;
          return sim.history(symbol, from, to);
        },
      }),
    });
    const starting = slow.session.start();
    await new Promise((r) => setImmediate(r));
    await slow.session.stop("SIGTERM received");
    release();
    await expect(starting).rejects.toThrow(LiveError);
    await expect(starting).rejects.toMatchObject({ code: "LIVE_STOPPED" });
    expect(slow.session.state).toBe("INITIALIZING");
    slow.clock.advanceTo(START + 30 * 60_000);
    expect(slow.session.stats.barsIn).toBe(0);
  });

  it("a stop before the start (a signal while the CLI was still setting up) ends the start with LIVE_STOPPED", async () => {
    // `tradeplan run` stops the session as soon as SIGTERM comes, which can be before it calls start(): the
    // feed is stopped by then, and its refusal to start was a failed start (exit 2), found by bench/live.
    const run = makeRun(START);
    await run.session.stop("SIGTERM received");
    await expect(run.session.start()).rejects.toMatchObject({ code: "LIVE_STOPPED" });
    expect(run.session.state).toBe("INITIALIZING");
    run.clock.advanceTo(START + 30 * 60_000);
    expect(run.session.stats.barsIn).toBe(0);
  });
});

/** Many symbols closing at once, worked through on a clock that can be held (speed max) or on a virtual one. */
describe("LiveSession: an instant of many symbols in slices", () => {
  const MANY = Array.from({ length: 200 }, (_, i) => `S${i}`);
  const manyPlan = compile(`plan "many"
symbols ${MANY.join(", ")}

on 1m close crosses above sma(close, 10) enter long size 10 shares
on 5m close above highest(high, 30)[1] enter long size 10 shares
on 15m close crosses below lowest(low, 8)[1] exit long
`);
  const spec: SimFeedSpec = { ...SPEC, symbols: MANY, days: 1, historyDays: 2 };
  const start = SimFeed.sessions(spec)[0]!.open;
  /** Three quarters of an hour of market time: 45 instants of 200 bars (three 15-minute boundaries). */
  const INSTANTS = 45;
  const end = start + INSTANTS * 60_000;

  function manyRun(clock: Clock, sliceMs: number | undefined, onDb?: Database.Database, from = start) {
    const db = onDb ?? new Database(":memory:");
    const journal = new AuditJournal(db, {});
    const events: string[] = [];
    /** Bars processed at each commit. */
    const committedAt: number[] = [];
    const feed = new SimFeed(spec, { clock, startAt: from, name: "sim" });
    const session: LiveSession = new LiveSession({
      plans: [manyPlan],
      feed,
      clock,
      broker: new PaperBroker(),
      store: new StateStore(db),
      batchSink: auditSink(journal, { defer: () => undefined }),
      startAt: from,
      detector: { grace_ms: 1000 },
      budgetMs: Number.POSITIVE_INFINITY,
      ...(sliceMs !== undefined ? { sliceMs } : {}),
      observer: { batchCommitted: () => committedAt.push(session.stats.barsIn) },
      sink: {
        evaluations: true,
        emit: (e) => {
          if (e.type === "evaluation") events.push(`${e.time} ${e.symbol} ${e.rule} ${e.signal.action}`);
          else if (e.type === "order") events.push(`order ${e.order.clientOrderId} ${e.ack.status}`);
        },
      },
    });
    return { session, db, events, committedAt, feed };
  }

  it("a catch-up yields to the event loop inside an instant, commits only whole instants, and decides as one turn per instant does", async () => {
    // The reference: every instant in one go (a virtual clock cannot be held).
    const virtual = new VirtualClock(start);
    const reference = manyRun(virtual, 1);
    await reference.session.start();
    virtual.advanceTo(end);
    await reference.session.stop("end");

    // Speed max: every instant is due at once, as in a simulation that fell behind. A slice of 1 ms makes an
    // instant of 200 symbols take several.
    const clock = new FastClock({ start, until: end });
    const run = manyRun(clock, 1);
    await run.session.start();
    /** Bars processed when other work (this loop) got in: inside an instant unless a multiple of 200. */
    const seen: number[] = [];
    clock.run();
    // The clock is idle once the last instant is streamed; the session may still be working through it.
    while (!clock.idle || run.session.stats.barsIn < MANY.length * INSTANTS) {
      await new Promise((r) => setImmediate(r));
      seen.push(run.session.stats.barsIn);
    }
    await run.session.stop("end");

    expect(run.session.stats.barsIn).toBe(MANY.length * INSTANTS);
    // Other work got in while an instant was half done (before, an instant was always one turn).
    const inside = seen.filter((n) => n % MANY.length !== 0);
    expect(inside.length).toBeGreaterThan(INSTANTS);
    // Yet no transaction holds part of an instant: every commit comes after whole instants (the last one, at
    // the stop, commits the stop's record).
    expect(run.committedAt.length).toBeGreaterThan(0);
    for (const n of run.committedAt) expect(n % MANY.length).toBe(0);
    // And the decisions are those of the instant-per-turn run, in the same order.
    expect(run.events.length).toBeGreaterThan(MANY.length * INSTANTS);
    expect(run.events).toEqual(reference.events);
    expect(verifyJournal(run.db).ok).toBe(true);
  });

  it("a signal in the middle of an instant drops its rest, and the restart decides the symbols it had not reached", async () => {
    const virtual = new VirtualClock(start);
    const reference = manyRun(virtual, undefined);
    await reference.session.start();
    virtual.advanceTo(start + 3 * 60_000);
    await reference.session.stop("end");

    const clock = new FastClock({ start, until: start + 3 * 60_000 });
    const first = manyRun(clock, 1);
    await first.session.start();
    clock.run();
    // Stopped as soon as an instant is half done: answered within a slice, not after the instant.
    while (first.session.stats.barsIn % MANY.length === 0 && !clock.idle) await new Promise((r) => setImmediate(r));
    expect(first.session.stats.barsIn % MANY.length).not.toBe(0);
    await first.session.stop("SIGTERM received");
    const cut = first.session.stats.barsIn;
    expect(cut % MANY.length).not.toBe(0);
    // The summary counts the bars of the instant it dropped: with those processed, they make whole instants.
    expect(first.session.stats.barsDropped).toBeGreaterThan(0);
    expect((cut + first.session.stats.barsDropped) % MANY.length).toBe(0);
    const saved = new StateStore(first.db).load()!;
    const resume = Math.min(...saved.watermarks.map((w) => w.closeTime));
    // The restart, on the same database, from the oldest watermark: the bars of the symbols already done are
    // skipped, the others decided, each once.
    const clock2 = new VirtualClock(resume);
    const second = manyRun(clock2, undefined, first.db, resume);
    await second.session.start();
    clock2.advanceTo(start + 3 * 60_000);
    await second.session.stop("end");
    expect(second.session.stats.barsIn + cut).toBe(MANY.length * 3);
    expect([...first.events, ...second.events]).toEqual(reference.events);
    expect(verifyJournal(first.db).ok).toBe(true);
  });

  it("closes the clock detects (a symbol without a bar at the boundary) hold the clock once: the run does not stall", async () => {
    // B trades every 7 minutes: its 5-minute bars are closed by the detector's timer, whose closes are admitted
    // while that timer runs. With no slice at all, every piece of work holds the clock; a close that held it
    // inside the timer, and the timer after it, took two holds and let go of one (a replay hung, exit 13).
    const twoPlan = compile(`plan "two"
symbols A, B

on 5m close above highest(high, 3)[1] enter long size 1 shares
`);
    const open = start;
    const bar = (symbol: string, i: number) => ({
      symbol,
      time: open + i * 60_000,
      closeTime: open + (i + 1) * 60_000,
      open: 100 + (i % 5),
      high: 110 + (i % 7),
      low: 90,
      close: 100 + (i % 3),
      volume: 10,
    });
    const minutes = 120;
    const bars = new Map([
      ["A", Array.from({ length: minutes }, (_, i) => bar("A", i))],
      ["B", Array.from({ length: Math.ceil(minutes / 7) }, (_, k) => bar("B", k * 7))],
    ]);
    const clock = new FastClock({ start: open, until: open + minutes * 60_000 });
    const feed = new ScheduledFeed(bars, { clock, baseTimeframe: "1m", startAt: open, name: "two" });
    const session = new LiveSession({
      plans: [twoPlan],
      feed,
      clock,
      broker: new PaperBroker(),
      startAt: open,
      detector: { grace_ms: 1000 },
      budgetMs: Number.POSITIVE_INFINITY,
      sliceMs: 0,
    });
    await session.start();
    clock.run();
    const total = minutes + Math.ceil(minutes / 7);
    for (let turns = 0; session.stats.barsIn < total && turns < 100_000; turns++)
      await new Promise((r) => setImmediate(r));
    expect(session.stats.barsRejected).toBe(0);
    expect(session.stats.barsIn).toBe(total);
    // B's 5-minute closes came from the clock (no bar of B ends at most boundaries), and were decided.
    expect(session.stats.closes).toBeGreaterThan(minutes / 5 + 10);
    await session.stop("end");
  });

  it("at the end of the feed the last instant is finished before the stop and committed whole", async () => {
    const close = SimFeed.sessions(spec)[0]!.close;
    const from = close - 3 * 60_000;
    const clock = new FastClock({ start: from, until: close });
    const run = manyRun(clock, 1, undefined, from);
    const feed = run.feed;
    await run.session.start();
    clock.run();
    // The last bars are streamed (the feed has no more) while the session is still working through them.
    while (!(feed.nextDue() === Number.POSITIVE_INFINITY && run.session.stats.barsIn % MANY.length !== 0))
      await new Promise((r) => setImmediate(r));
    await run.session.stop("the feed has no more bars");
    expect(run.session.stats.barsIn).toBe(MANY.length * 3);
    for (const n of run.committedAt) expect(n % MANY.length).toBe(0);
    expect(verifyJournal(run.db).ok).toBe(true);
  });
});

describe("ScaledClock", () => {
  it("skips idle market time: a night passes in a second of wall time, the timers in it still fire in order", async () => {
    let wall = 1_000_000;
    const speed = 600;
    const clock = new ScaledClock({ start: START, speed, wall: () => wall });
    const nextBar = DAYS[1]!.open + 60_000;
    clock.skipIdle(() => nextBar, { maxWaitMs: 1000 });
    const fired: number[] = [];
    const night = DAYS[0]!.close + 3 * 3_600_000;
    await new Promise<void>((resolve) => {
      clock.setTimer(night, () => fired.push(clock.now()));
      clock.setTimer(nextBar, () => {
        fired.push(clock.now());
        resolve();
      });
      // About a second of wall time passes: the clock jumped to a second before the next bar.
      wall += 1_050;
    });
    expect(fired).toEqual([night, nextBar]);
    expect(clock.wallTimeOf(nextBar)).toBeLessThanOrEqual(wall);
    clock.dispose();
  });

  it("does not skip the minutes of a session at a slow speed", () => {
    let wall = 0;
    const clock = new ScaledClock({ start: START, speed: 1, wall: () => wall });
    clock.skipIdle(() => START + 60_000);
    wall += 10;
    expect(clock.now()).toBe(START + 10);
    clock.dispose();
  });
});
