/**
 * The fault matrix of issue 14 over the installed `tradeplan run`: the
 * loopback fake TWS (the real @stoqey/ib client in the subprocess on the
 * other side of a real socket) as broker and feed, or a paper replay where
 * the fault is about storage. Each fault class is injected into a running
 * process: a socket cut in the middle of a burst of orders, a flap storm, a
 * silent handshake on reconnect, garbage bytes, a 200 MB length prefix, a
 * full disk, another writer holding the database's write lock past the busy
 * timeout, and SIGTERM / SIGKILL at seeded random moments, each followed by a
 * restart on the same database.
 *
 * After each, counted: orders sent twice (one `orderRef` in more than one
 * PLACE_ORDER at the fake TWS, or one order filled twice on paper: must be
 * 0), orders the journal says were placed that never arrived and have no
 * REJECTED/CANCELLED record naming why (must be 0), `tradeplan audit verify`
 * on the database (must be OK), and how the process ended: still trading
 * (ACTIVE, or HALTED with the reason in its log) and then stopped with
 * SIGTERM (exit 0), or exited by itself with a documented code and a line
 * saying why. The counts are printed as a table at the end (and kept in
 * docs/ibkr.md, "Behaviour under each fault").
 *
 * Seeds: the flap storm uses FLAP_SEED, the garbage bytes GARBAGE_SEED, the
 * kill points KILL_SEED; the market is the same every run (prices by bar
 * index), so the only thing left to chance is where a kill lands in time.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type FakeTws, frame, startFakeTws, wire } from "../fake-tws/index.js";
import {
  type Finished,
  journalledFills,
  ROOT,
  type Running,
  start,
  tradeplan,
  workdir,
  writeFiles,
} from "./harness.js";

/** The flap storm's drop times and burst cuts. */
const FLAP_SEED = 1401;
/** The garbage sent to the client. */
const GARBAGE_SEED = 1402;
/** Where SIGTERM and SIGKILL land, and which of the two. */
const KILL_SEED = 20_240_314;
/** Kill points (each followed by a restart on the same database). */
const KILLS = 12;

const S5 = 5_000;
/** Ten symbols: every 5-second bar is a burst of up to ten orders. */
const SYMBOLS = Array.from({ length: 10 }, (_, i) => `S${i}`);
const SHARES = 10;

/**
 * Enters on a bar closing above 150 and exits on one closing below; the
 * market alternates 151 / 149 bar by bar, so every bar sends an order for
 * every symbol (an entry on even bars, an exit on odd ones).
 */
const IB_PLAN = `plan "fault matrix"
symbols ${SYMBOLS.join(", ")}
timezone "UTC"
session always

on 5s close > 150 enter long size ${SHARES} shares
on 5s close < 150 exit long
`;

const PAPER_PLAN = `plan "storage faults"
symbol DEMO

on 1m close crosses above sma(close, 5) enter long size 10 shares
on 1m close crosses below sma(close, 5) exit long
`;

/** mulberry32: a seeded generator, the same sequence everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// The summary table
// ---------------------------------------------------------------------------------------------------------------

interface Row {
  /** Its place in the table (the tests of a group finish in any order). */
  readonly rank: number;
  readonly fault: string;
  readonly injections: number;
  /** Orders the journal says were placed (accepted by the broker). */
  readonly orders: number;
  readonly doubled: number;
  /** Placed, never arrived, with a REJECTED record naming why (IB_ORDER_LOST or "not connected"). */
  readonly lostRecorded: number;
  /** Placed, never arrived, no record saying so: must be 0. */
  readonly lostUnrecorded: number;
  /** Shares filled: in the journal's fill records / at the broker (TWS's executions, or the paper book). */
  readonly fills: string;
  /** `audit verify` results: OK count / runs. */
  readonly verify: string;
  readonly finalState: string;
}

const table: Row[] = [];

