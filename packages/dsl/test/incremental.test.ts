import { describe, expect, it } from "vitest";
import { type AnalyzeOptions, analyze } from "../src/analyze.js";
import { MAX_DIAGNOSTICS } from "../src/diagnostics.js";
import { createIncrementalAnalyzer } from "../src/incremental.js";
import { snapshot } from "./incremental-helpers.js";

/** Each cache path of the incremental analyzer: what it reuses, and that the result still equals `analyze`. */

const PLAN = [
  'plan "cache paths"',
  "symbol AAPL",
  "",
  "let level = 150",
  "let heavy = volume > 1.5 * sma(volume, 20)",
  "",
  "# entries",
  "on 5m close above level enter long size 100 shares",
  "on 15m close crosses above sma(close, 20) with heavy between 10:00 and 15:30 enter long",
  "on 1h rsi(close, 14) > 70 exit long",
  "on 1m trailing stop 2% activate at 155.00",
  "",
].join("\n");

function same(
  text: string,
  result: ReturnType<ReturnType<typeof createIncrementalAnalyzer>["update"]>,
  options: AnalyzeOptions = {},
): void {
  expect(snapshot(result)).toStrictEqual(snapshot(analyze(text, options)));
}

function replaceLine(text: string, index: number, line: string): string {
  const lines = text.split("\n");
  lines[index] = line;
  return lines.join("\n");
}

