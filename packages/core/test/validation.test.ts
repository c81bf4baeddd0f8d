import { describe, expect, it } from "vitest";
import { VirtualClock } from "../src/clock/index.js";
import type { BarData } from "../src/models.js";
import { BarValidator, BarValidatorError, REJECT_REASONS, type RejectReason } from "../src/validation/index.js";

const T = Date.parse("2024-03-11T13:30:00Z");
const MIN = 60_000;

function bar(over: Partial<Record<keyof BarData, unknown>> = {}): Record<string, unknown> {
  return {
    symbol: "AAPL",
    timeframe: "1m",
    time: T,
    closeTime: T + MIN,
    open: 100,
    high: 101,
    low: 99,
    close: 100.5,
    volume: 1000,
    ...over,
  };
}

function fresh(maxAge?: number) {
  const clock = new VirtualClock(T + MIN);
  return { clock, v: new BarValidator(clock, maxAge === undefined ? {} : { max_age_ms: maxAge }) };
}

describe("BarValidator", () => {
  it("accepts a good bar and counts it", () => {
    const { v } = fresh();
    expect(v.validate(bar())).toEqual({ ok: true });
    expect(v.accepted("AAPL", "1m")).toBe(1);
    expect(Object.values(v.rejections("AAPL", "1m")).every((n) => n === 0)).toBe(true);
  });

  const cases: [RejectReason, Record<string, unknown>, RegExp][] = [
    ["SCHEMA", bar({ open: "100" }), /open: expected a number/],
    ["SCHEMA", bar({ symbol: "" }), /symbol/],
    ["NON_FINITE", bar({ close: Number.NaN }), /close is NaN/],
    ["NON_FINITE", bar({ volume: Number.POSITIVE_INFINITY }), /volume is Infinity/],
    ["NON_FINITE", bar({ time: Number.NEGATIVE_INFINITY }), /time is -Infinity/],
    ["BAD_INTERVAL", bar({ closeTime: T }), /closeTime .* is not after time/],
    ["HIGH_BELOW_BODY", bar({ high: 100.2 }), /high 100.2 is below max\(open 100, close 100.5\)/],
    ["LOW_ABOVE_BODY", bar({ low: 100.1 }), /low 100.1 is above min/],
    ["LOW_ABOVE_HIGH", bar({ low: 102, high: 101 }), /low 102 is above high 101/],
    ["NEGATIVE_VOLUME", bar({ volume: -1 }), /volume -1 is negative/],
  ];

  it.each(cases)("rejects %s", (reason, input, message) => {
    const { v } = fresh();
    const r = v.validate(input);
    expect(r).toMatchObject({ ok: false, reason });
    if (!r.ok) expect(r.message).toMatch(message);
    expect(v.rejections("AAPL", "1m")[reason]).toBe(reason === "SCHEMA" && input.symbol === "" ? 0 : 1);
    expect(v.accepted("AAPL", "1m")).toBe(0);
  });

  it("rejects non-objects as SCHEMA", () => {
    const { v } = fresh();
    for (const input of [null, 42, "bar", [], undefined])
      expect(v.validate(input)).toMatchObject({ ok: false, reason: "SCHEMA" });
    expect(v.rejections("", "").SCHEMA).toBe(5);
  });

  it("rejects DUPLICATE and OUT_OF_ORDER against the last accepted bar of the same stream only", () => {
    const { clock, v } = fresh();
    clock.advanceTo(T + 10 * MIN);
    expect(v.validate(bar({ time: T + 2 * MIN, closeTime: T + 3 * MIN }))).toEqual({ ok: true });
    expect(v.validate(bar({ time: T + 2 * MIN, closeTime: T + 3 * MIN }))).toMatchObject({ reason: "DUPLICATE" });
    expect(v.validate(bar({ time: T + MIN, closeTime: T + 2 * MIN }))).toMatchObject({
      reason: "OUT_OF_ORDER",
      message: expect.stringContaining("before the last bar at 2024-03-11T13:32:00.000Z"),
    });
    // Other streams are independent.
    expect(v.validate(bar({ timeframe: "5m", time: T, closeTime: T + 5 * MIN }))).toEqual({ ok: true });
    expect(v.validate(bar({ symbol: "MSFT", time: T, closeTime: T + MIN }))).toEqual({ ok: true });
    // A rejected bar does not move the stream's last time.
    expect(v.validate(bar({ time: T + 3 * MIN, closeTime: T + 4 * MIN, high: 100.2 }))).toMatchObject({
      reason: "HIGH_BELOW_BODY",
    });
    expect(v.validate(bar({ time: T + 3 * MIN, closeTime: T + 4 * MIN }))).toEqual({ ok: true });
    expect(v.rejections("AAPL", "1m")).toMatchObject({ DUPLICATE: 1, OUT_OF_ORDER: 1, HIGH_BELOW_BODY: 1 });
  });

  it("rejects STALE bars relative to the clock when a maximum age is set", () => {
    const { clock, v } = fresh(5_000);
    clock.advanceTo(T + MIN + 5_000);
    expect(v.validate(bar())).toEqual({ ok: true });
    clock.advanceTo(T + 2 * MIN + 5_001);
    expect(v.validate(bar({ time: T + MIN, closeTime: T + 2 * MIN }))).toMatchObject({
      ok: false,
      reason: "STALE",
      message: expect.stringContaining("5001 ms before now (max 5000 ms)"),
    });
    const noLimit = fresh();
    noLimit.clock.advanceTo(T + 365 * 86_400_000);
    expect(noLimit.v.validate(bar())).toEqual({ ok: true });
  });

  it("guard passes on accepted bars only", () => {
    const { clock, v } = fresh();
    clock.advanceTo(T + 10 * MIN);
    const passed: BarData[] = [];
    const rejected: string[] = [];
    const sink = v.guard(
      (b) => passed.push(b),
      (_input, r) => rejected.push(r.reason),
    );
    expect(sink(bar())).toBe(true);
    expect(sink(bar())).toBe(false);
    expect(sink(bar({ time: T + MIN, closeTime: T + 2 * MIN, volume: -5 }))).toBe(false);
    expect(sink({ nonsense: true })).toBe(false);
    expect(passed).toHaveLength(1);
    expect(rejected).toEqual(["DUPLICATE", "NEGATIVE_VOLUME", "SCHEMA"]);
    expect(v.summary()).toContainEqual(expect.objectContaining({ symbol: "AAPL", timeframe: "1m", accepted: 1 }));
  });

  it("has a test for every reason code", () => {
    const tested = new Set<string>([...cases.map((c) => c[0]), "DUPLICATE", "OUT_OF_ORDER", "STALE"]);
    expect([...REJECT_REASONS].sort()).toEqual([...tested].sort());
  });

  it("rejects bad config", () => {
    const clock = new VirtualClock(0);
    expect(() => new BarValidator(clock, { max_age_ms: -1 })).toThrow(BarValidatorError);
    expect(() => new BarValidator(clock, { max_age_ms: 0.5 })).toThrow(/VALIDATOR_BAD_CONFIG: max_age_ms/);
    expect(() => new BarValidator(clock, { maxAge: 5 } as never)).toThrow(/VALIDATOR_BAD_CONFIG/);
  });
});
