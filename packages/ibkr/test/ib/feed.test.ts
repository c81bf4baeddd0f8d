import { afterEach, describe, expect, it } from "vitest";
import { startFakeTws } from "../../../../test/fake-tws/index.js";
import { IbConnection, IbError, IbFeed } from "../../src/ib/index.js";
import { FAST, FeedRecorder, isBarAt, wireBar } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** 2024-01-02 14:30 UTC. */
const T = Date.UTC(2024, 0, 2, 14, 30);
const S5 = 5_000;

async function setup(options: Parameters<typeof startFakeTws>[0] = {}, feedOptions: Record<string, unknown> = {}) {
  const tws = await startFakeTws(options);
  cleanups.push(() => tws.close());
  const feed = new IbFeed({ connection: { port: tws.port, clientId: 3, ...FAST }, ...feedOptions });
  cleanups.push(() => feed.stop());
  return { tws, feed };
}

const isRealtimeReq = (r: { fields: readonly string[] }) => r.fields[0] === "50";
const isHistoryReq = (r: { fields: readonly string[] }) => r.fields[0] === "20";

describe("IbFeed against the fake TWS", () => {
  it("requests 5-second real-time bars for a SMART/USD stock and delivers them as FeedBars", async () => {
    const { tws, feed } = await setup({}, { contracts: { primaryExchange: { AAPL: "NASDAQ" } } });
    expect(feed.baseTimeframe).toBe("5s");
    await feed.start();
    const rec = new FeedRecorder();
    feed.subscribe(["AAPL"], rec.listener);
    const req = await tws.waitFor(isRealtimeReq);
    // [50, version, reqId, conId, symbol, secType, ltd, strike, right, multiplier, exchange, primaryExch, currency,
    //  localSymbol, tradingClass, barSize, whatToShow, useRTH, options]
    expect(req.fields.slice(4, 13)).toEqual(["AAPL", "STK", "", "", "", "", "SMART", "NASDAQ", "USD"]);
    expect(req.fields.slice(15, 18)).toEqual(["5", "TRADES", "0"]);
    expect(tws.pushBar("AAPL", wireBar(T, 150.25, 1_200))).toBe(1);
    const e = await rec.waitFor(isBarAt(T));
    expect(e).toEqual({
      type: "bar",
      bar: {
        symbol: "AAPL",
        time: T,
        closeTime: T + S5,
        open: 150.15,
        high: 150.45,
        low: 150.05,
        close: 150.25,
        volume: 1_200,
      },
    });
  });

  it("history returns exactly the bars in [from, to), oldest first, through reqHistoricalData", async () => {
    const { tws, feed } = await setup();
    tws.setHistory(
      "AAPL",
      Array.from({ length: 40 }, (_, i) => wireBar(T + i * S5, 100 + i)),
    );
    await feed.start();
    const bars = await feed.history("AAPL", T + 10 * S5, T + 20 * S5);
    expect(bars.map((b) => (b.time - T) / S5)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(bars[0]).toMatchObject({ symbol: "AAPL", close: 110, closeTime: T + 11 * S5 });
    const req = await tws.waitFor(isHistoryReq);
    // endDateTime, barSize, duration, useRTH, whatToShow, formatDate, keepUpToDate
    expect(req.fields.slice(15, 22)).toEqual(["20240102-14:31:40", "5 secs", "50 S", "0", "TRADES", "2", "0"]);
  });

  it("splits long backfills into requests of at most one hour", async () => {
    const { tws, feed } = await setup();
    const HOUR = 3_600_000;
    tws.setHistory("AAPL", [wireBar(T, 1), wireBar(T + HOUR + S5, 2), wireBar(T + 2 * HOUR - S5, 3)]);
    await feed.start();
    const bars = await feed.history("AAPL", T, T + 2 * HOUR);
    expect(bars.map((b) => b.close)).toEqual([1, 2, 3]);
    expect(tws.received.filter(isHistoryReq).map((r) => r.fields[17])).toEqual(["3600 S", "3600 S"]);
  });

  it("history with no data (162 'no data') is empty, not an error", async () => {
    const { feed } = await setup();
    await feed.start();
    expect(await feed.history("AAPL", T, T + 60_000)).toEqual([]);
  });

  it("retries a history request refused for pacing (162) with backoff, then succeeds", async () => {
    const { tws, feed } = await setup({ historyPacingViolations: 2 });
    tws.setHistory("AAPL", [wireBar(T, 1)]);
    await feed.start();
    const bars = await feed.history("AAPL", T, T + S5);
    expect(bars.map((b) => b.close)).toEqual([1]);
    expect(tws.received.filter(isHistoryReq).length).toBe(3);
  });

  it("gives up with IB_PACING after the configured retries", async () => {
    const tws = await startFakeTws({ historyPacingViolations: 10 });
    cleanups.push(() => tws.close());
    const feed = new IbFeed({ connection: { port: tws.port, clientId: 3, ...FAST, maxPacingRetries: 2 } });
    cleanups.push(() => feed.stop());
    await feed.start();
    const err = await feed.history("AAPL", T, T + S5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IbError);
    expect((err as IbError).code).toBe("IB_PACING");
    expect(tws.received.filter(isHistoryReq).length).toBe(3);
  });

  it("re-requests real-time bars refused for pacing (420) and then delivers them", async () => {
    const { tws, feed } = await setup({ realtimePacingViolations: 1 });
    await feed.start();
    const rec = new FeedRecorder();
    feed.subscribe(["AAPL"], rec.listener);
    await rec.waitFor((e) => e.type === "error" && e.code === "TWS_420");
    const [first, second] = await tws.waitForCount(isRealtimeReq, 2);
    expect(second?.fields[4]).toBe("AAPL");
    expect(second?.fields[2]).not.toBe(first?.fields[2]);
    expect(tws.subscriptions("AAPL")).toBe(1);
    tws.pushBar("AAPL", wireBar(T, 10));
    await rec.waitFor(isBarAt(T));
  });

  it("reports a dropped connection, resubscribes after the reconnect, and bars flow again", async () => {
    const { tws, feed } = await setup();
    await feed.start();
    const rec = new FeedRecorder();
    feed.subscribe(["AAPL"], rec.listener);
    await tws.waitFor(isRealtimeReq);
    tws.pushBar("AAPL", wireBar(T, 1));
    await rec.waitFor(isBarAt(T));
    const resubscribed = tws.waitForNext(isRealtimeReq);
    const back = rec.waitForNext((e) => e.type === "connection" && e.state === "up");
    tws.dropAll();
    await rec.waitFor((e) => e.type === "connection" && e.state === "down");
    await back;
    const req = await resubscribed;
    expect(req.fields[4]).toBe("AAPL");
    tws.pushBar("AAPL", wireBar(T + S5, 2));
    await rec.waitFor(isBarAt(T + S5));
    // The first "up" is the state the subscriber started in (the feed was connected when it subscribed).
    expect(rec.events.filter((e) => e.type === "connection").map((e) => e.type === "connection" && e.state)).toEqual([
      "up",
      "down",
      "up",
    ]);
  });

  it("1100 reports down; 1102 reports up keeping the subscription; 1101 renews it", async () => {
    const { tws, feed } = await setup();
    await feed.start();
    const rec = new FeedRecorder();
    feed.subscribe(["AAPL"], rec.listener);
    await tws.waitFor(isRealtimeReq);
    tws.sendError(-1, 1100, "Connectivity between IB and Trader Workstation has been lost.");
    await rec.waitFor((e) => e.type === "connection" && e.state === "down");
    const restored = rec.waitForNext((e) => e.type === "connection" && e.state === "up");
    tws.sendError(-1, 1102, "Connectivity between IB and Trader Workstation has been restored - data maintained.");
    await restored;
    tws.pushBar("AAPL", wireBar(T, 1));
    await rec.waitFor(isBarAt(T));
    expect(tws.received.filter(isRealtimeReq).length).toBe(1);
    tws.sendError(-1, 1100, "lost");
    await rec.waitForNext((e) => e.type === "connection" && e.state === "down");
    const renewed = tws.waitForNext(isRealtimeReq);
    tws.sendError(-1, 1101, "Connectivity between IB and Trader Workstation has been restored - data lost.");
    await renewed;
    expect(tws.received.filter(isRealtimeReq).length).toBe(2);
  });

  it("history while disconnected fails with IB_NOT_CONNECTED; unsubscribe cancels the stream", async () => {
    const { tws, feed } = await setup();
    const err = await feed.history("AAPL", T, T + S5).catch((e: unknown) => e);
    expect((err as IbError).code).toBe("IB_NOT_CONNECTED");
    await feed.start();
    const off = feed.subscribe(["AAPL"], () => undefined);
    const req = await tws.waitFor(isRealtimeReq);
    off();
    const cancel = await tws.waitFor((r) => r.fields[0] === "51");
    expect(cancel.fields[2]).toBe(req.fields[2]);
    const bad = await feed.history("AAPL", T + S5, T).catch((e: unknown) => e);
    expect((bad as IbError).code).toBe("IB_REQUEST_FAILED");
  });

  it("start on a shared connection that is down fails clearly", async () => {
    const tws = await startFakeTws();
    cleanups.push(() => tws.close());
    const conn = new IbConnection({ port: tws.port, clientId: 4, ...FAST });
    cleanups.push(() => conn.close());
    await conn.connect();
    await conn.close();
    const feed = new IbFeed({}, { connection: conn });
    const err = await feed.start().catch((e: unknown) => e);
    expect((err as IbError).code).toBe("IB_NOT_CONNECTED");
  });
});
