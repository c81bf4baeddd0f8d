import type {
  ConditionRule,
  Expr,
  LetDecl,
  Modifier,
  NameExpr,
  PlanFile,
  Statement,
  TrailingStopRule,
} from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import { foldConstant } from "../fold.js";
import { constantValue, letConstants } from "./constant.js";
import type { KindTable } from "./kinds.js";
import type { NameTable } from "./names.js";
import { paramNumbers } from "./params.js";
import { unparen } from "./walk.js";

/**
 * Rule modifiers (E0404: `size`, `confidence`, `stop`, `target`) and
 * trailing stops (E0405).
 */
export function checkModifiers(
  ast: PlanFile,
  names: NameTable,
  kinds: KindTable,
  diagnostics: DiagnosticCollector,
): void {
  const constant = constantsOf(names, kinds);
  const fold = foldsOf(names);
  for (const s of ast.statements) checkStatementModifiers(s, constant, fold, kinds, diagnostics);
}

/** The constant value of an expression, if it is one (see constant.ts). */
export type Constant = (e: Expr) => number | undefined;

/** Constant folding with every let's value computed once (the lets are fixed for a whole check). */
export function constantsOf(names: NameTable, kinds: KindTable): Constant {
  const constants = letConstants(names, kinds);
  return (e) => constantValue(e, names, kinds, constants);
}

/**
 * The compiler's constant folding (fold.ts) over this plan's lets. Where the
 * compiler needs a constant (`activate at`, a `stop` or `target` price), the
 * checker asks this, not {@link Constant}, so that a plan the checker accepts
 * always compiles and `tradeplan check` need not compile.
 */
export interface Fold {
  (e: Expr): number | undefined;
  /** The param `e` names (`stop move` with `param move = 2% in ...`), which the compiler binds to a constant. */
  readonly paramOf: (e: Expr) => LetDecl | undefined;
}

/** {@link Fold} with each let folded once (the lets are fixed for a whole check). */
export function foldsOf(names: NameTable): Fold {
  const memo = new Map<LetDecl, number | undefined>();
  const resolve = (n: NameExpr) => names.resolved.get(n);
  const fold = (e: Expr) => foldConstant(e, resolve, memo);
  const paramOf = (e: Expr) => {
    const x = unparen(e);
    const d = x.type === "Name" ? resolve(x) : undefined;
    return d?.param ? d : undefined;
  };
  return Object.assign(fold, { paramOf });
}

/** One statement's modifiers (a condition rule) or trailing stop; other statements have none. */
export function checkStatementModifiers(
  s: Statement,
  constant: Constant,
  fold: Fold,
  kinds: KindTable,
  diagnostics: DiagnosticCollector,
): void {
  if (s.type === "ConditionRule") checkRuleModifiers(s, constant, fold, kinds, diagnostics);
  else if (s.type === "TrailingStopRule") checkTrailingStop(s, constant, fold, kinds, diagnostics);
}

const WORD: Record<Modifier["type"], string> = {
  Size: "size",
  Confidence: "confidence",
  Stop: "stop",
  Target: "target",
};

function checkRuleModifiers(
  rule: ConditionRule,
  constant: Constant,
  fold: Fold,
  kinds: KindTable,
  diagnostics: DiagnosticCollector,
): void {
  const enters = rule.action.action === "enter_long" || rule.action.action === "enter_short";
  const modifiers = rule.modifiers;
  for (let i = 0; i < modifiers.length; i++) {
    const m = modifiers[i] as Modifier;
    const word = WORD[m.type];
    // At most four kinds of modifier: a scan of the earlier ones instead of a map per rule.
    let first: Modifier | undefined;
    for (let j = 0; j < i && !first; j++) if ((modifiers[j] as Modifier).type === m.type) first = modifiers[j];
    if (first) {
      diagnostics.error("E0404", m.span, `\`${word}\` given twice`, {
        label: "second value",
        hint: `keep one \`${word}\``,
        related: [{ span: first.span, message: `first \`${word}\`` }],
      });
      continue;
    }
    if (!enters && m.type !== "Confidence") {
      diagnostics.error("E0404", m.span, `\`${word}\` only applies to \`enter\` rules`, {
        label: "this rule exits",
        hint: `put \`${word}\` on the rule that enters the position`,
      });
      continue;
    }
    switch (m.type) {
      case "Size":
        checkSize(m, diagnostics);
        break;
      case "Confidence":
        if (typeof m.level !== "string" && !Number.isNaN(m.level.value) && (m.level.value < 0 || m.level.value > 1)) {
          diagnostics.error("E0404", m.level.span, `confidence must be from 0 to 1, found \`${m.level.raw}\``, {
            label: "out of range",
            hint: "write `low`, `medium`, `high` or a number such as `0.8`",
          });
        }
        break;
      case "Stop":
      case "Target":
        checkPriceOffset(word, m.value, constant, fold, kinds, diagnostics);
        break;
    }
  }
}

