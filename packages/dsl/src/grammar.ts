import { CstParser, type IOrAlt, type IParserErrorMessageProvider, type TokenType, tokenLabel } from "chevrotain";
import * as T from "./lexer.js";

/**
 * The grammar of one statement (statements end at a line break; `parser.ts`
 * splits the token stream into lines and feeds them here one by one, which
 * gives statement-level error recovery for free).
 *
 * Expressions are parsed flat (operands and operators); precedence is
 * applied in `cst-to-ast.ts`: loosest first `or`, `and`, `not`, predicates
 * (`above`, `below`, `crosses above|below`, comparisons), `+ -`, `* /`,
 * unary `-`, postfix `[N]` and `of TF`.
 *
 * `direct-grammar.ts` repeats these rules with embedded actions (the fast
 * path for clean lines): a change here must be made there too, rule for
 * rule, or `test/direct-parse.test.ts` fails.
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

/**
 * `LABEL` options, shared: the rules run once per statement of a file, and
 * an options object written inline would be allocated on every call.
 */
const L = {
  direction: { LABEL: "direction" },
  prefix: { LABEL: "prefix" },
  callOpen: { LABEL: "callOpen" },
  callClose: { LABEL: "callClose" },
  args: { LABEL: "args" },
  inner: { LABEL: "inner" },
  condition: { LABEL: "condition" },
  filter: { LABEL: "filter" },
  from: { LABEL: "from" },
  to: { LABEL: "to" },
  stop: { LABEL: "stop" },
  target: { LABEL: "target" },
  operands: { LABEL: "operands" },
  ops: { LABEL: "ops" },
  index: { LABEL: "index" },
  indexMinus: { LABEL: "indexMinus" },
  indexValue: { LABEL: "indexValue" },
  indexEnd: { LABEL: "indexEnd" },
} as const;

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    const noun = RULE_NOUNS[ruleName];
    const what = expected === T.NumberTok && noun ? noun : tokenLabel(expected);
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

