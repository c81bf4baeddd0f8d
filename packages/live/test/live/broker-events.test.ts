import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  AccountInfo,
  Broker,
  BrokerEvent,
  BrokerListener,
  BrokerOrder,
  FeedBar,
  OrderAck,
  PositionState,
} from "@tradeplan/core";
import { VirtualClock } from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { AuditJournal, auditSink, StateStore, verifyJournal } from "@tradeplan/store";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { LiveSession, ScheduledFeed } from "../../src/live/index.js";

/**
 * What an external broker (IBKR) reports outside the session's batches
 * reaches the journal: a fill arriving between two bars is committed at
 * once, not with the next bar's batch (a crash before that bar lost it);
 * and after a restart the orders the last run saved as working that the
 * broker no longer holds are settled, each with its record.
 */

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "events.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const plan = compile(`plan "events"
symbol DEMO
session always

on 1m close above 100 enter long size 10 shares
`);

const T0 = Date.UTC(2024, 2, 4, 15, 0);
const MIN = 60_000;
/** Closes 99, 101 (the entry), then 102, 103. */
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

/** A broker outside the process: it accepts orders, holds them as working, and reports when the test says. */
class ExternalBroker implements Broker {
  readonly working = new Map<string, BrokerOrder>();
  readonly settled: string[][] = [];
  private readonly listeners = new Set<BrokerListener>();

  constructor(private readonly settle: (order: BrokerOrder) => BrokerEvent | undefined = () => undefined) {}

  placeOrder(order: BrokerOrder): OrderAck {
    this.working.set(order.clientOrderId, order);
    return { clientOrderId: order.clientOrderId, status: "ACCEPTED" };
  }
  cancel(): boolean {
    return false;
  }
  position(symbol: string): PositionState {
    return { symbol, side: "flat", quantity: 0, avgPrice: 0 };
  }
  positions(): PositionState[] {
    return [];
  }
  openOrders(): readonly BrokerOrder[] {
    return [...this.working.values()];
  }
  account(): AccountInfo {
    return { cash: 100_000, equity: 100_000, realizedPnl: 0, unrealizedPnl: 0, dailyRealizedPnl: 0 };
  }
  onEvent(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async settleSaved(orders: readonly BrokerOrder[]): Promise<void> {
    this.settled.push(orders.map((o) => o.clientOrderId));
    for (const o of orders) {
      const e = this.settle(o);
      if (e) this.emit(e);
    }
  }
  emit(e: BrokerEvent): void {
    if (e.type === "status" && e.status !== "ACCEPTED") this.working.delete(e.clientOrderId);
    for (const l of this.listeners) l(e);
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rig(file: string, broker: Broker, startAt: number) {
  const db = new Database(file);
  const store = new StateStore(db);
  const journal = new AuditJournal(db, { synchronous: "normal" });
  const clock = new VirtualClock(startAt);
  const feed = new ScheduledFeed(new Map([["DEMO", BARS]]), { clock, baseTimeframe: "1m", startAt, name: "t" });
  const session = new LiveSession({
    plans: [plan],
    feed,
    clock,
    broker,
    store,
    batchSink: auditSink(journal, { defer: () => undefined }),
    startAt,
    detector: { grace_ms: 1000 },
    budgetMs: Number.POSITIVE_INFINITY,
  });
  return { db, journal, clock, session };
}

/** The journal's order and fill records as another connection sees them (what is committed). */
function committed(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const rows = db
    .prepare("SELECT kind, action, reasoning FROM audit_records WHERE kind IN ('order', 'fill') ORDER BY seq")
    .all() as { kind: string; action: string; reasoning: string | null }[];
  db.close();
  return rows.map((r) => `${r.kind} ${r.action}${r.action === "REJECTED" ? `: ${r.reasoning}` : ""}`);
}

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "tp-broker-events-"));
  dirs.push(dir);
  return join(dir, "run.db");
}

describe("broker events outside a batch", () => {
  it("a fill that arrives between two bars is committed at once, not with the next bar's batch", async () => {
    const file = tempDb();
    const broker = new ExternalBroker();
    const r = rig(file, broker, T0);
    await r.session.start();
    r.clock.advanceTo(BARS[1]!.closeTime + 1_500);
    // The entry's batch is committed at the end of its turn.
    await Promise.resolve();
    expect(committed(file)).toEqual(["order BUY"]);
    const [id] = broker.working.keys();
    expect(id).toBeDefined();
    // The broker reports the fill a moment later, while no bar is due.
    broker.emit({
      type: "fill",
      fill: {
        clientOrderId: id!,
        symbol: "DEMO",
        side: "BUY",
        quantity: 10,
        price: 101,
        commission: 1,
        time: BARS[1]!.closeTime + 2_000,
        trigger: "order",
      },
    });
    broker.emit({ type: "status", clientOrderId: id!, status: "FILLED" });
    await Promise.resolve();
    // Committed before any later bar: a crash now keeps it.
    expect(committed(file)).toEqual(["order BUY", "fill BUY"]);
    await r.session.stop("test");
    r.journal.close();
    r.db.close();
  });
});

describe("a restart settles what the last run left working", () => {
  it("orders saved as working that the broker no longer holds are handed to settleSaved, and what it reports is journalled", async () => {
    const file = tempDb();
    // The first run accepts the entry and dies with it working (never stopped: no final commit but the batch's).
    const first = new ExternalBroker();
    const a = rig(file, first, T0);
    await a.session.start();
    a.clock.advanceTo(BARS[1]!.closeTime + 1_500);
    await Promise.resolve();
    const [id] = first.working.keys();
    expect(id).toBeDefined();
    a.journal.close();
    a.db.close();
    // The broker never got it (it died on the way): the second run's broker holds nothing and reports it lost.
    const second = new ExternalBroker((o) => ({
      type: "status",
      clientOrderId: o.clientOrderId,
      status: "REJECTED",
      reason: "IB_ORDER_LOST: never reached the broker",
      lost: true,
    }));
    const b = rig(file, second, BARS[1]!.closeTime);
    await b.session.start();
    expect(second.settled).toEqual([[id]]);
    // Committed with the start-up, before anything is streamed.
    expect(committed(file)).toEqual(["order BUY", "order REJECTED: IB_ORDER_LOST: never reached the broker"]);
    await b.session.stop("test");
    expect(verifyJournal(b.db).ok).toBe(true);
    b.journal.close();
    b.db.close();
  });
});
