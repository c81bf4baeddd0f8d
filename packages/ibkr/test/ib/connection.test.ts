import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeTws, frame, startFakeTws, wire } from "../../../../test/fake-tws/index.js";
import { IbBroker, IbConnection, type IbConnectionEvent, IbError, IbFeed } from "../../src/ib/index.js";
import { FAST, FeedRecorder, isBarAt, nextConnectionEvent, wireBar } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fake(options: Parameters<typeof startFakeTws>[0] = {}): Promise<FakeTws> {
  const tws = await startFakeTws(options);
  cleanups.push(() => tws.close());
  return tws;
}

function connection(tws: FakeTws, extra: Record<string, unknown> = {}): IbConnection {
  const c = new IbConnection({ port: tws.port, clientId: 7, ...FAST, ...extra });
  cleanups.push(() => c.close());
  return c;
}

describe("IbConnection against the fake TWS", () => {
  it("connects with its fixed client id through the real v100+ handshake", async () => {
    const tws = await fake({ accounts: ["DU111", "DU222"], nextOrderId: 42 });
    const c = connection(tws);
    const events: IbConnectionEvent[] = [];
    c.onEvent((e) => events.push(e));
    await c.connect();
    expect(c.state).toBe("ready");
    expect(c.ready).toBe(true);
    expect(c.accounts).toEqual(["DU111", "DU222"]);
    expect(c.allocateOrderId()).toBe(42);
    expect(c.allocateOrderId()).toBe(43);
    const start = await tws.waitFor((r) => r.fields[0] === "71");
    expect(start.fields).toEqual(["71", "2", "7", ""]);
    expect(events.filter((e) => e.type === "ready")).toEqual([{ type: "ready", resubscribe: true }]);
  });

  it("rejects with IB_CONNECT_TIMEOUT when TWS accepts TCP but never answers the handshake", async () => {
    const tws = await fake({ handshake: "silent" });
    const c = connection(tws, { connectTimeoutMs: 300 });
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IbError);
    expect((err as IbError).code).toBe("IB_CONNECT_TIMEOUT");
    expect((err as IbError).message).toMatch(
      /127\.0\.0\.1:\d+ accepted the connection but sent no API handshake within 300 ms; fix: make port the API socket port/,
    );
    expect(c.state).toBe("failed");
    // The socket was closed, not left hanging.
    await tws.waitForNoConnections();
  });

  it("rejects with IB_CONNECT_FAILED when nothing listens on the port", async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => {
        const a = server.address();
        resolve(typeof a === "object" && a ? a.port : 0);
      }),
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const c = new IbConnection({ port, clientId: 1, ...FAST });
    cleanups.push(() => c.close());
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IbError);
    expect((err as IbError).code).toBe("IB_CONNECT_FAILED");
    expect((err as IbError).message).toMatch(
      new RegExp(
        `^IB_CONNECT_FAILED: nothing listens at 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); fix: start TWS or IB Gateway`,
      ),
    );
  });

  it("rejects with IB_CONNECT_FAILED naming an unknown host, and says what to change", async () => {
    const c = new IbConnection({ host: "no-such-host.invalid", port: 7497, clientId: 1, ...FAST });
    cleanups.push(() => c.close());
    const err = await c.connect().catch((e: unknown) => e);
    expect((err as IbError).code).toBe("IB_CONNECT_FAILED");
    expect((err as IbError).message).toMatch(/the host no-such-host\.invalid is unknown .*; fix: make host the name/);
  });

  it("asks a quiet TWS for its time, and stays connected while it answers", async () => {
    const tws = await fake();
    const c = connection(tws, { heartbeatMs: 50, inboundTimeoutMs: 2_000 });
    await c.connect();
    await tws.waitForCount((r) => r.fields[0] === "49", 5);
    expect(c.ready).toBe(true);
    expect(c.counters.silentDrops).toBe(0);
    expect(c.counters.heartbeats).toBeGreaterThanOrEqual(5);
  });

  it("gives a TWS that answers nothing up as dead, and reconnects", async () => {
    const tws = await fake();
    const c = connection(tws, { heartbeatMs: 50, inboundTimeoutMs: 200 });
    await c.connect();
    tws.answerHeartbeats = false;
    const dead = await nextConnectionEvent(c, (e) => e.type === "state" && e.state === "reconnecting");
    expect(dead.type === "state" && dead.reason).toMatch(/^connection lost: nothing came from TWS for \d+ ms/);
    expect(c.ready).toBe(false);
    tws.answerHeartbeats = true;
    await nextConnectionEvent(c, (e) => e.type === "ready");
    expect(c.counters.silentDrops).toBe(1);
    expect(c.counters.reconnects).toBe(1);
  });

  it("a duplicate client id (326) is a clear fatal error, never retried", async () => {
    const tws = await fake();
    const first = connection(tws);
    await first.connect();
    const second = connection(tws);
    const err = await second.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IbError);
    expect((err as IbError).code).toBe("IB_CLIENT_ID_IN_USE");
    expect((err as IbError).twsCode).toBe(326);
    expect((err as IbError).message).toMatch(/client id 7 is already connected/);
    expect(second.state).toBe("failed");
    expect(first.state).toBe("ready");
    // Only the first session got past START_API, and the second did not come back.
    expect(tws.received.filter((r) => r.fields[0] === "71").length).toBe(2);
    expect(tws.sessions).toBe(1);
  });

  it("a dropped socket is reconnected with backoff; ready again with resubscribe", async () => {
    const tws = await fake();
    const c = connection(tws);
    await c.connect();
    const down = nextConnectionEvent(c, (e) => e.type === "state" && e.state === "reconnecting");
    const ready = nextConnectionEvent(c, (e) => e.type === "ready");
    tws.dropAll();
    expect(await down).toMatchObject({ state: "reconnecting" });
    expect(c.ready).toBe(false);
    expect(await ready).toEqual({ type: "ready", resubscribe: true });
    expect(c.state).toBe("ready");
    expect(c.counters.reconnects).toBe(1);
    expect(tws.handshakes).toBe(2);
  });

  it("keeps retrying while TWS is away (silent handshakes time out) and recovers when it answers again", async () => {
    const tws = await fake();
    const c = connection(tws, { connectTimeoutMs: 100 });
    await c.connect();
    tws.handshake = "silent";
    const ready = nextConnectionEvent(c, (e) => e.type === "ready");
    tws.dropAll();
    // Wait until two silent attempts happened after the first session, then let TWS answer again.
    await tws.waitForAccepted(3);
    tws.handshake = "normal";
    await ready;
    expect(c.state).toBe("ready");
  });

  it("1100 halts (link_lost), 1102 restores without resubscribe, 1101 restores with resubscribe", async () => {
    const tws = await fake();
    const c = connection(tws);
    await c.connect();
    const lost = nextConnectionEvent(c, (e) => e.type === "state" && e.state === "link_lost");
    tws.sendError(-1, 1100, "Connectivity between IB and Trader Workstation has been lost.");
    await lost;
    expect(c.ready).toBe(false);
    const kept = nextConnectionEvent(c, (e) => e.type === "ready");
    tws.sendError(-1, 1102, "Connectivity between IB and Trader Workstation has been restored - data maintained.");
    expect(await kept).toEqual({ type: "ready", resubscribe: false });
    const lost2 = nextConnectionEvent(c, (e) => e.type === "state" && e.state === "link_lost");
    tws.sendError(-1, 1100, "Connectivity between IB and Trader Workstation has been lost.");
    await lost2;
    const renewed = nextConnectionEvent(c, (e) => e.type === "ready");
    tws.sendError(-1, 1101, "Connectivity between IB and Trader Workstation has been restored - data lost.");
    expect(await renewed).toEqual({ type: "ready", resubscribe: true });
  });

  it("2104/2106/2158 arrive on @stoqey/ib's info event and are plain notices", async () => {
    const tws = await fake();
    const c = connection(tws);
    await c.connect();
    const notices: IbConnectionEvent[] = [];
    c.onEvent((e) => e.type === "notice" && notices.push(e));
    const last = nextConnectionEvent(c, (e) => e.type === "notice" && e.code === 2158);
    tws.sendError(-1, 2104, "Market data farm connection is OK:usfarm");
    tws.sendError(-1, 2106, "HMDS data farm connection is OK:ushmds");
    tws.sendError(-1, 2158, "Sec-def data farm connection is OK:secdefnj");
    await last;
    expect(notices.map((n) => n.type === "notice" && [n.code, n.action, n.reqId])).toEqual([
      [2104, "notice", undefined],
      [2106, "notice", undefined],
      [2158, "notice", undefined],
    ]);
    expect(c.state).toBe("ready");
  });

  it("pacing error 100 pauses sending, then sending resumes", async () => {
    const tws = await fake();
    const c = connection(tws);
    await c.connect();
    const seen = nextConnectionEvent(c, (e) => e.type === "notice" && e.code === 100);
    tws.sendError(-1, 100, "Max rate of messages per second has been exceeded:max=50 rec=55");
    await seen;
    expect(c.send("reqIds", (api) => api.reqIds(1))).toBe(true);
    await tws.waitFor((r) => r.fields[0] === "8");
    expect(c.counters.sent).toBe(1);
  });

  it("malformed and unexpected server messages are counted and reported, never crash", async () => {
    const tws = await fake();
    const c = connection(tws);
    const feed = new IbFeed({}, { connection: c });
    // The broker listens to executions, so they are validated too.
    new IbBroker({}, { connection: c });
    const rec = new FeedRecorder();
    await feed.start();
    feed.subscribe(["AAPL"], rec.listener);
    const req = await tws.waitFor((r) => r.fields[0] === "50");
    const reqId = Number(req.fields[2]);
    const bad: IbConnectionEvent[] = [];
    c.onEvent((e) => e.type === "bad_message" && bad.push(e));
    // An error whose advanced-reject JSON is broken: @stoqey/ib's decoder throws a SyntaxError on it.
    tws.broadcast(wire.errorMessage(5, 201, "Order rejected", "{not json"));
    // A bar with non-numeric fields.
    tws.broadcast([50, 3, reqId, "yesterday", "a", "b", "c", "d", "e", "f", "g"]);
    // A bar whose high is NaN.
    tws.broadcast([50, 3, reqId, 1_700_000_000, 1, "NaN", 1, 1, 10, 1, 1]);
    // A truncated message, an unknown message id, a non-numeric id.
    tws.broadcast([50, 3]);
    tws.broadcast([999, 1, 2, 3]);
    tws.broadcast(["hello", "world"]);
    // An execution with an impossible side, for an order nobody placed.
    tws.broadcast([...wire.execDetails(exec()).slice(0, 18), "XYZ", ...wire.execDetails(exec()).slice(19)]);
    // Stray order status and commission for unknown ids.
    tws.broadcast(wire.orderStatus(777, "Filled", 10, 0, 1, 7));
    tws.broadcast(wire.commissionReport("nope", 1));
    // Raw bytes split mid-frame still decode once the rest arrives.
    const good = frame(wire.realTimeBar(reqId, wireBar(1_700_000_005_000, 101)));
    tws.sendBytes(good.subarray(0, 7));
    tws.sendBytes(good.subarray(7));
    await rec.waitFor(isBarAt(1_700_000_005_000));
    expect(c.state).toBe("ready");
    expect(c.counters.badMessages).toBeGreaterThanOrEqual(7);
    expect(bad.some((b) => b.type === "bad_message" && /Underrun/.test(b.reason))).toBe(true);
    expect(bad.some((b) => b.type === "bad_message" && /No parser implementation/.test(b.reason))).toBe(true);
    expect(bad.some((b) => b.type === "bad_message" && b.event === "decoder" && /SyntaxError/.test(b.reason))).toBe(
      true,
    );
    expect(bad.some((b) => b.type === "bad_message" && b.event === "realtimeBar")).toBe(true);
    expect(bad.some((b) => b.type === "bad_message" && b.event === "execDetails")).toBe(true);
    expect(rec.barTimes("AAPL")).toEqual([1_700_000_005_000]);
    await feed.stop();
  });

  it("close is idempotent and stops reconnecting", async () => {
    const tws = await fake();
    const c = connection(tws);
    await c.connect();
    await c.close();
    await c.close();
    expect(c.state).toBe("stopped");
    await tws.waitForNoConnections();
    expect(c.send("reqIds", (api) => api.reqIds(1))).toBe(false);
  });
});

function exec() {
  return {
    reqId: -1,
    orderId: 999,
    symbol: "AAPL",
    execId: "x.1",
    time: "20240102 09:35:00 US/Eastern",
    account: "DU1",
    side: "BOT" as const,
    shares: 1,
    price: 1,
    clientId: 7,
    cumQty: 1,
    avgPrice: 1,
    orderRef: "",
  };
}