export class PlanGrammar extends CstParser {
  // Alternatives arrays and repetition bodies built once and reused: Chevrotain's documented way to avoid
  // re-allocating them (and their closures) on every call of a rule. Fields initialise before the rules below.
  private readonly statementAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.SUBRULE(this.planDecl) },
    { ALT: () => this.SUBRULE(this.symbolDecl) },
    { ALT: () => this.SUBRULE(this.timezoneDecl) },
    { ALT: () => this.SUBRULE(this.sessionDecl) },
    { ALT: () => this.SUBRULE(this.letDecl) },
    { ALT: () => this.SUBRULE(this.riskDecl) },
    { ALT: () => this.SUBRULE(this.rule) },
  ];
  private readonly ruleAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.SUBRULE(this.trailingStop) },
    { ALT: () => this.SUBRULE(this.conditionRule) },
  ];
  private readonly withFilter = (): void => {
    this.CONSUME(T.With);
    this.SUBRULE2(this.expression, L.filter);
  };
  private readonly betweenWindow = (): void => {
    this.CONSUME(T.Between);
    this.CONSUME(T.Time, L.from);
    this.CONSUME(T.And);
    this.CONSUME2(T.Time, L.to);
  };
  private readonly oneModifier = (): void => {
    this.SUBRULE(this.modifier);
  };
  private readonly enterSideAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Long) },
    { ALT: () => this.CONSUME(T.Short) },
  ];
  private readonly exitSideAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME2(T.Long) },
    { ALT: () => this.CONSUME2(T.Short) },
  ];
  private readonly exitSide = (): void => {
    this.OR3(this.exitSideAlts);
  };
  private readonly actionAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(T.Enter);
        this.OR2(this.enterSideAlts);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Exit);
        this.OPTION(this.exitSide);
      },
    },
  ];
  private readonly confidenceAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Low) },
    { ALT: () => this.CONSUME(T.Medium) },
    { ALT: () => this.CONSUME(T.High) },
    { ALT: () => this.CONSUME(T.NumberTok) },
  ];
  private readonly modifierAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(T.Size);
        this.SUBRULE(this.sizeSpec);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Confidence);
        this.OR2(this.confidenceAlts);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Stop);
        this.SUBRULE(this.expression, L.stop);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Target);
        this.SUBRULE2(this.expression, L.target);
      },
    },
  ];
  private readonly sizeAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(T.NumberTok);
        this.CONSUME(T.Shares);
      },
    },
    { ALT: () => this.CONSUME(T.Money) },
    {
      ALT: () => {
        this.CONSUME(T.PercentTok);
        this.CONSUME(T.Of);
        this.CONSUME(T.Equity);
      },
    },
  ];
  private readonly moreOperands = (): void => {
    this.SUBRULE(this.binaryOp, L.ops);
    this.SUBRULE2(this.operand, L.operands);
  };
  private readonly onePrefix = (): void => {
    this.OR(this.prefixAlts);
  };
  private readonly indexMinus = (): void => {
    this.CONSUME(T.Minus, L.indexMinus);
  };
  private readonly oneIndex = (): void => {
    this.CONSUME(T.LBracket, L.index);
    this.OPTION(this.indexMinus);
    this.CONSUME(T.NumberTok, L.indexValue);
    this.CONSUME(T.RBracket, L.indexEnd);
  };
  private readonly ofTimeframe = (): void => {
    this.CONSUME(T.Of);
    this.CONSUME(T.TimeframeTok);
  };
  private readonly callArg = (): void => {
    this.SUBRULE(this.expression, L.args);
  };
  private readonly callArgs = { SEP: T.Comma, DEF: this.callArg };
  private readonly callParens = (): void => {
    this.CONSUME(T.LParen, L.callOpen);
    this.MANY_SEP(this.callArgs);
    this.CONSUME(T.RParen, L.callClose);
  };
  private readonly crossAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME2(T.Above, L.direction) },
    { ALT: () => this.CONSUME2(T.Below, L.direction) },
  ];
  private readonly binaryAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Or) },
    { ALT: () => this.CONSUME(T.And) },
    { ALT: () => this.CONSUME(T.Above) },
    { ALT: () => this.CONSUME(T.Below) },
    {
      ALT: () => {
        this.CONSUME(T.Crosses);
        this.OR2(this.crossAlts);
      },
    },
    { ALT: () => this.CONSUME(T.Gt) },
    { ALT: () => this.CONSUME(T.GtEq) },
    { ALT: () => this.CONSUME(T.Lt) },
    { ALT: () => this.CONSUME(T.LtEq) },
    { ALT: () => this.CONSUME(T.EqEq) },
    { ALT: () => this.CONSUME(T.NotEq) },
    { ALT: () => this.CONSUME(T.Plus) },
    { ALT: () => this.CONSUME(T.Minus) },
    { ALT: () => this.CONSUME(T.Star) },
    { ALT: () => this.CONSUME(T.Slash) },
  ];
  private readonly prefixAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Not, L.prefix) },
    { ALT: () => this.CONSUME(T.Minus, L.prefix) },
  ];
  private readonly primaryAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.NumberTok) },
    { ALT: () => this.CONSUME(T.PercentTok) },
    { ALT: () => this.CONSUME(T.Money) },
    { ALT: () => this.CONSUME(T.True) },
    { ALT: () => this.CONSUME(T.False) },
    { ALT: () => this.CONSUME(T.BarFieldCat) },
    {
      ALT: () => {
        this.CONSUME(T.Identifier);
        this.OPTION(this.callParens);
      },
    },
    {
      ALT: () => {
        this.CONSUME2(T.LParen);
        this.SUBRULE2(this.expression, L.inner);
        this.CONSUME2(T.RParen);
      },
    },
  ];

  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: "onlyOffset",
      maxLookahead: 3,
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  public statement = this.RULE("statement", () => {
    this.OR(this.statementAlts);
  });

  private planDecl = this.RULE("planDecl", () => {
    this.CONSUME(T.Plan);
    this.CONSUME(T.StringLit);
  });

  private symbolDecl = this.RULE("symbolDecl", () => {
    this.OR([{ ALT: () => this.CONSUME(T.SymbolKw) }, { ALT: () => this.CONSUME(T.Symbols) }]);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.symbolName) });
  });

  private symbolName = this.RULE("symbolName", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.StringLit) }]);
  });

  private timezoneDecl = this.RULE("timezoneDecl", () => {
    this.CONSUME(T.Timezone);
    this.CONSUME(T.StringLit);
  });

  private sessionDecl = this.RULE("sessionDecl", () => {
    this.CONSUME(T.Session);
    this.OR([
      { ALT: () => this.CONSUME(T.Regular) },
      { ALT: () => this.CONSUME(T.Extended) },
      { ALT: () => this.CONSUME(T.Always) },
    ]);
  });

  private letDecl = this.RULE("letDecl", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression);
  });

  private riskDecl = this.RULE("riskDecl", () => {
    this.CONSUME(T.Risk);
    this.AT_LEAST_ONE(() => this.CONSUME(T.Identifier));
    this.OR([
      { ALT: () => this.CONSUME(T.NumberTok) },
      { ALT: () => this.CONSUME(T.Money) },
      { ALT: () => this.CONSUME(T.PercentTok) },
    ]);
    this.OPTION(() => this.CONSUME(T.Shares));
  });

  private rule = this.RULE("rule", () => {
    this.CONSUME(T.On);
    this.CONSUME(T.TimeframeTok);
    this.OR(this.ruleAlts);
  });

  private trailingStop = this.RULE("trailingStop", () => {
    this.CONSUME(T.Trailing);
    this.CONSUME(T.Stop);
    this.CONSUME(T.PercentTok);
    this.OPTION(() => {
      this.CONSUME(T.Activate);
      this.CONSUME(T.At);
      this.SUBRULE(this.expression);
    });
  });

  private conditionRule = this.RULE("conditionRule", () => {
    this.SUBRULE(this.expression, L.condition);
    this.OPTION(this.withFilter);
    this.OPTION2(this.betweenWindow);
    this.SUBRULE(this.action);
    this.MANY(this.oneModifier);
  });

  private action = this.RULE("action", () => {
    this.OR(this.actionAlts);
  });

  private modifier = this.RULE("modifier", () => {
    this.OR(this.modifierAlts);
  });

  private sizeSpec = this.RULE("sizeSpec", () => {
    this.OR(this.sizeAlts);
  });

  /**
   * An expression is a flat run of operands and binary operators; the AST
   * builder applies precedence (Pratt style). Flat, because one CST node per
   * precedence level per operand made the CST — and so the parse — three
   * times larger than it needs to be.
   */
  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.operand, L.operands);
    this.MANY(this.moreOperands);
  });

  private binaryOp = this.RULE("binaryOp", () => {
    this.OR(this.binaryAlts);
  });

  /** Prefix operators (`not`, unary `-`) and a postfix expression. */
  private operand = this.RULE("operand", () => {
    this.MANY(this.onePrefix);
    this.SUBRULE(this.postfix);
  });

  private postfix = this.RULE("postfix", () => {
    this.SUBRULE(this.primary);
    this.MANY(this.oneIndex);
    this.OPTION2(this.ofTimeframe);
  });

  private primary = this.RULE("primary", () => {
    this.OR(this.primaryAlts);
  });
}
