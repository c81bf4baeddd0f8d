import type { BacktestResult } from "@tradeplan/core";
import { describe, expect, it } from "vitest";
import { tradeTimes } from "../src/render/trade-times.js";

/** Only what tradeTimes reads: the plan's zone and the signals' timeframes. */
function result(timezone: string, timeframes: string[]): BacktestResult {
  const partial = {
    plan: { name: "t", sourceHash: "0".repeat(64), symbols: ["X"], timezone },
    signals: timeframes.map((timeframe) => ({ timeframe })),
  };
  return partial as unknown as BacktestResult;
}

describe("trade times in the pretty summary", () => {
  it("shows intraday fills in the plan's zone, named", () => {
    const t = tradeTimes(result("Europe/Berlin", ["15m", "1d"]));
    expect(t.zone).toBe("Europe/Berlin");
    // 09:30 UTC is 10:30 in Berlin in winter, 11:30 in summer.
    expect(t.format("2024-03-05T09:30:00.000Z")).toBe("2024-03-05 10:30");
    expect(t.format("2024-07-05T09:30:00.000Z")).toBe("2024-07-05 11:30");
  });

  it("shows dates alone when every decision is on daily bars", () => {
    const t = tradeTimes(result("America/New_York", ["1d"]));
    // The next session's open, 09:30 New York, 13:30 or 14:30 UTC.
    expect(t.format("2007-06-06T13:30:00.000Z")).toBe("2007-06-06");
    // A fill at a `session always` day's open is at local midnight: that day.
    expect(t.format("2007-06-06T04:00:00.000Z")).toBe("2007-06-06");
  });

  it("dates a close fill of a midnight-to-midnight day by the day it closed", () => {
    const t = tradeTimes(result("America/New_York", ["1d"]), "close");
    expect(t.format("2007-06-07T04:00:00.000Z")).toBe("2007-06-06");
    expect(t.format("2007-06-06T20:00:00.000Z")).toBe("2007-06-06");
  });
});
