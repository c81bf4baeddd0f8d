import { INDICATORS, type Kind, printExpr } from "@tradeplan/dsl";
import { type CompletionItem, CompletionItemKind, InsertTextFormat, MarkupKind } from "vscode-languageserver";
import type { DocumentAnalysis } from "../analysis.js";
import { KEYWORD_DOCS } from "../keyword-docs.js";
import { keywordOf, type LineToken, lexLine } from "../line-tokens.js";
import { choice, DOLLAR, fillSnippet, ph } from "../snippets.js";

/** Timeframes offered after `on` and `of`: the common ones (any whole number of 5-second steps is valid). */
export const COMMON_TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "30s"] as const;

const BAR_FIELDS = ["open", "high", "low", "close", "volume"] as const;

/** What the cursor's place in a statement admits. */
export type CompletionContext =
  | "none"
  | "statement"
  | "session"
  | "timezone"
  | "risk"
  | "timeframe"
  | "ruleStart"
  | "expression"
  | "afterOperand"
  | "crossDirection"
  | "side"
  | "exitSide"
  | "confidence"
  | "size"
  | "time"
  | "windowAnd"
  | "trailingStop"
  | "afterTrail"
  | "activateAt"
  | "stopValue"
  | "modifiers";

/** Token types after which an expression is expected. */
const EXPR_STARTERS = new Set([
  "LParen",
  "Comma",
  "LBracket",
  "Plus",
  "Minus",
  "Star",
  "Slash",
  "Gt",
  "GtEq",
  "Lt",
  "LtEq",
  "EqEq",
  "NotEq",
  "Assign",
  "Kw_with",
  "Kw_and",
  "Kw_or",
  "Kw_not",
  "Kw_above",
  "Kw_below",
]);

const ACTION_KWS = new Set(["enter", "exit"]);

function isWordToken(t: LineToken): boolean {
  return /^[A-Za-z_0-9$]/.test(t.image);
}

/**
 * Classifies the cursor's position from the tokens before it on its line
 * (statements are lines). The word being typed is not part of the context.
 */
export function completionContext(tokens: readonly LineToken[], offset: number): CompletionContext {
  const before = tokens.filter((t) => t.end < offset || (t.end === offset && !isWordToken(t)));
  const first = before[0];
  if (!first) return "statement";
  const head = keywordOf(first);
  const last = before[before.length - 1] as LineToken;
  const lastKw = keywordOf(last);
  switch (head) {
    case "session":
      return before.length === 1 ? "session" : "none";
    case "timezone":
      return before.length === 1 ? "timezone" : "none";
    case "risk":
      return before.length === 1 ? "risk" : "none";
    case "let":
      return before.some((t) => t.type === "Assign") ? exprOrOperand(last) : "none";
    case "on":
      break;
    default:
      return "none";
  }
  if (before.length === 1) return "timeframe";
  if (lastKw === "of") {
    // `size 10% of equity` is the one `of` that takes no timeframe.
    const prev = before[before.length - 2];
    return prev?.type === "Percent" && before.some((t) => keywordOf(t) === "size") ? "none" : "timeframe";
  }
  if (before.length === 2) return "ruleStart";
  const words = before.map(keywordOf);
  if (words[2] === "trailing") {
    if (before.length === 3) return "trailingStop";
    if (lastKw === "activate") return "activateAt";
    if (lastKw === "at") return "stopValue";
    if (last.type === "Percent" && before.length === 5) return "afterTrail";
    return "none";
  }
  switch (lastKw) {
    case "crosses":
      return "crossDirection";
    case "enter":
      return "side";
    case "exit":
      return "exitSide";
    case "confidence":
      return "confidence";
    case "size":
      return "size";
    case "between":
      return "time";
    case "stop":
    case "target":
      return "stopValue";
  }
  if (last.type === "Time" && before.length >= 2 && keywordOf(before[before.length - 2] as LineToken) === "between")
    return "windowAnd";
  const actionAt = words.findIndex((w) => w !== undefined && ACTION_KWS.has(w));
  if (actionAt >= 0) return "modifiers";
  // `between 10:00 and 15:30` is complete: only an action may follow.
  if (last.type === "Time") return "afterOperand";
  return exprOrOperand(last);
}

function exprOrOperand(last: LineToken): CompletionContext {
  return EXPR_STARTERS.has(last.type) ? "expression" : "afterOperand";
}

function keywordItem(word: string, sortText?: string): CompletionItem {
  const doc = KEYWORD_DOCS[word];
  return {
    label: word,
    kind: CompletionItemKind.Keyword,
    ...(doc ? { documentation: { kind: MarkupKind.Markdown, value: doc } } : {}),
    ...(sortText ? { sortText } : {}),
  };
}

