import type { Broker, BrokerListener, BrokerOrder, Clock, OrderAck } from "@tradeplan/core";
import { calendarFor, PaperBroker, VirtualClock } from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { AuditJournal, auditSink, type SessionState, StateStore, verifyJournal } from "@tradeplan/store";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { FastClock, LiveSession, SimFeed, type SimFeedSpec } from "../../src/live/index.js";

/**
 * A decision reaches a broker outside the process only once it is on disk,
 * and a large instant is committed slice by slice: an instant of many
 * symbols is worked through in slices, the event loop turning between them,
 * and a broker such as IBKR writes an accepted order on the next turn. The
 * session commits what it decided before each such turn, and cancels the
 * unwritten orders of a batch whose commit failed.
 */

const SYMBOLS = Array.from({ length: 200 }, (_, i) => `S${i}`);

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "durable.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const plan = compile(`plan "durable"
symbols ${SYMBOLS.join(", ")}

on 1m close crosses above sma(close, 10) enter long size 10 shares
on 5m close above highest(high, 30)[1] enter long size 10 shares
on 15m close crosses below lowest(low, 8)[1] exit long
`);
const spec: SimFeedSpec = {
  symbols: SYMBOLS,
  seed: 5,
  interval: "1m",
  startPrice: 80,
  dailyVolume: 500_000,
  from: "2024-03-04",
  days: 1,
  historyDays: 2,
  calendar: calendarFor("regular", "America/New_York"),
};
const start = SimFeed.sessions(spec)[0]!.open;
/** Half an hour of market time: 30 instants of 200 bars. */
const INSTANTS = 30;
const end = start + INSTANTS * 60_000;

/**
 * A broker outside the process, as IBKR is: an order is accepted at once and
 * written on the next turn of the event loop, unless cancelled before. Each
 * written order notes whether its order record was committed by then.
 */
class WireBroker implements Broker {
  readonly written: { readonly id: string; readonly committed: boolean }[] = [];
  readonly cancelled: string[] = [];
  accepted = 0;
  private readonly book = new PaperBroker();
  private readonly orders = new Map<string, BrokerOrder>();
  private readonly unsent = new Set<string>();
  private readonly listeners = new Set<BrokerListener>();

  constructor(private readonly committed: (clientOrderId: string) => boolean) {}

  placeOrder(order: BrokerOrder): OrderAck {
    const id = order.clientOrderId;
    this.orders.set(id, order);
    this.unsent.add(id);
    this.accepted++;
    setImmediate(() => {
      if (this.unsent.delete(id)) this.written.push({ id, committed: this.committed(id) });
    });
    return { clientOrderId: id, status: "ACCEPTED" };
  }

  cancel(clientOrderId: string): boolean {
    if (!this.unsent.delete(clientOrderId)) return false;
    this.orders.delete(clientOrderId);
    this.cancelled.push(clientOrderId);
    for (const l of this.listeners)
      l({ type: "status", clientOrderId, status: "CANCELLED", reason: "cancelled before it was sent" });
    return true;
  }

  position(symbol: string) {
    return this.book.position(symbol);
  }

  positions() {
    return this.book.positions();
  }

  openOrders(symbol?: string): readonly BrokerOrder[] {
    return [...this.orders.values()].filter((o) => symbol === undefined || o.symbol === symbol);
  }

  account() {
    return this.book.account();
  }

  onEvent(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A state store whose `save` throws once `failWhen` says so: a batch whose commit fails. */
class FlakyStore extends StateStore {
  failWhen: () => boolean = () => false;
  override save(state: SessionState): void {
    if (this.failWhen()) throw new Error("injected: the state save failed");
    super.save(state);
  }
}

function makeRun(clock: Clock, options: { sliceCommitRecords?: number; external?: boolean } = {}) {
  const db = new Database(":memory:");
  const journal = new AuditJournal(db, {});
  const store = new FlakyStore(db);
  const recorded = db.prepare("SELECT count(*) AS n FROM audit_records WHERE kind = 'order' AND payload LIKE ?");
  const wire = new WireBroker(
    (id) => (recorded.get(`%"clientOrderId":"${id}"%`) as { n: number }).n > 0 && !db.inTransaction,
  );
  const events: string[] = [];
  /** Bars processed at each commit. */
  const committedAt: number[] = [];
  const feed = new SimFeed(spec, { clock, startAt: start, name: "sim" });
  const session: LiveSession = new LiveSession({
    plans: [plan],
    feed,
    clock,
    broker: options.external === true ? wire : new PaperBroker(),
    store,
    batchSink: auditSink(journal, { defer: () => undefined }),
    startAt: start,
    detector: { grace_ms: 1000 },
    budgetMs: Number.POSITIVE_INFINITY,
    sliceMs: 1,
    ...(options.sliceCommitRecords !== undefined ? { sliceCommitRecords: options.sliceCommitRecords } : {}),
    observer: { batchCommitted: () => committedAt.push(session.stats.barsIn) },
    sink: {
      evaluations: true,
      emit: (e) => {
        if (e.type === "evaluation") events.push(`${e.time} ${e.symbol} ${e.rule} ${e.signal.action}`);
        else if (e.type === "order") events.push(`order ${e.order.clientOrderId} ${e.ack.status}`);
      },
    },
  });
  return { session, db, store, wire, events, committedAt };
}

/** Runs a session on a clock at speed max until every bar of the window is processed (or it halted). */
async function runToEnd(run: ReturnType<typeof makeRun>, clock: FastClock): Promise<number[]> {
  await run.session.start();
  /** Bars processed whenever other work (this loop) got in. */
  const seen: number[] = [];
  clock.run();
  while (run.session.state !== "HALTED" && (!clock.idle || run.session.stats.barsIn < SYMBOLS.length * INSTANTS)) {
    await new Promise((r) => setImmediate(r));
    seen.push(run.session.stats.barsIn);
  }
  // The broker's writes of the last turn.
  await new Promise((r) => setImmediate(r));
  return seen;
}

describe("LiveSession: decisions are on disk before their orders leave the process", () => {
  it("an instant worked through in slices commits before each turn that would write one of its orders to the broker", async () => {
    const clock = new FastClock({ start, until: end });
    const run = makeRun(clock, { external: true });
    const seen = await runToEnd(run, clock);
    await run.session.stop("end");
    expect(run.session.stats.barsIn).toBe(SYMBOLS.length * INSTANTS);
    // The instants went on in slices (other work got in half-way through them).
    expect(seen.filter((n) => n % SYMBOLS.length !== 0).length).toBeGreaterThan(INSTANTS);
    expect(run.wire.written.length).toBeGreaterThan(20);
    expect(run.wire.written.length).toBe(run.wire.accepted);
    // Every order the broker wrote had its order record committed before.
    expect(run.wire.written.filter((w) => !w.committed)).toEqual([]);
    expect(verifyJournal(run.db).ok).toBe(true);
  });

  it("a batch whose commit fails has its unwritten orders cancelled: none reaches the broker", async () => {
    const clock = new FastClock({ start, until: end });
    const run = makeRun(clock, { external: true });
    // The first commit after the tenth order fails.
    run.store.failWhen = () => run.wire.accepted >= 10;
    await runToEnd(run, clock);
    expect(run.session.state).toBe("HALTED");
    const failed = run.wire.cancelled;
    expect(failed.length).toBeGreaterThan(0);
    const written = new Set(run.wire.written.map((w) => w.id));
    for (const id of failed) expect(written.has(id)).toBe(false);
    expect(run.wire.written.filter((w) => !w.committed)).toEqual([]);
    run.store.failWhen = () => false;
    await run.session.stop("end");
    // Committed at shutdown with the batch: each cancelled order has its record.
    const cancels = run.db
      .prepare("SELECT count(*) AS n FROM audit_records WHERE kind = 'order' AND action = 'CANCELLED'")
      .get() as { n: number };
    expect(cancels.n).toBe(failed.length);
    expect(verifyJournal(run.db).ok).toBe(true);
  });

  it("an instant past sliceCommitRecords commits slice by slice, and decides as one turn per instant does", async () => {
    const virtual = new VirtualClock(start);
    const reference = makeRun(virtual);
    await reference.session.start();
    virtual.advanceTo(end);
    await reference.session.stop("end");

    const clock = new FastClock({ start, until: end });
    const run = makeRun(clock, { sliceCommitRecords: 50 });
    await runToEnd(run, clock);
    await run.session.stop("end");
    expect(run.session.stats.barsIn).toBe(SYMBOLS.length * INSTANTS);
    // Commits in the middle of instants (each holding part of one), many per instant.
    const inside = run.committedAt.filter((n) => n % SYMBOLS.length !== 0);
    expect(inside.length).toBeGreaterThan(INSTANTS);
    expect(run.events).toEqual(reference.events);
    expect(verifyJournal(run.db).ok).toBe(true);
    // Below the threshold an instant is committed once whole.
    const wholeClock = new FastClock({ start, until: end });
    const wholeRun = makeRun(wholeClock);
    await runToEnd(wholeRun, wholeClock);
    await wholeRun.session.stop("end");
    for (const n of wholeRun.committedAt) expect(n % SYMBOLS.length).toBe(0);
  });
});
