import { EmbeddedActionsParser, type IOrAlt, type IToken } from "chevrotain";
import type * as A from "./ast.js";
import { AstBuilder, type BinOp, makeBinary, NOT_BP, PREDICATE_BP } from "./cst-to-ast.js";
import { DiagnosticCollector } from "./diagnostics.js";
import * as T from "./lexer.js";
import { LineIndex, LinePositions } from "./positions.js";

/**
 * The grammar of `grammar.ts` again, with embedded actions that build the
 * AST directly instead of a CST: the fast path for the lines of a file that
 * parse cleanly, which are nearly all of them. Building the CST and
 * converting it was most of the parse's time and garbage.
 *
 * It has no error recovery and reports nothing. A line that does not parse,
 * or whose conversion would report a problem (a malformed number, a chained
 * comparison), is given up (`failed`) and parsed again by `PlanGrammar` and
 * `AstBuilder`, which own every diagnostic and every partial tree. On the
 * lines it accepts it builds exactly what those two build: the same rules
 * with the same alternatives in the same order (so the same lookahead
 * decisions), and the same conversions (`AstBuilder`'s own methods).
 *
 * Rules share state through fields rather than closures, so that no rule
 * call allocates more than the AST it returns: an expression's operands and
 * operators go on `stack`, call arguments on `args`, and each nested rule
 * pops what it pushed before returning.
 */
export class DirectGrammar extends EmbeddedActionsParser {
  /** Set when the line must go to the full parser instead; reset by `parseLine`. */
  private gaveUp = false;
  private readonly giveUpCollector = new GiveUp(() => this.giveUp());
  /** The current file's positions (`begin`); an empty file's until then. */
  private lines = new LinePositions(new LineIndex(""));
  private builder = new AstBuilder(this.giveUpCollector, this.lines);
  /** Operands (`Operand`) and operators (`BinOp`) of the expressions being parsed, interleaved. */
  private readonly stack: (Operand | BinOp)[] = [];
  /** Arguments of the calls being parsed. */
  private readonly args: A.Expr[] = [];
  /** Prefix operators of the operand being parsed (none can nest before it moves them out). */
  private readonly prefixes: IToken[] = [];
  /** The postfix expression being extended by `[N]`: index suffixes hold no nested rule. */
  private postfixTarget: A.Expr = PLACEHOLDER;
  /** The modifiers of the condition rule being parsed (rules do not nest). */
  private modifiers: A.Modifier[] = [];
  /** The rule's `on` token and timeframe, for the rule body that finishes the statement. */
  private ruleStart: IToken | undefined;
  private ruleTimeframe: A.Timeframe | undefined;
  /** Where the Pratt pass is in the current expression's slice of `stack`. */
  private pos = 0;
  private end = 0;

