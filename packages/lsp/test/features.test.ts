import { format, KEYWORDS } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { CodeActionKind, FoldingRangeKind, SymbolKind } from "vscode-languageserver";
import { codeActions } from "../src/features/code-actions.js";
import { toLspDiagnostics } from "../src/features/diagnostics.js";
import { foldingRanges } from "../src/features/folding.js";
import { formatDocument } from "../src/features/formatting.js";
import { hover } from "../src/features/hover.js";
import { definition, prepareRename, references, rename } from "../src/features/names.js";
import { SEMANTIC_TOKENS_LEGEND, semanticTokens } from "../src/features/semantic-tokens.js";
import { signatureHelp } from "../src/features/signature-help.js";
import { documentSymbols } from "../src/features/symbols.js";
import { KEYWORD_DOCS } from "../src/keyword-docs.js";
import { analysed, cursor, HEAD, offsetOf, TEST_URI } from "./helpers.js";

const PLAN = `${HEAD}let breakout = 150.25\nlet heavy = volume > 1.5 * sma(volume, 20)\n\non 5m close above breakout with heavy enter long\non 15m close crosses below sma(close, 50) of 1h exit long\n`;

function hoverText(text: string, offset: number): string {
  const { analysis, doc } = analysed(text);
  const h = hover(analysis, offset, doc.positionAt(offset).line);
  return h ? JSON.stringify(h.contents) : "";
}

describe("hover", () => {
  it("shows a rule's lookback and compiled function on `on` and its timeframe", () => {
    const at = offsetOf(PLAN, "on 5m");
    expect(hoverText(PLAN, at)).toMatch(/Needs \*\*20\*\* bars of `5m`/);
    expect(hoverText(PLAN, at)).toMatch(/Compiles to `condition`|Compiles to `close_above`/);
    expect(hoverText(PLAN, offsetOf(PLAN, "15m"))).toMatch(/Also reads `1h`: 50 closed bars/);
  });

  it("says a rule is not compiled when the plan has errors", () => {
    const bad = `${PLAN}on 5m close above nope enter long\n`;
    expect(hoverText(bad, offsetOf(bad, "on 5m"))).toMatch(/Not compiled: the plan has errors/);
  });

  it("documents indicators, lets, fields, expression kinds and keywords", () => {
    expect(hoverText(PLAN, offsetOf(PLAN, "sma(volume", 1))).toMatch(
      /sma\(source, period\).*Simple moving average.*kind `volume`/s,
    );
    expect(hoverText(PLAN, offsetOf(PLAN, "with heavy", 6))).toMatch(
      /let heavy = volume > 1.5 \* sma\(volume, 20\).*kind `bool`/s,
    );
    expect(hoverText(PLAN, offsetOf(PLAN, "let breakout", 5))).toMatch(/kind `number`; used 1 time\./);
    expect(hoverText(PLAN, offsetOf(PLAN, "close above", 1))).toMatch(/closing price.*kind `price`/s);
    expect(hoverText(PLAN, offsetOf(PLAN, "1.5", 1))).toMatch(/1\.5.*kind `number`/s);
    expect(hoverText(PLAN, offsetOf(PLAN, "crosses", 2))).toMatch(/crosses above b/);
    expect(hoverText(PLAN, offsetOf(PLAN, "symbol", 2))).toMatch(/instrument/);
  });

  it("shows a param's default and range on its name and where it is used", () => {
    const text = `${HEAD}param length = 20 in 10..50 step 5\non 5m close above sma(close, length) enter long\n`;
    const shown = /param length = 20 in 10\.\.50 step 5/;
    expect(hoverText(text, offsetOf(text, "param length", 7))).toMatch(shown);
    expect(hoverText(text, offsetOf(text, "length) enter", 2))).toMatch(shown);
  });

  it("is empty in comments and on blank lines", () => {
    const text = `${PLAN}# on 5m\n`;
    expect(hoverText(text, offsetOf(text, "# on", 3))).toBe("");
    expect(hoverText(PLAN, offsetOf(PLAN, "\n\n", 1))).toBe("");
  });

  it("has documentation for every keyword", () => {
    expect(Object.keys(KEYWORDS).filter((k) => !(k in KEYWORD_DOCS))).toEqual([]);
  });
});

