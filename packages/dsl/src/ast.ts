/**
 * The typed AST of a `.plan` file. Every node carries its source range.
 *
 * The AST is built by the grammar's actions (`grammar.ts`, no CST) as
 * `parser.ts` parses each line, and never mutated after that: the checker
 * records what it learns in a separate semantic model.
 * Nodes that could not be parsed are represented by `ErrorExpr` so that the
 * rest of the file can still be checked (error recovery).
 */

/** A position in the source. `line` and `column` are 1-based, `offset` 0-based (UTF-16 units). */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** A half-open source range `[start, end)`. */
export interface Span {
  readonly start: Position;
  readonly end: Position;
}

interface NodeBase {
  readonly span: Span;
}

/** The value kinds of the language (see docs/language.md, "Types"). */
export type Kind = "price" | "volume" | "percent" | "number" | "bool" | "timeframe" | "time";

export type BarField = "open" | "high" | "low" | "close" | "volume";

/** An identifier occurrence with its own range (used for let names, symbols, indicator names). */
export interface Ident extends NodeBase {
  readonly type: "Ident";
  readonly name: string;
}

// ---------------------------------------------------------------- literals

/** A plain or suffixed number: `150.25`, `1_000`, `1.5M`. `raw` is the source text. */
export interface NumberLit extends NodeBase {
  readonly type: "Number";
  readonly value: number;
  readonly raw: string;
}

/** `2%`: `value` is the percent number as written (2 for `2%`). */
export interface PercentLit extends NodeBase {
  readonly type: "Percent";
  readonly value: number;
  readonly raw: string;
}

/** `$2,000`: an amount of account currency. */
export interface MoneyLit extends NodeBase {
  readonly type: "Money";
  readonly value: number;
  readonly raw: string;
}

export interface BoolLit extends NodeBase {
  readonly type: "Bool";
  readonly value: boolean;
}

/** A timeframe such as `5m`: `seconds` is its length. */
export interface Timeframe extends NodeBase {
  readonly type: "Timeframe";
  readonly raw: string;
  readonly amount: number;
  readonly unit: "s" | "m" | "h" | "d";
  readonly seconds: number;
}

/** A time of day `HH:MM`, in minutes after midnight in the plan's time zone. */
export interface TimeOfDay extends NodeBase {
  readonly type: "Time";
  readonly raw: string;
  readonly hour: number;
  readonly minute: number;
}

export interface StringLit extends NodeBase {
  readonly type: "String";
  /** The unquoted, unescaped value. */
  readonly value: string;
}

// ------------------------------------------------------------- expressions

export interface FieldExpr extends NodeBase {
  readonly type: "Field";
  readonly field: BarField;
}

/** A reference to a `let` name (or an unknown identifier, reported by the checker). */
export interface NameExpr extends NodeBase {
  readonly type: "Name";
  readonly name: string;
}

/** `sma(close, 20)`: the callee is resolved by the checker against the indicator table. */
export interface CallExpr extends NodeBase {
  readonly type: "Call";
  readonly callee: Ident;
  readonly args: readonly Expr[];
}

/** `close[1]`: the value `offset` bars ago on the same stream. */
export interface IndexExpr extends NodeBase {
  readonly type: "Index";
  readonly target: Expr;
  /** The index literal; the checker rejects negative and fractional values. */
  readonly index: NumberLit;
  /** True when the source wrote a minus sign, e.g. `close[-1]`. */
  readonly negative: boolean;
}

/** `sma(close, 20) of 1d`: the target evaluated on the last closed bar of another timeframe. */
export interface OfExpr extends NodeBase {
  readonly type: "Of";
  readonly target: Expr;
  readonly timeframe: Timeframe;
}

export type ArithOp = "+" | "-" | "*" | "/";
export type CompareOp = ">" | ">=" | "<" | "<=" | "==" | "!=";

