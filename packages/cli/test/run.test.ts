import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { barsToCsv, calendarFor, generateBars, tradingSessions } from "@tradeplan/core";
import { openDatabase, verifyJournal } from "@tradeplan/store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLiveCommand } from "../src/commands/run.js";
import { UsageError } from "../src/errors.js";
import { captureIO, cli, tempDir } from "./helpers.js";

const PLAN =
  'plan "run"\nsymbol DEMO\n\non 1m close crosses above sma(close, 5) enter long size 10 shares\non 1m close crosses below sma(close, 5) exit long\n';

let dir: string;
let cleanup: () => void;

function writeFixture(config: string, bars = 60): void {
  const sessions = tradingSessions(calendarFor("regular"), "2024-03-04", 1);
  const data = [...generateBars({ symbol: "DEMO", seed: 5, interval: "1m" }, sessions)].slice(0, bars);
  writeFileSync(join(dir, "bars.csv"), barsToCsv(data, "America/New_York"));
  writeFileSync(join(dir, "run.plan"), PLAN);
  writeFileSync(join(dir, "tradeplan.yaml"), config);
}

const REPLAY = (speed: number) =>
  `bar_close_detection:\n  grace_ms: 1000\nfeed:\n  type: replay\n  replay:\n    file: bars.csv\n    speed: ${speed}\nbreaker:\n  enabled: false\n`;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe("tradeplan run: configuration errors", () => {
  it("bad YAML: exit 2 with the file, line and column", async () => {
    writeFixture("feed:\n  type: [replay\n");
    const r = await cli(["run", "run.plan", "--config", "tradeplan.yaml"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error: CONFIG_YAML: tradeplan\.yaml:\d+:\d+: /);
  });

  it("an unknown key: exit 2 naming the key and its line", async () => {
    writeFixture("metrics:\n  enabled: true\n  prot: 9000\n");
    const r = await cli(["run", "run.plan", "--config", "tradeplan.yaml"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("tradeplan.yaml:3:3: metrics.prot: unknown key");
  });

  it("a wrong type: exit 2 naming the value's line", async () => {
    writeFixture("engine:\n  budget_ms: fast\n");
    const r = await cli(["run", "run.plan", "--config", "tradeplan.yaml"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("tradeplan.yaml:2:14: engine.budget_ms:");
  });

  it("a missing config file and bad flags are usage errors", async () => {
    writeFileSync(join(dir, "run.plan"), PLAN);
    const missing = await cli(["run", "run.plan", "--config", "nope.yaml"], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("nope.yaml: cannot read: no such file");
    writeFixture(REPLAY(100));
    const bad = await cli(["run", "run.plan", "--duration", "-3"], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("invalid --duration: must be a positive number of seconds");
    const feed = await cli(["run", "run.plan", "--feed", "csv"], dir);
    expect(feed.code).toBe(2);
  });

  it("a plan with errors is not run (exit 1)", async () => {
    writeFixture(REPLAY(100));
    writeFileSync(join(dir, "bad.plan"), 'plan "bad"\nsymbol DEMO\non 1m close above nothing enter long\n');
    const r = await cli(["run", "bad.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("nothing was run");
  });
});

describe("tradeplan run: a replay", () => {
  it("the summary counts the replay file's rejected rows per reason", async () => {
    writeFixture(REPLAY(50_000));
    const lines = barsToCsv(
      [
        ...generateBars(
          { symbol: "DEMO", seed: 5, interval: "1m" },
          tradingSessions(calendarFor("regular"), "2024-03-04", 1),
        ),
      ].slice(0, 30),
      "America/New_York",
    ).split("\n");
    lines.splice(5, 0, "2024-03-04,09:33:30,0x64,1,1,1,1", `2024-03-04,09:33:40,${"1".repeat(70_000)}`);
    writeFileSync(join(dir, "bars.csv"), lines.join("\n"));
    const r = await cli(["run", "run.plan", "--audit", "state.db"], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/bars\.csv:6: open \\"0x64\\" is not a decimal number/);
    expect(JSON.parse(r.out)).toMatchObject({ rejectedByReason: { CSV_BAD_NUMBER: 1, CSV_LINE_TOO_LONG: 1 } });
  });

  it("runs to the end of the data, saves state and journal, and restarts from where it stopped", async () => {
    writeFixture(REPLAY(50_000));
    const first = await cli(["run", "run.plan", "--audit", "state.db"], dir);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain("session ACTIVE");
    expect(first.err).toContain("session stopped: the feed has no more bars");
    const summary = JSON.parse(first.out) as { stats: { barsIn: number; closes: number } };
    expect(summary.stats.barsIn).toBe(60);
    const again = await cli(["run", "run.plan", "--audit", "state.db"], dir);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain("restoring saved state");
    expect((JSON.parse(again.out) as { stats: { barsIn: number } }).stats.barsIn).toBe(0);
    const db = openDatabase(join(dir, "state.db"), { readonly: true });
    try {
      expect(verifyJournal(db).ok).toBe(true);
    } finally {
      db.close();
    }
  });

  it("serves Prometheus metrics on loopback while running and stops on the abort signal", async () => {
    writeFixture(REPLAY(60), 400);
    const c = captureIO(dir);
    const abort = new AbortController();
    const running = runLiveCommand(["run.plan"], { metricsPort: 0, audit: "m.db" }, c.io, { signal: abort.signal });
    let url: string | undefined;
    for (let i = 0; i < 600 && url === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      url = /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(c.err())?.[1];
      if (!c.err().includes("session ACTIVE")) url = undefined;
    }
    expect(url, c.err()).toBeDefined();
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('tradeplan_trading_state{state="ACTIVE"} 1');
    expect(text).toContain("tradeplan_detection_latency_seconds_bucket");
    expect(text).toContain("tradeplan_evaluation_seconds");
    expect(text).toContain("tradeplan_breaker_tripped 0");
    expect((await fetch(url!.replace("/metrics", "/other"))).status).toBe(404);
    abort.abort("test over");
    expect(await running).toBe(0);
    expect(c.err()).toContain("session stopped: test over");
  });

  it("the ib broker without a TWS to connect to fails with a clear error", async () => {
    writeFixture(`${REPLAY(100)}broker:\n  ib:\n    port: 1\n    connectTimeoutMs: 500\n`);
    const c = captureIO(dir);
    await expect(runLiveCommand(["run.plan"], { broker: "ib", audit: "ib.db" }, c.io)).rejects.toThrow(UsageError);
  });
});
