import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeTws, startFakeTws } from "../fake-tws/index.js";
import { type Finished, journalledFills, start, tradeplan, workdir, writeFiles } from "./harness.js";

/**
 * `tradeplan run --broker ib --feed ib`, the installed binary, against the
 * loopback fake TWS in this process (the real @stoqey/ib client on the other
 * side of a real socket): the trading path, and every way the start can fail.
 */

const S5 = 5_000;
/** The connect timeout of these configs: a failed start must be over within it plus one second. */
const CONNECT_MS = 1_500;
const PLAN = `plan "ib live"
symbol AAPL
timezone "UTC"
session always

on 10s close > 150 enter long size 10 shares
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function ibConfig(ib: Record<string, string | number>): string {
  const lines = Object.entries({ port: 7497, clientId: 7, connectTimeoutMs: CONNECT_MS, ...ib }).map(
    ([k, v]) => `    ${k}: ${typeof v === "string" ? JSON.stringify(v) : v}`,
  );
  return `broker:\n  ib:\n${lines.join("\n")}\n`;
}

/** The last line of stderr: the one a failed start prints. */
function errorLine(r: Finished): string {
  return r.stderr.trim().split("\n").at(-1) ?? "";
}

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("tradeplan run --broker ib --feed ib (installed) against the fake TWS", () => {
  const dir = workdir("tradeplan-e2e-ib-");

  it("one API session serves feed and broker; ACTIVE after the backfill; a rule fires, the order reaches TWS with its orderRef, the fill comes back; position and journal agree", async () => {
    const tws: FakeTws = await startFakeTws({ orderPlan: () => ({ kind: "fill", price: 151.2, commission: 1 }) });
    cleanups.push(() => tws.close());
    const now = Math.floor(Date.now() / S5) * S5;
    // Twenty minutes of history for the backfill at start.
    tws.setHistory(
      "AAPL",
      Array.from({ length: 240 }, (_, i) => {
        const time = now - (240 - i) * S5;
        return { time, open: 100, high: 100.2, low: 99.8, close: 100, volume: 1_000 };
      }),
    );
    // Live 5-second bars as TWS sends them: each once it is complete.
    let price = 100;
    let last = now - S5;
    const pusher = setInterval(() => {
      const t = Math.floor(Date.now() / S5) * S5 - S5;
      if (t <= last || tws.subscriptions("AAPL") === 0) return;
      last = t;
      tws.pushBar("AAPL", { time: t, open: price, high: price + 0.2, low: price - 0.2, close: price, volume: 1_000 });
    }, 250);
    cleanups.push(() => clearInterval(pusher));
    writeFiles(dir, { "ib.plan": PLAN, "ib.yaml": ibConfig({ port: tws.port }) });

    const run = start(["run", "ib.plan", "--config", "ib.yaml", "--broker", "ib", "--feed", "ib", "--audit", "ib.db"], {
      cwd: dir,
      timeoutMs: 120_000,
    });
    await run.waitFor(/one connection with the feed/);
    await run.waitFor(/bar caches refilled from \d+ history bars/);
    // Fresh bars after the backfill close the breaker.
    await run.waitFor(/trading state HALTED -> ACTIVE: circuit breaker closed/, 45_000);
    expect(tws.handshakes).toBe(1);
    expect(tws.sessions).toBe(1);
    price = 151;
    const placed = await tws.waitFor((m) => m.fields[0] === "3");
    const order = tws.orders[0];
    expect(order).toMatchObject({ symbol: "AAPL", action: "BUY", quantity: 10, orderType: "MKT", clientId: 7 });
    expect(order?.orderRef).toMatch(/^[0-9a-f]+:r6:AAPL:10s:\d+$/);
    expect(placed.fields[26]).toBe(order?.orderRef);
    await run.waitFor(/order BUY 10 ACCEPTED/);
    // The fill (sent at once by the fake) is in the journal once the session has committed it; then stop. Waited
    // for, not slept on: on a loaded machine the fill may take longer than any fixed pause to come back.
    const deadline = Date.now() + 30_000;
    while ((journalledFills(join(dir, "ib.db")).get(order?.orderRef ?? "") ?? 0) < 10) {
      if (Date.now() > deadline) throw new Error(`no fill record after 30 s\nstderr:\n${run.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { positions: unknown[]; state: string };
    expect(summary.positions).toEqual([{ symbol: "AAPL", quantity: 10, avgPrice: 151.2 }]);

    const verify = await tradeplan(["audit", "verify", "ib.db"], { cwd: dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/: OK, \d+ records/);
    const fills = await tradeplan(["audit", "query", "ib.db", "--kind", "fill", "--format", "json"], { cwd: dir });
    const fillRows = JSON.parse(fills.stdout) as { payload: Record<string, unknown> }[];
    expect(fillRows.map((f) => f.payload)).toEqual([
      expect.objectContaining({
        clientOrderId: order?.orderRef,
        side: "BUY",
        quantity: 10,
        price: 151.2,
        commission: 1,
      }),
    ]);
    const orders = await tradeplan(["audit", "query", "ib.db", "--kind", "order", "--format", "json"], { cwd: dir });
    const orderRows = JSON.parse(orders.stdout) as {
      action: string;
      payload: { order?: { clientOrderId?: string } };
    }[];
    expect(orderRows.map((o) => [o.action, o.payload.order?.clientOrderId])).toEqual([["BUY", order?.orderRef]]);
  });
});