describe("definition, references, rename", () => {
  const { analysis } = analysed(PLAN);
  const useAt = offsetOf(PLAN, "above breakout", 8);
  const useLine = 5;

  it("goes from a use to the `let`", () => {
    expect(definition(analysis, useAt, useLine)?.range).toEqual({
      start: { line: 2, character: 4 },
      end: { line: 2, character: 12 },
    });
    expect(definition(analysis, offsetOf(PLAN, "close above"), useLine)).toBeNull();
  });

  it("finds every use, with or without the declaration", () => {
    expect(references(analysis, useAt, useLine, true).map((l) => l.range.start)).toEqual([
      { line: 2, character: 4 },
      { line: 5, character: 18 },
    ]);
    expect(references(analysis, useAt, useLine, false)).toHaveLength(1);
  });

  it("renames a let and its uses, and refuses names that cannot be lets", () => {
    expect(prepareRename(analysis, useAt, useLine)).toMatchObject({ placeholder: "breakout" });
    expect(prepareRename(analysis, offsetOf(PLAN, "close above"), useLine)).toBeNull();
    const edit = rename(analysis, useAt, useLine, "level");
    expect("changes" in edit && edit.changes?.[TEST_URI]?.map((e) => e.newText)).toEqual(["level", "level"]);
    for (const [bad, why] of [
      ["close", /keyword/],
      ["sma", /indicator/],
      ["heavy", /already defined/],
      ["9lives", /not a name/],
      ["", /not a name/],
    ] as const) {
      const r = rename(analysis, useAt, useLine, bad);
      expect("message" in r ? r.message : "").toMatch(why);
    }
    const nowhere = rename(analysis, offsetOf(PLAN, "close above"), useLine, "x");
    expect("message" in nowhere ? nowhere.message : "").toMatch(/only `let` names/);
  });
});

describe("document symbols", () => {
  it("nests settings, lets and rules under the plan", () => {
    const [plan, ...rest] = documentSymbols(analysed(PLAN).analysis);
    expect(rest).toEqual([]);
    expect(plan).toMatchObject({ name: "test", kind: SymbolKind.Module });
    expect(plan?.children?.map((c) => [c.name, c.kind])).toEqual([
      ["symbol AAPL", SymbolKind.Property],
      ["breakout", SymbolKind.Variable],
      ["heavy", SymbolKind.Variable],
      ["on 5m close above breakout with heavy enter long", SymbolKind.Event],
      ["on 15m close crosses below sma(close, 50) of 1h exit long", SymbolKind.Event],
    ]);
    expect(plan?.children?.[1]?.detail).toBe("number = 150.25");
    expect(plan?.children?.[3]?.detail).toBe("lookback 20");
  });

  it("lists a bare rule list flat", () => {
    const syms = documentSymbols(analysed("on 5m close above 150 enter long\n").analysis);
    expect(syms.map((s) => s.kind)).toEqual([SymbolKind.Event]);
  });
});

describe("formatting", () => {
  it("replaces the whole text with the formatter's output", () => {
    const messy = 'plan   "x"\nsymbol AAPL\non 5m  close above  150   enter long   #buy\n';
    const { doc } = analysed(messy);
    const edits = formatDocument(doc);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.newText).toBe(format(messy).ok ? (format(messy) as { text: string }).text : "");
    expect(edits[0]?.range).toEqual({ start: { line: 0, character: 0 }, end: { line: 3, character: 0 } });
  });

  it("returns no edit for formatted or unparsable text", () => {
    const formatted = format(PLAN);
    expect(formatted.ok).toBe(true);
    expect(formatDocument(analysed(formatted.ok ? formatted.text : "").doc)).toEqual([]);
    expect(formatDocument(analysed(`${HEAD}on 5m close above enter long\n`).doc)).toEqual([]);
  });
});

describe("semantic tokens", () => {
  function decode(text: string): { text: string; type: string; mods: number }[] {
    const { analysis, doc } = analysed(text);
    const data = semanticTokens(analysis, doc).data;
    const lines = text.split("\n");
    const out: { text: string; type: string; mods: number }[] = [];
    let line = 0;
    let ch = 0;
    for (let i = 0; i < data.length; i += 5) {
      const [dl, dc, len, type, mods] = data.slice(i, i + 5) as [number, number, number, number, number];
      line += dl;
      ch = dl === 0 ? ch + dc : dc;
      out.push({
        text: (lines[line] ?? "").slice(ch, ch + len),
        type: SEMANTIC_TOKENS_LEGEND.tokenTypes[type] ?? "?",
        mods,
      });
    }
    return out;
  }

  it("classifies lets, indicators, fields, literals, keywords, comments and tickers", () => {
    const toks = decode(`# note\n${PLAN}`);
    const find = (t: string) => toks.find((x) => x.text === t)?.type;
    expect(find("# note")).toBe("comment");
    expect(find('"test"')).toBe("string");
    expect(find("AAPL")).toBe("namespace");
    expect(find("breakout")).toBe("variable");
    expect(find("sma")).toBe("function");
    expect(find("volume")).toBe("property");
    expect(find("150.25")).toBe("number");
    expect(find("5m")).toBe("number");
    expect(find("enter")).toBe("keyword");
    expect(find("*")).toBe("operator");
    const decl = toks.find((x) => x.text === "breakout");
    expect((decl?.mods ?? 0) & 1).toBe(1);
  });
});

