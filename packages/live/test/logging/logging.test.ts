import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent } from "@tradeplan/core";
import type { Logger } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LoggingError, parseExecutionLoggingConfig, retentionCutoff } from "../../src/logging/config.js";
import { createLogger } from "../../src/logging/logger.js";
import { prettyLine } from "../../src/logging/pretty.js";
import { loggingSink } from "../../src/logging/sink.js";

const T0 = Date.UTC(2024, 0, 2, 14, 30);
const origin = { time: T0, symbol: "AAPL", timeframe: "5m", rule: "r3", line: 7 };
const signal = {
  action: "ENTER_LONG" as const,
  confidence: 0.8,
  reasoning: "close 151 > 150",
  metadata: { close: 151 },
};

/** A pino destination collecting lines. */
function capture(): { write(s: string): void; lines: string[]; json(): Record<string, unknown>[] } {
  const lines: string[] = [];
  return {
    lines,
    write(s) {
      lines.push(s);
    },
    json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tradeplan-log-"));
  dirs.push(d);
  return d;
}

function flushed(logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => logger.flush((e) => (e ? reject(e) : resolve())));
}

describe("execution_logging config", () => {
  it("fills defaults", () => {
    expect(parseExecutionLoggingConfig(undefined)).toEqual({
      level: "info",
      retention_days: 90,
      performance_metrics: false,
      include_context: false,
      destination: "stderr",
    });
  });

  it("names every bad field with a stable code", () => {
    let err: unknown;
    try {
      parseExecutionLoggingConfig({ level: "loud", retention_days: 0, structured: "yes", colour: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoggingError);
    expect((err as LoggingError).code).toBe("LOG_CONFIG_INVALID");
    const m = (err as LoggingError).message;
    expect(m).toContain("execution_logging.level");
    expect(m).toContain("execution_logging.retention_days");
    expect(m).toContain("execution_logging.structured");
    expect(m).toContain("colour");
    expect(() => parseExecutionLoggingConfig({ destination: "  " })).toThrow(
      /destination: must be `stderr`, `stdout` or a file path/,
    );
    expect(() => parseExecutionLoggingConfig("info")).toThrow(LoggingError);
  });

  it("computes the retention cutoff", () => {
    expect(retentionCutoff({ retention_days: 2 }, T0)).toBe(T0 - 2 * 86_400_000);
  });
});

describe("createLogger", () => {
  it("writes JSON lines at the configured level", () => {
    const out = capture();
    const log = createLogger({ level: "warn" }, { stream: out, base: null });
    log.info("hidden");
    log.warn({ symbol: "AAPL" }, "shown");
    expect(out.json()).toEqual([{ level: 40, time: expect.any(Number), symbol: "AAPL", msg: "shown" }]);
  });

  it("writes readable lines to a terminal when structured is false", () => {
    const out = capture();
    const log = createLogger({ structured: false }, { stream: out, isTTY: true, base: null });
    log.info({ symbol: "AAPL", reason: "two words" }, "signal");
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}signal symbol=AAPL reason="two words"\n$/);
  });

  it("with structured unset: readable lines on a terminal, JSON elsewhere; `format` overrides both", () => {
    const lines: string[] = [];
    const out = { write: (l: string) => void lines.push(l) };
    createLogger({}, { stream: out, isTTY: true, base: null }).info("a");
    createLogger({}, { stream: out, isTTY: false, base: null }).info("b");
    createLogger({ structured: true }, { stream: out, isTTY: true, base: null, format: "pretty" }).info("c");
    createLogger({}, { stream: out, isTTY: true, base: null, format: "json" }).info("d");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}a\n$/);
    expect(JSON.parse(lines[1] as string)).toMatchObject({ msg: "b" });
    expect(lines[2]).toMatch(/ INFO {2}c\n$/);
    expect(JSON.parse(lines[3] as string)).toMatchObject({ msg: "d" });
  });

  it("keeps JSON when structured is false but the output is not a terminal", () => {
    const out = capture();
    createLogger({ structured: false }, { stream: out, isTTY: false, base: null }).info("x");
    expect(out.json()[0]).toMatchObject({ msg: "x" });
  });

  it("appends JSON lines to a file destination, creating its directory", async () => {
    const file = join(tempDir(), "logs", "run.jsonl");
    const log = createLogger({ destination: file }, { base: null });
    log.info({ n: 1 }, "first");
    log.error({ n: 2 }, "second");
    await flushed(log);
    // The destination writes asynchronously: wait until both lines are on disk.
    await vi.waitFor(() => expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2));
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.msg, l.n])).toEqual([
      [30, "first", 1],
      [50, "second", 2],
    ]);
  });

  it("fails with LOG_DESTINATION when the file cannot be opened", () => {
    const dir = tempDir();
    const blocker = join(dir, "plain-file");
    writeFileSync(blocker, "");
    expect(() => createLogger({ destination: join(blocker, "run.jsonl") })).toThrow(
      /execution_logging.destination: cannot open .* a part of the path is not a directory/,
    );
    try {
      createLogger({ destination: dir });
    } catch (e) {
      expect((e as LoggingError).code).toBe("LOG_DESTINATION");
      expect((e as LoggingError).message).toContain("it is a directory");
    }
    expect.assertions(3);
  });

  it("validates a raw config", () => {
    expect(() => createLogger({ level: "chatty" } as never)).toThrow(/execution_logging.level/);
  });
});