function checkSize(m: Extract<Modifier, { type: "Size" }>, diagnostics: DiagnosticCollector): void {
  const size = m.size;
  let problem: { span: typeof size.span; message: string; hint: string } | undefined;
  if (size.type === "SizeShares") {
    const v = size.shares.value;
    if (!Number.isNaN(v) && !(Number.isInteger(v) && v > 0)) {
      problem = {
        span: size.shares.span,
        message: `size must be a positive whole number of shares, found \`${size.shares.raw}\``,
        hint: "e.g. `size 100 shares`",
      };
    }
  } else if (size.type === "SizeMoney") {
    const v = size.amount.value;
    if (!Number.isNaN(v) && !(v > 0)) {
      problem = {
        span: size.amount.span,
        message: `size must be a positive amount, found \`${size.amount.raw}\``,
        hint: "e.g. `size $5,000`",
      };
    }
  } else {
    const v = size.percent.value;
    if (!Number.isNaN(v) && !(v > 0 && v <= 100)) {
      problem = {
        span: size.percent.span,
        message: `size must be a percent of equity in (0%, 100%], found \`${size.percent.raw}\``,
        hint: "e.g. `size 10% of equity`",
      };
    }
  }
  if (problem) diagnostics.error("E0404", problem.span, problem.message, { label: "invalid size", hint: problem.hint });
}

/** `stop`/`target`: a price (a number literal adapts) or a percent literal away from the entry. */
function checkPriceOffset(
  word: string,
  value: Expr,
  constant: Constant,
  fold: Fold,
  kinds: KindTable,
  diagnostics: DiagnosticCollector,
): void {
  const t = kinds.ty(value);
  if (!t) return;
  const v = constant(value);
  const param = t.lit === "percent" ? fold.paramOf(value) : undefined;
  if (param) {
    checkPercentParamOffset(word, value, param, diagnostics);
    return;
  }
  if (t.lit === "percent") {
    const tooBig = word === "stop" && v !== undefined && v >= 100;
    if (v !== undefined && (v <= 0 || tooBig)) {
      diagnostics.error(
        "E0404",
        value.span,
        `\`${word}\` percent must be ${word === "stop" ? "in (0%, 100%)" : "positive"}`,
        {
          label: "out of range",
          hint: `e.g. \`${word} 2%\``,
        },
      );
    } else if (value.type !== "Percent") notConstantOffset(word, value, diagnostics);
    return;
  }
  if (t.lit === "number") kinds.adapt(value, "price");
  if (t.kind === "price" || t.lit === "number") {
    if (v !== undefined && v <= 0) {
      diagnostics.error("E0404", value.span, `\`${word}\` price must be positive`, {
        label: "not a price",
        hint: `e.g. \`${word} 145.00\``,
      });
    } else if (fold(value) === undefined) notConstantOffset(word, value, diagnostics);
    return;
  }
  diagnostics.error(
    "E0404",
    value.span,
    `\`${word}\` takes a price or a percent such as \`2%\`, found a \`${t.kind}\``,
    {
      label: `this is a \`${t.kind}\``,
      hint:
        t.kind === "percent"
          ? `write the percent itself, e.g. \`${word} 2%\``
          : `e.g. \`${word} 145.00\` (a price) or \`${word} 2%\` (from the entry price)`,
    },
  );
}

