import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptimizeInputError } from "../../src/optimize/errors.js";
import { checkCap, DEFAULT_MAX_VARIANTS, gridSize, gridVariant, gridVariants } from "../../src/optimize/grid.js";
import { axisSize, type ParamAxis, type ParamSpace } from "../../src/optimize/space.js";

const axis = (name: string, min: number, max: number, step: number | undefined): ParamAxis => ({
  name,
  kind: "number",
  min,
  max,
  step,
  integer: false,
});
const space = (...axes: ParamAxis[]): ParamSpace => ({ axes, specs: [] });

describe("grid", () => {
  it("lists variants as nested loops in source order, the last param fastest", () => {
    const s = space(axis("a", 1, 2, 1), axis("b", 10, 30, 10));
    expect(gridVariants(s)).toEqual([
      { a: 1, b: 10 },
      { a: 1, b: 20 },
      { a: 1, b: 30 },
      { a: 2, b: 10 },
      { a: 2, b: 20 },
      { a: 2, b: 30 },
    ]);
  });

  it("property: the count is the product of the axes' sizes, every variant differs and lies on its axes", () => {
    const axisArb = fc
      .record({
        min: fc.integer({ min: -50, max: 50 }),
        n: fc.integer({ min: 1, max: 6 }),
        step: fc.integer({ min: 1, max: 7 }),
      })
      .map(({ min, n, step }) => ({ min, max: min + (n - 1) * step, step }));
    fc.assert(
      fc.property(fc.array(axisArb, { minLength: 1, maxLength: 4 }), (specs) => {
        const s = space(...specs.map((a, i) => axis(`p${i}`, a.min, a.max, a.step)));
        const product = s.axes.reduce((p, a) => p * (axisSize(a) as number), 1);
        expect(gridSize(s)).toBe(product);
        const all = gridVariants(s);
        expect(all).toHaveLength(product);
        expect(new Set(all.map((v) => JSON.stringify(v))).size).toBe(product);
        for (const v of all)
          for (const a of s.axes) {
            const x = v[a.name] as number;
            expect(x).toBeGreaterThanOrEqual(a.min);
            expect(x).toBeLessThanOrEqual(a.max);
            expect((x - a.min) % (a.step as number)).toBe(0);
          }
        // Each variant is computed from its index alone.
        for (const [i, v] of all.entries()) expect(gridVariant(s, i)).toEqual(v);
      }),
    );
  });

  it("refuses a continuous axis, saying how to give it a step", () => {
    const s = space(axis("a", 1, 2, 1), axis("move", 1, 5, undefined));
    expect(() => gridSize(s)).toThrow(OptimizeInputError);
    expect(() => gridSize(s)).toThrow(
      "param `move` has no step, so a grid cannot list its values: give one with --param move=MIN..MAX:STEP, or use --search random",
    );
  });

  it("refuses a grid above the cap unless it is raised", () => {
    // 1,001 x 1,001 values: a million variants.
    const s = space(axis("a", 0, 1000, 1), axis("b", 0, 1000, 1));
    expect(() => gridVariants(s)).toThrow(
      "the grid has 1,002,001 variants, more than the cap of 100,000: narrow it with --param NAME=MIN..MAX:STEP, or raise the cap with --max-variants 1002001",
    );
    expect(DEFAULT_MAX_VARIANTS).toBe(100_000);
    expect(() => checkCap(100_000, DEFAULT_MAX_VARIANTS, "the grid")).not.toThrow();
    expect(gridVariants(space(axis("a", 0, 20, 1)), 21)).toHaveLength(21);
    expect(() => gridVariants(space(axis("a", 0, 20, 1)), 20)).toThrow("more than the cap of 20");
  });
});