describe("prettyLine", () => {
  it("formats a pino line and passes other text through", () => {
    expect(prettyLine(JSON.stringify({ level: 50, time: T0, msg: "boom", code: "X" }))).toBe(
      "14:30:00.000 ERROR boom code=X\n",
    );
    expect(prettyLine(JSON.stringify({ level: 40, time: T0, msg: "careful" }), true)).toBe(
      "14:30:00.000 \u001b[33mWARN \u001b[39m careful\n",
    );
    expect(prettyLine("not json")).toBe("not json\n");
    expect(prettyLine("[1,2]")).toBe("[1,2]\n");
  });
});

describe("loggingSink", () => {
  const events: EngineEvent[] = [
    { type: "evaluation", ...origin, signal, elapsedMs: 0.42 },
    { type: "signal", ...origin, signal, price: 151 },
    { type: "suppressed", ...origin, action: "ENTER_LONG", code: "POSITION_OPEN", reason: "already long" },
    { type: "suppressed", ...origin, action: "ENTER_LONG", code: "RISK_REJECTED", reason: "too big" },
    { type: "risk", ...origin, clientOrderId: "c1", decision: { approved: true, code: "RISK_OK", message: "ok" } },
    {
      type: "risk",
      ...origin,
      clientOrderId: "c2",
      decision: { approved: false, code: "RISK_HALTED", message: "trading is HALTED" },
    },
    {
      type: "order",
      ...origin,
      order: {
        clientOrderId: "c1",
        symbol: "AAPL",
        side: "BUY",
        quantity: 10,
        type: "MKT",
        ruleId: "r3",
        reason: "close 151 > 150",
        decidedAt: T0,
        refPrice: 151,
      },
      ack: { clientOrderId: "c1", status: "ACCEPTED" },
    },
    { type: "error", ...origin, code: "FN_TIMEOUT", message: "took 120 ms" },
    { type: "bar_rejected", file: "bars.csv", line: 9, code: "NON_FINITE", reason: "close is NaN" },
  ];

  function logAll(config: { performance_metrics: boolean; include_context: boolean }, level = "debug") {
    const out = capture();
    const sink = loggingSink(createLogger({ level: level as "debug" }, { stream: out, base: null }), config);
    for (const e of events) if (e.type !== "evaluation" || sink.evaluations) sink.emit(e);
    return { sink, lines: out.json() };
  }

  it("logs each event with its origin and level", () => {
    const { sink, lines } = logAll({ performance_metrics: false, include_context: false });
    expect(sink.evaluations).toBe(false);
    expect(lines.map((l) => [l.event, l.level])).toEqual([
      ["signal", 30],
      ["suppressed", 30],
      ["suppressed", 40],
      ["risk", 20],
      ["risk", 40],
      ["order", 30],
      ["error", 50],
      ["bar_rejected", 40],
    ]);
    for (const l of lines.slice(0, 7))
      expect(l).toMatchObject({
        symbol: "AAPL",
        timeframe: "5m",
        rule: "r3",
        line: 7,
        barTime: "2024-01-02T14:30:00.000Z",
      });
    expect(lines[0]).toMatchObject({ action: "ENTER_LONG", price: 151, msg: "AAPL 5m r3: signal ENTER_LONG at 151" });
    expect(lines[6]).toMatchObject({ code: "FN_TIMEOUT", reason: "took 120 ms" });
    expect(lines[7]).toMatchObject({ file: "bars.csv", line: 9, code: "NON_FINITE" });
  });

  it("logs evaluations with their duration when performance_metrics asks", () => {
    const { sink, lines } = logAll({ performance_metrics: true, include_context: false });
    expect(sink.evaluations).toBe(true);
    expect(lines[0]).toMatchObject({ event: "evaluation", action: "ENTER_LONG", elapsedMs: 0.42 });
    expect(lines[0]).not.toHaveProperty("reasoning");
  });

  it("logs evaluations with their reasoning when include_context asks", () => {
    const { lines } = logAll({ performance_metrics: false, include_context: true });
    expect(lines[0]).toMatchObject({ event: "evaluation", reasoning: "close 151 > 150", metadata: { close: 151 } });
    expect(lines[0]).not.toHaveProperty("elapsedMs");
  });

  it("respects the level", () => {
    const { lines } = logAll({ performance_metrics: false, include_context: false }, "warn");
    expect(lines.map((l) => l.event)).toEqual(["suppressed", "risk", "error", "bar_rejected"]);
  });
});
