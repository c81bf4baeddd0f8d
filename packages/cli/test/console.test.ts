import { describe, expect, it } from "vitest";
import { createRunConsole } from "../src/console/run-console.js";
import { formatStatus, type RunStatus } from "../src/console/status-line.js";
import { renderRunSummary } from "../src/console/summary.js";
import { StatusTerminal } from "../src/console/terminal.js";
import { LocalTime } from "../src/render/local-time.js";
import { captureIO } from "./helpers.js";

const NY = new LocalTime("America/New_York");
// 2024-02-20 10:15 in New York (EST, UTC-5).
const T = Date.UTC(2024, 1, 20, 15, 15);
const STATUS: RunStatus = {
  state: "ACTIVE",
  marketTime: T,
  bars: 45,
  rejectedBars: 0,
  signals: 3,
  orders: 2,
  pnl: 1234.5,
  breaker: "closed",
};
const CLEAR = "\r\u001b[2K";
const LINE = JSON.stringify({ level: 30, time: T, msg: "session ACTIVE: streaming" });

describe("the run console's status line", () => {
  it("shows the state, the market time in the exchange's zone (named), counters, P&L and the breaker", () => {
    expect(formatStatus(STATUS, NY, 200)).toBe(
      "ACTIVE │ 2024-02-20 10:15 America/New_York │ bars 45 │ signals 3 │ orders 2 │ P&L +1,234.50 │ breaker closed",
    );
    expect(formatStatus({ ...STATUS, state: "HALTED", rejectedBars: 2, pnl: -7 }, NY, 200)).toContain(
      "HALTED │ 2024-02-20 10:15 America/New_York │ bars 45 (2 rejected) │ signals 3 │ orders 2 │ P&L -7.00",
    );
  });

  it("never wraps: cut to the terminal's width with an ellipsis", () => {
    const line = formatStatus(STATUS, NY, 40);
    expect([...line]).toHaveLength(39);
    expect(line.endsWith("…")).toBe(true);
  });
});

describe("the status terminal", () => {
  it("prints events above the status line and redraws it after each", () => {
    let out = "";
    const t = new StatusTerminal({ write: (s) => (out += s) });
    t.status("ACTIVE │ a");
    t.write("event one\n");
    t.status("ACTIVE │ b");
    t.close();
    t.write("after\n");
    expect(out).toBe(`${CLEAR}ACTIVE │ a${CLEAR}event one\nACTIVE │ a${CLEAR}ACTIVE │ b${CLEAR}after\n`);
  });
});

describe("createRunConsole", () => {
  const base = { structured: undefined, destination: "stderr" as const, zone: "America/New_York", color: false };

  it("auto on a terminal: readable lines in exchange-local time, and a status line", () => {
    const c = captureIO("/tmp", { stderrTTY: { columns: () => 120 } });
    const console = createRunConsole(c.io, { ...base, format: "auto" });
    expect(console.pretty).toBe(true);
    console.stream.write(`${LINE}\n`);
    console.watch(() => STATUS);
    console.close();
    expect(c.err()).toBe(
      `${CLEAR}10:15:00 INFO  session ACTIVE: streaming\n${CLEAR}${formatStatus(STATUS, NY, 120)}${CLEAR}`,
    );
  });

  it("auto elsewhere (a pipe, a file): JSON lines as they come, no status line", () => {
    const c = captureIO("/tmp");
    const console = createRunConsole(c.io, { ...base, format: "auto" });
    expect(console.pretty).toBe(false);
    console.stream.write(`${LINE}\n`);
    console.watch(() => STATUS);
    console.close();
    expect(c.err()).toBe(`${LINE}\n`);
  });

  it("--log-format json on a terminal: JSON lines; --log-format pretty through a pipe: readable lines", () => {
    const tty = captureIO("/tmp", { stderrTTY: { columns: () => 120 } });
    expect(createRunConsole(tty.io, { ...base, format: "json" }).pretty).toBe(false);
    const pipe = captureIO("/tmp");
    const console = createRunConsole(pipe.io, { ...base, format: "pretty" });
    console.stream.write(`${LINE}\n`);
    // Instants among the fields are exchange-local too; other fields are left alone.
    console.stream.write(
      `${JSON.stringify({ level: 30, time: T, msg: "signal", barTime: "2024-02-20T16:59:00.000Z", rule: "r5" })}\n`,
    );
    expect(pipe.err()).toBe(
      '10:15:00 INFO  session ACTIVE: streaming\n10:15:00 INFO  signal barTime="2024-02-20 11:59" rule=r5\n',
    );
  });

  it("the config's `structured: true` keeps JSON on a terminal unless the flag says pretty", () => {
    const tty = captureIO("/tmp", { stderrTTY: { columns: () => 120 } });
    expect(createRunConsole(tty.io, { ...base, structured: true, format: "auto" }).pretty).toBe(false);
    expect(createRunConsole(tty.io, { ...base, structured: true, format: "pretty" }).pretty).toBe(true);
  });
});

describe("the run summary on a terminal", () => {
  it("says how the run ended and why, the counters, positions and the account", () => {
    const text = renderRunSummary({
      stopped: "SIGTERM received",
      state: "HALTED",
      reason: "the daily loss limit was reached",
      stats: { barsIn: 390, barsRejected: 2, closes: 388 },
      rejectedByReason: { OHLC_INCONSISTENT: 2 },
      engines: [{ plan: "breakout", signals: 4, orders: 3 }],
      positions: [{ symbol: "DEMO", quantity: -10, avgPrice: 101.5 }],
      account: { cash: 101_015, equity: 99_990.25, realizedPnl: -12.5, unrealizedPnl: 2.75 },
    });
    expect(text).toBe(
      [
        "stopped: SIGTERM received; trading state HALTED (the daily loss limit was reached)",
        "bars 390 (2 rejected: OHLC_INCONSISTENT 2) · closes 388",
        'plan "breakout": signals 4 · orders 3',
        "position DEMO: short 10 @ 101.50",
        "account: cash 101,015.00 · equity 99,990.25 · P&L -9.75 (realized -12.50)",
        "",
      ].join("\n"),
    );
  });
});
