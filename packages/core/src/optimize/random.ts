import { Mulberry32 } from "../data/prng.js";
import { OptimizeInputError } from "./errors.js";
import { checkCap, DEFAULT_MAX_VARIANTS, type ParamValues } from "./grid.js";
import { axisSize, axisValue, type ParamAxis, type ParamSpace } from "./space.js";

/** The seed of a random search without `--seed`: fixed, so that a run repeats. */
export const DEFAULT_SEED = 1;

/** Significant digits a value drawn from a continuous axis is rounded to (it is printed and set again with `--set`). */
const CONTINUOUS_DIGITS = 6;

/** One value of `axis` from `rng`: a uniform pick among a stepped axis's values, or uniform over a continuous range. */
function draw(axis: ParamAxis, rng: Mulberry32): number {
  const size = axisSize(axis);
  if (size !== undefined) return axisValue(axis, Math.min(size - 1, Math.floor(rng.next() * size)));
  const v = Number((axis.min + rng.next() * (axis.max - axis.min)).toPrecision(CONTINUOUS_DIGITS));
  return Math.min(axis.max, Math.max(axis.min, v));
}

/** The variants' count when every axis is stepped; undefined when one is continuous. */
function discreteSize(space: ParamSpace): number | undefined {
  let n = 1;
  for (const a of space.axes) {
    const s = axisSize(a);
    if (s === undefined) return undefined;
    n *= s;
  }
  return n;
}

/**
 * `samples` distinct variants drawn with mulberry32 from `seed`: per
 * variant, each param in source order gets a uniform pick of its values
 * (any value of its range when it has no step, rounded to 6 significant
 * digits). A variant drawn twice is drawn again, so all differ. The same
 * space, count and seed give the same variants in the same order on every
 * platform.
 *
 * @throws OptimizeInputError when `samples` is not a positive whole number,
 * is above `maxVariants`, or is not below a stepped space's size (a grid
 * search tries every variant: use it).
 */
export function randomVariants(
  space: ParamSpace,
  samples: number,
  seed = DEFAULT_SEED,
  maxVariants = DEFAULT_MAX_VARIANTS,
): ParamValues[] {
  if (!Number.isSafeInteger(samples) || samples < 1)
    throw new OptimizeInputError("OPT_BAD_SAMPLES", `--samples ${samples}: must be a whole number from 1 up`);
  checkCap(samples, maxVariants, `--samples ${samples}`);
  const size = discreteSize(space);
  if (size !== undefined && samples >= size)
    throw new OptimizeInputError(
      "OPT_BAD_SAMPLES",
      `--samples ${samples}: the space has only ${size} variants; sample fewer, or try them all with --search grid`,
    );
  const rng = new Mulberry32(seed);
  const seen = new Set<string>();
  const out: ParamValues[] = [];
  while (out.length < samples) {
    const v: Record<string, number> = {};
    for (const a of space.axes) v[a.name] = draw(a, rng);
    const key = space.axes.map((a) => v[a.name]).join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}
