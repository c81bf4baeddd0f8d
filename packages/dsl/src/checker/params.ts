import type { Expr, LetDecl, NameExpr, ParamRange } from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import { printExpr } from "./print.js";
import { didYouMean } from "./suggest.js";
import { unparen } from "./walk.js";

/**
 * Params: `param NAME = DEFAULT in MIN..MAX [step STEP]` (a `let` with a
 * range, see `LetDecl`). This module holds the one definition of a param's
 * numbers, of the range checks (E0213-E0215, E0217) and of what a value set
 * from outside must satisfy (`--set`, `compile(..., { params })`).
 */

/** The literal kind a param's values are written in: number, percent (`2%`) or money (`$150`). */
export type ParamLiteral = "number" | "percent" | "money";

/** A param's numbers, in the units the compiled plan uses (percent units for percents: 2 for `2%`). */
export interface ParamNumbers {
  readonly literal: ParamLiteral;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly step?: number;
}

/** Steps are compared in units of this fraction of the step, so that `0.1` steps over `0.3` count as whole. */
const STEP_TOLERANCE = 1e-9;

/** The value and literal kind of a param bound (a literal or a negated literal); undefined for anything else. */
export function paramBound(e: Expr): { value: number; literal: ParamLiteral } | undefined {
  const neg = e.type === "Unary" && e.op === "-";
  const lit = neg ? e.operand : e;
  if (lit.type !== "Number" && lit.type !== "Percent" && lit.type !== "Money") return undefined;
  if (!Number.isFinite(lit.value)) return undefined;
  const literal: ParamLiteral = lit.type === "Number" ? "number" : lit.type === "Percent" ? "percent" : "money";
  return { value: neg ? -lit.value : lit.value, literal };
}

/** A param's numbers, or undefined when a bound did not parse (already reported) or the kinds differ. */
export function paramNumbers(decl: LetDecl): ParamNumbers | undefined {
  const range = decl.param;
  if (!range) return undefined;
  const d = paramBound(decl.value);
  const lo = paramBound(range.min);
  const hi = paramBound(range.max);
  const st = range.step ? paramBound(range.step) : undefined;
  if (!d || !lo || !hi || (range.step && !st)) return undefined;
  if ([lo, hi, st].some((b) => b !== undefined && b.literal !== d.literal)) return undefined;
  return st
    ? { literal: d.literal, default: d.value, min: lo.value, max: hi.value, step: st.value }
    : { literal: d.literal, default: d.value, min: lo.value, max: hi.value };
}

/** Whether `value` is `min` plus a whole number of `step`s (within a rounding tolerance). */
export function onStep(value: number, min: number, step: number): boolean {
  const n = (value - min) / step;
  return Math.abs(n - Math.round(n)) <= STEP_TOLERANCE * Math.max(1, Math.abs(n));
}

/** How a param value is written in messages: `3700`, `2%`, `$150`. */
export function showParamValue(value: number, literal: ParamLiteral): string {
  const v = String(value);
  return literal === "percent" ? `${v}%` : literal === "money" ? `${value < 0 ? "-" : ""}$${Math.abs(value)}` : v;
}

/**
 * The checks of one param's range, reported where it is defined: bounds of
 * one literal kind (E0217), a non-empty range (E0214), a positive step that
 * divides it (E0215) and a default inside it, on a step (E0213).
 */
export function checkParamRange(decl: LetDecl, range: ParamRange, diagnostics: DiagnosticCollector): void {
  const name = decl.name.name;
  const d = paramBound(decl.value);
  const lo = paramBound(range.min);
  const hi = paramBound(range.max);
  const st = range.step ? paramBound(range.step) : undefined;
  // A malformed literal was reported as E0005 already.
  if (!d || !lo || !hi || (range.step && !st)) return;
  const bounds: [Expr, { literal: ParamLiteral }][] = [
    [range.min, lo],
    [range.max, hi],
  ];
  if (range.step && st) bounds.push([range.step, st]);
  let mixed = false;
  for (const [e, b] of bounds) {
    if (b.literal === d.literal) continue;
    mixed = true;
    diagnostics.error(
      "E0217",
      e.span,
      `\`${printExpr(e)}\` is a ${b.literal}, but the default of \`${name}\` is a ${d.literal}`,
      {
        label: `expected a ${d.literal} like \`${printExpr(decl.value)}\``,
        hint: "write the default, the bounds and the step in one kind: all numbers, all percents or all money",
      },
    );
  }
  if (mixed) return;
  const show = (v: number) => showParamValue(v, d.literal);
  if (lo.value > hi.value) {
    diagnostics.error("E0214", range.span, `the range of \`${name}\` is empty: ${show(lo.value)} > ${show(hi.value)}`, {
      label: "the lower bound comes first",
      hint: `write \`${show(hi.value)}..${show(lo.value)}\``,
    });
    return;
  }
  if (st && range.step) {
    if (st.value <= 0) {
      diagnostics.error("E0215", range.step.span, `the step of \`${name}\` must be positive, found ${show(st.value)}`, {
        label: "not a positive step",
        hint: "remove `step` to allow any value in the range, or write a positive step",
      });
      return;
    }
    if (!onStep(hi.value, lo.value, st.value)) {
      diagnostics.error(
        "E0215",
        range.step.span,
        `the step ${show(st.value)} does not divide the range ${show(lo.value)}..${show(hi.value)} of \`${name}\``,
        {
          label: "the upper bound is not on a step",
          hint: `make \`max - min\` a whole number of steps, e.g. \`${show(lo.value)}..${show(lo.value + Math.max(1, Math.floor((hi.value - lo.value) / st.value)) * st.value)}\``,
        },
      );
      return;
    }
  }
  if (d.value < lo.value || d.value > hi.value) {
    diagnostics.error(
      "E0213",
      decl.value.span,
      `the default ${show(d.value)} of \`${name}\` is outside its range ${show(lo.value)}..${show(hi.value)}`,
      {
        label: "outside the range",
        hint: "move the default into the range, or widen the range",
      },
    );
  } else if (st && !onStep(d.value, lo.value, st.value)) {
    diagnostics.error(
      "E0213",
      decl.value.span,
      `the default ${show(d.value)} of \`${name}\` is not on a step of ${show(st.value)} from ${show(lo.value)}`,
      {
        label: "between two steps",
        hint: "make the default the lower bound plus a whole number of steps",
      },
    );
  }
}

