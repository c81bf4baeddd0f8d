import {
  EmbeddedActionsParser,
  type IOrAlt,
  type IRecognitionException,
  type ISyntacticContentAssistPath,
  type IToken,
  isRecognitionException,
  type Rule,
  type TokenType,
} from "#chevrotain";
import type * as A from "./ast.js";
import { AstBuilder, isInserted } from "./ast-builder.js";
import type { Diagnostic } from "./diagnostics.js";
import { messages } from "./grammar-messages.js";
import { ListCollector } from "./incremental-collect.js";
import * as T from "./lexer.js";
import { LineIndex } from "./line-index.js";
import { LinePositions } from "./positions.js";
import { BINARY_OPERATORS, CrossOp, ExpressionStack, type Operand, type Operator, Prefixed } from "./precedence.js";
import { RECORDED_GRAMMAR } from "./recorded-grammar.generated.js";
import { type RecordedGrammar, rebuildRules } from "./recorded-grammar.js";
import { RecordedLookahead } from "./recorded-lookahead.js";

/** `parseLine`'s answer, without recovery, for a line with a problem: the recovering instance must explain it. */
export const FAILED: unique symbol = Symbol("FAILED");

export interface GrammarOptions {
  /**
   * Chevrotain's error recovery (single token insertion and deletion,
   * re-synchronisation): the instance that explains a bad line and keeps
   * what it can of it. Without it, the instance gives up on the first
   * problem, which costs nothing on the clean lines that are nearly all of
   * a file.
   */
  readonly recovery: boolean;
  /** Run Chevrotain's grammar checks (ambiguities, left recursion) while building: the grammar test does. */
  readonly validate?: boolean;
  /**
   * Have Chevrotain record the rules by running them (as `validate` does)
   * instead of building them from the record of recorded-grammar.ts: the
   * test that keeps the record equal to the grammar does.
   */
  readonly record?: boolean;
}

/**
 * The parts of Chevrotain's parser that building from the record replaces:
 * internal to Chevrotain 11 (its recording phase, which `performSelfAnalysis`
 * runs), so typed here; recorded-grammar.test.ts fails if they change.
 */
interface ChevrotainRecorder {
  readonly definedRulesNames: readonly string[];
  enableRecording(): void;
  disableRecording(): void;
  topLevelRuleRecord(name: string, def: () => unknown): Rule;
}
const RECORDER = EmbeddedActionsParser.prototype as unknown as ChevrotainRecorder;

/** The record, parsed once (each parser rebuilds its own rules from it: Chevrotain links them to the parser). */
let recorded: RecordedGrammar | undefined;

/**
 * The grammar's rules from the record, when it holds exactly the rules the
 * parser defines (else undefined: the parser records them itself), and the
 * record's lookahead paths handed to the parser's lookahead strategy.
 */
function rulesFromRecord(defined: readonly string[], lookahead: RecordedLookahead): Map<string, Rule> | undefined {
  recorded ??= JSON.parse(RECORDED_GRAMMAR) as RecordedGrammar;
  const rules = rebuildRules(recorded.rules, T.allTokens);
  if (rules === undefined || rules.size !== defined.length || defined.some((n) => !rules.has(n))) return undefined;
  lookahead.use(recorded, T.allTokens);
  return rules;
}

/**
 * The grammar of one statement, the only one: statements end at a line
 * break, and `parser.ts` feeds the lines here one by one. Its embedded
 * actions build the AST directly (no CST). Expressions are parsed flat,
 * `operand (op operand)*`, and `ExpressionStack` applies precedence from the
 * one operator table (precedence.ts).
 *
 * Two instances of it run: one without recovery, which gives up on any
 * problem (`FAILED`), and one with recovery for the lines the first gives
 * up on, which reports them and keeps what it can. The actions are the same
 * for both. When recovery cuts a rule short, the rule's `catch` builds its
 * node from the pieces it has (as `fail` describes) and hands it to the
 * rule that recovers or to its caller, so a bad line keeps the same partial
 * tree whatever rule recovers. A node's span runs from its first token to
 * the last token read (`spanFrom`); a token recovery made up is no piece
 * of a node (`real`).
 *
 * Rules share state through fields rather than closures, so that no rule
 * call allocates more than the AST it returns: an expression's operands and
 * operators go on `exprs`, call arguments on `args`, index suffixes on
 * `indexParts`, and each nested rule removes what it added before returning.
 */
