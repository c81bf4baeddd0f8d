import { type IParserErrorMessageProvider, type TokenType, tokenLabel } from "#chevrotain";
import { NumberTok } from "./lexer.js";

/**
 * The grammar's syntax error messages: "expected X, found Y", where X names
 * what the rule wanted in words (`RULE_NOUNS`) or lists the token labels.
 * `parser.ts` turns the first error of a line into E0101/E0102/E0103.
 */

/** What each rule is called in messages: "expected <this>". */
const RULE_NOUNS: Record<string, string> = {
  statement: "a statement (`plan`, `symbol`, `let`, `risk`, `on`, ...)",
  primary: "a value (a number, a bar field such as `close`, a name or an indicator call)",
  postfix: "a value (a number, a bar field such as `close`, a name or an indicator call)",
  operand: "a value (a number, a bar field such as `close`, a name or an indicator call)",
  expression: "a value (a number, a bar field such as `close`, a name or an indicator call)",
  action: "an action (`enter long`, `enter short`, `exit`, `exit long` or `exit short`)",
  modifier: "a modifier (`size`, `confidence`, `stop` or `target`)",
  sizeSpec: "a size (`100 shares`, `$5,000` or `10% of equity`)",
  sessionDecl: "`regular`, `extended` or `always`",
  symbolName: 'a symbol (a name such as `AAPL`, or a string such as `"BRK.B"`)',
  rule: "`trailing stop` or a condition",
};

function describe(tokens: TokenType[]): string {
  const labels = [...new Set(tokens.map((t) => tokenLabel(t)))];
  if (labels.length <= 1) return labels[0] ?? "something else";
  return `${labels.slice(0, -1).join(", ")} or ${labels[labels.length - 1]}`;
}

function found(image: string | undefined, type: TokenType | undefined): string {
  if (!type || type.name === "EOF") return "end of line";
  return `\`${image}\``;
}

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    const noun = RULE_NOUNS[ruleName];
    const what = expected === NumberTok && noun ? noun : tokenLabel(expected);
    return `expected ${what}, found ${found(actual.image, actual.tokenType)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${found(firstRedundant.image, firstRedundant.tokenType)}: expected end of line`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const first = actual[0];
    const noun =
      RULE_NOUNS[ruleName] ??
      describe(
        expectedPathsPerAlt
          .flat()
          .map((p) => p[0])
          .filter((t): t is TokenType => !!t),
      );
    return `expected ${noun}, found ${found(first?.image, first?.tokenType)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const first = actual[0];
    const noun =
      RULE_NOUNS[ruleName] ?? describe(expectedIterationPaths.map((p) => p[0]).filter((t): t is TokenType => !!t));
    return `expected ${noun}, found ${found(first?.image, first?.tokenType)}`;
  },
};
