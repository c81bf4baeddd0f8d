import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { barsToCsv, FixedHoursCalendar, generateBars, tradingSessions } from "@tradeplan/core";
import { Mulberry32 } from "@tradeplan/core/internal";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import { afterAll, describe, expect, it } from "vitest";
import { parseTradeplanConfig } from "../../src/config/index.js";
import { createBroker, createFeed, createGuard, LiveSession, type SessionLogLevel } from "../../src/live/index.js";

const PLAN = `plan "gaps"
symbol FDAX
timezone "Europe/Berlin"
session always

on 5m close crosses above sma(close, 10) enter long size 1 shares
on 5m close crosses below sma(close, 10) exit long
`;

function compile(text: string): CompiledPlan {
  const r = analyze(text, { fileName: "gaps.plan" });
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.compiled;
}

const dir = mkdtempSync(join(tmpdir(), "tradeplan-breaker-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Thursday, Friday and Monday of an index future in Berlin (09:00-22:00): nights, a weekend, and thin
// stretches where minutes pass without a trade (up to 20 in a row), as in the real 1-minute file.
const exchange = new FixedHoursCalendar({ name: "EU", zone: "Europe/Berlin", open: "09:00", close: "22:00" });
const all = [...generateBars({ symbol: "FDAX", seed: 4, interval: "1m" }, tradingSessions(exchange, "2024-03-07", 3))];
const rng = new Mulberry32(9);
const bars = all.filter((_, i) => {
  const minute = i % 780;
  // A 20-minute silence every afternoon, and a tenth of the other minutes missing.
  if (minute >= 400 && minute < 420) return false;
  return rng.next() > 0.1;
});
writeFileSync(join(dir, "bars.csv"), barsToCsv(bars, "Europe/Berlin"));

/** A replay through the factory, as `tradeplan run` builds it; returns the warnings the session logged. */
async function replay(speed: number | "max"): Promise<{ warnings: string[]; state: string; barsIn: number }> {
  const config = parseTradeplanConfig(
    `feed:\n  type: replay\n  replay:\n    file: bars.csv\n    timezone: Europe/Berlin\n    speed: ${speed}\n`,
  );
  const plans = [compile(PLAN)];
  const setup = await createFeed({ config, kind: "replay", plans, baseDir: dir });
  const guard = createGuard(config, setup, plans);
  expect(guard?.description).toContain("no-data timeout 600 s (derived from the plans' timeframes)");
  const warnings: string[] = [];
  const session = new LiveSession({
    plans,
    feed: setup.feed,
    clock: setup.clock,
    broker: createBroker(config, "paper", plans).broker,
    ...(guard ? { guard } : {}),
    ...(setup.startAt !== undefined ? { startAt: setup.startAt } : {}),
    detector: config.bar_close_detection,
    log: (level: SessionLogLevel, message: string) => {
      if (level !== "info") warnings.push(message);
    },
  });
  await session.start();
  setup.startClock?.();
  await setup.finished;
  const state = session.state;
  await session.stop("end of data");
  guard?.stop();
  setup.dispose();
  return { warnings, state, barsIn: session.stats.barsIn };
}

describe("the default breaker on a replay", () => {
  it("never trips on the data's own gaps, nights and weekend: at speed max", async () => {
    const r = await replay("max");
    expect(r.barsIn).toBe(bars.length);
    expect(r.warnings).toEqual([]);
    expect(r.state).toBe("ACTIVE");
  });

  it("never trips on them on a real clock either (three market days in about a second)", async () => {
    const r = await replay(250_000);
    expect(r.barsIn).toBe(bars.length);
    expect(r.warnings).toEqual([]);
    expect(r.state).toBe("ACTIVE");
  });
});
