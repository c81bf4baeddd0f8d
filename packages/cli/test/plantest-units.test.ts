import { analyze } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { classifyEvaluation } from "../src/plantest/coverage.js";
import { xmlEscape } from "../src/plantest/render-machine.js";
import { describeRule, resolveRule } from "../src/plantest/rules.js";
import { TestClock } from "../src/plantest/times.js";
import { PLAN } from "./plantest-fixtures.js";

describe("TestClock", () => {
  const ny = new TestClock("America/New_York");

  it("reads naive times in the zone, across DST, and absolute times as given", () => {
    const winter = ny.parse("2024-03-08 09:30", undefined);
    const summer = ny.parse("2024-03-11 09:30", undefined);
    expect(winter.ok && new Date(winter.time).toISOString()).toBe("2024-03-08T14:30:00.000Z");
    expect(summer.ok && new Date(summer.time).toISOString()).toBe("2024-03-11T13:30:00.000Z");
    const z = ny.parse("2024-03-11T13:30:00Z", undefined);
    const off = ny.parse("2024-03-11 09:30+05:00", undefined);
    expect(z.ok && z.time).toBe(summer.ok && summer.time);
    expect(off.ok && new Date(off.time).toISOString()).toBe("2024-03-11T04:30:00.000Z");
  });

  it("takes the date for HH:MM from the caller and refuses what is not a time", () => {
    const t = ny.parse("9:35", "2024-03-01");
    expect(t.ok && ny.show(t.time)).toBe("2024-03-01 09:35");
    expect(ny.parse("09:35", undefined)).toEqual({
      ok: false,
      reason: "`09:35` has no date: write `YYYY-MM-DD 09:35` or give the case a `date`",
    });
    expect(ny.parse("24:00", "2024-03-01").ok).toBe(false);
    expect(ny.parse("2023-02-29 10:00", undefined).ok).toBe(false);
    expect(ny.parse("2023-02-29T10:00Z", undefined).ok).toBe(false);
    expect(ny.show(Date.UTC(2024, 2, 1, 14, 35, 30))).toBe("2024-03-01 09:35:30");
  });

  it("gives a day's bounds in the zone", () => {
    const b = ny.dayBounds("2024-03-10");
    expect(b && (b.end - b.start) / 3_600_000).toBe(23);
  });
});

describe("rule references", () => {
  const plan = analyze(PLAN, { fileName: "p.plan" }).compiled;
  if (!plan) throw new Error("fixture plan does not compile");

  it("by line, id and text (whitespace-insensitive)", () => {
    const line = (r: ReturnType<typeof resolveRule>) => (r.ok ? r.rule.line : r.reason);
    expect(line(resolveRule(plan, 7))).toBe(7);
    expect(line(resolveRule(plan, "r8"))).toBe(8);
    expect(line(resolveRule(plan, "  close   below 145 "))).toBe(8);
    expect(line(resolveRule(plan, 5))).toBe("no rule on line 5 of the plan");
  });

  it("shortens long rules in messages", () => {
    const long = { ...plan.functions[0]!, source: `on 5m ${"close > 1 and ".repeat(10)}true enter long` };
    expect(describeRule(long)).toMatch(/^rule 6 `on 5m close > 1 and .{40,}\.\.\.`$/);
  });
});

describe("classifyEvaluation", () => {
  const none = (reasoning: string, metadata: Record<string, unknown> = {}) =>
    classifyEvaluation({ action: "NONE", confidence: 0, reasoning, metadata });

  it("maps the runtime's NONE reasons", () => {
    expect(classifyEvaluation({ action: "EXIT", confidence: 1, reasoning: "x", metadata: {} })).toBe("fired");
    expect(none("not warm: needs 7 closed bars")).toBe("idle");
    expect(none("inputs of close > sma(close, 3) are not warm yet")).toBe("idle");
    expect(none("no open position to trail")).toBe("idle");
    expect(none("took too long", { error: "FN_TIMEOUT" })).toBe("idle");
    expect(none("condition holds but the bar closed outside the window 10:00-11:00")).toBe("held");
    expect(none("confidence 0.25 is below the floor 0.4: ...")).toBe("held");
    expect(none("close not above 150.00")).toBe("false");
    expect(none("close is within 2% of the best close")).toBe("false");
  });

  it("goes by the built-ins' reason codes, whatever the reasoning says", () => {
    expect(none("reworded", { reason: "not_warm" })).toBe("idle");
    expect(none("reworded", { reason: "no_position" })).toBe("idle");
    expect(none("not warm: needs 7 closed bars", { reason: "condition_false" })).toBe("false");
    expect(none("reworded", { reason: "filter_false" })).toBe("false");
    expect(none("reworded", { reason: "outside_window" })).toBe("held");
    expect(none("reworded", { reason: "below_confidence_floor" })).toBe("held");
    // An unknown code (a plugin's own) falls back to the phrases.
    expect(none("no open position to trail", { reason: "mine" })).toBe("idle");
  });
});

describe("xmlEscape", () => {
  it("escapes markup and replaces characters XML cannot hold", () => {
    expect(xmlEscape(`<a b="c">'&'</a>`)).toBe("&lt;a b=&quot;c&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    expect(xmlEscape("a\u0000b\u001bc\ud800d\n")).toBe("a\ufffdb\ufffdc\ufffdd\n");
  });
});