describe("createIncrementalAnalyzer", () => {
  it("reuses everything for an unchanged text", () => {
    const inc = createIncrementalAnalyzer();
    const first = inc.update(PLAN);
    expect(inc.stats.newSession).toBe(true);
    const again = inc.update(PLAN);
    expect(inc.stats).toEqual({ linesParsed: 0, statementsChecked: 0, newSession: false, fullAnalyze: false });
    expect(again.ast.statements).toEqual(first.ast.statements);
    expect(again.ast.statements[4]).toBe(first.ast.statements[4]);
    same(PLAN, again);
  });

  it("re-parses and re-checks only an edited rule line", () => {
    const inc = createIncrementalAnalyzer();
    inc.update(PLAN);
    const text = replaceLine(PLAN, 9, "on 1h rsi(close, 14) > 75 exit long");
    const r = inc.update(text);
    expect(inc.stats).toEqual({ linesParsed: 1, statementsChecked: 1, newSession: false, fullAnalyze: false });
    same(text, r);
    expect(r.compiled?.functions.find((f) => f.line === 10)?.source).toBe("on 1h rsi(close, 14) > 75 exit long");
  });

  it("reports a new problem on an edited rule, then clears it", () => {
    const inc = createIncrementalAnalyzer();
    inc.update(PLAN);
    const broken = replaceLine(PLAN, 9, "on 1h rsi(close, 14) > close exit long");
    const r = inc.update(broken);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0202"]);
    expect(r.compiled).toBeUndefined();
    same(broken, r);
    const fixed = inc.update(PLAN);
    expect(fixed.diagnostics).toEqual([]);
    expect(fixed.compiled).toBeDefined();
    same(PLAN, fixed);
  });

  it("moves the positions of the lines below an insertion without re-parsing them", () => {
    const inc = createIncrementalAnalyzer();
    const before = inc.update(PLAN);
    const rule = before.ast.statements.find((s) => s.type === "TrailingStopRule");
    const offset = rule?.span.start.offset ?? 0;
    const text = replaceLine(PLAN, 6, "# entries, and a longer comment\n# over two lines");
    const r = inc.update(text);
    expect(inc.stats.linesParsed).toBe(2);
    expect(inc.stats.statementsChecked).toBe(0);
    const moved = r.ast.statements.find((s) => s.type === "TrailingStopRule");
    expect(moved).toBe(rule);
    expect(moved?.span.start.line).toBe(12);
    expect(moved?.span.start.offset).toBe(offset + text.length - PLAN.length);
    same(text, r);
    expect(r.compiled?.functions.map((f) => f.id)).toEqual(["r9", "r10", "r11", "r12"]);
  });

  it("reuses lines moved by a cut and paste", () => {
    const inc = createIncrementalAnalyzer();
    inc.update(PLAN);
    const lines = PLAN.split("\n");
    [lines[7], lines[9]] = [lines[9] as string, lines[7] as string];
    const text = lines.join("\n");
    const r = inc.update(text);
    expect(inc.stats.linesParsed).toBe(0);
    expect(inc.stats.newSession).toBe(false);
    same(text, r);
  });

  it("gives repeated lines their own nodes (opposite entries on equal lines)", () => {
    const inc = createIncrementalAnalyzer();
    const line = "on 5m close above 151 enter long";
    const text = `${PLAN}${line}\n${line.replace("long", "short")}\n${line}\n`;
    const r = inc.update(text);
    same(text, r);
    const [first, , third] = r.ast.statements.slice(-3);
    expect(third?.span.start.line).toBe((first?.span.start.line ?? 0) + 2);
    expect(first).not.toBe(third);
    // The short entry meets the first long one; the second long one meets the short one.
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0402", "E0402"]);
  });

  it("checks the lets and the statements that use names again when a let changes, and compiles its new value", () => {
    const inc = createIncrementalAnalyzer();
    const before = inc.update(PLAN);
    const threshold = (r: typeof before) => {
      const fn = r.compiled?.functions[0];
      return fn && "threshold" in fn.params ? fn.params.threshold : undefined;
    };
    expect(threshold(before)).toBe(150);
    const text = replaceLine(PLAN, 3, "let level = 152");
    const r = inc.update(text);
    expect(inc.stats.newSession).toBe(true);
    // Both lets and the rule that uses `level`; the rule that uses only `heavy` (unchanged) and the others are kept.
    expect(inc.stats.statementsChecked).toBe(3);
    expect(threshold(r)).toBe(152);
    same(text, r);
  });

  it("checks a rule again when a let it uses through another let changes", () => {
    const inc = createIncrementalAnalyzer();
    const text = `${PLAN}let over = close > level\non 5m over exit\n`;
    inc.update(text);
    const changed = replaceLine(text, 3, "let level = volume");
    const r = inc.update(changed);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0202", "E0202"]);
    same(changed, r);
    const back = inc.update(replaceLine(text, 3, "let level = 149"));
    expect(back.diagnostics).toEqual([]);
    const over = back.compiled?.functions.at(-1);
    expect(over && "condition" in over.params ? over.params.condition : undefined).toEqual({
      k: "cmp",
      op: ">",
      l: { k: "field", f: "close" },
      r: { k: "num", v: 149 },
    });
  });

  it("checks windows again when the session changes, but not for a new plan name", () => {
    const inc = createIncrementalAnalyzer();
    inc.update(PLAN);
    const renamed = replaceLine(PLAN, 0, 'plan "renamed"');
    const r1 = inc.update(renamed);
    expect(inc.stats.newSession).toBe(false);
    expect(r1.compiled?.name).toBe("renamed");
    same(renamed, r1);
    const early = replaceLine(
      renamed,
      8,
      "on 15m close crosses above sma(close, 20) with heavy between 08:00 and 09:00 enter long",
    );
    const r2 = inc.update(early);
    expect(r2.diagnostics.map((d) => d.code)).toEqual(["E0303"]);
    const extended = replaceLine(early, 2, "session extended");
    const r3 = inc.update(extended);
    expect(inc.stats.newSession).toBe(true);
    expect(r3.diagnostics).toEqual([]);
    same(extended, r3);
  });

  it("handles CRLF, lone CR and a switch between them", () => {
    const inc = createIncrementalAnalyzer();
    const crlf = PLAN.replace(/\n/g, "\r\n");
    same(crlf, inc.update(crlf));
    const mixed = crlf.replace("\r\n# entries", "\r# entries");
    same(mixed, inc.update(mixed));
    expect(inc.stats.linesParsed).toBe(0);
  });

  it("falls back to a full analysis at the diagnostics cap", () => {
    const inc = createIncrementalAnalyzer({ symbol: "X" });
    const garbage = `${"on 5m close > ; enter long\n".repeat(MAX_DIAGNOSTICS + 10)}`;
    const r = inc.update(garbage);
    expect(inc.stats.fullAnalyze).toBe(true);
    expect(r.diagnostics.at(-1)?.code).toBe("E0004");
    same(garbage, r, { symbol: "X" });
    // Problems found by the checker, not the parser, reach the cap too.
    const unknown = "on 5m close > nope enter long\n".repeat(MAX_DIAGNOSTICS + 10);
    const checked = inc.update(unknown);
    expect(inc.stats.fullAnalyze).toBe(true);
    expect(inc.stats.statementsChecked).toBe(MAX_DIAGNOSTICS + 10);
    same(unknown, checked, { symbol: "X" });
    const clean = inc.update(PLAN);
    expect(inc.stats.fullAnalyze).toBe(false);
    same(PLAN, clean, { symbol: "X" });
  });

  it("starts a new session once most checked statements are gone", () => {
    const inc = createIncrementalAnalyzer();
    inc.update(PLAN);
    let renewed = false;
    for (let k = 0; k < 1100 && !renewed; k++) {
      inc.update(replaceLine(PLAN, 9, `on 1h rsi(close, 14) > ${k % 90} exit long`));
      renewed = inc.stats.newSession;
    }
    expect(renewed).toBe(true);
  });

  it("builds the compiled plan of the newest result only", () => {
    const inc = createIncrementalAnalyzer();
    const old = inc.update(PLAN);
    const text = replaceLine(PLAN, 9, "on 1h rsi(close, 14) > 71 exit long");
    const fresh = inc.update(text);
    expect(() => old.compiled).toThrow(/older result/);
    expect(fresh.compiled?.sourceHash).toBe(analyze(text).compiled?.sourceHash);
  });

  it("refuses malformed options with the option's name, as analyze does", () => {
    expect(() => createIncrementalAnalyzer({ barCacheSize: 0 })).toThrow(/barCacheSize/);
    expect(() => createIncrementalAnalyzer({ symbol: " " })).toThrow(/symbol/);
  });
});
