import type { Expr, Kind, LetDecl, NameExpr, Rule, SessionKind } from "./ast.js";

/** What the checker learned about a plan; the AST itself is never mutated. */
export interface PlanSettings {
  /** From `plan "NAME"`, or the file name's stem given in options, or `untitled`. */
  readonly name: string;
  /** From `symbol`/`symbols`, else from `AnalyzeOptions.symbol`. */
  readonly symbols: readonly string[];
  readonly timezone: string;
  readonly session: SessionKind;
  /** The calendar id `session` names (`XEUR`); undefined for the default, NYSE. */
  readonly calendar?: string;
  /** `session 09:00-17:30`: fixed hours, `HH:MM`. */
  readonly hours?: { readonly open: string; readonly close: string };
  readonly risk: {
    readonly maxPositionShares?: number;
    readonly maxOrderValue?: number;
    readonly maxDailyLoss?: number;
    readonly maxDailyLossPercent?: number;
    readonly maxOrdersPerMinute?: number;
  };
}

/** Per-rule facts the compiler, LSP hover and `explain` use. */
export interface RuleInfo {
  /** Bars of history the rule needs on its own timeframe before it can fire. */
  readonly lookback: number;
  /** Bars needed on each other timeframe it reads with `of`, keyed by timeframe string (e.g. `1d`). */
  readonly otherTimeframes: ReadonlyMap<string, number>;
}

export interface SemanticModel {
  readonly settings: PlanSettings;
  /** The inferred kind of an expression node; undefined where it could not be inferred (an error was reported). */
  kindOf(e: Expr): Kind | undefined;
  /** All `let`s by name (the first definition when duplicated). */
  readonly lets: ReadonlyMap<string, LetDecl>;
  /** The `let` a name refers to, if any. */
  resolve(e: NameExpr): LetDecl | undefined;
  /** Every use of a `let`. */
  references(decl: LetDecl): readonly NameExpr[];
  ruleInfo(rule: Rule): RuleInfo | undefined;
}