afterAll(() => {
  if (table.length === 0) return;
  const head = [
    "fault",
    "injections",
    "orders",
    "doubled",
    "lost (recorded)",
    "lost-unrecorded",
    "shares filled (journal / broker)",
    "audit verify",
    "final state",
  ];
  const lines = [...table]
    .sort((a, b) => a.rank - b.rank)
    .map((r) => [
      r.fault,
      String(r.injections),
      String(r.orders),
      String(r.doubled),
      String(r.lostRecorded),
      String(r.lostUnrecorded),
      r.fills,
      r.verify,
      r.finalState,
    ]);
  const md = [head, head.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
  console.log(`fault matrix (${new Date().toISOString().slice(0, 10)}, the installed tradeplan run):\n${md}`);
});

// ---------------------------------------------------------------------------------------------------------------
// Waiting on a running process
// ---------------------------------------------------------------------------------------------------------------

/** Polls `cond` until it holds; fails with the process's log tail when `run` exits first or after `ms`. */
async function until(what: string, cond: () => boolean, run: Running | undefined, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (run && (run.child.exitCode !== null || run.child.signalCode !== null))
      throw new Error(`the run exited before ${what}\nstderr:\n${tail(run.stderr())}`);
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${run ? `\nstderr:\n${tail(run.stderr())}` : ""}`);
    await sleep(50);
  }
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** How often `re` matches in `text`. */
function count(text: string, re: RegExp): number {
  return text.match(new RegExp(re.source, "g"))?.length ?? 0;
}

/** The `msg` of each JSON log line matching `re`. */
function logLines(stderr: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const msg = (JSON.parse(line) as { msg?: unknown }).msg;
      if (typeof msg === "string" && re.test(msg)) out.push(msg);
    } catch {
      // not a log line
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The market the fake TWS serves
// ---------------------------------------------------------------------------------------------------------------

/** The close of the 5-second bar starting at `time`: 151 on even bars, 149 on odd ones. */
function closeAt(time: number): number {
  return (time / S5) % 2 === 0 ? 151 : 149;
}

/**
 * Real-time 5-second bars of every symbol, pushed to the fake TWS's
 * subscriptions as each completes and kept as its history (so the backfill
 * after a reconnect or a restart finds the bars missed). Market orders fill at
 * once at the last close; an order TWS took but left working (the one a
 * mid-burst cut lands on) fills on the next tick, as a market order would.
 */
class Market {
  private readonly bars = new Map<string, WireBar[]>();
  private last: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private afterBar: (() => void) | undefined;

  constructor(private readonly tws: FakeTws) {
    const now = Math.floor(Date.now() / S5) * S5;
    for (const s of SYMBOLS) {
      this.bars.set(
        s,
        Array.from({ length: 120 }, (_, i) => bar(now - (120 - i) * S5)),
      );
      tws.setHistory(s, this.bars.get(s) ?? []);
    }
    this.last = now - S5;
    tws.orderPlan = () => ({ kind: "fill", price: this.price, commission: 1 });
    this.timer = setInterval(() => this.tick(), 200);
  }

  get price(): number {
    return closeAt(this.last);
  }

  /** Start time of the last bar pushed. */
  get lastBar(): number {
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Runs `fn` once, right after the next bar is pushed and in the same turn: whatever `fn` sends reaches the
   * client behind that bar and before any order its close decides can have been read.
   */
  afterNextBar(fn: () => void): void {
    this.afterBar = fn;
  }

  private tick(): void {
    const done = Math.floor(Date.now() / S5) * S5 - S5;
    const from = this.last;
    while (this.last < done) {
      this.last += S5;
      for (const s of SYMBOLS) {
        const b = bar(this.last);
        this.bars.get(s)?.push(b);
        this.tws.setHistory(s, this.bars.get(s) ?? []);
        this.tws.pushBar(s, b);
      }
    }
    const after = this.afterBar;
    if (after && this.last > from) {
      this.afterBar = undefined;
      after();
    }
    for (const o of this.tws.workingOrders()) this.tws.fill(o.orderId, o.quantity, this.price);
  }
}

type WireBar = wire.WireBar;

function bar(time: number): WireBar {
  const close = closeAt(time);
  return { time, open: close, high: close + 0.2, low: close - 0.2, close, volume: 1_000 };
}

// ---------------------------------------------------------------------------------------------------------------
// IBKR runs
// ---------------------------------------------------------------------------------------------------------------

interface IbRig {
  readonly tws: FakeTws;
  readonly market: Market;
  readonly dir: string;
  readonly onFinished: OnFinished;
}

/** Registers what to undo when the test is over (vitest's onTestFinished: the tests of a group run at once). */
type OnFinished = (fn: () => Promise<void> | void) => void;

async function ibRig(dir: string, options: { breaker: boolean }, onFinished: OnFinished): Promise<IbRig> {
  const tws = await startFakeTws({ trackPositions: true });
  onFinished(() => tws.close());
  const market = new Market(tws);
  onFinished(() => market.stop());
  // A quick watchdog and reconnect, so that a fault is noticed and recovered from within seconds.
  const config = `broker:
  ib:
    port: ${tws.port}
    clientId: 7
    connectTimeoutMs: 1500
    heartbeatMs: 1000
    inboundTimeoutMs: 3000
    reconnect:
      initialDelayMs: 200
      maxDelayMs: 1000
breaker:
${options.breaker ? "  backoff:\n    initial_ms: 500\n    max_ms: 2000" : "  enabled: false"}
`;
  writeFiles(dir, { "ib.plan": IB_PLAN, "ib.yaml": config });
  return { tws, market, dir, onFinished };
}

/** The number of orders TWS had read when each run started (its own orders come after). */
const ordersAtStart = new WeakMap<Running, number>();

function startIb(rig: IbRig): Running {
  const run = start(["run", "ib.plan", "--config", "ib.yaml", "--broker", "ib", "--feed", "ib", "--audit", "ib.db"], {
    cwd: rig.dir,
    timeoutMs: 240_000,
  });
  ordersAtStart.set(run, placed(rig.tws));
  rig.onFinished(() => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
  });
  return run;
}

/** PLACE_ORDER messages the fake TWS read. */
const placed = (tws: FakeTws) => tws.orders.length;

/** Waits until `n` more orders reached TWS than `from`. */
function ordersReach(rig: IbRig, run: Running, n: number, what: string, ms = 30_000): Promise<void> {
  return until(what, () => placed(rig.tws) >= n, run, ms);
}

/** Waits for the session to trade: ACTIVE (and, with the breaker, the breaker closed) `times` times in all. */
function active(run: Running, times: number, breaker: boolean, ms = 60_000): Promise<void> {
  const re = breaker ? /trading state HALTED -> ACTIVE: circuit breaker closed/ : /session ACTIVE/;
  return until(`ACTIVE (${times})`, () => count(run.stderr(), re) >= times, run, ms);
}

/**
 * Stops a run with SIGTERM once it is quiet. The market stops right after its next bar, so that bar's close is
 * the last decided (its evaluations for every symbol are in the journal, committed with its orders); then the
 * orders in flight settle: every order the journal accepted reached TWS or has a record saying why not, and
 * every share TWS filled of this run's orders has its fill record. On a loaded machine no fixed pause is enough
 * for that, and a SIGTERM in the middle of a burst leaves its last orders queued for the wire (saved as working,
 * settled only by a next start). Expects a clean exit and returns it.
 */
async function terminate(rig: IbRig, run: Running): Promise<Finished> {
  let lastClose: number | undefined;
  rig.market.afterNextBar(() => {
    rig.market.stop();
    lastClose = rig.market.lastBar + S5;
  });
  await until("the market's last bar", () => lastClose !== undefined, run, 10_000);
  const db = join(rig.dir, "ib.db");
  await until(`the close of ${lastClose} decided`, () => symbolsEvaluated(db, lastClose ?? 0) === SYMBOLS.length, run);
  const mine = () => rig.tws.orders.slice(ordersAtStart.get(run) ?? 0);
  await until(
    "the orders in flight settled",
    () => {
      const { accepted, settled } = ordersInJournal(db);
      const atTws = new Set(rig.tws.orders.map((o) => o.orderRef));
      const fills = journalledFills(db);
      return (
        [...accepted].every((id) => atTws.has(id) || settled.has(id)) &&
        mine().every((o) => (fills.get(o.orderRef) ?? 0) >= rig.tws.filledQuantity(o.orderId))
      );
    },
    run,
  );
  run.child.kill("SIGTERM");
  const r = await run.done;
  expect(r.signal, "SIGTERM was not answered: the process had to be killed").toBeNull();
  expect(r.code, tail(r.stderr)).toBe(0);
  return r;
}

interface JournalRow {
  readonly seq: number;
  readonly kind: string;
  readonly action: string | null;
  readonly reasoning: string | null;
  readonly payload: Record<string, unknown>;
}

/** Every record of `kind`, through the installed `tradeplan audit query`. */
async function journal(dir: string, db: string, kind: string): Promise<JournalRow[]> {
  const r = await tradeplan(["audit", "query", db, "--kind", kind, "--limit", "100000", "--format", "json"], {
    cwd: dir,
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JournalRow[];
}

/** `tradeplan audit verify` on the database: true when it says OK (exit 0). */
async function verified(dir: string, db: string): Promise<boolean> {
  const r = await tradeplan(["audit", "verify", db], { cwd: dir });
  if (r.code !== 0) process.stderr.write(`audit verify ${db}: exit ${r.code}\n${r.stdout}${r.stderr}\n`);
  return r.code === 0 && /: OK, \d+ records/.test(r.stdout);
}

/** What the journal says about orders. */
interface OrderLedger {
  /** Client order ids the broker accepted (the journal's BUY/SELL records with an ACCEPTED ack), with how often. */
  readonly accepted: Map<string, number>;
  /** REJECTED / CANCELLED (and FILLED with no fill record: settled after a restart) records, by client order id. */
  readonly settled: Map<string, string>;
  /** Filled shares per client order id. */
  readonly filled: Map<string, number>;
  /** Shares ordered per client order id. */
  readonly quantity: Map<string, number>;
}

async function ledger(dir: string, db: string): Promise<OrderLedger> {
  const accepted = new Map<string, number>();
  const settled = new Map<string, string>();
  const filled = new Map<string, number>();
  const quantity = new Map<string, number>();
  for (const r of await journal(dir, db, "order")) {
    const p = r.payload;
    if (r.action === "BUY" || r.action === "SELL") {
      const order = p.order as { clientOrderId: string; quantity: number };
      const ack = p.ack as { status: string };
      if (ack.status !== "ACCEPTED") continue;
      accepted.set(order.clientOrderId, (accepted.get(order.clientOrderId) ?? 0) + 1);
      quantity.set(order.clientOrderId, order.quantity);
    } else if (r.action === "REJECTED" || r.action === "CANCELLED" || r.action === "FILLED") {
      settled.set(String(p.clientOrderId), `${r.action}: ${r.reasoning ?? ""}`);
    }
  }
  for (const r of await journal(dir, db, "fill")) {
    const id = String(r.payload.clientOrderId);
    filled.set(id, (filled.get(id) ?? 0) + Number(r.payload.quantity));
  }
  return { accepted, settled, filled, quantity };
}

/**
 * The counts of an IBKR fault: orders sent twice (an orderRef in more than one PLACE_ORDER, read by TWS or
 * written into a dead connection), the orders the journal says were placed that TWS never got, with and
 * without a record naming why, and the shares filled at TWS against those in the journal's fill records.
 * Also checks that the broker's book (the run's summary) is TWS's.
 */
async function ibCounts(
  rig: IbRig,
  last: Finished,
): Promise<
  Pick<Row, "orders" | "doubled" | "lostRecorded" | "lostUnrecorded" | "fills"> & {
    acceptedIds: string[];
    unrecorded: string[];
    fateless: string[];
    bookDiff: string[];
    unjournalled: string[];
    filledAtTws: number;
    filledInJournal: number;
  }
> {
  const sent = new Map<string, number>();
  for (const m of [...rig.tws.received, ...rig.tws.swallowed]) {
    if (m.fields[0] !== "3") continue;
    const ref = m.fields[26] ?? "";
    sent.set(ref, (sent.get(ref) ?? 0) + 1);
  }
  const atTws = new Set(rig.tws.orders.map((o) => o.orderRef));
  const l = await ledger(rig.dir, "ib.db");
  const missing = [...l.accepted.keys()].filter((id) => !atTws.has(id));
  const unrecorded = missing.filter((id) => !l.settled.has(id));
  for (const id of missing) {
    const why = l.settled.get(id);
    if (why !== undefined) expect(why).toMatch(/^REJECTED: (IB_ORDER_LOST: .+|not connected)$/);
  }
  // The book the run ended with is TWS's: no fill missed, none booked twice.
  const summary = JSON.parse(last.stdout) as { positions: { symbol: string; quantity: number }[] };
  const book = new Map(summary.positions.map((p) => [p.symbol, p.quantity]));
  // The fake TWS's one account, which the book was taken over from; orders sent anywhere else show up here.
  const tws = new Map(
    rig.tws
      .heldPositions()
      .filter((p) => p.account === "DU1234567")
      .map((p) => [p.symbol, Number(p.position)]),
  );
  // Where they differ, the story of the symbol on both sides (for the failure message).
  const bookDiff = SYMBOLS.filter((s) => (book.get(s) ?? 0) !== (tws.get(s) ?? 0)).map((s) => {
    const atTwsOf = rig.tws.orders
      .filter((o) => o.symbol === s)
      .map(
        (o) => `${o.orderRef.split(":").at(-1)} ${o.action} ${o.account} filled ${rig.tws.filledQuantity(o.orderId)}`,
      );
    const journalOf = [...l.accepted.keys()]
      .filter((id) => id.includes(`:${s}:`))
      .map((id) => `${id.split(":").at(-1)} fills ${l.filled.get(id) ?? 0} ${l.settled.get(id) ?? ""}`);
    return `${s}: book ${book.get(s) ?? 0}, TWS ${tws.get(s) ?? 0}\n  TWS: ${atTwsOf.join("; ")}\n  journal: ${journalOf.join("; ")}`;
  });
  // Every order placed has its fate in the journal: its fills, a REJECTED / CANCELLED / FILLED record, or it is
  // still working in the state the last run saved.
  const state = new Database(join(rig.dir, "ib.db"), { readonly: true });
  const working = new Set(
    state
      .prepare("SELECT client_order_id FROM state_orders")
      .all()
      .map((r) => String(r.client_order_id)),
  );
  state.close();
  const fateless = [...l.accepted.keys()].filter((id) => !l.filled.has(id) && !l.settled.has(id) && !working.has(id));
  const filledAtTws = rig.tws.orders.reduce((n, o) => n + rig.tws.filledQuantity(o.orderId), 0);
  const filledInJournal = [...l.filled.values()].reduce((n, q) => n + q, 0);
  return {
    orders: l.accepted.size,
    doubled: [...sent.values()].filter((n) => n > 1).length + [...l.accepted.values()].filter((n) => n > 1).length,
    lostRecorded: missing.length - unrecorded.length,
    lostUnrecorded: unrecorded.length,
    fills: `${filledInJournal} / ${filledAtTws}`,
    acceptedIds: [...l.accepted.keys()],
    unrecorded,
    fateless,
    bookDiff,
    unjournalled: [...atTws].filter((ref) => !l.accepted.has(ref)),
    filledAtTws,
    filledInJournal,
  };
}

/** The invariants of an IBKR fault without a restart: also every share TWS filled has its fill record. */
function expectIbInvariants(c: Awaited<ReturnType<typeof ibCounts>>): void {
  expect(c.doubled, "orders sent twice").toBe(0);
  expect(c.unrecorded, "orders placed, never at TWS, with no record saying so").toEqual([]);
  expect(c.unjournalled, "orders at TWS the journal does not know").toEqual([]);
  expect(c.fateless, "orders placed whose fate the journal does not record").toEqual([]);
  expect(c.filledInJournal, "shares filled at TWS without a fill record, or recorded twice").toBe(c.filledAtTws);
  expect(c.bookDiff, "the run's book against TWS's positions").toEqual([]);
}

/** The trading state and reason the run's summary ended with. */
function summaryState(r: Finished): string {
  const s = JSON.parse(r.stdout) as { state: string; stopped: string };
  return `${s.state}; ${s.stopped} -> exit ${r.code}`;
}

// Each group's tests run at once: every run waits on 5-second bars most of the time, so together they take the
// time of the longest (a few minutes one after the other).
describe.concurrent("fault matrix: tradeplan run --broker ib --feed ib (installed) against the fake TWS", () => {
  it("socket drop during a burst of orders: the orders behind the cut are journalled lost, never re-sent; HALTED, then ACTIVE again", async ({
    expect,
    onTestFinished,
  }) => {
    const rig = await ibRig(workdir("tradeplan-fm-drop-"), { breaker: true }, onTestFinished);
    const run = startIb(rig);
    await active(run, 1, true);
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a first burst");
    // The burst of the next bar's close (its client order ids end with that close's time, the start of the bar
    // plus 5 s), cut after its third order. Picked by its close, not by the count of orders at TWS: a close's
    // orders go out as soon as its bar arrives, five per 100 ms (@stoqey/ib's rate limit), so the burst before may
    // still be arriving now. The market runs in this process: nothing of the next bar has been sent yet.
    const cutClose = rig.market.lastBar + 2 * S5;
    const ofCut = (clientOrderId: string) => clientOrderId.endsWith(`:${cutClose}`);
    const cutAtTws = () => rig.tws.orders.filter((o) => ofCut(o.orderRef));
    rig.tws.dropAfterOrders(3, (o) => ofCut(o.orderRef));
    await until("the cut burst", () => cutAtTws().length >= 3, run, 30_000);
    await until("the connection lost", () => /feed down/.test(run.stderr()), run);
    // The breaker halts on the lost connection and closes again once fresh bars follow the backfill.
    await until("HALTED", () => /-> HALTED: /.test(run.stderr()), run);
    await active(run, 2, true);
    const after = placed(rig.tws);
    await ordersReach(rig, run, after + SYMBOLS.length, "a burst after the recovery");
    const lostWarnings = logLines(run.stderr(), /^IB_ORDER_LOST: /).length;
    const r = await terminate(rig, run);
    const c = await ibCounts(rig, r);
    const ok = await verified(rig.dir, "ib.db");
    const burst = c.acceptedIds.filter(ofCut);
    const reached = cutAtTws();
    const lost = burst.filter((id) => !reached.some((o) => o.orderRef === id));
    table.push({
      rank: 1,
      fault: `socket drop mid-burst (cut after the 3rd of ${burst.length} orders)`,
      injections: 1,
      ...c,
      verify: ok ? "1/1 OK" : "0/1 OK",
      finalState: `HALTED (connection lost) -> ACTIVE; ${summaryState(r)}`,
    });
    expectIbInvariants(c);
    expect(burst.length).toBe(SYMBOLS.length);
    // TWS got the three it read before the cut, on the connection that was cut, and no other order of the burst:
    // none behind the cut went out later on the new connection (a stale decision sent after the reconnect).
    expect(reached.map((o) => o.conn)).toEqual(Array(3).fill(reached[0]?.conn));
    // The orders behind the cut died on the wire or were refused unsent: each has a record saying so (IB_ORDER_LOST
    // or "not connected", checked above), those written with a WARN line.
    expect(lost).toHaveLength(burst.length - 3);
    expect(lostWarnings).toBeGreaterThan(0);
    expect(ok).toBe(true);
  });

  it("a flap storm: many drops and reconnects, some in the middle of a burst, some while the reconnect is in flight", async ({
    expect,
    onTestFinished,
  }) => {
    const next = rng(FLAP_SEED);
    const rig = await ibRig(workdir("tradeplan-fm-flap-"), { breaker: false }, onTestFinished);
    const run = startIb(rig);
    await active(run, 1, false);
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a first burst");
    let cuts = 0;
    const reconnected = async (handshakes: number) =>
      until("the reconnect", () => rig.tws.handshakes > handshakes && rig.tws.sessions > 0, run, 30_000);
    for (let i = 0; i < 10; i++) {
      const handshakes = rig.tws.handshakes;
      const kind = next();
      if (kind < 0.4) {
        // In the middle of the next burst: after its k-th order, the rest die on the wire.
        rig.tws.dropAfterOrders(1 + Math.floor(next() * (SYMBOLS.length - 1)));
        cuts++;
        await reconnected(handshakes);
      } else if (kind < 0.7) {
        // Cut, and cut again as soon as the client is back, while its reconcile is in flight.
        rig.tws.dropAll();
        cuts++;
        await until("the reconnect", () => rig.tws.handshakes > handshakes, run, 30_000);
        rig.tws.dropAll();
        cuts++;
        await reconnected(handshakes + 1);
      } else {
        await sleep(Math.floor(next() * 3_000));
        rig.tws.dropAll();
        cuts++;
        await reconnected(handshakes);
      }
    }
    // Trading goes on after the storm: a whole burst reaches TWS.
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a burst after the storm");
    const r = await terminate(rig, run);
    const c = await ibCounts(rig, r);
    const ok = await verified(rig.dir, "ib.db");
    table.push({
      rank: 2,
      fault: `flap storm (seed ${FLAP_SEED}, breaker off)`,
      injections: cuts,
      ...c,
      verify: ok ? "1/1 OK" : "0/1 OK",
      finalState: `ACTIVE throughout; ${summaryState(r)}`,
    });
    expect(cuts).toBeGreaterThanOrEqual(10);
    expectIbInvariants(c);
    expect(ok).toBe(true);
  });

  it("a silent handshake on reconnect: the run waits HALTED (not exited, not hung), then trades again", async ({
    expect,
    onTestFinished,
  }) => {
    const rig = await ibRig(workdir("tradeplan-fm-silent-"), { breaker: true }, onTestFinished);
    const run = startIb(rig);
    await active(run, 1, true);
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a first burst");
    rig.tws.handshake = "silent";
    const accepted = rig.tws.accepted;
    rig.tws.dropAll();
    // Three attempts in a row: TCP accepted, no handshake, each given up after connectTimeoutMs.
    await until("three silent handshakes", () => rig.tws.accepted >= accepted + 3, run, 30_000);
    const silent = rig.tws.accepted - accepted;
    const halted = logLines(run.stderr(), /-> HALTED: /);
    expect(halted.length).toBeGreaterThan(0);
    rig.tws.handshake = "normal";
    await active(run, 2, true);
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a burst after the recovery");
    const r = await terminate(rig, run);
    const c = await ibCounts(rig, r);
    const ok = await verified(rig.dir, "ib.db");
    table.push({
      rank: 3,
      fault: "silent handshake on reconnect",
      injections: silent,
      ...c,
      verify: ok ? "1/1 OK" : "0/1 OK",
      finalState: `HALTED (${halted[0]?.replace(/^.*-> HALTED: /, "")}) -> ACTIVE; ${summaryState(r)}`,
    });
    expectIbInvariants(c);
    expect(ok).toBe(true);
  });

  it("garbage from the server: malformed frames are counted and skipped; unframed bytes wedge the stream until the watchdog reconnects", async ({
    expect,
    onTestFinished,
  }) => {
    const next = rng(GARBAGE_SEED);
    const rig = await ibRig(workdir("tradeplan-fm-garbage-"), { breaker: false }, onTestFinished);
    const run = startIb(rig);
    await active(run, 1, false);
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a first burst");
    const junk = (): string => {
      const n = 1 + Math.floor(next() * 12);
      let out = "";
      for (let i = 0; i < n; i++) out += String.fromCharCode(33 + Math.floor(next() * 94));
      return next() < 0.3 ? String(Math.floor((next() - 0.5) * 1e9)) : out;
    };
    const ids = Object.values(wire.IN);
    let injections = 0;
    for (let round = 0; round < 2; round++) {
      // Well-framed messages of known ids with fields of junk: the decoder's guard refuses them one by one.
      const frames: Buffer[] = [];
      for (let i = 0; i < 20; i++) {
        const id = next() < 0.8 ? ids[Math.floor(next() * ids.length)] : junk();
        frames.push(frame([id, ...Array.from({ length: Math.floor(next() * 30) }, junk)]));
      }
      rig.tws.sendBytes(Buffer.concat(frames));
      injections++;
      await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a burst after the malformed frames");
      // Then bytes with no framing, right behind the next bar, so that its close's orders go out into the wedge.
      const handshakes = rig.tws.handshakes;
      const noise = Buffer.alloc(512);
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(next() * 256);
      let sent = false;
      rig.market.afterNextBar(() => {
        rig.tws.sendBytes(noise);
        sent = true;
      });
      await until("the next bar", () => sent, run, 10_000);
      injections++;
      await until("the reconnect", () => rig.tws.handshakes > handshakes && rig.tws.sessions > 0, run, 30_000);
      await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a burst after the reconnect");
    }
    const badMessages = count(run.stderr(), /IB_BAD_MESSAGE/);
    const r = await terminate(rig, run);
    const c = await ibCounts(rig, r);
    const ok = await verified(rig.dir, "ib.db");
    table.push({
      rank: 4,
      fault: `garbage: 2 x 20 malformed frames + 2 x 512 unframed bytes (seed ${GARBAGE_SEED})`,
      injections,
      ...c,
      verify: ok ? "1/1 OK" : "0/1 OK",
      finalState: `ACTIVE throughout; ${summaryState(r)}`,
    });
    expect(badMessages).toBeGreaterThan(0);
    expectIbInvariants(c);
    expect(ok).toBe(true);
  });

  it("a giant frame (200 MB length prefix): the watchdog gives the connection up, orders written into the wedge are settled after the reconnect", async ({
    expect,
    onTestFinished,
  }) => {
    const rig = await ibRig(workdir("tradeplan-fm-giant-"), { breaker: false }, onTestFinished);
    const run = startIb(rig);
    await active(run, 1, false);
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a first burst");
    let injections = 0;
    let intoTheWedge = 0;
    for (let round = 0; round < 2; round++) {
      // Right behind the next bar, in the same turn: the client reads the bar, then the prefix, so the orders its
      // close decides go out into the wedged connection (TWS reads and fills them; no answer gets back). Sent from
      // a poll of the bar instead, the prefix could come after the whole burst had been answered (a late poll).
      const handshakes = rig.tws.handshakes;
      let before: number | undefined;
      rig.market.afterNextBar(() => {
        before = placed(rig.tws);
        rig.tws.sendGiantFrame();
      });
      await until("the next bar", () => before !== undefined, run, 10_000);
      injections++;
      await until("the watchdog's reconnect", () => rig.tws.handshakes > handshakes, run, 30_000);
      intoTheWedge += placed(rig.tws) - (before ?? 0);
      await until("the session", () => rig.tws.sessions > 0, run, 30_000);
      await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a burst after the reconnect");
    }
    const watchdog = logLines(run.stderr(), /nothing came from TWS for \d+ ms/).length;
    const r = await terminate(rig, run);
    const c = await ibCounts(rig, r);
    const ok = await verified(rig.dir, "ib.db");
    table.push({
      rank: 5,
      fault: "giant frame (200 MB length prefix)",
      injections,
      ...c,
      verify: ok ? "1/1 OK" : "0/1 OK",
      finalState: `ACTIVE throughout; ${summaryState(r)}`,
    });
    expect(watchdog).toBeGreaterThanOrEqual(2);
    // Orders went out into the wedge; TWS got and filled them, and the book above shows their fills came back.
    expect(intoTheWedge).toBeGreaterThan(0);
    expectIbInvariants(c);
    expect(ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Storage faults, on a paper replay
// ---------------------------------------------------------------------------------------------------------------

const PAPER_CONFIG = "feed:\n  type: replay\n  replay:\n    file: bars.csv\nbreaker:\n  enabled: false\n";

/** better-sqlite3 (the workspace's), typed as far as this test uses it. */
interface Sqlite {
  exec(sql: string): void;
  prepare(sql: string): { all(): Record<string, unknown>[] };
  close(): void;
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (
  file: string,
  options?: { readonly?: boolean; timeout?: number },
) => Sqlite;

/** The symbols with an evaluation record of the close at `time` in the journal `db`, as the file is now. */
function symbolsEvaluated(db: string, time: number): number {
  if (!existsSync(db)) return 0;
  const d = new Database(db, { readonly: true });
  try {
    const sql = `SELECT COUNT(DISTINCT symbol) AS n FROM audit_records WHERE kind = 'evaluation' AND bar_time = ${time}`;
    return Number(d.prepare(sql).all()[0]?.n ?? 0);
  } finally {
    d.close();
  }
}

/**
 * The client order ids the journal `db` says were accepted, and those with a REJECTED / CANCELLED / FILLED record,
 * read as the file is now (a run may be writing it; `ledger` reads the same through `tradeplan audit query`).
 */
function ordersInJournal(db: string): { accepted: Set<string>; settled: Set<string> } {
  const accepted = new Set<string>();
  const settled = new Set<string>();
  if (!existsSync(db)) return { accepted, settled };
  const d = new Database(db, { readonly: true });
  try {
    for (const r of d.prepare("SELECT action, payload FROM audit_records WHERE kind = 'order'").all()) {
      const p = JSON.parse(String(r.payload)) as {
        order?: { clientOrderId: string };
        ack?: { status: string };
        clientOrderId?: string;
      };
      if ((r.action === "BUY" || r.action === "SELL") && p.ack?.status === "ACCEPTED" && p.order)
        accepted.add(p.order.clientOrderId);
      else if (r.action === "REJECTED" || r.action === "CANCELLED" || r.action === "FILLED")
        settled.add(String(p.clientOrderId));
    }
  } finally {
    d.close();
  }
  return { accepted, settled };
}

/**
 * The counts of a paper run: an order filled more than once (doubled), and an order the journal says was
 * placed with no fill, no REJECTED/CANCELLED record and not working at the end (lost unrecorded).
 */
async function paperCounts(
  dir: string,
  db: string,
  final: Finished,
): Promise<
  Pick<Row, "orders" | "doubled" | "lostRecorded" | "lostUnrecorded" | "fills"> & { net: number; book: number }
> {
  const l = await ledger(dir, db);
  const state = new Database(join(dir, db), { readonly: true });
  const working = new Set(
    state
      .prepare("SELECT client_order_id FROM state_orders")
      .all()
      .map((r) => String(r.client_order_id)),
  );
  state.close();
  const ids = [...l.accepted.keys()];
  const unrecorded = ids.filter((id) => !l.filled.has(id) && !l.settled.has(id) && !working.has(id));
  // The paper broker's fills are the journal's fill records; its book (the last run's summary) must hold their sum.
  let net = 0;
  for (const r of await journal(dir, db, "fill")) net += (r.action === "SELL" ? -1 : 1) * Number(r.payload.quantity);
  const book = (JSON.parse(final.stdout) as { positions: { quantity: number }[] }).positions.reduce(
    (n, p) => n + p.quantity,
    0,
  );
  return {
    net,
    book,
    fills: `net ${net} / ${book}`,
    orders: ids.length,
    // Filled twice, or placed twice (decided again after the restart next to its first record).
    doubled: ids.filter((id) => (l.filled.get(id) ?? 0) > (l.quantity.get(id) ?? 0) || (l.accepted.get(id) ?? 0) > 1)
      .length,
    lostRecorded: ids.filter((id) => !l.filled.has(id) && l.settled.has(id)).length,
    lostUnrecorded: unrecorded.length,
  };
}

/** The HALTED line of a run's log, without its prefix. */
function haltReason(stderr: string): string {
  return logLines(stderr, /-> HALTED: /)[0]?.replace(/^.*-> HALTED: /, "") ?? "(no HALTED line)";
}

describe.concurrent("fault matrix: kills with restarts (IBKR), and storage faults (paper broker on a replay)", () => {
  it(`${KILLS} seeded random points (seed ${KILL_SEED}) during start-up, in a burst of orders and in between: nothing re-sent after a restart, nothing lost unrecorded`, async ({
    expect,
    onTestFinished,
  }) => {
    const next = rng(KILL_SEED);
    const rig = await ibRig(workdir("tradeplan-fm-kill-"), { breaker: false }, onTestFinished);
    const signals = { SIGTERM: 0, SIGKILL: 0 };
    const where = { startup: 0, burst: 0, between: 0 };
    let verifies = 0;
    let verifiedOk = 0;
    for (let i = 0; i < KILLS; i++) {
      const signal: "SIGTERM" | "SIGKILL" = next() < 0.5 ? "SIGTERM" : "SIGKILL";
      const point = next();
      const run = startIb(rig);
      if (point < 0.25) {
        where.startup++;
        await sleep(300 + Math.floor(next() * 2_500));
      } else {
        await active(run, 1, false);
        if (point < 0.65) {
          where.burst++;
          // Just after the k-th order of the next burst reached TWS.
          const k = 1 + Math.floor(next() * SYMBOLS.length);
          const from = placed(rig.tws);
          await ordersReach(rig, run, from + k, `order ${k} of a burst`);
          await sleep(Math.floor(next() * 20));
        } else {
          where.between++;
          await sleep(Math.floor(next() * 6_000));
        }
      }
      signals[signal]++;
      run.child.kill(signal);
      const r = await run.done;
      if (signal === "SIGKILL") expect(r.signal).toBe("SIGKILL");
      else if (r.signal === "SIGTERM") {
        // Only before `run` installed its handlers (node still loading the CLI): nothing was started yet.
        expect(r.stderr).not.toMatch(/tradeplan run: /);
      } else {
        expect(r.code, tail(r.stderr)).toBe(0);
        // Stopped where it was: streaming, or still starting (then nothing was decided).
        expect((JSON.parse(r.stdout) as { stopped: string }).stopped).toMatch(/^SIGTERM received/);
      }
      if (existsSync(join(rig.dir, "ib.db"))) {
        verifies++;
        if (await verified(rig.dir, "ib.db")) verifiedOk++;
      }
      // A restart never sends an orderRef TWS has seen.
      const refs = rig.tws.orders.map((o) => o.orderRef);
      expect(refs.length - new Set(refs).size, `kill ${i + 1}: an order sent twice`).toBe(0);
    }
    // The last restart trades a whole burst and stops cleanly.
    const run = startIb(rig);
    await active(run, 1, false);
    await ordersReach(rig, run, placed(rig.tws) + SYMBOLS.length, "a burst after the last restart");
    const r = await terminate(rig, run);
    const c = await ibCounts(rig, r);
    verifies++;
    if (await verified(rig.dir, "ib.db")) verifiedOk++;
    table.push({
      rank: 6,
      fault: `SIGTERM x${signals.SIGTERM} / SIGKILL x${signals.SIGKILL} (seed ${KILL_SEED}: ${where.startup} in start-up, ${where.burst} in a burst, ${where.between} between), each restarted`,
      injections: KILLS,
      ...c,
      verify: `${verifiedOk}/${verifies} OK`,
      finalState: `restarted ${KILLS} times; ${summaryState(r)}`,
    });
    expect(signals.SIGTERM).toBeGreaterThan(0);
    expect(signals.SIGKILL).toBeGreaterThan(0);
    expect(c.doubled, "orders sent twice").toBe(0);
    expect(c.unrecorded, "orders placed, never at TWS, with no record saying so").toEqual([]);
    // Orders are committed before they are written to the socket: TWS never has one the journal does not.
    expect(c.unjournalled).toEqual([]);
    expect(c.fateless, "orders placed whose fate the journal does not record").toEqual([]);
    // A fill TWS made while the process was dying has no fill record (its order is settled FILLED at the restart,
    // its shares come with TWS's position); none is recorded twice.
    expect(c.filledInJournal).toBeLessThanOrEqual(c.filledAtTws);
    expect(c.bookDiff, "the run's book against TWS's positions").toEqual([]);
    expect(verifiedOk).toBe(verifies);
  });

  it("disk full (a 2 MiB tmpfs): HALTED naming the file, exit 1 (the failed batch committed whole at shutdown, or the error last); the journal verifies; a restart on the same database once the disk has room continues", async ({
    expect,
    onTestFinished,
    skip,
  }) => {
    const dir = workdir("tradeplan-fm-disk-");
    copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
    writeFiles(dir, { "run.plan": PAPER_PLAN, "tradeplan.yaml": PAPER_CONFIG });
    const small = join(dir, "small");
    mkdirSync(small);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small], { stdio: "pipe" });
    } catch (e) {
      process.stderr.write(`skipping the disk-full fault: cannot mount a tmpfs (${String(e).split("\n")[0]})\n`);
      skip();
      return;
    }
    onTestFinished(() => {
      execFileSync("umount", [small]);
    });
    // Half the file system is taken by something else; the run's own journal and state fill the rest.
    writeFileSync(join(small, "filler"), Buffer.alloc(1024 * 1024));
    const full = await tradeplan(["run", "run.plan", "--audit", "small/run.db", "--speed", "max"], { cwd: dir });
    // Halted on the failed commit: that is the run's failure, exit 1. At shutdown the failed batch is committed
    // whole (state and records in one transaction) if the space SQLite freed meanwhile takes it, and the log says
    // so; if not, the records it kept could not be written either (the disk is still full), with the line saying
    // so last. Which of the two depends on where in the run the disk filled up. Never the records without the
    // state: a restart would decide that batch again beside them.
    expect(full.code, tail(full.stderr)).toBe(1);
    if (logLines(full.stderr, /^the batch that could not be committed is committed now/).length > 0)
      expect(full.stderr).not.toMatch(/^error: /m);
    else
      expect(tail(full.stderr, 1), tail(full.stderr)).toMatch(
        /^error: (audit journal `.*small\/run\.db`: disk full while writing|small\/run\.db: the last batch \(\d+ records\) was not committed: .*disk full.*; a restart on this database decides it again$)/,
      );
    const halted = haltReason(full.stderr);
    expect(halted).toMatch(/disk full/i);
    expect(halted).toContain(join(small, "run.db"));
    expect(JSON.parse(full.stdout)).toMatchObject({ state: "HALTED" });
    // The operator makes room (the file system grows); the journal verifies where it is, and a restart continues.
    execFileSync("mount", ["-o", "remount,size=64m", small]);
    const there = await verified(dir, "small/run.db");
    const again = await tradeplan(["run", "run.plan", "--audit", "small/run.db", "--speed", "max"], { cwd: dir });
    expect(again.code, tail(again.stderr)).toBe(0);
    expect(again.stderr).toContain("restoring saved state");
    const after = await verified(dir, "small/run.db");
    const c = await paperCounts(dir, "small/run.db", again);
    table.push({
      rank: 7,
      fault: "disk full (2 MiB tmpfs), then a restart once it has room",
      injections: 1,
      ...c,
      verify: `${Number(there) + Number(after)}/2 OK`,
      finalState: `HALTED (${halted.replace(/ \(.*$/, "")}) -> exit 1; restart -> ${summaryState(again)}`,
    });
    expect(c).toMatchObject({ doubled: 0, lostUnrecorded: 0 });
    expect(c.net, "the journal's fills against the book").toBe(c.book);
    expect(there && after).toBe(true);
  });

  it("SQLITE_BUSY: another connection holds the write lock past the busy timeout: HALTED naming the lock, still running; SIGTERM exits 1; verify OK; a restart on the same database continues", async ({
    expect,
    onTestFinished,
  }) => {
    const dir = workdir("tradeplan-fm-busy-");
    copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
    writeFiles(dir, { "run.plan": PAPER_PLAN, "tradeplan.yaml": PAPER_CONFIG });
    // Ten minutes of bars a second: a commit every 100 ms.
    const run = start(["run", "run.plan", "--audit", "busy.db", "--speed", "600"], { cwd: dir, timeoutMs: 120_000 });
    onTestFinished(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    });
    await run.waitFor(/session ACTIVE/, 60_000);
    await until("an order", () => /order BUY 10 ACCEPTED/.test(run.stderr()), run, 60_000);
    const other = new Database(join(dir, "busy.db"), { timeout: 2_000 });
    other.exec("BEGIN IMMEDIATE");
    // better-sqlite3's busy timeout is 5 s: the run's next commit waits that long, then fails.
    await until("HALTED", () => /-> HALTED: /.test(run.stderr()), run, 30_000).finally(() => {
      other.exec("ROLLBACK");
      other.close();
    });
    // Still running, HALTED, its reason in the log; stopped by the operator.
    await sleep(500);
    expect(run.child.exitCode).toBeNull();
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.signal).toBeNull();
    expect(r.code, tail(r.stderr)).toBe(1);
    const halted = haltReason(r.stderr);
    expect(halted).toMatch(/locked/);
    expect(halted).toContain("busy.db");
    expect(JSON.parse(r.stdout)).toMatchObject({ state: "HALTED", stopped: "SIGTERM received" });
    const there = await verified(dir, "busy.db");
    const again = await tradeplan(["run", "run.plan", "--audit", "busy.db", "--speed", "max"], { cwd: dir });
    expect(again.code, tail(again.stderr)).toBe(0);
    expect(again.stderr).toContain("restoring saved state");
    const after = await verified(dir, "busy.db");
    const c = await paperCounts(dir, "busy.db", again);
    table.push({
      rank: 8,
      fault: "SQLITE_BUSY (another connection holds BEGIN IMMEDIATE past the 5 s busy timeout), then a restart",
      injections: 1,
      ...c,
      verify: `${Number(there) + Number(after)}/2 OK`,
      finalState: `HALTED (${halted.replace(/ \(.*$/, "")}), running; SIGTERM -> exit 1; restart -> ${summaryState(again)}`,
    });
    expect(c).toMatchObject({ doubled: 0, lostUnrecorded: 0 });
    expect(c.net, "the journal's fills against the book").toBe(c.book);
    expect(there && after).toBe(true);
  });
});