export class PlanGrammar extends EmbeddedActionsParser {
  private readonly recovery: boolean;
  /** Conversion problems of the current line (E0005, chained comparisons), in the order found. */
  readonly lineDiagnostics: Diagnostic[] = [];
  private readonly collector = new ListCollector(this.lineDiagnostics);
  private lines = new LinePositions(new LineIndex(""));
  private readonly build = new AstBuilder(this.lines, this.collector);
  private readonly exprs = new ExpressionStack(this.lines, this.collector);
  /** Arguments of the calls being parsed. */
  private readonly args: A.Expr[] = [];
  /** Prefix operators of the operand being parsed (none can nest before it moves them out). */
  private readonly prefixes: IToken[] = [];
  /** Index suffixes of the postfix expression being parsed, four entries each (see `AstBuilder.indexChain`). */
  private readonly indexParts: (IToken | undefined)[] = [];
  /** The modifiers of the condition rule being parsed (rules do not nest). */
  private modifiers: A.Modifier[] = [];
  /** The rule's `on` token and timeframe (undefined when recovery made it up), for the rule body. */
  private ruleStart: IToken | undefined;
  private ruleTimeframe: A.Timeframe | undefined;
  /** The trailing stop's `activate`, once read. */
  private activateToken: IToken | undefined;

  /** The partial value of the rule that failed last, and the error it failed with (see `fail`). */
  private partial: unknown;
  private partialFor: unknown;
  /** The rules from the record, which `performSelfAnalysis` takes instead of recording them; undefined: it records. */
  private fromRecord: Map<string, Rule> | undefined;

  constructor(options: GrammarOptions) {
    const lookahead = new RecordedLookahead();
    super(T.allTokens, {
      recoveryEnabled: options.recovery,
      // The grammar is LL(1): the grammar test's checks fail on a choice one token cannot make (`spanFrom` relies on it).
      maxLookahead: 1,
      lookaheadStrategy: lookahead,
      errorMessageProvider: messages,
      skipValidations: options.validate !== true,
    });
    this.recovery = options.recovery;
    this.fromRecord =
      options.validate === true || options.record === true
        ? undefined
        : rulesFromRecord((this as unknown as ChevrotainRecorder).definedRulesNames, lookahead);
    this.performSelfAnalysis();
    this.fromRecord = undefined;
    this.clearLine();
  }

  /** Chevrotain's recording mode, which building from the record does without (see recorded-grammar.ts). */
  protected enableRecording(): void {
    if (this.fromRecord === undefined) RECORDER.enableRecording.call(this);
  }

  protected disableRecording(): void {
    if (this.fromRecord === undefined) RECORDER.disableRecording.call(this);
  }

  /** A rule's GAST: from the record, or recorded by running the rule. */
  protected topLevelRuleRecord(name: string, def: () => unknown): Rule {
    return this.fromRecord?.get(name) ?? RECORDER.topLevelRuleRecord.call(this, name, def);
  }

  /** Starts a file whose positions `lines` gives. */
  begin(lines: LinePositions): void {
    this.lines = lines;
    this.build.setLines(lines);
    this.exprs.setLines(lines);
  }

  /**
   * The statement of one line's tokens (after `begin`). Without recovery:
   * `FAILED` on any syntax error or conversion problem. With recovery: what
   * recovery kept (`errors` and `lineDiagnostics` say what went wrong).
   */
  parseLine(line: IToken[]): A.Statement | undefined | typeof FAILED {
    this.build.setStatement(line[0] as IToken, line[line.length - 1] as IToken);
    this.clearLine();
    this.input = line;
    const stmt = this.statement();
    if (!this.recovery && (this.errors.length > 0 || this.lineDiagnostics.length > 0)) return FAILED;
    return stmt;
  }

  /**
   * The tokens that may follow `preceding`, the start of a statement, with
   * the rules they would be part of: Chevrotain's content assist over this
   * grammar (it ignores the actions).
   */
  expectedAfter(preceding: IToken[]): ISyntacticContentAssistPath[] {
    return this.computeContentAssist("statement", preceding);
  }

  private clearLine(): void {
    this.lineDiagnostics.length = 0;
    this.exprs.clear();
    this.args.length = 0;
    this.prefixes.length = 0;
    this.indexParts.length = 0;
    this.partial = undefined;
    this.partialFor = undefined;
  }

  // ------------------------------------------------------- error recovery

  /** A rule whose value, when recovery cuts it short, is what its `catch` handed to `fail`. */
  private recoverableRule<R>(name: string, impl: () => R) {
    return this.RULE(name, impl, { recoveryValueFunc: (e: IRecognitionException) => this.recovered(e) as R });
  }

  /** A rule that keeps nothing of itself when recovery cuts it short: its value is then `undefined`. */
  private wholeRule<R>(name: string, impl: () => R) {
    return this.recoverableRule(name, (): R | undefined => {
      try {
        return impl();
      } catch (e) {
        throw this.failed(e);
      }
    });
  }

  /**
   * Called in a rule's `catch` as `throw this.fail(e, partial)`: `partial()`
   * builds what the rule has read so far, which becomes its value if it is
   * the rule that recovers (`recovered`), or else its caller's piece
   * (`childPartial`). Every rule catches, so each sees its own pieces and
   * the partial value of the subrule that failed, the way a CST keeps a
   * partial node under its parent.
   */
  private fail(e: unknown, partial: () => unknown): unknown {
    if (!(e instanceof Error) || !isRecognitionException(e)) return e;
    const value = partial();
    this.partialFor = e;
    this.partial = value;
    return e;
  }

