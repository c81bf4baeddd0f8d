import {
  bindParams,
  type CompiledParam,
  type ParamSpec,
  ParamValueError,
  parseParamValue,
  showParamValue,
  unknownParam,
} from "@tradeplan/dsl";
import { OptimizeInputError } from "./errors.js";

/**
 * One param as a sweep varies it: the values from `min` to `max` (both
 * included) on `step`, or any value between them when `step` is undefined
 * (only random search draws from such an axis). A fixed param is an axis of
 * one value (`min === max`).
 */
export interface ParamAxis {
  readonly name: string;
  readonly kind: ParamSpec["kind"];
  readonly min: number;
  readonly max: number;
  /** Undefined: continuous (no step declared or given, not a period). */
  readonly step: number | undefined;
  /** An indicator period: whole numbers only. */
  readonly integer: boolean;
}

/** The params a sweep varies, in the plan's source order, and what the plan accepts for each. */
export interface ParamSpace {
  readonly axes: readonly ParamAxis[];
  /** The plan's params as compiled, for checking values and for messages. */
  readonly specs: readonly ParamSpec[];
}

/** A `--param` as written: `NAME=MIN..MAX[:STEP]` narrows or re-steps a param, `NAME=V` fixes it. */
export interface ParamOption {
  readonly name: string;
  readonly text: string;
  /** The value texts: one for a fixed value, two (and a step) for a range. */
  readonly min: string;
  readonly max: string | undefined;
  readonly step: string | undefined;
}

/** How a `--param` is written, for messages. */
const PARAM_FORM = "write NAME=MIN..MAX[:STEP] or NAME=VALUE, e.g. --param threshold=3650..3750:10";

/**
 * Parses one `--param` text.
 * @throws OptimizeInputError when it is neither `NAME=MIN..MAX[:STEP]` nor `NAME=VALUE`.
 */
export function parseParamOption(text: string): ParamOption {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(text);
  if (!m?.[1] || m[2] === undefined)
    throw new OptimizeInputError("OPT_BAD_PARAM", `--param \`${text}\`: ${PARAM_FORM}`);
  const name = m[1];
  const body = m[2];
  const dots = body.indexOf("..");
  if (dots > 0) {
    const rest = body.slice(dots + 2);
    const colon = rest.indexOf(":");
    const max = colon < 0 ? rest : rest.slice(0, colon);
    const step = colon < 0 ? undefined : rest.slice(colon + 1);
    if (max !== "" && step !== "") return { name, text, min: body.slice(0, dots), max, step };
  }
  if (body.includes("..") || body.includes(":"))
    throw new OptimizeInputError("OPT_BAD_PARAM", `--param \`${text}\`: ${PARAM_FORM}`);
  return { name, text, min: body, max: undefined, step: undefined };
}

/** Decimals needed to write `v` (`0.25` -> 2); grid values are rounded to the most their inputs need. */
export function decimals(v: number): number {
  const s = String(v);
  const e = /e-(\d+)$/.exec(s);
  if (e?.[1]) return Number(e[1]) + (s.split("e")[0]?.split(".")[1]?.length ?? 0);
  return s.split(".")[1]?.length ?? 0;
}

/** The number of values on `axis`; undefined for a continuous one. */
export function axisSize(axis: ParamAxis): number | undefined {
  if (axis.min === axis.max) return 1;
  if (axis.step === undefined) return undefined;
  return Math.round((axis.max - axis.min) / axis.step) + 1;
}

/** The `k`-th value of a stepped axis (0 = min), rounded so that `0.1 + 2 * 0.1` reads `0.3`. */
export function axisValue(axis: ParamAxis, k: number): number {
  if (axis.step === undefined) return axis.min;
  const d = Math.min(12, Math.max(decimals(axis.min), decimals(axis.step)));
  return Number((axis.min + k * axis.step).toFixed(d));
}

/** The axis a param has when no `--param` names it: its declared range and step (1 for a period without one). */
function declaredAxis(p: ParamSpec): ParamAxis {
  const step = p.step ?? (p.integer ? 1 : undefined);
  return { name: p.name, kind: p.kind, min: p.min, max: p.max, step, integer: p.integer };
}

/** A value text of a `--param` as the param's kind reads it, checked against what the plan accepts. */
function acceptedValue(option: ParamOption, text: string, spec: ParamSpec, specs: readonly ParamSpec[]): number {
  const v = parseParamValue(text, spec.kind);
  if (v === undefined) {
    const example = spec.kind === "percent" ? "2.5 or 2.5%" : spec.kind === "money" ? "150 or $150" : "20 or 1.5";
    throw new OptimizeInputError(
      "OPT_BAD_PARAM",
      `--param \`${option.text}\`: \`${text}\` is not a number (write e.g. ${example})`,
    );
  }
  try {
    bindParams(specs, { [spec.name]: v });
  } catch (e) {
    if (e instanceof ParamValueError)
      throw new OptimizeInputError("OPT_BAD_PARAM", `--param \`${option.text}\`: ${e.message}`);
    throw e;
  }
  return v;
}

