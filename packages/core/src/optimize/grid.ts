import { OptimizeInputError } from "./errors.js";
import { axisSize, axisValue, type ParamAxis, type ParamSpace } from "./space.js";

/** Variants a sweep refuses above, unless `--max-variants` raises the cap. */
export const DEFAULT_MAX_VARIANTS = 100_000;

/** The values of one param in a variant, by name. */
export type ParamValues = Readonly<Record<string, number>>;

/**
 * The number of variants of a grid search: the product of the axes' sizes.
 *
 * @throws OptimizeInputError when an axis is continuous (no step to enumerate).
 */
export function gridSize(space: ParamSpace): number {
  let n = 1;
  for (const a of space.axes) n *= stepped(a);
  return n;
}

function stepped(a: ParamAxis): number {
  const size = axisSize(a);
  if (size === undefined)
    throw new OptimizeInputError(
      "OPT_NO_STEP",
      `param \`${a.name}\` has no step, so a grid cannot list its values: give one with --param ${a.name}=MIN..MAX:STEP, or use --search random`,
    );
  return size;
}

/**
 * The variant at `index` of the grid, in this order: the params in source
 * order as nested loops, the first outermost and the last varying fastest
 * (with `a` in 1..2 and `b` in 10..30 step 10: a=1 b=10, a=1 b=20, a=1 b=30,
 * a=2 b=10, ...). Computed from the index alone, so any worker can name any
 * variant and the list is never built.
 */
export function gridVariant(space: ParamSpace, index: number): ParamValues {
  const out: Record<string, number> = {};
  let rest = index;
  for (let i = space.axes.length - 1; i >= 0; i--) {
    const a = space.axes[i] as ParamAxis;
    const size = stepped(a);
    out[a.name] = axisValue(a, rest % size);
    rest = Math.floor(rest / size);
  }
  // Source order for the keys, whatever the loop's direction.
  return Object.fromEntries(space.axes.map((a) => [a.name, out[a.name] as number]));
}

/**
 * Every variant of the grid, in {@link gridVariant}'s order.
 *
 * @throws OptimizeInputError when the grid has more than `maxVariants` variants.
 */
export function gridVariants(space: ParamSpace, maxVariants = DEFAULT_MAX_VARIANTS): ParamValues[] {
  const n = gridSize(space);
  checkCap(n, maxVariants, "the grid");
  return Array.from({ length: n }, (_, i) => gridVariant(space, i));
}

/** Refuses a sweep of more than `maxVariants` variants, saying how to narrow it or raise the cap. */
export function checkCap(n: number, maxVariants: number, what: string): void {
  if (n <= maxVariants) return;
  const show = (v: number) => v.toLocaleString("en-US");
  throw new OptimizeInputError(
    "OPT_TOO_MANY_VARIANTS",
    `${what} has ${show(n)} variants, more than the cap of ${show(maxVariants)}: narrow it with --param NAME=MIN..MAX:STEP, or raise the cap with --max-variants ${show(n).replace(/,/g, "")}`,
  );
}