describe("tradeplan run (installed): a failed IBKR start exits 2 within the connect timeout plus one second", () => {
  const dir = workdir("tradeplan-e2e-ib-fail-");
  writeFiles(dir, { "ib.plan": PLAN });

  /** Runs with `ib.yaml`; returns the result and the time from the moment it began connecting to its exit. */
  async function failedStart(config: string): Promise<{ r: Finished; connectingToExitMs: number }> {
    writeFiles(dir, { "ib.yaml": config });
    const run = start(
      ["run", "ib.plan", "--config", "ib.yaml", "--broker", "ib", "--feed", "ib", "--audit", "fail.db"],
      {
        cwd: dir,
        // A hang (the bug this guards) is cut off here; the assertions below then fail.
        timeoutMs: 30_000,
      },
    );
    // The last line before the broker connects.
    await run.waitFor(/circuit breaker: /, 20_000).catch(() => undefined);
    const connecting = Date.now();
    const r = await run.done;
    return { r, connectingToExitMs: Date.now() - connecting };
  }

  function expectCleanFailure(r: Finished, connectingToExitMs: number, line: RegExp): void {
    expect(r.signal, "the process had to be killed: it hung").toBeNull();
    expect(r.code, r.stderr).toBe(2);
    expect(errorLine(r)).toMatch(line);
    expect(errorLine(r)).toMatch(/\(broker\.ib in ib\.yaml\); fix: \S/);
    expect(connectingToExitMs).toBeLessThan(CONNECT_MS + 1_000);
  }

  it("TWS accepts the connection but never answers the handshake", async () => {
    const tws = await startFakeTws({ handshake: "silent" });
    cleanups.push(() => tws.close());
    const { r, connectingToExitMs } = await failedStart(ibConfig({ port: tws.port }));
    expect(tws.accepted).toBe(1);
    expectCleanFailure(
      r,
      connectingToExitMs,
      new RegExp(
        `^error: IB_CONNECT_TIMEOUT: 127\\.0\\.0\\.1:${tws.port} accepted the connection but sent no API handshake within ${CONNECT_MS} ms`,
      ),
    );
    // Nothing half-written: no database was left behind, or the one left verifies.
    if (existsSync(join(dir, "fail.db"))) {
      const verify = await tradeplan(["audit", "verify", "fail.db"], { cwd: dir });
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
  });

  it("nothing listens on the port", async () => {
    const port = await closedPort();
    const { r, connectingToExitMs } = await failedStart(ibConfig({ port }));
    expectCleanFailure(
      r,
      connectingToExitMs,
      new RegExp(`^error: IB_CONNECT_FAILED: nothing listens at 127\\.0\\.0\\.1:${port} `),
    );
    expect(errorLine(r)).toContain("fix: start TWS or IB Gateway, or make port its API socket port");
  });

  it("TWS answers the handshake but never finishes reporting the account", async () => {
    const tws = await startFakeTws();
    cleanups.push(() => tws.close());
    tws.sendPositionEnd = false;
    const { r, connectingToExitMs } = await failedStart(ibConfig({ port: tws.port }));
    expect(r.signal, "the process had to be killed: it hung").toBeNull();
    expect(r.code, r.stderr).toBe(2);
    expect(errorLine(r)).toMatch(
      /^error: IB_SYNC_TIMEOUT: TWS did not finish sending positions and open orders within 10000 ms \(no positionEnd\).* \(broker\.ib in ib\.yaml\); fix: \S/,
    );
    // The broker's sync timeout (10 s) plus one second: the open connection does not keep the process alive.
    expect(connectingToExitMs).toBeLessThan(10_000 + 1_000);
    await tws.waitForNoConnections();
  });

  it("the host is unknown", async () => {
    const { r, connectingToExitMs } = await failedStart(ibConfig({ host: "no-such-host.invalid" }));
    expectCleanFailure(r, connectingToExitMs, /^error: IB_CONNECT_FAILED: the host no-such-host\.invalid is unknown /);
  });

  it("the host is unreachable", async () => {
    // ::2 is not routed here: the kernel answers EHOSTUNREACH, or the SYN goes unanswered until the timeout.
    const { r, connectingToExitMs } = await failedStart(ibConfig({ host: "::2" }));
    expectCleanFailure(
      r,
      connectingToExitMs,
      /^error: IB_CONNECT_(FAILED: cannot reach ::2:7497|TIMEOUT: no TCP connection to ::2:7497)/,
    );
  });
});
