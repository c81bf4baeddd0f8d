import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const plans = readdirSync(join(root, "examples/plans")).filter((f) => f.endsWith(".plan"));
const failing = readdirSync(join(root, "examples/failing")).filter((f) => f.endsWith(".plan"));

describe("examples/plans", () => {
  it("has at least six plans", () => {
    expect(plans.length).toBeGreaterThanOrEqual(6);
  });

  it.each(plans)("%s checks clean and compiles", (f) => {
    const r = analyze(readFileSync(join(root, "examples/plans", f), "utf8"), { fileName: f });
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)).toEqual([]);
    expect(r.compiled).toBeDefined();
  });

  it("together cover every language feature", () => {
    const all = plans.map((f) => readFileSync(join(root, "examples/plans", f), "utf8")).join("\n");
    const features = [
      /^plan "/m,
      /^symbol /m,
      /^symbols /m,
      /^timezone "/m,
      /^session regular/m,
      /^session extended/m,
      /^session always/m,
      /^let \w+ = [\d.]+$/m,
      /^param \w+ = \d+ in \d+\.\.\d+ step \d+$/m,
      /^param \w+ = [\d.]+% in [\d.]+%\.\.[\d.]+% step [\d.]+%$/m,
      /^let \w+ = .*[<>]/m,
      /^risk max position/m,
      /^risk max order value/m,
      /^risk max daily loss \$/m,
      /^risk max daily loss \d+%/m,
      /^risk max orders per minute/m,
      / with /,
      / between \d\d:\d\d and /,
      /enter long/,
      /enter short/,
      / exit$/m,
      /exit long/,
      /exit short/,
      /size \d+ shares/,
      /size \$/,
      /size \d+% of equity/,
      /confidence (low|medium|high)/,
      /confidence 0\.\d/,
      / stop \d/,
      / target /,
      /trailing stop \d+(\.\d+)?%$/m,
      /trailing stop .* activate at /,
      /crosses above/,
      /crosses below/,
      / above /,
      / below /,
      / >= /,
      / <= /,
      / > /,
      / < /,
      / and /,
      / or /,
      /not /,
      / \+ | - /,
      / \* /,
      /\[\d\]/,
      / of 1[hd]/,
      /sma\(/,
      /ema\(/,
      /rsi\(/,
      /atr\(/,
      /highest\(/,
      /lowest\(/,
      /vwap\(\)/,
      /change\(/,
      /\d+K\b/,
      /\d+M\b/,
      /\$\d{1,3},\d{3}/,
      /\d+%/,
      /^#/m,
    ];
    const missing = features.filter((re) => !re.test(all)).map(String);
    expect(missing).toEqual([]);
  });
});

describe("examples/failing", () => {
  it.each(failing)("%s fails with exactly the code it is named after", (f) => {
    const code = f.slice(0, 5);
    const r = analyze(readFileSync(join(root, "examples/failing", f), "utf8"), { fileName: f });
    expect([...new Set(r.diagnostics.map((d) => d.code))]).toEqual([code]);
    expect(r.compiled).toBeUndefined();
  });
});
