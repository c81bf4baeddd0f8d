import { describe, expect, it } from "vitest";
import { DEFAULT_SEED, randomVariants } from "../../src/optimize/random.js";
import type { ParamAxis, ParamSpace } from "../../src/optimize/space.js";

const axes: ParamAxis[] = [
  { name: "threshold", kind: "number", min: 3600, max: 3800, step: 10, integer: false },
  { name: "move", kind: "percent", min: 1, max: 5, step: undefined, integer: false },
  { name: "length", kind: "number", min: 10, max: 50, step: 1, integer: true },
];
const space: ParamSpace = { axes, specs: [] };

describe("random search", () => {
  it("repeats with the same seed (the default is documented), and differs with another", () => {
    expect(DEFAULT_SEED).toBe(1);
    const a = randomVariants(space, 50);
    expect(randomVariants(space, 50, DEFAULT_SEED)).toEqual(a);
    expect(randomVariants(space, 50, 7)).toEqual(randomVariants(space, 50, 7));
    expect(randomVariants(space, 50, 7)).not.toEqual(a);
    // A longer run starts with the shorter one's variants.
    expect(randomVariants(space, 80).slice(0, 50)).toEqual(a);
  });

  it("draws distinct variants inside each axis: on the step, whole for periods, 6 digits for continuous ones", () => {
    const all = randomVariants(space, 500, 3);
    expect(new Set(all.map((v) => JSON.stringify(v))).size).toBe(500);
    for (const v of all) {
      const t = v.threshold as number;
      expect(t >= 3600 && t <= 3800 && (t - 3600) % 10 === 0).toBe(true);
      const m = v.move as number;
      expect(m >= 1 && m <= 5).toBe(true);
      expect(Number(m.toPrecision(6))).toBe(m);
      expect(Number.isInteger(v.length)).toBe(true);
    }
    // Uniform enough to reach both ends of a stepped axis.
    const ts = new Set(all.map((v) => v.threshold));
    expect(ts.has(3600) && ts.has(3800)).toBe(true);
  });

  it("draws every variant but one of a small stepped space without repeats; refuses as many as the space holds", () => {
    const small: ParamSpace = { axes: [axes[0] as ParamAxis], specs: [] };
    expect(new Set(randomVariants(small, 20).map((v) => v.threshold)).size).toBe(20);
    expect(() => randomVariants(small, 21)).toThrow(
      "--samples 21: the space has only 21 variants; sample fewer, or try them all with --search grid",
    );
    expect(() => randomVariants(space, 0)).toThrow("--samples 0: must be a whole number from 1 up");
    expect(() => randomVariants(space, 100_001)).toThrow("more than the cap of 100,000");
    expect(randomVariants(space, 100_001, 1, 100_001)).toHaveLength(100_001);
  });
});
