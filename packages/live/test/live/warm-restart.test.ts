import type { FeedBar } from "@tradeplan/core";
import {
  calendarFor,
  FixedHoursCalendar,
  generateBars,
  PaperBroker,
  parseTimeframe,
  tradingSessions,
  VirtualClock,
} from "@tradeplan/core";
import { Bucketer } from "@tradeplan/core/internal";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { StateStore } from "@tradeplan/store";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  closedStreamBars,
  fetchWarmUpHistory,
  historyStart,
  LiveSession,
  ScheduledFeed,
  type SessionLogLevel,
} from "../../src/live/index.js";

// An index future in Berlin: the plan trades `session always`, the market stops every night and weekend.
const PLAN = `plan "warm"
symbol FDAX
timezone "Europe/Berlin"
session always

on 15m close crosses above sma(close, 20) enter long size 1 shares
on 15m close crosses below sma(close, 20) exit long
on 5m close < lowest(low, 12)[1] exit long
`;

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "warm.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const plan = compile(PLAN);
const exchange = new FixedHoursCalendar({ name: "EU", zone: "Europe/Berlin", open: "09:00", close: "22:00" });
// Thursday, Friday, then Monday and Tuesday: a weekend in between.
const sessions = tradingSessions(exchange, "2024-03-07", 4);
const BARS: FeedBar[] = [...generateBars({ symbol: "FDAX", seed: 21, interval: "1m", startPrice: 18_000 }, sessions)];
const START = BARS[0]!.time;
const END = BARS.at(-1)!.closeTime;
const MONDAY_0940 = Date.parse("2024-03-11T08:40:00Z");

interface Run {
  session: LiveSession;
  clock: VirtualClock;
  events: string[];
  logs: { level: SessionLogLevel; message: string }[];
}

function makeRun(db: Database.Database, startAt: number): Run {
  const clock = new VirtualClock(startAt);
  const feed = new ScheduledFeed(new Map([["FDAX", BARS]]), { clock, baseTimeframe: "1m", startAt, name: "test" });
  const events: string[] = [];
  const logs: Run["logs"] = [];
  const session = new LiveSession({
    plans: [plan],
    feed,
    clock,
    broker: new PaperBroker(),
    store: new StateStore(db),
    startAt,
    budgetMs: Number.POSITIVE_INFINITY,
    log: (level, message) => logs.push({ level, message }),
    sink: {
      evaluations: true,
      emit: (e) => {
        // The reasoning tells a cold rule ("not warm") from a warm one whose condition is false.
        if (e.type === "evaluation") events.push(`${e.time} ${e.rule} ${e.signal.action} ${e.signal.reasoning}`);
        else if (e.type === "order") events.push(`order ${e.order.clientOrderId} ${e.order.quantity}`);
      },
    },
  });
  return { session, clock, events, logs };
}

async function runBetween(db: Database.Database, from: number, to: number): Promise<Run> {
  const run = makeRun(db, from);
  await run.session.start();
  run.clock.advanceTo(to);
  await run.session.stop("test stop");
  return run;
}

describe("warm restart", () => {
  it("after a restart across a weekend every rule that was warm is warm: not a single decision changes", async () => {
    const reference = await runBetween(new Database(":memory:"), START, END);
    expect(reference.events.filter((e) => e.startsWith("order ")).length).toBeGreaterThan(4);

    const db = new Database(":memory:");
    const before = await runBetween(db, START, MONDAY_0940);
    const saved = new StateStore(db).load()!;
    const resume = Math.min(...saved.watermarks.map((w) => w.closeTime));
    const after = await runBetween(db, resume, END);

    expect([...before.events, ...after.events]).toEqual(reference.events);
    // The refill reached back over the weekend into Friday for the 15m cache: nothing was left cold.
    expect(after.logs.filter((l) => l.level === "warn")).toEqual([]);
    const refilled = after.logs.find((l) => l.message.startsWith("bar caches refilled"));
    expect(refilled).toBeDefined();
    const cold = after.events.filter((e) => Number(e.split(" ")[0]) > resume && e.includes("not warm"));
    expect(cold).toEqual([]);
  });

  it("the history is counted, not estimated: an around-the-clock calendar's estimate falls into the weekend", async () => {
    const always = calendarFor("always", "Europe/Berlin");
    const tf15 = parseTimeframe("15m");
    const need = { timeframe: "15m", end: MONDAY_0940, bars: 65 };
    // What the calendar alone estimates: 65 bars of 15 minutes back from Monday 09:40 is Sunday afternoon.
    const estimate = historyStart(always, MONDAY_0940, 65, tf15.ms);
    const inEstimate = BARS.filter((b) => b.time >= estimate && b.closeTime <= MONDAY_0940);
    expect(closedStreamBars(inEstimate, new Bucketer(always, tf15), MONDAY_0940)).toBeLessThan(10);

    const requests: [number, number][] = [];
    const got = await fetchWarmUpHistory(
      async (from, to) => {
        requests.push([from, to]);
        return BARS.filter((b) => b.time >= from && b.time < to);
      },
      always,
      MONDAY_0940,
      [need],
    );
    expect(closedStreamBars(got.bars, new Bucketer(always, tf15), MONDAY_0940)).toBeGreaterThanOrEqual(65);
    expect(got.requests).toBe(requests.length);
    // Each request continues where the one before began: no bar twice, none missing.
    for (let i = 1; i < requests.length; i++) expect(requests[i]![1]).toBe(requests[i - 1]![0]);
    expect(got.bars).toEqual(BARS.filter((b) => b.time >= got.from && b.closeTime <= MONDAY_0940));
  });

  it("stops asking when the feed's data begins: a start at the data's beginning gets what there is", async () => {
    const always = calendarFor("always", "Europe/Berlin");
    let requests = 0;
    const got = await fetchWarmUpHistory(
      async (from, to) => {
        requests++;
        return BARS.filter((b) => b.time >= from && b.time < to);
      },
      always,
      START + 30 * 60_000,
      [{ timeframe: "15m", end: START + 30 * 60_000, bars: 65 }],
    );
    expect(got.bars.length).toBe(30);
    expect(requests).toBeLessThan(20);
  });
});