function snippetItem(
  label: string,
  snippet: string,
  detail: string,
  snippets: boolean,
  kind: CompletionItemKind = CompletionItemKind.Snippet,
): CompletionItem {
  return snippets
    ? { label, kind, detail, insertText: snippet, insertTextFormat: InsertTextFormat.Snippet }
    : { label, kind, detail, insertText: fillSnippet(snippet), insertTextFormat: InsertTextFormat.PlainText };
}

const STATEMENT_SNIPPETS: readonly [string, string, string][] = [
  ["plan", `plan "${ph(1, "name")}"`, "names the plan"],
  ["symbol", `symbol ${ph(1, "AAPL")}`, "the instrument traded"],
  ["symbols", `symbols ${ph(1, "AAPL")}, ${ph(2, "MSFT")}`, "the instruments traded"],
  ["timezone", `timezone "${ph(1, "America/New_York")}"`, "zone of times of day"],
  ["session", `session ${choice(1, ["regular", "extended", "always"])}`, "which bars rules see"],
  ["let", `let ${ph(1, "name")} = ${ph(2, "value")}`, "names a value or condition"],
  ["risk", `risk max ${ph(1, "position")} ${ph(2, "500")} shares`, "a risk limit"],
  ["on", `on ${ph(1, "5m")} ${ph(2, "close above 150")} enter ${choice(3, ["long", "short"])}`, "a rule"],
  ["on trailing stop", `on ${ph(1, "1m")} trailing stop ${ph(2, "2")}%`, "a trailing stop rule"],
];

const RISK_SNIPPETS: readonly [string, string][] = [
  ["max position", `max position ${ph(1, "500")} shares`],
  ["max order value", `max order value ${DOLLAR}${ph(1, "50,000")}`],
  ["max daily loss", `max daily loss ${DOLLAR}${ph(1, "2,000")}`],
  ["max orders per minute", `max orders per minute ${ph(1, "10")}`],
];

const SIZE_SNIPPETS: readonly [string, string, string][] = [
  ["N shares", `${ph(1, "100")} shares`, "a fixed number of whole shares"],
  ["$N", `${DOLLAR}${ph(1, "5,000")}`, "as many shares as this amount buys"],
  ["P% of equity", `${ph(1, "10")}% of equity`, "a percent of account equity"],
];

const TIMEZONES = ["America/New_York", "America/Chicago", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "UTC"];

function kindLabel(k: Kind | undefined): string {
  return k ?? "unknown kind";
}

/** Bar fields, indicators (with snippet arguments), `let` names, `true`/`false` and `not`. */
function expressionItems(analysis: DocumentAnalysis, snippets: boolean): CompletionItem[] {
  const items: CompletionItem[] = [];
  const semantic = analysis.result?.semantic;
  if (semantic) {
    for (const [name, decl] of semantic.lets) {
      items.push({
        label: name,
        kind: CompletionItemKind.Variable,
        detail: `let ${name}: ${kindLabel(semantic.kindOf(decl.value))}`,
        documentation: {
          kind: MarkupKind.Markdown,
          value: `\`\`\`tradeplan\nlet ${name} = ${printExpr(decl.value)}\n\`\`\``,
        },
        sortText: `0${name}`,
      });
    }
  }
  for (const f of BAR_FIELDS)
    items.push({
      ...keywordItem(f, `1${f}`),
      kind: CompletionItemKind.Field,
      detail: f === "volume" ? "volume" : "price",
    });
  for (const info of INDICATORS.values()) {
    items.push({
      ...snippetItem(info.name, info.snippet, info.signature, snippets, CompletionItemKind.Function),
      documentation: { kind: MarkupKind.Markdown, value: `${info.doc}\n\nLookback: \`${info.lookback}\`` },
      sortText: `2${info.name}`,
    });
  }
  for (const w of ["true", "false", "not"]) items.push(keywordItem(w, `3${w}`));
  return items;
}

function ruleHasWord(tokens: readonly LineToken[], offset: number, word: string): boolean {
  return tokens.some((t) => t.end <= offset && keywordOf(t) === word);
}

/** What may follow a complete operand in a rule: comparisons, crosses, logic, `with`, `between`, `of`, actions. */
function afterOperandItems(tokens: readonly LineToken[], offset: number, inLet: boolean): CompletionItem[] {
  const words = ["above", "below", "and", "or", "of"];
  const items = words.map((w) => keywordItem(w));
  items.push({ label: "crosses above", kind: CompletionItemKind.Keyword, documentation: KEYWORD_DOCS.crosses ?? "" });
  items.push({ label: "crosses below", kind: CompletionItemKind.Keyword, documentation: KEYWORD_DOCS.crosses ?? "" });
  if (inLet) return items;
  if (!ruleHasWord(tokens, offset, "with") && !ruleHasWord(tokens, offset, "between")) items.push(keywordItem("with"));
  if (!ruleHasWord(tokens, offset, "between")) items.push(keywordItem("between"));
  for (const a of ["enter long", "enter short", "exit", "exit long", "exit short"]) {
    items.push({
      label: a,
      kind: CompletionItemKind.Keyword,
      documentation: KEYWORD_DOCS[a.split(" ")[0] as string] ?? "",
      sortText: `0${a}`,
    });
  }
  return items;
}