describe("code actions", () => {
  it("applies the checker's `did you mean` fix and lists its diagnostic", () => {
    const text = `${HEAD}let breakout = 150\non 5m close above brekout enter long\n`;
    const { analysis } = analysed(text);
    const diags = toLspDiagnostics(analysis.result?.diagnostics ?? [], TEST_URI, "https://x.test/d.md");
    const line = { start: { line: 3, character: 0 }, end: { line: 3, character: 40 } };
    const [action] = codeActions(analysis, line, diags);
    expect(action).toMatchObject({
      title: "Replace with `breakout`",
      kind: CodeActionKind.QuickFix,
      isPreferred: true,
    });
    expect(action?.diagnostics?.map((d) => d.code)).toEqual(["E0201"]);
    expect(action?.edit?.changes?.[TEST_URI]).toEqual([
      { range: { start: { line: 3, character: 18 }, end: { line: 3, character: 25 } }, newText: "breakout" },
    ]);
  });

  it("fixes a keyword's case", () => {
    const text = `${HEAD}on 5m close above 150 Enter long\n`;
    const { analysis } = analysed(text);
    const actions = codeActions(analysis, { start: { line: 2, character: 0 }, end: { line: 2, character: 30 } }, []);
    expect(actions.map((a) => a.edit?.changes?.[TEST_URI]?.[0]?.newText)).toContain("enter");
  });

  it("removes an unused let with its line", () => {
    const text = `${HEAD}let unused = 3\non 5m close above 150 enter long\n`;
    const { analysis } = analysed(text);
    const actions = codeActions(analysis, { start: { line: 2, character: 5 }, end: { line: 2, character: 5 } }, []);
    expect(actions).toHaveLength(1);
    expect(actions[0]?.title).toBe("Remove unused `let unused`");
    expect(actions[0]?.edit?.changes?.[TEST_URI]).toEqual([
      { range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, newText: "" },
    ]);
  });

  it("offers nothing away from diagnostics", () => {
    const { analysis } = analysed(PLAN);
    expect(codeActions(analysis, { start: { line: 0, character: 0 }, end: { line: 6, character: 0 } }, [])).toEqual([]);
  });
});

describe("diagnostics", () => {
  it("carries related locations, the docs link and the fix", () => {
    const text = 'plan "x"\nsymbols AAPL, AAPL\non 5m close above 150 enter long\n';
    const { analysis } = analysed(text);
    const [d] = toLspDiagnostics(analysis.result?.diagnostics ?? [], TEST_URI, "https://x.test/d.md");
    expect(d?.code).toBe("E0502");
    expect(d?.codeDescription?.href).toBe("https://x.test/d.md#e0502");
    expect(d?.relatedInformation?.[0]).toMatchObject({ location: { uri: TEST_URI }, message: "first listed here" });
  });
});

describe("folding", () => {
  it("folds comment runs and blocks of lines", () => {
    const text = '# a\n# b\nplan "x"\nsymbol AAPL\n\nlet a = 1\n\non 5m close > a enter long\non 5m close < a exit\n';
    expect(foldingRanges(text)).toEqual([
      { startLine: 0, endLine: 1, kind: FoldingRangeKind.Comment },
      { startLine: 0, endLine: 3, kind: FoldingRangeKind.Region },
      { startLine: 7, endLine: 8, kind: FoldingRangeKind.Region },
    ]);
  });
});

describe("signature help", () => {
  it("shows the indicator's signature with the argument at the cursor active", () => {
    const { text, offset } = cursor(`${HEAD}on 5m close > sma(close, |`);
    const h = signatureHelp(text, offset);
    expect(h?.signatures[0]?.label).toBe("sma(source, period)");
    expect(h?.signatures[0]?.parameters?.map((p) => p.label)).toEqual([
      [4, 10],
      [12, 18],
    ]);
    expect(h?.activeParameter).toBe(1);
  });

  it("sees through nested calls and groups", () => {
    const a = cursor(`${HEAD}on 5m close > ema(sma(close, 3)|`);
    expect(signatureHelp(a.text, a.offset)?.signatures[0]?.label).toBe("ema(source, period)");
    expect(signatureHelp(a.text, a.offset)?.activeParameter).toBe(0);
    const b = cursor(`${HEAD}on 5m close > rsi((close + open) / 2, |`);
    expect(signatureHelp(b.text, b.offset)?.activeParameter).toBe(1);
  });

  it("is empty outside calls and for unknown functions", () => {
    const a = cursor(`${HEAD}on 5m close > |`);
    expect(signatureHelp(a.text, a.offset)).toBeNull();
    const b = cursor(`${HEAD}on 5m close > foo(close, |`);
    expect(signatureHelp(b.text, b.offset)).toBeNull();
  });
});
