import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { parse, parseFull } from "../src/parser.js";
import { tokenSoup, validPlan } from "./arbitraries.js";

/**
 * `parse` gives each line to the grammar without error recovery first and
 * leaves the lines it gives up on to the same grammar with recovery;
 * `parseFull` sends every line to the recovering instance. The two must
 * agree exactly: the same AST (compared as JSON, so key order counts too,
 * as it does for anything that serialises the AST) and the same
 * diagnostics. The actions are shared, but Chevrotain runs them
 * differently with recovery on (and the recovering instance builds partial
 * trees), so this is what shows a clean line parsed alike by both.
 */

function both(source: string): { fast: string; full: string } {
  const a = new DiagnosticCollector();
  const fastAst = parse(source, a);
  const b = new DiagnosticCollector();
  const fullAst = parseFull(source, b);
  return {
    fast: JSON.stringify({ ast: fastAst, diagnostics: a.toArray() }),
    full: JSON.stringify({ ast: fullAst, diagnostics: b.toArray() }),
  };
}

function expectSame(source: string): void {
  const { fast, full } = both(source);
  expect(fast).toBe(full);
}

const examples = (dir: string): string[] => {
  const path = new URL(`../../../examples/${dir}/`, import.meta.url);
  return readdirSync(path)
    .filter((f) => f.endsWith(".plan"))
    .map((f) => readFileSync(new URL(f, path), "utf8"));
};

/** Every construct of the grammar, each on a clean line. */
const EVERY_CONSTRUCT = `plan "all \\"quoted\\" constructs"
symbols AAPL, "BRK.B", MSFT
symbol SPY
timezone "America/New_York"
session extended
risk max position 500 shares
risk max order value $50,000
risk max daily loss 2%
let a = close > open and not volume < 1.5M or -close < -(open * 2)
let b = not not a
param level = 150 in 140..160 step 0.5
param move = 2% in 1%..5%
param floor = -$1.5K in -$2K..$0 step $100
on 5m a enter long
on 1h close crosses above sma(close, 20) of 1d with b between 09:30 and 15:45 enter short size $5,000 stop 2% target 140.5 confidence 0.7
on 15m vwap() >= highest(high, 20)[1] and close[-2] != open[0] of 1h exit long size 10% of equity confidence medium
on 30s rsi(close, 14) crosses below 30 exit
on 5m close above 10 with a exit long
on 5m close below 10 between 10:00 and 11:00 enter long stop 1%
on 1m close == 1_000 or true == false exit short size 100 shares confidence high
on 1d change(close, 5) / 2 - 1 <= 3% * 2 + 1K enter long confidence low
on 1m trailing stop 1.5% activate at close * 1.01
on 5m trailing stop 2%
`;

/** Lines the fast path must give up on: each is explained by the recovering parser or the conversion. */
const GIVEN_UP = [
  "on 5m close > 1__0 enter long", // E0005 from the literal's conversion
  "on 5m close > 1 > 2 enter long", // chained comparison
  'plan "unterminated', // E0002
  "on 5min close > 1 enter long", // E0005 from the lexer
  "on 5m close > $1,00 enter long",
  "on 5m close above enter long", // syntax error
  "on 5m close > 1", // no action
  "Enter long",
  "on 5m close > 1 enter long size",
  "let x = (close > 1",
  "on 5m sma(close, 20 > 1 exit",
  "on 5m close @ 1 exit",
];

describe("the grammar without recovery agrees with the grammar with recovery", () => {
  it("on every construct of the grammar", () => {
    expectSame(EVERY_CONSTRUCT);
    // The same lines with Windows and old Mac line ends, and tabs and comments around the tokens.
    expectSame(EVERY_CONSTRUCT.replace(/\n/g, "\r\n"));
    expectSame(EVERY_CONSTRUCT.replace(/\n/g, "\r"));
    expectSame(EVERY_CONSTRUCT.replace(/ /g, " \t ").replace(/\n/g, " # note\n"));
  });

  it("on lines it gives up on, alone and among clean lines", () => {
    for (const line of GIVEN_UP) {
      expectSame(line);
      expectSame(`${EVERY_CONSTRUCT}${line}\n${EVERY_CONSTRUCT}`);
    }
  });

  it("on the example plans and the failing examples", () => {
    const plans = [...examples("plans"), ...examples("failing")];
    expect(plans.length).toBeGreaterThan(5);
    for (const source of plans) expectSame(source);
  });

  it("on generated valid plans", () => {
    fc.assert(
      fc.property(validPlan, (p) => {
        const { fast, full } = both(p.source);
        return fast === full;
      }),
      { numRuns: 150 },
    );
  });

  it("on token soup and on valid plans with tokens dropped or repeated", () => {
    fc.assert(
      fc.property(tokenSoup, (s) => {
        const { fast, full } = both(s);
        return fast === full;
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(validPlan, fc.nat(), fc.boolean(), (p, at, repeat) => {
        const words = p.source.split(" ");
        const i = at % words.length;
        const mutated = repeat
          ? [...words.slice(0, i + 1), ...words.slice(i)].join(" ")
          : [...words.slice(0, i), ...words.slice(i + 1)].join(" ");
        const { fast, full } = both(mutated);
        return fast === full;
      }),
      { numRuns: 300 },
    );
  });

  it("gives up on a line too deep for the engine's stack the same way", () => {
    // Within the nesting limit but long: both parsers either parse it or report the same E0003.
    const deep = `let x = ${"(".repeat(60)}close${")".repeat(60)} > 1\non 5m x enter long\n`;
    expectSame(deep);
  });
});