  constructor() {
    super(T.allTokens, { recoveryEnabled: false, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  /**
   * Starts a file whose positions `lines` gives. Conversions report only on
   * input this path gives up on, so their collector turns a report into
   * giving up.
   */
  begin(lines: LinePositions): void {
    this.lines = lines;
    this.builder = new AstBuilder(this.giveUpCollector, lines);
  }

  private giveUp(): void {
    this.gaveUp = true;
  }

  /** The AST of one line's tokens (after `begin`), or `FAILED` when the full parser must handle the line. */
  parseLine(line: IToken[]): A.Statement | undefined | typeof FAILED {
    this.builder.setStatement(line[0] as IToken, line[line.length - 1] as IToken);
    this.gaveUp = false;
    this.stack.length = 0;
    this.args.length = 0;
    this.prefixes.length = 0;
    this.input = line;
    const stmt = this.statement();
    if (this.gaveUp || this.errors.length > 0) return FAILED;
    return stmt;
  }

  /** The span from `first` to the last token consumed so far. */
  private spanFrom(first: IToken): A.Span {
    return this.lines.span(first.startOffset, (this.LA(0).endOffset as number) + 1);
  }

  private tokenSpan(t: IToken): A.Span {
    return this.lines.tokenSpan(t);
  }

  /** `tokenSpan(t).start` and `tokenSpan(t).end`, without the span object joins would throw away. */
  private startOf(t: IToken): A.Position {
    return this.lines.position(t.startOffset);
  }

  private endOf(t: IToken): A.Position {
    return this.lines.position((t.endOffset as number) + 1);
  }

  // ------------------------------------------------------------ statements

  private readonly statementAlts: IOrAlt<A.Statement | undefined>[] = [
    { ALT: () => this.SUBRULE(this.planDecl) },
    { ALT: () => this.SUBRULE(this.symbolDecl) },
    { ALT: () => this.SUBRULE(this.timezoneDecl) },
    { ALT: () => this.SUBRULE(this.sessionDecl) },
    { ALT: () => this.SUBRULE(this.letDecl) },
    { ALT: () => this.SUBRULE(this.riskDecl) },
    { ALT: () => this.SUBRULE(this.rule) },
  ];
  private readonly ruleAlts: IOrAlt<A.Rule | undefined>[] = [
    { ALT: () => this.SUBRULE(this.trailingStop) },
    { ALT: () => this.SUBRULE(this.conditionRule) },
  ];
  private readonly withFilter = (): A.Expr => {
    this.CONSUME(T.With);
    return this.SUBRULE2(this.expression);
  };
  private readonly betweenWindow = (): A.Window | undefined => {
    this.CONSUME(T.Between);
    const from = this.CONSUME(T.Time);
    this.CONSUME(T.And);
    const to = this.CONSUME2(T.Time);
    if (this.RECORDING_PHASE) return undefined;
    const b = this.builder;
    return {
      type: "Window",
      from: b.time(from),
      to: b.time(to),
      span: { start: this.startOf(from), end: this.endOf(to) },
    };
  };
  private readonly oneModifier = (): void => {
    const m = this.SUBRULE(this.modifier);
    if (m !== undefined) this.modifiers.push(m);
  };
  private readonly enterSideAlts: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(T.Long) },
    { ALT: () => this.CONSUME(T.Short) },
  ];
  private readonly exitSideAlts: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME2(T.Long) },
    { ALT: () => this.CONSUME2(T.Short) },
  ];
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
  private readonly confidenceAlts: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(T.Low) },
    { ALT: () => this.CONSUME(T.Medium) },
    { ALT: () => this.CONSUME(T.High) },
    { ALT: () => this.CONSUME(T.NumberTok) },
  ];
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
        if (t.tokenType === T.NumberTok) return { type: "Confidence", span, level: this.builder.number(t) };
        return { type: "Confidence", span, level: t.image as "low" | "medium" | "high" };
      },
    },
    {
      ALT: () => {
        const first = this.CONSUME(T.Stop);
        const value = this.SUBRULE(this.expression);
        if (this.RECORDING_PHASE) return undefined;
        return { type: "Stop", span: this.spanFrom(first), value };
      },
    },
    {
      ALT: () => {
        const first = this.CONSUME(T.Target);
        const value = this.SUBRULE2(this.expression);
        if (this.RECORDING_PHASE) return undefined;
        return { type: "Target", span: this.spanFrom(first), value };
      },
    },
  ];
  private readonly sizeAlts: IOrAlt<A.SizeSpec | undefined>[] = [
    {
      ALT: () => {
        const num = this.CONSUME(T.NumberTok);
        this.CONSUME(T.Shares);
        if (this.RECORDING_PHASE) return undefined;
        return { type: "SizeShares", span: this.spanFrom(num), shares: this.builder.number(num) };
      },
    },
    {
      ALT: () => {
        const money = this.CONSUME(T.Money);
        if (this.RECORDING_PHASE) return undefined;
        return { type: "SizeMoney", span: this.tokenSpan(money), amount: this.builder.money(money) };
      },
    },
    {
      ALT: () => {
        const pct = this.CONSUME(T.PercentTok);
        this.CONSUME(T.Of);
        this.CONSUME(T.Equity);
        if (this.RECORDING_PHASE) return undefined;
        return { type: "SizeEquity", span: this.spanFrom(pct), percent: this.builder.percent(pct) };
      },
    },
  ];

  // ----------------------------------------------------------- expressions

  private readonly moreOperands = (): void => {
    const op = this.SUBRULE(this.binaryOp);
    const operand = this.SUBRULE2(this.operand);
    this.stack.push(op, operand);
  };
  private readonly onePrefix = (): void => {
    this.prefixes.push(this.OR(this.prefixAlts));
  };
  private readonly indexMinus = (): IToken => this.CONSUME(T.Minus);
  private readonly oneIndex = (): void => {
    this.CONSUME(T.LBracket);
    const minus = this.OPTION(this.indexMinus);
    const value = this.CONSUME(T.NumberTok);
    const end = this.CONSUME(T.RBracket);
    if (this.RECORDING_PHASE) return;
    const target = this.postfixTarget;
    this.postfixTarget = {
      type: "Index",
      target,
      index: this.builder.number(value),
      negative: minus !== undefined,
      span: { start: target.span.start, end: this.endOf(end) },
    };
  };
  private readonly ofTimeframe = (): IToken => {
    this.CONSUME(T.Of);
    return this.CONSUME(T.TimeframeTok);
  };
  private readonly callArg = (): void => {
    this.args.push(this.SUBRULE(this.expression));
  };
  private readonly callArgs = { SEP: T.Comma, DEF: this.callArg };
  /** Returns the arguments; `undefined` (no call) when the option is not taken. */
  private readonly callParens = (): A.Expr[] => {
    const base = this.args.length;
    this.CONSUME(T.LParen);
    this.MANY_SEP(this.callArgs);
    this.CONSUME(T.RParen);
    const args = this.args.slice(base);
    this.args.length = base;
    return args;
  };
  private readonly crossAlts: IOrAlt<BinOp>[] = [
    {
      ALT: () => {
        this.CONSUME2(T.Above);
        return CROSS_ABOVE;
      },
    },
    {
      ALT: () => {
        this.CONSUME2(T.Below);
        return CROSS_BELOW;
      },
    },
  ];
  private readonly binaryAlts: IOrAlt<BinOp>[] = [
    this.opAlt(T.Or),
    this.opAlt(T.And),
    this.opAlt(T.Above),
    this.opAlt(T.Below),
    {
      ALT: () => {
        this.CONSUME(T.Crosses);
        return this.OR2(this.crossAlts);
      },
    },
    this.opAlt(T.Gt),
    this.opAlt(T.GtEq),
    this.opAlt(T.Lt),
    this.opAlt(T.LtEq),
    this.opAlt(T.EqEq),
    this.opAlt(T.NotEq),
    this.opAlt(T.Plus),
    this.opAlt(T.Minus),
    this.opAlt(T.Star),
    this.opAlt(T.Slash),
  ];
  private readonly prefixAlts: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(T.Not) },
    { ALT: () => this.CONSUME(T.Minus) },
  ];
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
        const args = this.OPTION(this.callParens);
        if (this.RECORDING_PHASE) return PLACEHOLDER;
        const span = this.spanFrom(id);
        if (args === undefined) return { type: "Name", name: id.image, span };
        return { type: "Call", callee: this.builder.ident(id), args, span };
      },
    },
    {
      ALT: () => {
        const open = this.CONSUME2(T.LParen);
        const inner = this.SUBRULE2(this.expression);
        this.CONSUME2(T.RParen);
        if (this.RECORDING_PHASE) return PLACEHOLDER;
        return { type: "Paren", inner, span: this.spanFrom(open) };
      },
    },
  ];

  /** An alternative of `binaryOp` consuming one operator token. */
  private opAlt(type: typeof T.Or): IOrAlt<BinOp> {
    const op = OPERATORS.get(type) as BinOp;
    return {
      ALT: () => {
        this.CONSUME(type);
        return op;
      },
    };
  }

  /** A one-token primary. */
  private literal(t: IToken): A.Expr {
    if (this.RECORDING_PHASE) return PLACEHOLDER;
    const b = this.builder;
    switch (t.tokenType) {
      case T.NumberTok:
        return b.number(t);
      case T.PercentTok:
        return b.percent(t);
      case T.Money:
        return b.money(t);
      case T.True:
        return { type: "Bool", value: true, span: this.tokenSpan(t) };
      case T.False:
        return { type: "Bool", value: false, span: this.tokenSpan(t) };
      default:
        return { type: "Field", field: t.image as A.BarField, span: this.tokenSpan(t) };
    }
  }

  public statement = this.RULE("statement", () => this.OR(this.statementAlts));

  private planDecl = this.RULE("planDecl", (): A.PlanDecl | undefined => {
    const first = this.CONSUME(T.Plan);
    const s = this.CONSUME(T.StringLit);
    if (this.RECORDING_PHASE) return undefined;
    return { type: "PlanDecl", name: this.builder.string(s), span: this.spanFrom(first) };
  });

  private symbolDecl = this.RULE("symbolDecl", (): A.SymbolDecl | undefined => {
    const kw = this.OR([{ ALT: () => this.CONSUME(T.SymbolKw) }, { ALT: () => this.CONSUME(T.Symbols) }]);
    const symbols: (A.Ident | A.StringLit)[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const s = this.SUBRULE(this.symbolName);
        if (s !== undefined) symbols.push(s);
      },
    });
    if (this.RECORDING_PHASE) return undefined;
    return { type: "SymbolDecl", plural: kw.tokenType === T.Symbols, symbols, span: this.spanFrom(kw) };
  });

  private symbolName = this.RULE("symbolName", (): A.Ident | A.StringLit | undefined => {
    const t = this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.StringLit) }]);
    if (this.RECORDING_PHASE) return undefined;
    return t.tokenType === T.Identifier ? this.builder.ident(t) : this.builder.string(t);
  });

  private timezoneDecl = this.RULE("timezoneDecl", (): A.TimezoneDecl | undefined => {
    const first = this.CONSUME(T.Timezone);
    const s = this.CONSUME(T.StringLit);
    if (this.RECORDING_PHASE) return undefined;
    return { type: "TimezoneDecl", zone: this.builder.string(s), span: this.spanFrom(first) };
  });

  private sessionDecl = this.RULE("sessionDecl", (): A.SessionDecl | undefined => {
    const first = this.CONSUME(T.Session);
    const t = this.OR([
      { ALT: () => this.CONSUME(T.Regular) },
      { ALT: () => this.CONSUME(T.Extended) },
      { ALT: () => this.CONSUME(T.Always) },
    ]);
    if (this.RECORDING_PHASE) return undefined;
    return {
      type: "SessionDecl",
      session: t.image as A.SessionKind,
      sessionSpan: this.tokenSpan(t),
      span: this.spanFrom(first),
    };
  });

  private letDecl = this.RULE("letDecl", (): A.LetDecl | undefined => {
    const first = this.CONSUME(T.Let);
    const id = this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    const value = this.SUBRULE(this.expression);
    if (this.RECORDING_PHASE) return undefined;
    return { type: "LetDecl", name: this.builder.ident(id), value, span: this.spanFrom(first) };
  });

  private riskDecl = this.RULE("riskDecl", (): A.RiskDecl | undefined => {
    const first = this.CONSUME(T.Risk);
    const words: IToken[] = [];
    this.AT_LEAST_ONE(() => {
      words.push(this.CONSUME(T.Identifier));
    });
    const v = this.OR([
      { ALT: () => this.CONSUME(T.NumberTok) },
      { ALT: () => this.CONSUME(T.Money) },
      { ALT: () => this.CONSUME(T.PercentTok) },
    ]);
    const shares = this.OPTION(() => this.CONSUME(T.Shares));
    if (this.RECORDING_PHASE) return undefined;
    const b = this.builder;
    const value = v.tokenType === T.NumberTok ? b.number(v) : v.tokenType === T.Money ? b.money(v) : b.percent(v);
    return {
      type: "RiskDecl",
      setting: words.map((w) => w.image).join(" "),
      settingSpan: { start: this.startOf(words[0] as IToken), end: this.endOf(words[words.length - 1] as IToken) },
      value,
      shares: shares !== undefined,
      span: this.spanFrom(first),
    };
  });

  private rule = this.RULE("rule", (): A.Rule | undefined => {
    const first = this.CONSUME(T.On);
    const tf = this.CONSUME(T.TimeframeTok);
    if (!this.RECORDING_PHASE) {
      this.ruleStart = first;
      this.ruleTimeframe = this.builder.timeframe(tf);
    }
    return this.OR(this.ruleAlts);
  });

  private trailingStop = this.RULE("trailingStop", (): A.TrailingStopRule | undefined => {
    this.CONSUME(T.Trailing);
    this.CONSUME(T.Stop);
    const pct = this.CONSUME(T.PercentTok);
    const activation = this.OPTION(() => {
      this.CONSUME(T.Activate);
      this.CONSUME(T.At);
      return this.SUBRULE(this.expression);
    });
    if (this.RECORDING_PHASE) return undefined;
    const timeframe = this.ruleTimeframe as A.Timeframe;
    const trail = this.builder.percent(pct);
    const span = this.spanFrom(this.ruleStart as IToken);
    return activation === undefined
      ? { type: "TrailingStopRule", timeframe, trail, span }
      : { type: "TrailingStopRule", timeframe, trail, activation, span };
  });

  private conditionRule = this.RULE("conditionRule", (): A.ConditionRule | undefined => {
    this.modifiers = [];
    const condition = this.SUBRULE(this.expression);
    const filter = this.OPTION(this.withFilter);
    const window = this.OPTION2(this.betweenWindow);
    const action = this.SUBRULE(this.action);
    this.MANY(this.oneModifier);
    if (this.RECORDING_PHASE || action === undefined) return undefined;
    const timeframe = this.ruleTimeframe as A.Timeframe;
    const modifiers = this.modifiers;
    const span = this.spanFrom(this.ruleStart as IToken);
    // The key order of `AstBuilder.rule`'s objects, so that both paths serialise alike.
    if (filter !== undefined && window !== undefined)
      return { type: "ConditionRule", timeframe, condition, filter, window, action, modifiers, span };
    if (filter !== undefined) return { type: "ConditionRule", timeframe, condition, filter, action, modifiers, span };
    if (window !== undefined) return { type: "ConditionRule", timeframe, condition, window, action, modifiers, span };
    return { type: "ConditionRule", timeframe, condition, action, modifiers, span };
  });

  private action = this.RULE("action", (): A.Action | undefined => {
    const first = this.LA(1);
    const action = this.OR(this.actionAlts);
    if (this.RECORDING_PHASE) return undefined;
    return { type: "Action", action, span: this.spanFrom(first) };
  });

  private modifier = this.RULE("modifier", () => this.OR(this.modifierAlts));

  private sizeSpec = this.RULE("sizeSpec", () => this.OR(this.sizeAlts));

  /** Operands and operators go on `stack`; precedence is applied when the run ends, as `AstBuilder` does. */
  private expression = this.RULE("expression", (): A.Expr => {
    const first = this.SUBRULE(this.operand);
    const base = this.stack.length;
    this.stack.push(first);
    this.MANY(this.moreOperands);
    if (this.RECORDING_PHASE) return PLACEHOLDER;
    const end = this.stack.length;
    let e: A.Expr;
    if (end === base + 1) {
      e = this.unfold(first);
    } else {
      const savedPos = this.pos;
      const savedEnd = this.end;
      this.pos = base;
      this.end = end;
      e = this.pratt(0);
      this.pos = savedPos;
      this.end = savedEnd;
    }
    this.stack.length = base;
    return e;
  });

  private binaryOp = this.RULE("binaryOp", () => this.OR(this.binaryAlts));

  private operand = this.RULE("operand", (): Operand => {
    this.MANY(this.onePrefix);
    const n = this.prefixes.length;
    const prefixes = n === 0 ? undefined : this.prefixes.slice();
    this.prefixes.length = 0;
    const base = this.SUBRULE(this.postfix);
    return prefixes === undefined ? base : new Prefixed(prefixes, base);
  });

  private postfix = this.RULE("postfix", (): A.Expr => {
    this.postfixTarget = this.SUBRULE(this.primary);
    this.MANY(this.oneIndex);
    const tf = this.OPTION2(this.ofTimeframe);
    const e = this.postfixTarget;
    if (this.RECORDING_PHASE || tf === undefined) return e;
    return {
      type: "Of",
      target: e,
      timeframe: this.builder.timeframe(tf),
      span: { start: e.span.start, end: this.endOf(tf) },
    };
  });

  private primary = this.RULE("primary", () => this.OR(this.primaryAlts));

  // ------------------------------------------------------------ precedence

  /**
   * `AstBuilder.pratt` over `stack[pos..end)` (operands at even distances
   * from the start, operators between them). A chained comparison is an
   * error there, so here it gives up.
   */
  private pratt(minBp: number): A.Expr {
    return this.continueBinary(this.nextOperand(), minBp);
  }

  private continueBinary(first: A.Expr, minBp: number): A.Expr {
    let left = first;
    let lastPredicate = false;
    while (this.pos < this.end) {
      const op = this.stack[this.pos] as BinOp;
      if (op.bp < minBp) break;
      if (op.bp === PREDICATE_BP && lastPredicate) {
        this.giveUp();
        return left;
      }
      this.pos++;
      const right = this.pratt(op.bp + 1);
      left = makeBinary(op, left, right);
      lastPredicate = op.bp === PREDICATE_BP;
    }
    return left;
  }

  private nextOperand(): A.Expr {
    const o = this.stack[this.pos++] as Operand;
    if (!(o instanceof Prefixed)) return o;
    return this.applyPrefixes(o.prefixes, 0, o.base);
  }

  /** A lone operand: its prefixes apply to it alone. */
  private unfold(o: Operand): A.Expr {
    if (!(o instanceof Prefixed)) return o;
    const savedPos = this.pos;
    const savedEnd = this.end;
    this.pos = 0;
    this.end = 0;
    const e = this.applyPrefixes(o.prefixes, 0, o.base);
    this.pos = savedPos;
    this.end = savedEnd;
    return e;
  }

  private applyPrefixes(prefixes: readonly IToken[], i: number, base: A.Expr): A.Expr {
    const p = prefixes[i];
    if (p === undefined) return base;
    const inner = this.applyPrefixes(prefixes, i + 1, base);
    if (p.image === "-")
      return { type: "Unary", op: "-", operand: inner, span: { start: this.startOf(p), end: inner.span.end } };
    const operand = this.continueBinary(inner, NOT_BP);
    return { type: "Unary", op: "not", operand, span: { start: this.startOf(p), end: operand.span.end } };
  }
}

