import { VirtualClock } from "@tradeplan/core";
import { describe, expect, it } from "vitest";
import {
  Backoff,
  classifyTwsCode,
  IbBrokerOptionsSchema,
  IbConnectionOptionsSchema,
  IbError,
  IbFeedOptionsSchema,
  StockContractOptionsSchema,
  sameApiSession,
  stockContract,
  TokenBucket,
} from "../../src/ib/index.js";
import { orderFate, type TwsOrderBook } from "../../src/ib/order-book.js";
import { twsUtcDateTime } from "../../src/ib/time.js";

describe("Backoff", () => {
  it("grows exponentially to the cap, jitter shortens each delay by up to the jitter fraction", () => {
    const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    b.reset();
    expect(b.next()).toBe(100);
    const j = new Backoff({ initialDelayMs: 1_000, maxDelayMs: 10_000, factor: 2, jitter: 0.5 }, () => 1);
    expect(j.next()).toBe(500);
    const k = new Backoff({ initialDelayMs: 1_000, maxDelayMs: 10_000, factor: 2, jitter: 0.5 }, () => 0);
    expect(k.next()).toBe(1_000);
  });
});

describe("TokenBucket", () => {
  it("sends a burst at once, then at the rate, in order", () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(clock, 50, 10);
    const sent: number[] = [];
    for (let i = 0; i < 60; i++)
      bucket.submit(
        () => sent.push(i),
        () => undefined,
      );
    expect(sent.length).toBe(10);
    clock.advanceBy(1_000);
    expect(sent.length).toBe(60);
    expect(sent).toEqual([...Array(60).keys()]);
    // Never more than 50 in any second after the burst.
    const clock2 = new VirtualClock(0);
    const b2 = new TokenBucket(clock2, 50, 10);
    const times: number[] = [];
    for (let i = 0; i < 200; i++)
      b2.submit(
        () => times.push(clock2.now()),
        () => undefined,
      );
    clock2.advanceBy(10_000);
    expect(times.length).toBe(200);
    for (const t of times) expect(times.filter((u) => u > t && u <= t + 1_000).length).toBeLessThanOrEqual(50);
  });

  it("pause holds everything; dropAll discards what waits and says why", () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(clock, 50, 5);
    const sent: number[] = [];
    const dropped: string[] = [];
    bucket.pause(2_000);
    bucket.submit(
      () => sent.push(1),
      (r) => dropped.push(r),
    );
    clock.advanceBy(1_999);
    expect(sent).toEqual([]);
    clock.advanceBy(100);
    expect(sent).toEqual([1]);
    bucket.pause(1_000);
    bucket.submit(
      () => sent.push(2),
      (r) => dropped.push(r),
    );
    expect(bucket.waiting).toBe(1);
    bucket.dropAll("not connected");
    clock.advanceBy(5_000);
    expect(sent).toEqual([1]);
    expect(dropped).toEqual(["not connected"]);
  });
});

describe("classifyTwsCode", () => {
  it("maps system, connection, pacing and order codes", () => {
    expect(classifyTwsCode(1100, "Connectivity between IB and TWS has been lost.")).toBe("link_lost");
    expect(classifyTwsCode(1101, "")).toBe("link_restored_data_lost");
    expect(classifyTwsCode(1102, "")).toBe("link_restored");
    expect(classifyTwsCode(326, "")).toBe("client_id_in_use");
    expect(classifyTwsCode(502, "")).toBe("socket_failed");
    expect(classifyTwsCode(504, "")).toBe("socket_failed");
    for (const c of [2104, 2106, 2158]) expect(classifyTwsCode(c, "farm connection is OK")).toBe("notice");
    expect(classifyTwsCode(100, "Max rate of messages per second has been exceeded")).toBe("pacing");
    expect(classifyTwsCode(420, "Invalid Real-time Query")).toBe("pacing");
    expect(
      classifyTwsCode(162, "Historical Market Data Service error message:Historical data request pacing violation"),
    ).toBe("pacing");
    expect(classifyTwsCode(162, "Historical Market Data Service error message:HMDS query returned no data")).toBe(
      "error",
    );
    expect(classifyTwsCode(201, "Order rejected")).toBe("order_rejected");
    expect(classifyTwsCode(202, "Order Canceled")).toBe("order_cancelled");
    expect(classifyTwsCode(9999, "?")).toBe("error");
  });
});

