import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import type { Rule } from "../src/ast.js";
import { lookupCode } from "../src/codes.js";
import { codes, HEAD, run, spanText } from "./checker-helpers.js";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "../../../examples");

describe("one run reports every problem", () => {
  test("five different mistakes, all reported (plus the warning one of them causes)", () => {
    const src = [
      'plan "five mistakes"',
      "symbol AAPL",
      'timezone "Europe/Berln"',
      "let level = 150",
      "on 7s close above levl enter long",
      "on 5m close > volume enter long",
      "on 5m close above 100 and close below 90 enter short",
      "",
    ].join("\n");
    const ds = run(src).diagnostics;
    expect(ds.map((d) => [d.code, spanText(src, d)])).toEqual([
      ["E0305", '"Europe/Berln"'],
      ["W0601", "level"],
      ["E0301", "7s"],
      ["E0201", "levl"],
      ["E0202", "volume"],
      ["E0401", "close below 90"],
    ]);
  });

  test("mistakes on consecutive lines of a bigger plan", () => {
    const src = `${HEAD}risk max posiiton 500 shares
let fast = ema(close, 9)
let slow = ema(clse, 21)
on 5m fast crosses above slow with volume > sma(close, 20) enter long size 0 shares
on 5m fast crosses below slow between 16:30 and 17:00 exit long
on 5m close[-2] > 1 enter short
on 1m trailing stop 150%
`;
    expect(codes(src)).toEqual(["E0503", "E0201", "E0202", "E0404", "E0303", "E0209", "E0405"]);
  });

  test("diagnostics carry a code from the table, a one-line lower-case message and a span inside the source", () => {
    const src = `${HEAD}on 5m close > volume and rsi(volume, 14) > 2% enter long stop 0%\non 1m trailing stop 2% activate at volume\n`;
    const ds = run(src).diagnostics;
    expect(ds.length).toBeGreaterThanOrEqual(4);
    for (const d of ds) {
      expect(lookupCode(d.code)?.severity).toBe(d.severity);
      expect(d.message).toMatch(/^[^A-Z\n][^\n]*$/);
      expect(d.span.start.offset).toBeLessThanOrEqual(d.span.end.offset);
      expect(d.span.end.offset).toBeLessThanOrEqual(src.length);
      expect(spanText(src, d).length).toBeGreaterThan(0);
    }
  });
});

describe("semantic model", () => {
  test("rule info for every rule, lets by name", () => {
    const src = `${HEAD}let trend = close > sma(close, 50) of 1h\non 5m close crosses above ema(close, 20) with trend enter long\non 1m trailing stop 2%\n`;
    const r = run(src);
    const rules = r.ast.statements.filter(
      (s): s is Rule => s.type === "ConditionRule" || s.type === "TrailingStopRule",
    );
    expect(rules.map((x) => r.semantic.ruleInfo(x)?.lookback)).toEqual([21, 1]);
    expect(Object.fromEntries(r.semantic.ruleInfo(rules[0] as Rule)?.otherTimeframes ?? [])).toEqual({ "1h": 50 });
    expect([...r.semantic.lets.keys()]).toEqual(["trend"]);
  });

  test("kindOf is undefined where an error made the kind unknowable", () => {
    const r = run(`${HEAD}on 5m close > nope * 2 enter long\n`);
    const rule = r.ast.statements.find((s) => s.type === "ConditionRule");
    if (rule?.type !== "ConditionRule" || rule.condition.type !== "Compare") throw new Error("unexpected AST");
    expect(r.semantic.kindOf(rule.condition.right)).toBeUndefined();
    expect(r.semantic.kindOf(rule.condition)).toBe("bool");
  });

  test("a syntax error does not stop the checker on other lines", () => {
    expect(codes(`${HEAD}on 5m close above enter long\non 5m close > volume enter long\n`)).toEqual(["E0101", "E0202"]);
  });
});

describe.skipIf(!existsSync(EXAMPLES))("examples folder", () => {
  const planFiles = (dir: string) =>
    existsSync(join(EXAMPLES, dir)) ? readdirSync(join(EXAMPLES, dir)).filter((f) => f.endsWith(".plan")) : [];
  const plans = planFiles("plans");
  const failing = planFiles("failing");

  test.each(plans)("plans/%s checks clean", (f) => {
    expect(run(readFileSync(join(EXAMPLES, "plans", f), "utf8")).diagnostics).toEqual([]);
  });

  test.each(failing)("failing/%s reports the code in its name", (f) => {
    const code = f.slice(0, 5);
    const ds = run(readFileSync(join(EXAMPLES, "failing", f), "utf8")).diagnostics;
    expect(ds.map((d) => d.code)).toContain(code);
    expect(ds.filter((d) => d.severity === "error" && d.code !== code)).toEqual([]);
  });
});

describe("pathological inputs stay total and linear", () => {
  test("a chain of 5,000 lets (each uses the next) does not overflow the stack", () => {
    const n = 5000;
    const lets = Array.from({ length: n }, (_, i) => (i === n - 1 ? `let v${i} = 150` : `let v${i} = v${i + 1} + 1`));
    const src = `${HEAD}${lets.join("\n")}\non 5m close above v0 enter long\n`;
    expect(codes(src)).toEqual([]);
  });

  test("a 5,000-let cycle is one E0210", () => {
    const n = 5000;
    const lets = Array.from({ length: n }, (_, i) => `let v${i} = v${(i + 1) % n} + 1`);
    expect(codes(`${HEAD}${lets.join("\n")}\non 5m close above v0 enter long\n`)).toEqual(["E0210"]);
  });

  test("lets that double at every level (2^60 leaves) are handled without expanding them", () => {
    const values = ["let p0 = close[1]", ...Array.from({ length: 60 }, (_, i) => `let p${i + 1} = p${i} + p${i}`)];
    const conds = ["let c0 = close > 100", ...Array.from({ length: 60 }, (_, i) => `let c${i + 1} = c${i} and c${i}`)];
    const src = `${HEAD}${values.join("\n")}\n${conds.join("\n")}\non 5m p60 > 1 and c60 and close < 90 enter long\non 5m p60 > 1 and c60 and close < 90 enter short\n`;
    expect(codes(src)).toEqual(["E0401", "E0401", "E0402"]);
  });
});