/** `parseLine`'s answer for a line it leaves to the full parser. */
export const FAILED: unique symbol = Symbol("FAILED");

/** An operand with prefix operators (`not`, unary `-`); a plain operand is just its expression. */
class Prefixed {
  constructor(
    readonly prefixes: readonly IToken[],
    readonly base: A.Expr,
  ) {}
}

type Operand = A.Expr | Prefixed;

/** Returned while Chevrotain records the grammar (the actions' results are unused then). */
const PLACEHOLDER: A.ErrorExpr = {
  type: "ErrorExpr",
  span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } },
};

/** Operators need no span here: only a chained comparison's error uses it, and this path gives up on those. */
const NO_SPAN = PLACEHOLDER.span;
const CROSS_ABOVE: BinOp = { bp: PREDICATE_BP, span: NO_SPAN, kind: "cross", image: "crosses", direction: "above" };
const CROSS_BELOW: BinOp = { bp: PREDICATE_BP, span: NO_SPAN, kind: "cross", image: "crosses", direction: "below" };
const OPERATORS: ReadonlyMap<typeof T.Or, BinOp> = new Map([
  [T.Or, { bp: 1, span: NO_SPAN, kind: "logical", image: "or" }],
  [T.And, { bp: 2, span: NO_SPAN, kind: "logical", image: "and" }],
  [T.Above, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: "above" }],
  [T.Below, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: "below" }],
  [T.Gt, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: ">" }],
  [T.GtEq, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: ">=" }],
  [T.Lt, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: "<" }],
  [T.LtEq, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: "<=" }],
  [T.EqEq, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: "==" }],
  [T.NotEq, { bp: PREDICATE_BP, span: NO_SPAN, kind: "compare", image: "!=" }],
  [T.Plus, { bp: 5, span: NO_SPAN, kind: "arith", image: "+" }],
  [T.Minus, { bp: 5, span: NO_SPAN, kind: "arith", image: "-" }],
  [T.Star, { bp: 6, span: NO_SPAN, kind: "arith", image: "*" }],
  [T.Slash, { bp: 6, span: NO_SPAN, kind: "arith", image: "/" }],
]);

/** A collector that never keeps anything: a report means the line must take the full path. */
class GiveUp extends DiagnosticCollector {
  constructor(private readonly onReport: () => void) {
    super();
  }

  override report(): void {
    this.onReport();
  }
}