describe("option schemas", () => {
  it("fills defaults and names bad fields", () => {
    const o = IbConnectionOptionsSchema.parse({});
    expect(o).toMatchObject({
      host: "127.0.0.1",
      port: 7497,
      clientId: 1,
      connectTimeoutMs: 10_000,
      maxMessagesPerSecond: 50,
    });
    expect(() => IbConnectionOptionsSchema.parse({ port: 70_000 })).toThrow(/port/);
    expect(() => IbConnectionOptionsSchema.parse({ clientId: -1 })).toThrow(/clientId/);
    expect(() => IbConnectionOptionsSchema.parse({ connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/);
    expect(() => IbConnectionOptionsSchema.parse({ maxMessagesPerSecond: 51 })).toThrow(/maxMessagesPerSecond/);
    expect(() => IbConnectionOptionsSchema.parse({ hots: "x" })).toThrow();
    expect(() => IbFeedOptionsSchema.parse({ whatToShow: "LAST" })).toThrow(/whatToShow/);
    expect(() => IbBrokerOptionsSchema.parse({ initialCash: -5 })).toThrow(/initialCash/);
    expect(() => StockContractOptionsSchema.parse({ currency: "DOLLARS" })).toThrow(/currency/);
  });

  it("builds SMART/USD stock contracts with an optional primary exchange", () => {
    const opts = StockContractOptionsSchema.parse({ primaryExchange: { AAPL: "NASDAQ" } });
    expect(stockContract("AAPL", opts)).toEqual({
      symbol: "AAPL",
      secType: "STK",
      exchange: "SMART",
      currency: "USD",
      primaryExch: "NASDAQ",
    });
    expect(stockContract("MSFT", opts)).not.toHaveProperty("primaryExch");
  });

  it("formats request end times in TWS's UTC form", () => {
    expect(twsUtcDateTime(Date.UTC(2024, 0, 2, 14, 30, 5))).toBe("20240102-14:30:05");
  });
});

describe("orderFate: an order the broker counts as working, after a reconnect", () => {
  const book: TwsOrderBook = {
    working: new Map([["w", "Submitted"]]),
    completed: new Map([
      ["c", "Cancelled"],
      ["a", "ApiCancelled"],
      ["i", "Inactive"],
      ["f", "Filled"],
    ]),
    executed: new Set(["w", "f", "x"]),
    badMessages: 0,
  };

  it("is working, executed, cancelled or inactive when TWS knows it, and lost when it does not", () => {
    expect(orderFate("w", book)).toEqual({ kind: "working" });
    expect(orderFate("c", book)).toEqual({ kind: "cancelled", status: "Cancelled" });
    expect(orderFate("a", book)).toEqual({ kind: "cancelled", status: "ApiCancelled" });
    expect(orderFate("i", book)).toEqual({ kind: "inactive" });
    expect(orderFate("f", book)).toEqual({ kind: "executed" });
    // Executions only (filled, and gone from the completed list): its fills are being booked.
    expect(orderFate("x", book)).toEqual({ kind: "executed" });
    expect(orderFate("never-sent", book)).toEqual({ kind: "lost" });
  });
});

describe("IbError and connection settings", () => {
  it("one line: the cause, where the settings are, and the fix", () => {
    const e = new IbError("IB_CONNECT_TIMEOUT", "127.0.0.1:4002 sent no API handshake within 2000 ms", {
      fix: "make port the API socket port",
    });
    expect(e.message).toBe(
      "IB_CONNECT_TIMEOUT: 127.0.0.1:4002 sent no API handshake within 2000 ms; fix: make port the API socket port",
    );
    const located = e.inSetting("broker.ib");
    expect(located.message).toBe(
      "IB_CONNECT_TIMEOUT: 127.0.0.1:4002 sent no API handshake within 2000 ms (broker.ib); fix: make port the API socket port",
    );
    expect(located.line("ib.yaml")).toBe(
      "IB_CONNECT_TIMEOUT: 127.0.0.1:4002 sent no API handshake within 2000 ms (broker.ib in ib.yaml); fix: make port the API socket port",
    );
    expect(new IbError("IB_PACING", "too fast", 100).twsCode).toBe(100);
  });

  it("the same API session is the same host, port and client id", () => {
    const a = IbConnectionOptionsSchema.parse({ port: 4002, clientId: 7 });
    expect(sameApiSession(a, IbConnectionOptionsSchema.parse({ port: 4002, clientId: 7, connectTimeoutMs: 5 }))).toBe(
      true,
    );
    expect(sameApiSession(a, IbConnectionOptionsSchema.parse({ port: 4002, clientId: 8 }))).toBe(false);
    expect(sameApiSession(a, IbConnectionOptionsSchema.parse({ port: 4001, clientId: 7 }))).toBe(false);
  });

  it("the watchdog bound must leave a heartbeat time to be answered", () => {
    const r = IbConnectionOptionsSchema.safeParse({ heartbeatMs: 10_000, inboundTimeoutMs: 10_000 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["inboundTimeoutMs"]);
  });
});