/** A param as a value set from outside must satisfy it (the compiled plan's `params` entries have this shape). */
export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamLiteral;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  /** Used as an indicator period: only whole numbers. */
  readonly integer: boolean;
}

/** A value set for a param that the plan does not accept; `message` is one line saying what to fix. */
export class ParamValueError extends RangeError {
  constructor(
    message: string,
    /** The param's name as given. */
    readonly param: string,
  ) {
    super(message);
    this.name = "ParamValueError";
  }
}

/** The error for a value set for a name the plan does not declare, with the closest declared name. */
export function unknownParam(name: string, specs: readonly ParamSpec[]): ParamValueError {
  const names = specs.map((s) => s.name);
  const guess = didYouMean(name, names);
  const known = names.length === 0 ? "the plan declares no params" : `its params are ${names.join(", ")}`;
  return new ParamValueError(
    `unknown param \`${name}\`${guess ? `; did you mean \`${guess}\`?` : ` (${known})`}`,
    name,
  );
}

/**
 * Checks values set for a plan's params (`--set NAME=VALUE`, an optimizer's
 * variant): each name is declared, each value is finite, in the range, on a
 * step and whole where a period needs it. Returns every param's value (the
 * default where none was set), in declaration order.
 *
 * @throws ParamValueError for the first value that is not accepted.
 */
export function bindParams(specs: readonly ParamSpec[], values: Readonly<Record<string, number>>): Map<string, number> {
  const byName = new Map(specs.map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(values)) {
    const p = byName.get(name);
    if (!p) throw unknownParam(name, specs);
    const show = (v: number) => showParamValue(v, p.kind);
    if (!Number.isFinite(value)) throw new ParamValueError(`param \`${name}\` must be a finite number`, name);
    if (value < p.min || value > p.max)
      throw new ParamValueError(
        `param \`${name}\` = ${show(value)} is outside its range ${show(p.min)}..${show(p.max)}`,
        name,
      );
    if (p.step !== undefined && !onStep(value, p.min, p.step))
      throw new ParamValueError(
        `param \`${name}\` = ${show(value)} is not on its step: ${show(p.min)} plus a multiple of ${show(p.step)}`,
        name,
      );
    if (p.integer && !Number.isInteger(value))
      throw new ParamValueError(
        `param \`${name}\` = ${show(value)} must be a whole number: it is an indicator period`,
        name,
      );
  }
  return new Map(specs.map((p) => [p.name, Object.hasOwn(values, p.name) ? (values[p.name] as number) : p.default]));
}

/**
 * Parses the value of `--set NAME=VALUE` for a param of literal kind
 * `kind`: a plain number (`3650`, `-1.5`, `2.5`), or the param's own
 * literal form (`2.5%` for a percent, `$150` for money). Undefined when it
 * is neither.
 */
export function parseParamValue(text: string, kind: ParamLiteral): number | undefined {
  const m = /^(-)?(\$)?(\d+(?:\.\d+)?|\.\d+)(%)?$/.exec(text.trim());
  if (!m || (m[2] && kind !== "money") || (m[4] && kind !== "percent")) return undefined;
  const v = Number(m[3]);
  return m[1] ? -v : v;
}

/** The param an indicator's period argument names (`sma(close, period)`), if it is one. */
export function periodParam(arg: Expr, resolve: (e: NameExpr) => LetDecl | undefined): LetDecl | undefined {
  const e = unparen(arg);
  if (e.type !== "Name") return undefined;
  const d = resolve(e);
  return d?.param ? d : undefined;
}

/**
 * Why a param cannot be a period (E0216), or undefined when every value it
 * may take is a positive whole number: the default, the bounds and the step.
 */
export function periodProblem(n: ParamNumbers): string | undefined {
  if (n.literal !== "number") return `it is a ${n.literal}, not a number of bars`;
  if (n.min < 1) return `its range starts at ${n.min}, below 1 bar`;
  const fractional = [n.default, n.min, n.max, n.step].find((v) => v !== undefined && !Number.isInteger(v));
  if (fractional !== undefined) return `${fractional} is not a whole number of bars`;
  return undefined;
}