function modifierItems(tokens: readonly LineToken[], offset: number, snippets: boolean): CompletionItem[] {
  const entering = ruleHasWord(tokens, offset, "enter");
  const items: CompletionItem[] = [];
  const mods: [string, string][] = [
    ["size", `size ${ph(1, "100")} shares`],
    ["confidence", `confidence ${choice(1, ["low", "medium", "high"])}`],
    ["stop", `stop ${ph(1, "2")}%`],
    ["target", `target ${ph(1, "3")}%`],
  ];
  for (const [word, snippet] of mods) {
    if (ruleHasWord(tokens, offset, word)) continue;
    if (!entering && word !== "confidence") continue;
    items.push({ ...snippetItem(word, snippet, KEYWORD_DOCS[word] ?? "", snippets, CompletionItemKind.Keyword) });
  }
  return items;
}

/**
 * Completion items valid at `offset`: statement keywords at the start of a
 * line, timeframes after `on`/`of`, expressions (fields, indicators with
 * snippet arguments, `let` names) where an operand goes, operators and
 * actions after an operand, modifiers after an action. Nothing in comments
 * and strings.
 */
export function completions(analysis: DocumentAnalysis, offset: number, snippets = true): CompletionItem[] {
  const lex = lexLine(analysis.text, offset);
  if (lex.commentStart !== undefined && offset > lex.commentStart) return [];
  if (
    lex.tokens.some(
      (t) =>
        (t.type === "StringLit" || t.type === "BadString") &&
        t.start < offset &&
        (offset < t.end || t.type === "BadString"),
    )
  ) {
    return [];
  }
  const ctx = completionContext(lex.tokens, offset);
  const inLet = keywordOf(lex.tokens[0] ?? { type: "", image: "", start: 0, end: 0 }) === "let";
  switch (ctx) {
    case "none":
      return [];
    case "statement":
      return STATEMENT_SNIPPETS.map(([label, snip, detail]) =>
        snippetItem(label, snip, detail, snippets, CompletionItemKind.Keyword),
      );
    case "session":
      return ["regular", "extended", "always"].map((w) => keywordItem(w));
    case "timezone":
      return TIMEZONES.map((z) => ({ label: `"${z}"`, kind: CompletionItemKind.Value }));
    case "risk":
      return RISK_SNIPPETS.map(([label, snip]) =>
        snippetItem(label, snip, "risk limit", snippets, CompletionItemKind.Property),
      );
    case "timeframe":
      return COMMON_TIMEFRAMES.map((tf, i) => ({
        label: tf,
        kind: CompletionItemKind.Unit,
        detail: "timeframe",
        sortText: String(i).padStart(2, "0"),
      }));
    case "ruleStart":
      return [
        ...expressionItems(analysis, snippets),
        snippetItem(
          "trailing stop",
          `trailing stop ${ph(1, "2")}%`,
          "a trailing stop rule",
          snippets,
          CompletionItemKind.Keyword,
        ),
      ];
    case "expression":
      return expressionItems(analysis, snippets);
    case "afterOperand":
      return afterOperandItems(lex.tokens, offset, inLet);
    case "crossDirection":
      return [keywordItem("above"), keywordItem("below")];
    case "side":
      return [keywordItem("long"), keywordItem("short")];
    case "exitSide":
      return [keywordItem("long"), keywordItem("short"), ...modifierItems(lex.tokens, offset, snippets)];
    case "confidence":
      return ["low", "medium", "high"].map((w) => keywordItem(w));
    case "size":
      return SIZE_SNIPPETS.map(([label, snip, detail]) =>
        snippetItem(label, snip, detail, snippets, CompletionItemKind.Value),
      );
    case "time":
      return [
        snippetItem(
          "HH:MM and HH:MM",
          `${ph(1, "10:00")} and ${ph(2, "15:30")}`,
          "a time window",
          snippets,
          CompletionItemKind.Value,
        ),
      ];
    case "windowAnd":
      return [keywordItem("and")];
    case "trailingStop":
      return [keywordItem("stop")];
    case "afterTrail":
      return [
        snippetItem(
          "activate at",
          `activate at ${ph(1, "155.00")}`,
          "start tracking at a price",
          snippets,
          CompletionItemKind.Keyword,
        ),
      ];
    case "activateAt":
      return [keywordItem("at")];
    case "stopValue":
      return expressionItems(analysis, snippets).filter((i) => i.kind === CompletionItemKind.Variable);
    case "modifiers":
      return modifierItems(lex.tokens, offset, snippets);
  }
}
