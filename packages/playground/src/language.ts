import { INDICATOR_NAMES, KEYWORDS } from "@tradeplan/dsl";
import type { languages } from "monaco-editor/editor";

/** The language id used by the editor model, the providers and the markers. */
export const LANGUAGE_ID = "tradeplan";

const BAR_FIELDS = ["open", "high", "low", "close", "volume"];
/** Keywords that read as operators inside expressions. */
const WORD_OPERATORS = ["and", "or", "not", "above", "below", "crosses", "of"];
/** Keywords that name a value rather than start a clause. */
const CONSTANTS = ["true", "false", "long", "short", "regular", "extended", "always", "medium"];

/**
 * Monarch tokens for `.plan` files, mirroring the lexer in packages/dsl
 * (lexer.ts): the keyword list comes from the lexer itself, and the number
 * forms are tried in the lexer's order (time, timeframe, percent, number),
 * so `1m` is a timeframe and `1M` a number, as the compiler reads them.
 */
export const monarchLanguage: languages.IMonarchLanguage = {
  defaultToken: "invalid",
  tokenPostfix: ".plan",
  keywords: Object.keys(KEYWORDS).filter(
    (k) => !BAR_FIELDS.includes(k) && !WORD_OPERATORS.includes(k) && !CONSTANTS.includes(k),
  ),
  wordOperators: WORD_OPERATORS,
  constants: CONSTANTS,
  barFields: BAR_FIELDS,
  indicators: [...INDICATOR_NAMES],
  brackets: [
    { open: "(", close: ")", token: "delimiter.parenthesis" },
    { open: "[", close: "]", token: "delimiter.square" },
  ],
  tokenizer: {
    root: [
      [/[ \t\f\v\u00a0\ufeff]+/, "white"],
      [/#.*$/, "comment"],
      [/"(?:[^"\\]|\\.)*"/, "string"],
      [/"(?:[^"\\]|\\.)*$/, "string.invalid"],
      [/\$(?:\d{1,3}(?:,\d{3})+|\d[\d_]*)(?:\.\d+)?[KMB]?(?![A-Za-z0-9_.,])/, "number.money"],
      [/\d{1,2}:\d{2}(?![A-Za-z0-9_.])/, "number.time"],
      [/\d+[smhd](?![A-Za-z0-9_.])/, "type.timeframe"],
      [/\d[\d_]*(?:\.[\d_]+)?%/, "number.percent"],
      [/\d[\d_]*(?:\.[\d_]+)?[KMB]?(?![A-Za-z0-9_.])/, "number"],
      [/[\d$][\w.,$]*/, "invalid"],
      [
        /[A-Za-z_][A-Za-z0-9_]*/,
        {
          cases: {
            "@keywords": "keyword",
            "@wordOperators": "keyword.operator",
            "@constants": "constant",
            "@barFields": "variable.predefined",
            "@indicators": "predefined.function",
            "@default": "identifier",
          },
        },
      ],
      [/[()[\]]/, "@brackets"],
      [/==|!=|>=|<=|[<>=+\-*/]/, "operator"],
      [/,/, "delimiter"],
    ],
  },
};

/** Comments, brackets and auto-closing pairs (the same as packages/vscode's language-configuration.json). */
export const languageConfiguration: languages.LanguageConfiguration = {
  comments: { lineComment: "#" },
  brackets: [
    ["(", ")"],
    ["[", "]"],
  ],
  autoClosingPairs: [
    { open: "(", close: ")" },
    { open: "[", close: "]" },
    { open: '"', close: '"', notIn: ["string", "comment"] },
  ],
  surroundingPairs: [
    { open: "(", close: ")" },
    { open: "[", close: "]" },
    { open: '"', close: '"' },
  ],
  wordPattern: /(-?\d[\d_]*(?:\.[\d_]+)?[KMB%]?)|([A-Za-z_][A-Za-z0-9_]*)/g,
};

/** Registers the language with Monaco: id, `.plan` extension, tokens and editing rules. */
export function registerLanguage(m: { languages: typeof languages }): void {
  m.languages.register({ id: LANGUAGE_ID, extensions: [".plan"], aliases: ["tradeplan", "plan"] });
  m.languages.setMonarchTokensProvider(LANGUAGE_ID, monarchLanguage);
  m.languages.setLanguageConfiguration(LANGUAGE_ID, languageConfiguration);
}