/** `stop move` with a percent param: every value of its range must be a valid distance, as a literal's must. */
function checkPercentParamOffset(word: string, value: Expr, param: LetDecl, diagnostics: DiagnosticCollector): void {
  const n = paramNumbers(param);
  // A malformed range was reported where the param is defined.
  if (!n) return;
  const tooBig = word === "stop" && n.max >= 100;
  if (n.min > 0 && !tooBig) return;
  diagnostics.error(
    "E0404",
    value.span,
    `\`${word}\` percent must be ${word === "stop" ? "in (0%, 100%)" : "positive"}, but param \`${param.name.name}\` ranges over ${n.min}%..${n.max}%`,
    {
      label: "out of range for some values",
      hint: `narrow the range of \`${param.name.name}\`, e.g. \`in 1%..5%\``,
      related: [{ span: param.span, message: `\`${param.name.name}\` is declared here` }],
    },
  );
}

/** `trailing stop trail`: a percent param whose every value is a trail in (0%, 100%). */
function checkTrailParam(trail: NameExpr, fold: Fold, kinds: KindTable, diagnostics: DiagnosticCollector): void {
  const t = kinds.ty(trail);
  // An unknown name was reported as E0201.
  if (!t) return;
  const param = fold.paramOf(trail);
  const n = param && t.kind === "percent" ? paramNumbers(param) : undefined;
  if (!param || t.kind !== "percent") {
    diagnostics.error("E0405", trail.span, `the trail must be a percent or a percent param, found \`${trail.name}\``, {
      label: param ? `a \`${t.kind}\` param` : "not a param",
      hint: "e.g. `trailing stop 2%`, or `param trail = 2% in 1%..5%` and `trailing stop trail`",
    });
    return;
  }
  if (!n || (n.min > 0 && n.max < 100)) return;
  diagnostics.error(
    "E0405",
    trail.span,
    `trail must be between 0% and 100%, but param \`${trail.name}\` ranges over ${n.min}%..${n.max}%`,
    {
      label: "out of range for some values",
      hint: `narrow the range of \`${trail.name}\`, e.g. \`in 1%..5%\``,
      related: [{ span: param.span, message: `\`${trail.name}\` is declared here` }],
    },
  );
}

/** A `stop`/`target` the compiler cannot turn into a number: a percent literal or a constant price is needed. */
function notConstantOffset(word: string, value: Expr, diagnostics: DiagnosticCollector): void {
  diagnostics.error("E0404", value.span, `\`${word}\` needs a constant price or a percent`, {
    label: "not a constant",
    hint: "write a price such as `145.00` or a distance such as `2%`",
  });
}

function checkTrailingStop(
  rule: TrailingStopRule,
  constant: Constant,
  fold: Fold,
  kinds: KindTable,
  diagnostics: DiagnosticCollector,
): void {
  if (rule.trail.type === "Name") checkTrailParam(rule.trail, fold, kinds, diagnostics);
  const trail = rule.trail.type === "Percent" ? rule.trail.value : Number.NaN;
  if (rule.trail.type === "Percent" && !Number.isNaN(trail) && !(trail > 0 && trail < 100)) {
    diagnostics.error("E0405", rule.trail.span, `trail must be between 0% and 100%, found \`${rule.trail.raw}\``, {
      label: "out of range",
      hint: "e.g. `trailing stop 2%`",
    });
  }
  const a = rule.activation;
  if (!a) return;
  const t = kinds.ty(a);
  if (!t) return;
  if (t.lit === "number") kinds.adapt(a, "price");
  if (t.kind === "price" || t.lit === "number") {
    const v = constant(a);
    if (v !== undefined && v <= 0) {
      diagnostics.error("E0405", a.span, "activation price must be positive", {
        label: "not a price",
        hint: "e.g. `activate at 155.00`",
      });
    } else if (fold(a) === undefined) {
      diagnostics.error("E0405", a.span, "`activate at` needs a constant price", {
        label: "not a constant",
        hint: "write a price such as `155.00`, or a `let` that names one",
      });
    }
    return;
  }
  diagnostics.error("E0405", a.span, `\`activate at\` takes a price, found a \`${t.kind}\``, {
    label: `this is a \`${t.kind}\``,
    hint: "e.g. `activate at 155.00`",
  });
}
