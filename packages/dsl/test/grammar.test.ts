import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConditionRule, Expr } from "../src/ast.js";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { expectedTokens } from "../src/expected.js";
import { PlanGrammar } from "../src/grammar.js";
import { createPlanLexer } from "../src/lexer.js";
import { parse } from "../src/parser.js";
import { BINARY_OPERATORS, PREDICATE_BP } from "../src/precedence.js";

/**
 * The lexer and the grammar are built without Chevrotain's definition
 * checks (they cost more than the rest of building them, on every start of
 * the CLI); these tests run the checks instead, so an ambiguous alternative,
 * a left-recursive rule or an unreachable token pattern still fails here.
 */
describe("the grammar and the lexer pass Chevrotain's definition checks", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("the lexer: no definition error, no warning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const lexer = createPlanLexer(true);
    expect(lexer.lexerDefinitionErrors).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("the grammar, with and without error recovery", () => {
    // Chevrotain throws "Parser Definition Errors detected" from the constructor when a check fails.
    for (const recovery of [false, true]) expect(() => new PlanGrammar({ recovery, validate: true })).not.toThrow();
  });
});

function condition(src: string): Expr {
  const d = new DiagnosticCollector();
  const ast = parse(`on 5m ${src} enter long\n`, d);
  expect(d.toArray()).toEqual([]);
  return (ast.statements[0] as ConditionRule).condition;
}

/** The operator at the root of a binary expression, as written. */
function rootOperator(e: Expr): string | undefined {
  switch (e.type) {
    case "Binary":
    case "Logical":
      return e.op;
    case "Compare":
      return e.word ?? e.op;
    case "Cross":
      return `crosses ${e.direction}`;
    default:
      return undefined;
  }
}

describe("the operator table", () => {
  const text = (op: (typeof BINARY_OPERATORS)[number]): string =>
    op.kind === "cross" ? "crosses above" : String(op.token.LABEL).replace(/`/g, "");

  it("is what `binaryOp` parses: every operator, binding against every other as its power says", () => {
    for (const a of BINARY_OPERATORS) {
      for (const b of BINARY_OPERATORS) {
        // Two predicates do not chain (E0101): the parser test covers that.
        if (a.bp === PREDICATE_BP && b.bp === PREDICATE_BP) continue;
        const e = condition(`x ${text(a)} y ${text(b)} z`);
        const what = `x ${text(a)} y ${text(b)} z`;
        if (a.bp >= b.bp) {
          // Left-associative at equal power: ((x a y) b z).
          expect(rootOperator(e), what).toBe(text(b));
          expect(rootOperator((e as Expr & { left: Expr }).left), what).toBe(text(a));
        } else {
          expect(rootOperator(e), what).toBe(text(a));
          expect(rootOperator((e as Expr & { right: Expr }).right), what).toBe(text(b));
        }
      }
    }
  });
});

describe("expectedTokens (content assist over the grammar)", () => {
  const words = (text: string): (string | undefined)[] => expectedTokens(text).map((e) => e.word ?? e.kind);

  it("lists what may follow the start of a statement, with the rules it would be in", () => {
    expect(words("")).toEqual(["plan", "symbol", "symbols", "timezone", "session", "let", "param", "risk", "on"]);
    expect(words("on ")).toEqual(["timeframe"]);
    expect(words("on 5m close crosses ")).toEqual(["above", "below"]);
    expect(expectedTokens("risk ")).toEqual([{ kind: "name", rules: ["statement", "riskDecl"] }]);
    expect(words("on 5m close > 1 exit ")).toEqual(["long", "short", "size", "confidence", "stop", "target"]);
  });

  it("is empty after a syntax error or a character outside the language", () => {
    expect(expectedTokens("on on ")).toEqual([]);
    expect(expectedTokens("on 5m close @ ")).toEqual([]);
  });
});