export interface BinaryExpr extends NodeBase {
  readonly type: "Binary";
  readonly op: ArithOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface UnaryExpr extends NodeBase {
  readonly type: "Unary";
  readonly op: "-" | "not";
  readonly operand: Expr;
}

/** `a > b`, `a above b` (same as `>`), `a below b` (same as `<`). `word` keeps what was written. */
export interface CompareExpr extends NodeBase {
  readonly type: "Compare";
  readonly op: CompareOp;
  readonly word?: "above" | "below";
  readonly left: Expr;
  readonly right: Expr;
}

/** `a crosses above b`: `a > b` now and `a <= b` on the previous bar (mirrored for below). */
export interface CrossExpr extends NodeBase {
  readonly type: "Cross";
  readonly direction: "above" | "below";
  readonly left: Expr;
  readonly right: Expr;
}

export interface LogicalExpr extends NodeBase {
  readonly type: "Logical";
  readonly op: "and" | "or";
  readonly left: Expr;
  readonly right: Expr;
}

export interface ParenExpr extends NodeBase {
  readonly type: "Paren";
  readonly inner: Expr;
}

/** Stands where an expression failed to parse; the checker skips it silently. */
export interface ErrorExpr extends NodeBase {
  readonly type: "ErrorExpr";
}

export type Expr =
  | NumberLit
  | PercentLit
  | MoneyLit
  | BoolLit
  | FieldExpr
  | NameExpr
  | CallExpr
  | IndexExpr
  | OfExpr
  | BinaryExpr
  | UnaryExpr
  | CompareExpr
  | CrossExpr
  | LogicalExpr
  | ParenExpr
  | ErrorExpr;

// -------------------------------------------------------------- statements

export interface PlanDecl extends NodeBase {
  readonly type: "PlanDecl";
  readonly name: StringLit;
}

/** `symbol AAPL` or `symbols AAPL, MSFT` (`plural` records which keyword was used). */
export interface SymbolDecl extends NodeBase {
  readonly type: "SymbolDecl";
  readonly plural: boolean;
  /** Identifier or quoted string (`"BRK.B"`). */
  readonly symbols: readonly (Ident | StringLit)[];
}

export interface TimezoneDecl extends NodeBase {
  readonly type: "TimezoneDecl";
  readonly zone: StringLit;
}

export type SessionKind = "regular" | "extended" | "always";

/**
 * `session regular`, `session regular "XEUR"` (an exchange calendar's
 * hours, holidays and early closes) or `session 09:00-17:30` (fixed hours on
 * weekdays in the plan's zone; `session` is then `regular`).
 */
export interface SessionDecl extends NodeBase {
  readonly type: "SessionDecl";
  readonly session: SessionKind;
  /** The keyword's span, or the hours' span for `session 09:00-17:30`. */
  readonly sessionSpan: Span;
  readonly calendar?: StringLit;
  readonly hours?: Window;
}

/**
 * `let NAME = EXPR`, or `param NAME = DEFAULT in MIN..MAX [step STEP]`. A
 * param is a `let` whose value is its default literal (so names, kinds,
 * constants and references treat it as one) plus the range a run may set it
 * to (`tradeplan backtest --set NAME=VALUE`, `compile(..., { params })`).
 */
export interface LetDecl extends NodeBase {
  readonly type: "LetDecl";
  readonly name: Ident;
  /** For a param, its default: a number, percent or money literal, possibly negated (`-2`). */
  readonly value: Expr;
  readonly param?: ParamRange;
}

/** A param's range `MIN..MAX [step STEP]`; each bound is a literal as `LetDecl.value` is. */
export interface ParamRange extends NodeBase {
  readonly type: "ParamRange";
  readonly min: Expr;
  readonly max: Expr;
  readonly step?: Expr;
}

/**
 * `risk max position 500 shares`, `risk max daily loss $2,000`,
 * `risk max orders per minute 10`, `risk max order value $50,000`.
 * The setting words are soft keywords checked by the checker.
 */
export interface RiskDecl extends NodeBase {
  readonly type: "RiskDecl";
  /** The setting's words joined by single spaces, e.g. `max daily loss`. */
  readonly setting: string;
  readonly settingSpan: Span;
  readonly value: NumberLit | MoneyLit | PercentLit;
  /** True when the value was followed by `shares`. */
  readonly shares: boolean;
}

export type ActionKind = "enter_long" | "enter_short" | "exit" | "exit_long" | "exit_short";

export interface Action extends NodeBase {
  readonly type: "Action";
  readonly action: ActionKind;
}

export type SizeSpec =
  | { readonly type: "SizeShares"; readonly span: Span; readonly shares: NumberLit }
  | { readonly type: "SizeMoney"; readonly span: Span; readonly amount: MoneyLit }
  | { readonly type: "SizeEquity"; readonly span: Span; readonly percent: PercentLit };

export type Modifier =
  | { readonly type: "Size"; readonly span: Span; readonly size: SizeSpec }
  | {
      readonly type: "Confidence";
      readonly span: Span;
      /** `low`/`medium`/`high`, or a number literal in 0..1. */
      readonly level: "low" | "medium" | "high" | NumberLit;
    }
  | { readonly type: "Stop"; readonly span: Span; readonly value: Expr }
  | { readonly type: "Target"; readonly span: Span; readonly value: Expr };

export interface Window extends NodeBase {
  readonly type: "Window";
  readonly from: TimeOfDay;
  readonly to: TimeOfDay;
}

/** `on 5m CONDITION [with FILTER] [between T and T] ACTION MODIFIERS*` */
export interface ConditionRule extends NodeBase {
  readonly type: "ConditionRule";
  readonly timeframe: Timeframe;
  readonly condition: Expr;
  readonly filter?: Expr;
  readonly window?: Window;
  readonly action: Action;
  readonly modifiers: readonly Modifier[];
}

/** `on 1m trailing stop 2% [activate at 155.00]`, or `trailing stop trail` with a percent `param trail`. */
export interface TrailingStopRule extends NodeBase {
  readonly type: "TrailingStopRule";
  readonly timeframe: Timeframe;
  readonly trail: PercentLit | NameExpr;
  readonly activation?: Expr;
}

export type Rule = ConditionRule | TrailingStopRule;

export type Statement =
  | PlanDecl
  | SymbolDecl
  | TimezoneDecl
  | SessionDecl
  | LetDecl
  | RiskDecl
  | ConditionRule
  | TrailingStopRule;

/** A comment, kept so that the formatter can reproduce it. */
export interface Comment extends NodeBase {
  readonly type: "Comment";
  /** The text after `#`, without the line break. */
  readonly text: string;
}

/** The root: statements in source order plus the comments between them. */
export interface PlanFile extends NodeBase {
  readonly type: "PlanFile";
  readonly statements: readonly Statement[];
  readonly comments: readonly Comment[];
}

export type Node = Statement | Expr | PlanFile | Ident | StringLit | Timeframe | TimeOfDay | Action | Window;
