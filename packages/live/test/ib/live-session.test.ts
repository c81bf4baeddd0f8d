import { CircuitBreaker } from "@tradeplan/core/internal";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import type { SessionTradingState } from "@tradeplan/store";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeTws, startFakeTws } from "../../../../test/fake-tws/index.js";
import { wireBar } from "../../../ibkr/test/ib/helpers.js";
import { parseTradeplanConfig } from "../../src/config/load.js";
import { breakerGuard } from "../../src/live/breaker-guard.js";
import { createBroker, createFeed } from "../../src/live/factory.js";
import { LiveSession } from "../../src/live/session.js";

/**
 * `tradeplan run --broker ib --feed ib` as the CLI assembles it (the factory's
 * IBKR feed and broker, a circuit breaker guarding the live session), against
 * the fake TWS on a real clock.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const S5 = 5_000;
const PLAN = `plan "ib live"
symbol AAPL
timezone "UTC"
session always

on 1m close > 1000 enter long size 10 shares
`;

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "ib.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

/** Resolves once the session is in `state` (for a reason matching `why`), or rejects with the states it went through. */
function stateReached(states: { state: SessionTradingState; reason: string }[], state: SessionTradingState, why = /./) {
  return new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const last = states.at(-1);
      if (last?.state === state && why.test(last.reason)) resolve();
      else if (Date.now() - started > 15_000)
        reject(new Error(`never ${state}: ${states.map((s) => `${s.state} (${s.reason})`).join(" -> ")}`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

async function start(tws: FakeTws, feedIb = "") {
  const config = parseTradeplanConfig(
    `broker:\n  type: ib\n  ib:\n    port: ${tws.port}\n    clientId: 7\n    reconnect: { initialDelayMs: 10, maxDelayMs: 50, factor: 2, jitter: 0 }\nfeed:\n  type: ib\n${feedIb}`,
  );
  const plans = [compile(PLAN)];
  const setup = await createFeed({ config, kind: "ib", plans, baseDir: "." });
  cleanups.push(() => setup.dispose());
  const brokerSetup = createBroker(config, "ib", plans, () => undefined, setup);
  cleanups.push(() => brokerSetup.stop());
  const breaker = new CircuitBreaker(
    // Bars up to five minutes old count as fresh here, so the test can push bars from the recent past.
    { noDataTimeoutMs: 600_000, maxBarAgeMs: 300_000, openBackoffMs: 10, maxOpenBackoffMs: 20 },
    { clock: setup.clock },
  );
  const states: { state: SessionTradingState; reason: string }[] = [];
  const session = new LiveSession({
    plans,
    feed: setup.feed,
    clock: setup.clock,
    broker: brokerSetup.broker,
    guard: breakerGuard(breaker),
    observer: { stateChanged: (state, reason) => states.push({ state, reason }) },
    detector: { grace_ms: 2_000 },
  });
  cleanups.push(() => session.stop());
  await brokerSetup.start();
  await session.start();
  return { session, states, setup, brokerSetup };
}

describe("the live session on IBKR (factory feed and broker, breaker)", () => {
  it("feed and broker share one API session; after the backfill fresh bars close the breaker: ACTIVE; after a reconnect the gap is backfilled and it closes again", {
    timeout: 30_000,
  }, async () => {
    const now = Math.floor(Date.now() / S5) * S5;
    const tws = await startFakeTws();
    cleanups.push(() => tws.close());
    // History up to four minutes ago; then live bars from the recent past, newer than the history.
    tws.setHistory(
      "AAPL",
      Array.from({ length: 120 }, (_, i) => wireBar(now - 4 * 60_000 - (120 - i) * S5, 100)),
    );
    const { session, states, setup } = await start(tws);
    expect(tws.sessions).toBe(1);
    expect(setup.ibConnection?.options.clientId).toBe(7);
    // Streaming, but not trading before fresh bars have arrived.
    expect(session.state).toBe("HALTED");
    expect(session.reason).toContain("waiting for fresh bars");
    await tws.waitFor((r) => r.fields[0] === "50");
    tws.pushBar("AAPL", wireBar(now - 3 * 60_000, 100));
    tws.pushBar("AAPL", wireBar(now - 3 * 60_000 + S5, 100));
    await stateReached(states, "ACTIVE");
    expect(states.at(-1)?.reason).toMatch(/circuit breaker closed/);

    // TWS drops the socket; the minute missed while away is in its history.
    tws.setHistory("AAPL", [...Array.from({ length: 12 }, (_, i) => wireBar(now - 3 * 60_000 + (2 + i) * S5, 100))]);
    const resubscribed = tws.waitForNext((r) => r.fields[0] === "50");
    tws.dropAll();
    await stateReached(states, "HALTED");
    await resubscribed;
    const backfill = await tws.waitFor((r) => r.fields[0] === "20");
    expect(backfill.fields[3]).toBe("AAPL");
    // The feed reports "up" once the gap is delivered; the breaker then waits for fresh bars.
    await stateReached(
      states,
      "HALTED",
      /half-open: backoff elapsed \(connection back \(.*the bars missed while down are backfilled/,
    );
    tws.pushBar("AAPL", wireBar(now - 60_000, 100));
    tws.pushBar("AAPL", wireBar(now - 60_000 + S5, 100));
    await stateReached(states, "ACTIVE");
    expect(session.stats.barsIn).toBeGreaterThanOrEqual(4 + 12);
  });

  it("feed.ib naming another client id: two API sessions, no clash", async () => {
    const tws = await startFakeTws();
    cleanups.push(() => tws.close());
    const { setup, brokerSetup } = await start(tws, `  ib:\n    port: ${tws.port}\n    clientId: 8\n`);
    expect(tws.sessions).toBe(2);
    expect(setup.ibConnection?.options.clientId).toBe(8);
    expect(brokerSetup.description).not.toContain("one connection with the feed");
  });
});
