import { CALENDARS, type ExpectedToken, expectedTokens, INDICATORS, type Kind, printStatement } from "@tradeplan/dsl";
import { type CompletionItem, CompletionItemKind, InsertTextFormat, MarkupKind } from "vscode-languageserver";
import type { DocumentAnalysis } from "../analysis.js";
import { KEYWORD_DOCS } from "../keyword-docs.js";
import { keywordOf, type LineToken, lexLine } from "../line-tokens.js";
import { choice, DOLLAR, fillSnippet, ph } from "../snippets.js";

/** Timeframes offered after `on` and `of`: the common ones (any whole number of 5-second steps is valid). */
export const COMMON_TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "30s"] as const;

const BAR_FIELDS = ["open", "high", "low", "close", "volume"] as const;

function isWordToken(t: LineToken): boolean {
  return /^[A-Za-z_0-9$]/.test(t.image);
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
  [
    "param",
    `param ${ph(1, "name")} = ${ph(2, "20")} in ${ph(3, "10")}..${ph(4, "50")} step ${ph(5, "5")}`,
    "a constant a run may set (--set)",
  ],
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
        detail: `${decl.param ? "param" : "let"} ${name}: ${kindLabel(semantic.kindOf(decl.value))}`,
        documentation: {
          kind: MarkupKind.Markdown,
          value: `\`\`\`tradeplan\n${printStatement(decl)}\n\`\`\``,
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

/** The keyword words offered after a complete operand, in this order (`crosses` becomes `crosses above|below`). */
const AFTER_OPERAND = ["above", "below", "and", "or", "of"] as const;
const ACTIONS = ["enter long", "enter short", "exit", "exit long", "exit short"] as const;
/** Keywords offered alone, each where its rule expects it (`stop` also starts a modifier, `low` is also a field). */
const WORDS_IN_RULE: readonly (readonly [string, string])[] = [
  ["long", "action"],
  ["short", "action"],
  ["low", "modifier"],
  ["medium", "modifier"],
  ["high", "modifier"],
  ["stop", "trailingStop"],
  ["at", "trailingStop"],
];

/** Inside the value of `stop`, `target` or `activate at`: a constant, so only `let` names are offered. */
function inLevelValue(e: ExpectedToken): boolean {
  return e.rules.includes("modifier") || e.rules.includes("trailingStop");
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
 * Completion items valid at `offset`, from what the grammar says may come
 * next after the line's tokens before the cursor (`expectedTokens`; the
 * word being typed is not part of them): statement keywords at the start of
 * a line, timeframes where one goes, expressions (fields, indicators with
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
  const before = lex.tokens.filter((t) => t.end < offset || (t.end === offset && !isWordToken(t)));
  const last = before[before.length - 1];
  const expected = expectedTokens(analysis.text.slice(lex.lineStart, last ? last.end : lex.lineStart));
  return itemsFor(expected, analysis, lex.tokens, offset, snippets);
}

/** What to offer for the tokens the grammar expects. */
function itemsFor(
  expected: readonly ExpectedToken[],
  analysis: DocumentAnalysis,
  tokens: readonly LineToken[],
  offset: number,
  snippets: boolean,
): CompletionItem[] {
  const expects = (kind: ExpectedToken["kind"], rule?: string): boolean =>
    expected.some((e) => e.kind === kind && (rule === undefined || e.rules[e.rules.length - 1] === rule));
  const word = (w: string, where: (e: ExpectedToken) => boolean = () => true): boolean =>
    expected.some((e) => e.word === w && where(e));
  const outsideLevel = (e: ExpectedToken): boolean => !inLevelValue(e);

  // Places that take one kind of thing.
  if (word("on"))
    return STATEMENT_SNIPPETS.map(([label, snip, detail]) =>
      snippetItem(label, snip, detail, snippets, CompletionItemKind.Keyword),
    );
  if (expects("timeframe"))
    return COMMON_TIMEFRAMES.map((tf, i) => ({
      label: tf,
      kind: CompletionItemKind.Unit,
      detail: "timeframe",
      sortText: String(i).padStart(2, "0"),
    }));
  if (expects("string", "timezoneDecl"))
    return TIMEZONES.map((z) => ({ label: `"${z}"`, kind: CompletionItemKind.Value }));
  // After `session regular` / `session extended`: the exchange calendars.
  if (expects("string", "sessionDecl"))
    return CALENDARS.map((c) => ({ label: `"${c.id}"`, kind: CompletionItemKind.Value, detail: c.title }));
  // Right after `session`: its kinds, or fixed hours.
  if (expects("time", "sessionDecl"))
    return [
      ...["regular", "extended", "always"].map((w) => keywordItem(w)),
      snippetItem(
        "HH:MM-HH:MM",
        `${ph(1, "09:00")}-${ph(2, "17:30")}`,
        "fixed session hours",
        snippets,
        CompletionItemKind.Value,
      ),
    ];
  // Right after `risk`: the setting's words (a value may follow only once one is written).
  if (expects("name", "riskDecl") && !expects("number", "riskDecl"))
    return RISK_SNIPPETS.map(([label, snip]) =>
      snippetItem(label, snip, "risk limit", snippets, CompletionItemKind.Property),
    );
  if (expects("number", "sizeSpec"))
    return SIZE_SNIPPETS.map(([label, snip, detail]) =>
      snippetItem(label, snip, detail, snippets, CompletionItemKind.Value),
    );
  if (expects("time"))
    return [
      snippetItem(
        "HH:MM and HH:MM",
        `${ph(1, "10:00")} and ${ph(2, "15:30")}`,
        "a time window",
        snippets,
        CompletionItemKind.Value,
      ),
    ];

  const items: CompletionItem[] = [];
  const operand = expected.find((e) => e.kind === "number" && e.rules[e.rules.length - 1] === "primary");
  if (operand) {
    const all = expressionItems(analysis, snippets);
    items.push(...(inLevelValue(operand) ? all.filter((i) => i.kind === CompletionItemKind.Variable) : all));
  }
  if (word("trailing"))
    items.push(
      snippetItem(
        "trailing stop",
        `trailing stop ${ph(1, "2")}%`,
        "a trailing stop rule",
        snippets,
        CompletionItemKind.Keyword,
      ),
    );
  for (const w of AFTER_OPERAND) if (word(w, outsideLevel)) items.push(keywordItem(w));
  if (word("crosses", outsideLevel))
    for (const d of ["above", "below"])
      items.push({
        label: `crosses ${d}`,
        kind: CompletionItemKind.Keyword,
        documentation: KEYWORD_DOCS.crosses ?? "",
      });
  for (const w of ["with", "between", "regular", "extended", "always"]) if (word(w)) items.push(keywordItem(w));
  for (const a of ACTIONS)
    if (word(a.split(" ")[0] as string))
      items.push({
        label: a,
        kind: CompletionItemKind.Keyword,
        documentation: KEYWORD_DOCS[a.split(" ")[0] as string] ?? "",
        sortText: `0${a}`,
      });
  // The word after `enter`/`exit`, after `confidence`, after `activate`.
  for (const [w, rule] of WORDS_IN_RULE)
    if (word(w, (e) => e.rules[e.rules.length - 1] === rule)) items.push(keywordItem(w));
  if (word("activate"))
    items.push(
      snippetItem(
        "activate at",
        `activate at ${ph(1, "155.00")}`,
        "start tracking at a price",
        snippets,
        CompletionItemKind.Keyword,
      ),
    );
  if (word("size", (e) => e.rules[e.rules.length - 1] === "modifier"))
    items.push(...modifierItems(tokens, offset, snippets));
  return items;
}
