import { describe, expect, it } from "vitest";
import { CompletionItemKind, InsertTextFormat } from "vscode-languageserver";
import { completions } from "../src/features/completion.js";
import { ph } from "../src/snippets.js";
import { analysed, cursor, HEAD } from "./helpers.js";

function labelsAt(textWithBar: string, snippets = true): string[] {
  const { text, offset } = cursor(textWithBar);
  return completions(analysed(text).analysis, offset, snippets).map((i) => i.label);
}

const LETS = `${HEAD}let breakout = 150\nlet heavy = volume > 1M\n`;

describe("completion", () => {
  it("offers statement keywords at the start of a line, also while a word is typed", () => {
    expect(labelsAt(`${HEAD}|`)).toEqual(expect.arrayContaining(["plan", "symbol", "let", "risk", "on", "session"]));
    expect(labelsAt(`${HEAD}o|`)).toContain("on");
  });

  it("offers timeframes after `on` and `of`, but not after `size P% of`", () => {
    expect(labelsAt(`${HEAD}on |`)).toEqual(["1m", "5m", "15m", "30m", "1h", "4h", "1d", "30s"]);
    expect(labelsAt(`${HEAD}on 5m close of |`)).toContain("1h");
    expect(labelsAt(`${HEAD}on 5m close > 1 enter long size 10% of |`)).toEqual([]);
  });

  it("offers fields, indicators, lets and `trailing stop` where a rule's condition starts", () => {
    const l = labelsAt(`${LETS}on 5m |`);
    expect(l).toEqual(
      expect.arrayContaining(["close", "volume", "sma", "vwap", "breakout", "heavy", "true", "not", "trailing stop"]),
    );
    expect(labelsAt(`${LETS}on 5m close > |`)).not.toContain("trailing stop");
  });

  it("gives indicators snippet arguments, or plain text without snippet support", () => {
    const { text, offset } = cursor(`${HEAD}on 5m |`);
    const sma = completions(analysed(text).analysis, offset, true).find((i) => i.label === "sma");
    expect(sma).toMatchObject({
      insertText: `sma(${ph(1, "close")}, ${ph(2, "20")})`,
      insertTextFormat: InsertTextFormat.Snippet,
      kind: CompletionItemKind.Function,
    });
    const plain = completions(analysed(text).analysis, offset, false).find((i) => i.label === "sma");
    expect(plain).toMatchObject({ insertText: "sma(close, 20)", insertTextFormat: InsertTextFormat.PlainText });
  });

  it("turns choices and `\\$` into plain text for clients without snippets", () => {
    const a = cursor(`${HEAD}on 5m close > 1 enter long |`);
    const mods = completions(analysed(a.text).analysis, a.offset, false);
    expect(mods.find((i) => i.label === "confidence")?.insertText).toBe("confidence low");
    const b = cursor(`${HEAD}on 5m close > 1 enter long size |`);
    expect(completions(analysed(b.text).analysis, b.offset, false).find((i) => i.label === "$N")?.insertText).toBe(
      "$5,000",
    );
  });

  it("describes a let with its kind", () => {
    const { text, offset } = cursor(`${LETS}on 5m close above |`);
    const item = completions(analysed(text).analysis, offset).find((i) => i.label === "heavy");
    expect(item?.detail).toBe("let heavy: bool");
  });

  it("offers comparisons, crosses, logic, with, between and actions after an operand", () => {
    const l = labelsAt(`${HEAD}on 5m close |`);
    expect(l).toEqual(
      expect.arrayContaining([
        "above",
        "below",
        "crosses above",
        "and",
        "or",
        "with",
        "between",
        "enter long",
        "exit short",
      ]),
    );
    expect(labelsAt(`${HEAD}on 5m close > 1 with volume > 1M |`)).not.toContain("with");
  });

  it("offers the word after `crosses`, `enter`, `exit`, `confidence`, `session`, `trailing`", () => {
    expect(labelsAt(`${HEAD}on 5m close crosses |`)).toEqual(["above", "below"]);
    expect(labelsAt(`${HEAD}on 5m close > 1 enter |`)).toEqual(["long", "short"]);
    expect(labelsAt(`${HEAD}on 5m close > 1 exit |`)).toEqual(["long", "short", "confidence"]);
    expect(labelsAt(`${HEAD}on 5m close > 1 enter long confidence |`)).toEqual(["low", "medium", "high"]);
    expect(labelsAt("session |")).toEqual(["regular", "extended", "always", "HH:MM-HH:MM"]);
    expect(labelsAt("session regular |")).toEqual(['"XNYS"', '"XNAS"', '"XEUR"', '"CMES"']);
    expect(labelsAt(`${HEAD}on 1m trailing |`)).toEqual(["stop"]);
    expect(labelsAt(`${HEAD}on 1m trailing stop 2% |`)).toEqual(["activate at"]);
  });

  it("offers the modifiers not yet used after an action", () => {
    expect(labelsAt(`${HEAD}on 5m close > 1 enter long |`)).toEqual(["size", "confidence", "stop", "target"]);
    expect(labelsAt(`${HEAD}on 5m close > 1 enter long size 10 shares |`)).toEqual(["confidence", "stop", "target"]);
    expect(labelsAt(`${HEAD}on 5m close > 1 enter long size |`)).toEqual(["N shares", "$N", "P% of equity"]);
  });

  it("offers a window after `between`, then `and`", () => {
    expect(labelsAt(`${HEAD}on 5m close > 1 between |`)).toEqual(["HH:MM and HH:MM"]);
    expect(labelsAt(`${HEAD}on 5m close > 1 between 10:00 |`)).toEqual(["and"]);
  });

  it("offers risk settings and expressions in a let's value, nothing in its name", () => {
    expect(labelsAt("risk |")).toEqual(["max position", "max order value", "max daily loss", "max orders per minute"]);
    expect(labelsAt("let |")).toEqual([]);
    expect(labelsAt("let x = |")).toContain("ema");
  });

  it("offers nothing inside comments and strings", () => {
    expect(labelsAt(`${HEAD}on 5m close # clo|`)).toEqual([]);
    expect(labelsAt('plan "na|me"')).toEqual([]);
    expect(labelsAt('plan "unterminated |')).toEqual([]);
  });
});