  private failed(e: unknown): unknown {
    return this.fail(e, () => undefined);
  }

  /** The partial value of the subrule that failed with `e`, if one did. */
  private childPartial<V>(e: unknown): V | undefined {
    return this.partialFor === e ? (this.partial as V) : undefined;
  }

  /** A rule's value after Chevrotain recovered it by skipping tokens to one that may follow it. */
  private recovered(e: IRecognitionException): unknown {
    const value = this.partialFor === e ? this.partial : undefined;
    this.partialFor = undefined;
    this.partial = undefined;
    return value;
  }

  /** A token that is in the source (not made up by recovery, not absent). */
  private real(t: IToken | undefined): t is IToken {
    return t !== undefined && !isInserted(t);
  }

  /**
   * From `first` to the last token read. Tokens recovery makes up are not
   * read (they have no place in the source); the ones it skips, when a rule
   * re-synchronises, are read but never end a node: the grammar is LL(1),
   * so the token skipped to is one the caller reads next.
   */
  private spanFrom(first: IToken): A.Span {
    return this.build.span(first, this.LA(0));
  }

  // ------------------------------------------------------------ statements

  private readonly statementAlts: IOrAlt<A.Statement | undefined>[] = [
    { ALT: () => this.SUBRULE(this.planDecl) },
    { ALT: () => this.SUBRULE(this.symbolDecl) },
    { ALT: () => this.SUBRULE(this.timezoneDecl) },
    { ALT: () => this.SUBRULE(this.sessionDecl) },
    { ALT: () => this.SUBRULE(this.letDecl) },
    { ALT: () => this.SUBRULE(this.paramDecl) },
    { ALT: () => this.SUBRULE(this.riskDecl) },
    { ALT: () => this.SUBRULE(this.rule) },
  ];
  private readonly symbolKeywordAlts = this.consumeAlts([T.SymbolKw, T.Symbols]);
  private readonly symbolNameAlts = this.consumeAlts([T.Identifier, T.StringLit]);
  private readonly sessionAlts = this.consumeAlts([T.Regular, T.Extended, T.Always]);
  /** `regular | extended | always`, or hours `HH:MM-HH:MM`. */
  private readonly sessionFormAlts: IOrAlt<{ kind?: IToken; hours?: A.Window }>[] = [
    { ALT: () => ({ kind: this.OR2(this.sessionAlts) }) },
    {
      ALT: () => {
        const from = this.CONSUME(T.Time);
        this.CONSUME(T.Minus);
        const to = this.CONSUME2(T.Time);
        if (this.RECORDING_PHASE || !this.real(from) || !this.real(to)) return {};
        const hours: A.Window = {
          type: "Window",
          from: this.build.time(from),
          to: this.build.time(to),
          span: this.build.span(from, to),
        };
        return { hours };
      },
    },
  ];
  private readonly riskValueAlts = this.consumeAlts([T.NumberTok, T.Money, T.PercentTok]);
  private readonly riskShares = (): IToken => this.CONSUME(T.Shares);
  private readonly paramLiteralAlts = this.consumeAlts([T.NumberTok, T.PercentTok, T.Money]);
  private readonly paramMinus = (): IToken => this.CONSUME(T.Minus);
  private readonly paramStep = (): A.Expr | undefined => {
    this.CONSUME(T.Step);
    return this.SUBRULE4(this.paramValue);
  };
  /** A trailing stop's trail: a percent, or the name of a percent param. */
  private readonly trailAlts = this.consumeAlts([T.PercentTok, T.Identifier]);
  private readonly ruleAlts: IOrAlt<A.Rule | undefined>[] = [
    { ALT: () => this.SUBRULE(this.trailingStop) },
    { ALT: () => this.SUBRULE(this.conditionRule) },
  ];
  private readonly activation = (): A.Expr => {
    this.activateToken = this.CONSUME(T.Activate);
    this.CONSUME(T.At);
    return this.SUBRULE(this.expression);
  };
  private readonly withFilter = (): A.Expr => {
    this.CONSUME(T.With);
    return this.SUBRULE2(this.expression);
  };
  private readonly betweenWindow = (): A.Window | undefined => {
    this.CONSUME(T.Between);
    const from = this.CONSUME(T.Time);
    this.CONSUME(T.And);
    const to = this.CONSUME2(T.Time);
    if (this.RECORDING_PHASE || !this.real(from) || !this.real(to)) return undefined;
    return {
      type: "Window",
      from: this.build.time(from),
      to: this.build.time(to),
      span: this.build.span(from, to),
    };
  };
  private readonly oneModifier = (): void => {
    const m = this.SUBRULE(this.modifier);
    if (m !== undefined) this.modifiers.push(m);
  };
  private readonly enterSideAlts = this.consumeAlts([T.Long, T.Short]);
  private readonly exitSideAlts = this.consumeAlts([T.Long, T.Short], 2);
  private readonly exitSide = (): IToken => this.OR3(this.exitSideAlts);
  private readonly actionAlts: IOrAlt<A.ActionKind>[] = [
    {
      ALT: () => {
        this.CONSUME(T.Enter);
        return this.OR2(this.enterSideAlts).tokenType === T.Long ? "enter_long" : "enter_short";
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.Exit);
        const side = this.OPTION(this.exitSide);
        return side === undefined ? "exit" : side.tokenType === T.Long ? "exit_long" : "exit_short";
      },
    },
  ];
  private readonly confidenceAlts = this.consumeAlts([T.Low, T.Medium, T.High, T.NumberTok]);
  private readonly modifierAlts: IOrAlt<A.Modifier | undefined>[] = [
    {
      ALT: () => {
        const first = this.CONSUME(T.Size);
        const size = this.SUBRULE(this.sizeSpec);
        if (this.RECORDING_PHASE || size === undefined) return undefined;
        return { type: "Size", span: this.spanFrom(first), size };
      },
    },
    {
      ALT: () => {
        const first = this.CONSUME(T.Confidence);
        const t = this.OR2(this.confidenceAlts);
        if (this.RECORDING_PHASE) return undefined;
        const span = this.spanFrom(first);
        if (t.tokenType === T.NumberTok) return { type: "Confidence", span, level: this.build.number(t) };
        return { type: "Confidence", span, level: t.image as "low" | "medium" | "high" };
      },
    },
    { ALT: () => this.levelModifier("Stop", this.CONSUME(T.Stop), 1) },
    { ALT: () => this.levelModifier("Target", this.CONSUME(T.Target), 2) },
  ];
  private readonly sizeAlts: IOrAlt<A.SizeSpec | undefined>[] = [
    {
      ALT: () => {
        const num = this.CONSUME(T.NumberTok);
        const shares = this.CONSUME(T.Shares);
        if (this.RECORDING_PHASE || !this.real(shares)) return undefined;
        return { type: "SizeShares", span: this.spanFrom(num), shares: this.build.number(num) };
      },
    },
    {
      ALT: () => {
        const money = this.CONSUME(T.Money);
        if (this.RECORDING_PHASE) return undefined;
        return { type: "SizeMoney", span: this.build.tokenSpan(money), amount: this.build.money(money) };
      },
    },
    {
      ALT: () => {
        const pct = this.CONSUME(T.PercentTok);
        this.CONSUME(T.Of);
        const equity = this.CONSUME(T.Equity);
        if (this.RECORDING_PHASE || !this.real(equity)) return undefined;
        return { type: "SizeEquity", span: this.spanFrom(pct), percent: this.build.percent(pct) };
      },
    },
  ];

  /** Alternatives that each read one token of `types` (`occurrence` tells apart two such choices in one rule). */
  private consumeAlts(types: readonly TokenType[], occurrence: 1 | 2 = 1): IOrAlt<IToken>[] {
    return types.map((t) => ({ ALT: occurrence === 1 ? () => this.CONSUME(t) : () => this.CONSUME2(t) }));
  }

  /** `stop EXPR` or `target EXPR` (`which` tells the two `expression` subrules apart). */
  private levelModifier(type: "Stop" | "Target", first: IToken, which: 1 | 2): A.Modifier | undefined {
    try {
      const value = which === 1 ? this.SUBRULE(this.expression) : this.SUBRULE2(this.expression);
      if (this.RECORDING_PHASE) return undefined;
      return { type, span: this.spanFrom(first), value };
    } catch (e) {
      throw this.fail(e, () => {
        const span = this.spanFrom(first);
        return { type, span, value: this.childPartial<A.Expr>(e) ?? this.build.error(span) };
      });
    }
  }

  public statement = this.recoverableRule("statement", (): A.Statement | undefined => {
    try {
      return this.OR(this.statementAlts);
    } catch (e) {
      throw this.fail(e, () => this.childPartial<A.Statement>(e));
    }
  });

  private planDecl = this.wholeRule("planDecl", () =>
    this.keywordAndString(T.Plan, (name, span): A.PlanDecl => ({ type: "PlanDecl", name, span })),
  );

  /** `plan "NAME"` and `timezone "ZONE"`: a keyword and a string. */
  private keywordAndString<N>(keyword: TokenType, node: (value: A.StringLit, span: A.Span) => N): N | undefined {
    const first = this.CONSUME(keyword);
    const s = this.CONSUME(T.StringLit);
    if (this.RECORDING_PHASE || !this.real(s)) return undefined;
    return node(this.build.string(s), this.spanFrom(first));
  }

  private symbolDecl = this.recoverableRule("symbolDecl", (): A.SymbolDecl | undefined => {
    let keyword: IToken | undefined;
    const symbols: (A.Ident | A.StringLit)[] = [];
    try {
      keyword = this.OR(this.symbolKeywordAlts);
      this.AT_LEAST_ONE_SEP({
        SEP: T.Comma,
        DEF: () => {
          const s = this.SUBRULE(this.symbolName);
          if (s !== undefined) symbols.push(s);
        },
      });
    } catch (e) {
      throw this.fail(e, () => this.symbolDeclNode(keyword, symbols));
    }
    return this.symbolDeclNode(keyword, symbols);
  });

  private symbolDeclNode(keyword: IToken | undefined, symbols: (A.Ident | A.StringLit)[]): A.SymbolDecl | undefined {
    if (this.RECORDING_PHASE || keyword === undefined || symbols.length === 0) return undefined;
    return { type: "SymbolDecl", plural: keyword.tokenType === T.Symbols, symbols, span: this.spanFrom(keyword) };
  }

  private symbolName = this.wholeRule("symbolName", (): A.Ident | A.StringLit | undefined => {
    const t = this.OR(this.symbolNameAlts);
    if (this.RECORDING_PHASE) return undefined;
    return t.tokenType === T.Identifier ? this.build.ident(t) : this.build.string(t);
  });

  private timezoneDecl = this.wholeRule("timezoneDecl", () =>
    this.keywordAndString(T.Timezone, (zone, span): A.TimezoneDecl => ({ type: "TimezoneDecl", zone, span })),
  );

  private sessionDecl = this.wholeRule("sessionDecl", (): A.SessionDecl | undefined => {
    const first = this.CONSUME(T.Session);
    const { kind, hours } = this.OR(this.sessionFormAlts);
    const calendar = this.OPTION(() => this.CONSUME(T.StringLit));
    if (this.RECORDING_PHASE) return undefined;
    return {
      type: "SessionDecl",
      session: kind ? (kind.image as A.SessionKind) : "regular",
      sessionSpan: kind ? this.build.tokenSpan(kind) : (hours?.span ?? this.build.tokenSpan(first)),
      ...(calendar && this.real(calendar) ? { calendar: this.build.string(calendar) } : {}),
      ...(hours ? { hours } : {}),
      span: this.spanFrom(first),
    };
  });

  private letDecl = this.recoverableRule("letDecl", (): A.LetDecl | undefined => {
    let first: IToken | undefined;
    let id: IToken | undefined;
    try {
      first = this.CONSUME(T.Let);
      id = this.CONSUME(T.Identifier);
      this.CONSUME(T.Assign);
      const value = this.SUBRULE(this.expression);
      return this.letDeclNode(first, id, value);
    } catch (e) {
      throw this.fail(e, () => this.letDeclNode(first, id, this.childPartial<A.Expr>(e)));
    }
  });

  private letDeclNode(first: IToken | undefined, id: IToken | undefined, value: A.Expr | undefined) {
    if (this.RECORDING_PHASE || first === undefined || !this.real(id)) return undefined;
    const span = this.spanFrom(first);
    const decl: A.LetDecl = {
      type: "LetDecl",
      name: this.build.ident(id),
      value: value ?? this.build.error(span),
      span,
    };
    return decl;
  }

  /** `param NAME = DEFAULT in MIN..MAX [step STEP]`: a `let` with a range (see `A.LetDecl`). */
  private paramDecl = this.wholeRule("paramDecl", (): A.LetDecl | undefined => {
    const first = this.CONSUME(T.Param);
    const id = this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    const value = this.SUBRULE(this.paramValue);
    const rangeStart = this.CONSUME(T.In);
    const min = this.SUBRULE2(this.paramValue);
    this.CONSUME(T.DotDot);
    const max = this.SUBRULE3(this.paramValue);
    const step = this.OPTION(this.paramStep);
    if (this.RECORDING_PHASE || !this.real(id) || !value || !min || !max) return undefined;
    const range: A.ParamRange =
      step === undefined
        ? { type: "ParamRange", min, max, span: this.spanFrom(rangeStart) }
        : { type: "ParamRange", min, max, step, span: this.spanFrom(rangeStart) };
    return { type: "LetDecl", name: this.build.ident(id), value, param: range, span: this.spanFrom(first) };
  });

  /** A param's default or bound: a number, percent or money literal, with an optional `-`. */
  private paramValue = this.wholeRule("paramValue", (): A.Expr => {
    const minus = this.OPTION(this.paramMinus);
    const lit = this.literal(this.OR(this.paramLiteralAlts));
    if (this.RECORDING_PHASE || minus === undefined || !this.real(minus)) return lit;
    return { type: "Unary", op: "-", operand: lit, span: this.spanFrom(minus) };
  });

  private riskDecl = this.wholeRule("riskDecl", (): A.RiskDecl | undefined => {
    const first = this.CONSUME(T.Risk);
    const words: IToken[] = [];
    this.AT_LEAST_ONE(() => {
      words.push(this.CONSUME(T.Identifier));
    });
    const v = this.OR(this.riskValueAlts);
    const shares = this.OPTION(this.riskShares);
    if (this.RECORDING_PHASE) return undefined;
    const b = this.build;
    const value = v.tokenType === T.NumberTok ? b.number(v) : v.tokenType === T.Money ? b.money(v) : b.percent(v);
    return {
      type: "RiskDecl",
      setting: words.map((w) => w.image).join(" "),
      settingSpan: b.span(words[0] as IToken, words[words.length - 1] as IToken),
      value,
      shares: shares !== undefined,
      span: this.spanFrom(first),
    };
  });

  private rule = this.recoverableRule("rule", (): A.Rule | undefined => {
    let timeframe: IToken | undefined;
    try {
      const first = this.CONSUME(T.On);
      timeframe = this.CONSUME(T.TimeframeTok);
      if (!this.RECORDING_PHASE) {
        this.ruleStart = first;
        this.ruleTimeframe = this.real(timeframe) ? this.build.timeframe(timeframe) : undefined;
      }
      const body = this.OR(this.ruleAlts);
      return this.ruleTimeframe === undefined ? undefined : body;
    } catch (e) {
      throw this.fail(e, () => (this.real(timeframe) ? this.childPartial<A.Rule>(e) : undefined));
    }
  });

  private trailingStop = this.recoverableRule("trailingStop", (): A.TrailingStopRule | undefined => {
    let first: IToken | undefined;
    let pct: IToken | undefined;
    this.activateToken = undefined;
    try {
      first = this.CONSUME(T.Trailing);
      this.CONSUME(T.Stop);
      pct = this.OR(this.trailAlts);
      const activation = this.OPTION(this.activation);
      return this.trailingStopNode(pct, activation);
    } catch (e) {
      throw this.fail(e, () => {
        // `activate` read but no expression after it: an error spanning the trailing stop so far.
        const activation =
          this.activateToken === undefined
            ? undefined
            : (this.childPartial<A.Expr>(e) ?? this.build.error(this.spanFrom(first as IToken)));
        return this.trailingStopNode(pct, activation);
      });
    }
  });

  private trailingStopNode(pct: IToken | undefined, activation: A.Expr | undefined): A.TrailingStopRule | undefined {
    if (this.RECORDING_PHASE || !this.real(pct)) return undefined;
    const timeframe = this.ruleTimeframe as A.Timeframe;
    const trail: A.PercentLit | A.NameExpr =
      pct.tokenType === T.Identifier
        ? { type: "Name", name: pct.image, span: this.build.tokenSpan(pct) }
        : this.build.percent(pct);
    const span = this.spanFrom(this.ruleStart as IToken);
    return activation === undefined
      ? { type: "TrailingStopRule", timeframe, trail, span }
      : { type: "TrailingStopRule", timeframe, trail, activation, span };
  }

  private conditionRule = this.recoverableRule("conditionRule", (): A.ConditionRule | undefined => {
    const modifiers: A.Modifier[] = [];
    this.modifiers = modifiers;
    let condition: A.Expr | undefined;
    let filter: A.Expr | undefined;
    let window: A.Window | undefined;
    let action: A.Action | undefined;
    /** Which piece is being read: the one a failing subrule's partial value stands for. */
    let piece = 0;
    try {
      condition = this.SUBRULE(this.expression);
      piece = 1;
      filter = this.OPTION(this.withFilter);
      piece = 2;
      window = this.OPTION2(this.betweenWindow);
      piece = 3;
      action = this.SUBRULE(this.action);
      piece = 4;
      this.MANY(this.oneModifier);
    } catch (e) {
      throw this.fail(e, () => {
        const child = this.childPartial<A.Expr & A.Modifier>(e);
        if (piece === 0) condition = child;
        else if (piece === 1) filter = child;
        else if (piece === 4 && child !== undefined) modifiers.push(child);
        return this.conditionRuleNode(condition, filter, window, action, modifiers);
      });
    }
    return this.conditionRuleNode(condition, filter, window, action, modifiers);
  });

  private conditionRuleNode(
    cond: A.Expr | undefined,
    filter: A.Expr | undefined,
    window: A.Window | undefined,
    action: A.Action | undefined,
    modifiers: A.Modifier[],
  ): A.ConditionRule | undefined {
    if (this.RECORDING_PHASE || action === undefined) return undefined;
    const timeframe = this.ruleTimeframe as A.Timeframe;
    const condition = cond ?? this.build.error(this.build.fallback);
    const span = this.spanFrom(this.ruleStart as IToken);
    // One key order whatever is present, so that every AST serialises alike.
    if (filter !== undefined && window !== undefined)
      return { type: "ConditionRule", timeframe, condition, filter, window, action, modifiers, span };
    if (filter !== undefined) return { type: "ConditionRule", timeframe, condition, filter, action, modifiers, span };
    if (window !== undefined) return { type: "ConditionRule", timeframe, condition, window, action, modifiers, span };
    return { type: "ConditionRule", timeframe, condition, action, modifiers, span };
  }

  private action = this.wholeRule("action", (): A.Action | undefined => {
    const first = this.LA(1);
    const action = this.OR(this.actionAlts);
    if (this.RECORDING_PHASE) return undefined;
    return { type: "Action", action, span: this.spanFrom(first) };
  });

  private modifier = this.recoverableRule("modifier", (): A.Modifier | undefined => {
    try {
      return this.OR(this.modifierAlts);
    } catch (e) {
      throw this.fail(e, () => this.childPartial<A.Modifier>(e));
    }
  });

  private sizeSpec = this.wholeRule("sizeSpec", () => this.OR(this.sizeAlts));

  // ----------------------------------------------------------- expressions

  private readonly moreOperands = (): void => {
    this.exprs.push(this.SUBRULE(this.binaryOp));
    this.exprs.push(this.SUBRULE2(this.operand));
  };
  private readonly crossAlts = this.consumeAlts([T.Above, T.Below], 2);
  /** `binaryOp`'s alternatives, one per operator of the precedence table, in its order. */
  private readonly binaryAlts: IOrAlt<Operator>[] = BINARY_OPERATORS.map((op) =>
    op.token === T.Crosses
      ? {
          ALT: () => {
            const crosses = this.CONSUME(T.Crosses);
            try {
              return new CrossOp(crosses, this.OR2(this.crossAlts));
            } catch (e) {
              throw this.fail(e, () => new CrossOp(crosses, undefined));
            }
          },
        }
      : { ALT: () => this.CONSUME(op.token) },
  );
  private readonly onePrefix = (): void => {
    this.prefixes.push(this.OR(this.prefixAlts));
  };
  private readonly prefixAlts = this.consumeAlts([T.Not, T.Minus]);
  private readonly indexMinus = (): IToken => this.CONSUME(T.Minus);
  private readonly oneIndex = (): void => {
    const parts = this.indexParts;
    parts.push(this.CONSUME(T.LBracket));
    parts.push(this.OPTION(this.indexMinus));
    parts.push(this.CONSUME(T.NumberTok));
    parts.push(this.CONSUME(T.RBracket));
  };
  private readonly ofTimeframe = (): IToken => {
    this.CONSUME(T.Of);
    return this.CONSUME(T.TimeframeTok);
  };
  private readonly callArg = (): void => {
    this.args.push(this.SUBRULE(this.expression));
  };
  private readonly callArgs = { SEP: T.Comma, DEF: this.callArg };
  /** The call's arguments; the option is not taken (`undefined`) for a plain name. */
  private readonly callParens = (): A.Expr[] => {
    const base = this.args.length;
    try {
      this.CONSUME(T.LParen);
      this.MANY_SEP(this.callArgs);
      this.CONSUME(T.RParen);
    } catch (e) {
      throw this.fail(e, () => {
        const failedArg = this.childPartial<A.Expr>(e);
        if (failedArg !== undefined) this.args.push(failedArg);
        return this.takeArgs(base);
      });
    }
    return this.takeArgs(base);
  };
  private readonly primaryAlts: IOrAlt<A.Expr>[] = [
    { ALT: () => this.literal(this.CONSUME(T.NumberTok)) },
    { ALT: () => this.literal(this.CONSUME(T.PercentTok)) },
    { ALT: () => this.literal(this.CONSUME(T.Money)) },
    { ALT: () => this.literal(this.CONSUME(T.True)) },
    { ALT: () => this.literal(this.CONSUME(T.False)) },
    { ALT: () => this.literal(this.CONSUME(T.BarFieldCat)) },
    {
      ALT: () => {
        const id = this.CONSUME(T.Identifier);
        let args: A.Expr[] | undefined;
        try {
          args = this.OPTION(this.callParens);
        } catch (e) {
          throw this.fail(e, () => this.callNode(id, this.childPartial<A.Expr[]>(e) ?? []));
        }
        if (this.RECORDING_PHASE) return PLACEHOLDER;
        if (args === undefined) return { type: "Name", name: id.image, span: this.spanFrom(id) };
        return this.callNode(id, args);
      },
    },
    {
      ALT: () => {
        const open = this.CONSUME2(T.LParen);
        let inner: A.Expr | undefined;
        try {
          inner = this.SUBRULE2(this.expression);
          this.CONSUME2(T.RParen);
        } catch (e) {
          throw this.fail(e, () => this.parenNode(open, inner ?? this.childPartial<A.Expr>(e)));
        }
        return this.parenNode(open, inner);
      },
    },
  ];

  private takeArgs(base: number): A.Expr[] {
    const args = this.args.slice(base);
    this.args.length = base;
    return args;
  }

  private callNode(id: IToken, args: A.Expr[]): A.Expr {
    return { type: "Call", callee: this.build.ident(id), args, span: this.spanFrom(id) };
  }

  private parenNode(open: IToken, inner: A.Expr | undefined): A.Expr {
    if (this.RECORDING_PHASE) return PLACEHOLDER;
    return { type: "Paren", inner: inner ?? this.build.error(this.build.fallback), span: this.spanFrom(open) };
  }

  /** A one-token primary. */
  private literal(t: IToken): A.Expr {
    if (this.RECORDING_PHASE) return PLACEHOLDER;
    const b = this.build;
    switch (t.tokenType) {
      case T.NumberTok:
        return b.number(t);
      case T.PercentTok:
        return b.percent(t);
      case T.Money:
        return b.money(t);
      case T.True:
        return { type: "Bool", value: true, span: b.tokenSpan(t) };
      case T.False:
        return { type: "Bool", value: false, span: b.tokenSpan(t) };
      default:
        return { type: "Field", field: t.image as A.BarField, span: b.tokenSpan(t) };
    }
  }

  /** Operands and operators go on `exprs`; precedence is applied when the run ends. */
  private expression = this.recoverableRule("expression", (): A.Expr => {
    const base = this.exprs.mark;
    try {
      this.exprs.push(this.SUBRULE(this.operand));
      this.MANY(this.moreOperands);
    } catch (e) {
      throw this.fail(e, () => {
        // The operand or operator that failed, as far as it got.
        const failed = this.childPartial<Operand | Operator>(e);
        if (failed !== undefined) this.exprs.push(failed);
        return this.exprs.mark === base ? this.build.error(this.build.fallback) : this.exprs.finish(base);
      });
    }
    if (this.RECORDING_PHASE) return PLACEHOLDER;
    return this.exprs.finish(base);
  });

  private binaryOp = this.recoverableRule("binaryOp", (): Operator => {
    try {
      return this.OR(this.binaryAlts);
    } catch (e) {
      throw this.fail(e, () => this.childPartial<Operator>(e));
    }
  });

  /** Prefix operators (`not`, unary `-`) and a postfix expression. */
  private operand = this.recoverableRule("operand", (): Operand => {
    let prefixes: IToken[] | undefined;
    try {
      this.MANY(this.onePrefix);
      prefixes = this.takePrefixes();
      const base = this.SUBRULE(this.postfix);
      return prefixes === undefined ? base : new Prefixed(prefixes, base);
    } catch (e) {
      throw this.fail(e, () => {
        prefixes ??= this.takePrefixes();
        const base = this.childPartial<A.Expr>(e) ?? this.build.error(this.build.fallback);
        return prefixes === undefined ? base : new Prefixed(prefixes, base);
      });
    }
  });

  private takePrefixes(): IToken[] | undefined {
    if (this.prefixes.length === 0) return undefined;
    const prefixes = this.prefixes.slice();
    this.prefixes.length = 0;
    return prefixes;
  }

  private postfix = this.recoverableRule("postfix", (): A.Expr => {
    let target: A.Expr | undefined;
    let mark = -1;
    try {
      target = this.SUBRULE(this.primary);
      mark = this.indexParts.length;
      this.MANY(this.oneIndex);
      const timeframe = this.OPTION2(this.ofTimeframe);
      return this.postfixNode(target, mark, timeframe);
    } catch (e) {
      throw this.fail(e, () =>
        this.postfixNode(
          target ?? this.childPartial<A.Expr>(e) ?? this.build.error(this.build.fallback),
          mark,
          undefined,
        ),
      );
    }
  });

  /** `target` with its index suffixes (from `mark` on in `indexParts`, which are removed) and `of TF`. */
  private postfixNode(target: A.Expr, mark: number, timeframe: IToken | undefined): A.Expr {
    if (this.RECORDING_PHASE) return PLACEHOLDER;
    let e = target;
    if (mark >= 0 && this.indexParts.length > mark) {
      e = this.build.indexChain(e, this.indexParts, mark, this.indexParts.length);
      this.indexParts.length = mark;
    }
    if (!this.real(timeframe)) return e;
    const tf = this.build.timeframe(timeframe);
    return { type: "Of", target: e, timeframe: tf, span: { start: e.span.start, end: tf.span.end } };
  }

  private primary = this.recoverableRule("primary", (): A.Expr => {
    try {
      return this.OR(this.primaryAlts);
    } catch (e) {
      // Nothing read (no alternative fits): an error spanning the whole statement.
      throw this.fail(e, () => this.childPartial<A.Expr>(e) ?? this.build.error(this.build.fallback));
    }
  });
}

/** Returned while Chevrotain records the grammar (the actions' results are unused then). */
const PLACEHOLDER: A.ErrorExpr = {
  type: "ErrorExpr",
  span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } },
};
