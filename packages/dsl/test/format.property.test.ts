import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { format, sameStructure } from "../src/format.js";
import { parse } from "../src/parser.js";

/**
 * Random plans built from the grammar (as token lists), laid out with random
 * spacing, blank lines, comments and line endings. The formatter must accept
 * every one, keep its AST, and be idempotent.
 */

type Tokens = string[];

const leaf: fc.Arbitrary<Tokens> = fc.constantFrom<Tokens>(
  ["close"],
  ["open"],
  ["volume"],
  ["150.25"],
  ["1_000"],
  ["1.5M"],
  ["2%"],
  ["$2,000"],
  ["true"],
  ["level"],
  ["vwap", "(", ")"],
  ["sma", "(", "close", ",", "20", ")"],
  ["atr", "(", "14", ")"],
);

function expr(depth: number): fc.Arbitrary<Tokens> {
  if (depth <= 0) return leaf;
  const sub = expr(depth - 1);
  const postfix = fc
    .tuple(sub, fc.boolean(), fc.boolean())
    .map(([e, idx, of]) => [
      ...(["(", ...e, ")"] as Tokens),
      ...(idx ? ["[", "1", "]"] : []),
      ...(of ? ["of", "1h"] : []),
    ]);
  const arith = fc.tuple(leaf, fc.constantFrom("+", "-", "*", "/"), leaf).map(([l, op, r]) => [...l, op, ...r]);
  const unary = leaf.map((e) => ["-", ...e]);
  const predicate = fc
    .tuple(
      fc.oneof(leaf, arith, unary),
      fc.constantFrom(
        ["above"],
        ["below"],
        [">"],
        [">="],
        ["<"],
        ["<="],
        ["=="],
        ["!="],
        ["crosses", "above"],
        ["crosses", "below"],
      ),
      fc.oneof(leaf, arith, postfix),
    )
    .map(([l, op, r]) => [...l, ...op, ...r]);
  const logical = fc
    .tuple(fc.oneof(predicate, sub), fc.constantFrom("and", "or"), fc.oneof(predicate, sub))
    .map(([l, op, r]) => [...l, op, ...r]);
  const not = fc.oneof(predicate, sub).map((e) => ["not", ...e]);
  return fc.oneof(leaf, postfix, predicate, logical, not);
}

const condition = expr(3);

const rule: fc.Arbitrary<Tokens> = fc
  .tuple(
    fc.constantFrom("10s", "1m", "5m", "1h", "1d"),
    condition,
    fc.option(condition, { nil: undefined }),
    fc.boolean(),
    fc.constantFrom(["enter", "long"], ["enter", "short"], ["exit"], ["exit", "long"], ["exit", "short"]),
    fc.subarray<Tokens>([
      ["size", "100", "shares"],
      ["confidence", "high"],
      ["stop", "2%"],
      ["target", "151.5"],
    ]),
  )
  .map(([tf, cond, filter, window, action, mods]) => [
    "on",
    tf,
    ...cond,
    ...(filter ? ["with", ...filter] : []),
    ...(window ? ["between", "10:00", "and", "15:30"] : []),
    ...action,
    ...mods.flat(),
  ]);

const statement: fc.Arbitrary<Tokens> = fc.oneof(
  fc.constantFrom<Tokens>(
    ["plan", '"random \\"plan\\""'],
    ["symbol", "AAPL"],
    ["symbols", "AAPL", ",", '"BRK.B"'],
    ["timezone", '"Europe/Berlin"'],
    ["session", "extended"],
    ["risk", "max", "position", "500", "shares"],
    ["risk", "max", "daily", "loss", "$2,000"],
    ["on", "1m", "trailing", "stop", "2%", "activate", "at", "155.00"],
  ),
  condition.map((e) => ["let", "level", "=", ...e]),
  rule,
);

const space = fc.constantFrom(" ", "  ", "\t", " \t ");
const comment = fc.constantFrom("#", "# note", "#tight", "#   wide   ", "## heading");

const line = fc
  .tuple(
    statement,
    fc.array(space, { minLength: 40, maxLength: 40 }),
    fc.option(comment, { nil: undefined }),
    fc.nat(2),
  )
  .map(([tokens, spaces, trailing, blanks]) => {
    const text = tokens.map((t, i) => (i === 0 ? t : `${spaces[i % spaces.length]}${t}`)).join("");
    return { text: trailing ? `${text} ${trailing}` : text, blanks };
  });

const file = fc
  .tuple(
    fc.array(
      fc.oneof(
        line,
        comment.map((c) => ({ text: c, blanks: 0 })),
      ),
      { maxLength: 12 },
    ),
    fc.constantFrom("\n", "\r\n", "\r"),
    fc.boolean(),
  )
  .map(([lines, eol, bom]) => (bom ? "\ufeff" : "") + lines.map((l) => `${eol.repeat(l.blanks)}${l.text}`).join(eol));

function ast(src: string) {
  const d = new DiagnosticCollector();
  const tree = parse(src, d);
  return { tree, errors: d.toArray() };
}

describe("format: properties over random plans", () => {
  it("accepts every random plan, keeps its AST and comments, and is idempotent", () => {
    fc.assert(
      fc.property(file, (src) => {
        const input = ast(src);
        expect(input.errors).toEqual([]);
        const r = format(src);
        if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
        const output = ast(r.text);
        expect(output.errors).toEqual([]);
        expect(sameStructure(input.tree.statements, output.tree.statements)).toBe(true);
        expect(output.tree.comments.length).toBe(input.tree.comments.length);
        expect(r.text).not.toMatch(/\r|\ufeff|\n\n\n|[ \t]\n/);
        expect(r.text === "" || r.text.endsWith("\n")).toBe(true);
        const again = format(r.text);
        expect(again).toEqual({ ok: true, text: r.text });
      }),
      { numRuns: 300 },
    );
  });
});