/** The axis a `--param` gives its param: a fixed value, or a narrower range (on a multiple of the declared step). */
function overriddenAxis(option: ParamOption, spec: ParamSpec, specs: readonly ParamSpec[]): ParamAxis {
  const base = { name: spec.name, kind: spec.kind, integer: spec.integer };
  const min = acceptedValue(option, option.min, spec, specs);
  if (option.max === undefined) return { ...base, min, max: min, step: undefined };
  const max = acceptedValue(option, option.max, spec, specs);
  const show = (v: number) => showParamValue(v, spec.kind);
  if (max < min)
    throw new OptimizeInputError(
      "OPT_BAD_PARAM",
      `--param \`${option.text}\`: the range is empty (${show(min)} > ${show(max)}); write MIN..MAX`,
    );
  if (option.step === undefined) {
    const declared = declaredAxis(spec);
    return { ...base, min, max, step: declared.step };
  }
  const step = parseParamValue(option.step, spec.kind);
  if (step === undefined || !(step > 0))
    throw new OptimizeInputError(
      "OPT_BAD_PARAM",
      `--param \`${option.text}\`: the step \`${option.step}\` must be a positive number`,
    );
  const k = spec.step === undefined ? 0 : step / spec.step;
  if (spec.step !== undefined && Math.abs(k - Math.round(k)) > 1e-9 * Math.max(1, k))
    throw new OptimizeInputError(
      "OPT_BAD_PARAM",
      `--param \`${option.text}\`: the step ${show(step)} is not a multiple of \`${spec.name}\`'s declared step ${show(spec.step)}`,
    );
  // Every value of the new grid must be one the plan accepts: min is checked; min + step checks the step.
  if (min + step <= spec.max) acceptedValue(option, String(Number((min + step).toFixed(12))), spec, specs);
  const n = (max - min) / step;
  if (Math.abs(n - Math.round(n)) > 1e-9 * Math.max(1, n))
    throw new OptimizeInputError(
      "OPT_BAD_PARAM",
      `--param \`${option.text}\`: the step ${show(step)} does not divide the range ${show(min)}..${show(max)}`,
    );
  return { ...base, min, max, step };
}

/**
 * The space of a plan's params (`plan.params`, in source order) with the
 * `--param` options applied: each narrows, re-steps or fixes one param.
 *
 * @throws OptimizeInputError for a plan without params, a `--param` for an
 * unknown name (with the closest name), a value outside the declared
 * range, off its step or fractional for a period, or an empty range.
 */
export function buildSpace(params: readonly CompiledParam[] | undefined, options: readonly string[]): ParamSpace {
  const specs: ParamSpec[] = (params ?? []).map((p) => ({
    name: p.name,
    kind: p.kind,
    default: p.default,
    min: p.min,
    max: p.max,
    integer: p.integer,
    ...(p.step !== undefined ? { step: p.step } : {}),
  }));
  if (specs.length === 0)
    throw new OptimizeInputError(
      "OPT_NO_PARAMS",
      "the plan declares no params, so there is nothing to optimize: add one, e.g. `param threshold = 3700 in 3600..3800 step 10`",
    );
  const given = new Map<string, ParamOption>();
  for (const text of options) {
    const option = parseParamOption(text);
    if (!specs.some((s) => s.name === option.name))
      throw new OptimizeInputError("OPT_BAD_PARAM", `--param \`${text}\`: ${unknownParam(option.name, specs).message}`);
    given.set(option.name, option);
  }
  const axes = specs.map((spec) => {
    const option = given.get(spec.name);
    return option ? overriddenAxis(option, spec, specs) : declaredAxis(spec);
  });
  return { axes, specs };
}

/** The axes with more than one value: what a heatmap or a table's columns show. */
export function varyingAxes(space: ParamSpace): ParamAxis[] {
  return space.axes.filter((a) => axisSize(a) !== 1);
}

/** `name=value` pairs as the plan writes them (`threshold=3650, move=2%`). */
export function showParams(space: ParamSpace, params: Readonly<Record<string, number>>): string {
  return space.axes.map((a) => `${a.name}=${showParamValue(params[a.name] ?? Number.NaN, a.kind)}`).join(", ");
}
