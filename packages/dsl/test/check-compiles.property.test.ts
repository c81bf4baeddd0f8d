import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { validPlan } from "./arbitraries.js";

/**
 * `tradeplan check` runs the checker without the compiler, so every error
 * the compiler can raise must already come from the checker: a plan that
 * checks clean compiles, and the compiler adds no diagnostic.
 */
const value = fc.constantFrom(
  "145",
  "145.00",
  "$145",
  "2%",
  "(2%)",
  "2% * 2",
  "-3",
  "0",
  "1 + 2",
  "(150 - 5) * 1",
  "close",
  "close * 0.98",
  "sma(close, 3)",
  "p",
  "q",
  "r",
  "p + 1",
  "q * 2",
  "volume",
  "high of 1h",
);

const plan = fc
  .record({
    stop: fc.option(value),
    target: fc.option(value),
    activation: fc.option(value),
    p: value,
    q: value,
  })
  .map(({ stop, target, activation, p, q }) =>
    [
      'plan "modifiers"',
      "symbol AAPL",
      `let p = ${p}`,
      `let q = ${q}`,
      "let r = p",
      `on 5m close above 150 enter long${stop ? ` stop ${stop}` : ""}${target ? ` target ${target}` : ""}`,
      `on 1m trailing stop 2%${activation ? ` activate at ${activation}` : ""}`,
      "",
    ].join("\n"),
  );

function sameAfterCompile(source: string): void {
  const checked = analyze(source, { compile: false });
  const compiled = analyze(source);
  // The compiler only runs on a clean check; when it does, it must succeed and add nothing.
  expect(compiled.diagnostics).toEqual(checked.diagnostics);
  if (!checked.diagnostics.some((d) => d.severity === "error")) expect(compiled.compiled).toBeDefined();
}

describe("a plan the checker accepts compiles", () => {
  it("with constant and non-constant stop, target and activation values", () => {
    let clean = 0;
    let rejected = 0;
    fc.assert(
      fc.property(plan, (source) => {
        sameAfterCompile(source);
        if (analyze(source, { compile: false }).diagnostics.some((d) => d.severity === "error")) rejected++;
        else clean++;
      }),
      { numRuns: 400 },
    );
    // Both sides must have been exercised for the property to mean anything.
    expect(clean).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(20);
  });

  it("for generated valid plans", () => {
    fc.assert(
      fc.property(validPlan, (p) => sameAfterCompile(p.source)),
      { numRuns: 100 },
    );
  });

  it("reports a non-constant `activate at`, `stop` and `target` without compiling", () => {
    const src = [
      'plan "x"',
      "symbol AAPL",
      "on 1m trailing stop 2% activate at close",
      "on 5m close above 1 enter long stop close target sma(close, 3)",
      "",
    ].join("\n");
    const r = analyze(src, { compile: false });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["E0405", "`activate at` needs a constant price"],
      ["E0404", "`stop` needs a constant price or a percent"],
      ["E0404", "`target` needs a constant price or a percent"],
    ]);
  });
});
