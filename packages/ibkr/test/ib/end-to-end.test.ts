import type { BarData, BrokerEvent, EngineEvent, FeedEvent } from "@tradeplan/core";
import { AlwaysCalendar, Engine, RealClock, RiskValidator } from "@tradeplan/core";
import { BarAggregator, type BreakerChange, CircuitBreaker, GapFiller } from "@tradeplan/core/internal";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeTws } from "../../../../test/fake-tws/index.js";
import { plan, rule, ScriptedFunction, sig } from "../../../core/test/engine-fixtures.js";
import { IbBroker, IbConnection, IbFeed } from "../../src/ib/index.js";
import { FAST, wireBar } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MIN = 60_000;
const S5 = 5_000;

/** Resolves when `pred` holds after one of the callbacks fires. */
function until(register: (poke: () => void) => void, pred: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (pred()) return resolve();
    register(() => {
      if (pred()) resolve();
    });
  });
}

describe("IBKR end to end: fake TWS -> IbFeed -> breaker/backfill -> engine -> IbBroker", () => {
  it("trades on a confirmed close, halts on a lost connection, backfills the gap and misses no close", {
    timeout: 30_000,
  }, async () => {
    const tws = await startFakeTws({ orderPlan: () => ({ kind: "fill", price: 151.2, commission: 1 }) });
    cleanups.push(() => tws.close());
    const clock = new RealClock();
    const conn = new IbConnection({ port: tws.port, clientId: 11, ...FAST });
    const feed = new IbFeed({}, { connection: conn, clock });
    const broker = new IbBroker({}, { connection: conn, clock });
    cleanups.push(() => conn.close());
    cleanups.push(() => feed.stop());

    // Minute M starts five minutes ago, so every bar of the test is complete and in the past.
    const M = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
    const minuteBars = (minute: number, lastClose: number) =>
      Array.from({ length: 12 }, (_, i) => wireBar(M + minute * MIN + i * S5, i === 11 ? lastClose : 100));

    const fn = new ScriptedFunction((ctx) => (ctx.bar.close > 150 ? sig("ENTER_LONG") : sig("NONE")));
    const compiled = [rule(3, "enter_long")];
    const risk = new RiskValidator({});
    const engineEvents: EngineEvent[] = [];
    const engine = new Engine({
      plan: plan(compiled, { symbols: ["AAPL"] }),
      rules: [{ compiled: compiled[0]!, fn }],
      broker,
      risk,
      budgetMs: Number.POSITIVE_INFINITY,
      defaultShares: 100,
      sink: { emit: (e) => engineEvents.push(e) },
    });

    const breaker = new CircuitBreaker(
      { noDataTimeoutMs: 600_000, maxBarAgeMs: 3_600_000, openBackoffMs: 1, maxOpenBackoffMs: 10, freshBarsToClose: 2 },
      { clock },
    );
    cleanups.push(() => breaker.dispose());
    const changes: BreakerChange[] = [];
    let poke = () => {};
    breaker.onChange((c) => {
      changes.push(c);
      risk.setState(c.trading);
      poke();
    });

    const closes: { bar: BarData; evaluated: boolean }[] = [];
    const aggregator = new BarAggregator(
      { symbol: "AAPL", timeframe: "1m", base: "5s" },
      new AlwaysCalendar("UTC"),
      (bar) => {
        // Nothing is evaluated while the breaker is not closed: the bars on hand may be incomplete.
        const evaluated = breaker.canEvaluate;
        closes.push({ bar, evaluated });
        if (evaluated) engine.processCloseSync({ symbol: "AAPL", timeframe: "1m", bar, closeTime: bar.closeTime });
        poke();
      },
    );
    const feedEvents: FeedEvent[] = [];
    const filler = new GapFiller(feed, {
      symbols: ["AAPL"],
      barMs: S5,
      clock,
      breaker,
      retryMs: 20,
      onEvent: (e) => {
        feedEvents.push(e);
        if (e.type === "bar") aggregator.pushBar(e.bar);
        poke();
      },
    });
    cleanups.push(() => filler.stop());
    const brokerEvents: BrokerEvent[] = [];
    broker.onEvent((e) => {
      brokerEvents.push(e);
      poke();
    });
    const wait = (pred: () => boolean) =>
      until((p) => {
        poke = p;
      }, pred);

    // Start: minute 0 is history (backfill at start), then live bars of minute 1 close the breaker.
    tws.setHistory("AAPL", minuteBars(0, 100));
    await feed.start();
    await filler.start(M);
    expect(closes.map((c) => c.bar.time)).toEqual([M]);
    expect(closes[0]?.evaluated).toBe(false);
    await tws.waitFor((r) => r.fields[0] === "50");
    for (const b of minuteBars(1, 100)) tws.pushBar("AAPL", b);
    await wait(() => closes.length === 2);
    expect(breaker.state).toBe("closed");
    expect(closes[1]?.evaluated).toBe(true);

    // Minute 2 closes above 150: signal -> order -> fill -> position.
    for (const b of minuteBars(2, 151)) tws.pushBar("AAPL", b);
    await wait(() => brokerEvents.some((e) => e.type === "status" && e.status === "FILLED"));
    const order = engineEvents.find((e) => e.type === "order");
    expect(order?.type === "order" && order.ack.status).toBe("ACCEPTED");
    expect(order?.type === "order" && order.time).toBe(M + 3 * MIN);
    expect(tws.orders.map((o) => [o.action, o.quantity, o.orderRef])).toEqual([
      ["BUY", 100, order?.type === "order" ? order.order.clientOrderId : "?"],
    ]);
    expect(broker.position("AAPL")).toMatchObject({ side: "long", quantity: 100, avgPrice: 151.2 });

    // The connection drops; minute 3 happens while we are away (TWS has it in its history).
    const resubscribed = tws.waitForNext((r) => r.fields[0] === "50");
    tws.setHistory("AAPL", [...minuteBars(0, 100), ...minuteBars(1, 100), ...minuteBars(2, 151), ...minuteBars(3, 90)]);
    tws.dropAll();
    await wait(() => breaker.state !== "closed");
    expect(risk.state).toBe("HALTED");
    await resubscribed;
    await wait(() => closes.length === 4);
    // Minute 3 came from the backfill and was not evaluated (the breaker was not closed yet).
    expect(closes[3]).toMatchObject({ bar: { time: M + 3 * MIN, close: 90 }, evaluated: false });

    // Live again: minute 4 closes the breaker and is evaluated.
    for (const b of minuteBars(4, 100)) tws.pushBar("AAPL", b);
    await wait(() => closes.length === 5);
    expect(breaker.state).toBe("closed");
    expect(risk.state).toBe("ACTIVE");
    expect(closes[4]?.evaluated).toBe(true);

    // No close missed, none twice, in order.
    expect(closes.map((c) => (c.bar.time - M) / MIN)).toEqual([0, 1, 2, 3, 4]);
    const barTimes = feedEvents.flatMap((e) => (e.type === "bar" ? [e.bar.time] : []));
    expect(barTimes).toEqual(Array.from({ length: 60 }, (_, i) => M + i * S5));
    expect(changes.map((c) => `${c.from}->${c.to}:${c.reason}`)).toEqual([
      "half_open->closed:recovered",
      "closed->open:connection_lost",
      "open->half_open:backoff_elapsed",
      "half_open->closed:recovered",
    ]);
    expect(tws.orders.length).toBe(1);
  });
});
