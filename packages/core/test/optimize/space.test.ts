import type { CompiledParam } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { OptimizeInputError } from "../../src/optimize/errors.js";
import { axisSize, axisValue, buildSpace, parseParamOption, varyingAxes } from "../../src/optimize/space.js";

const THRESHOLD: CompiledParam = {
  name: "threshold",
  kind: "number",
  default: 3700,
  min: 3600,
  max: 3800,
  step: 10,
  integer: false,
  value: 3700,
};
const LENGTH: CompiledParam = {
  name: "length",
  kind: "number",
  default: 20,
  min: 10,
  max: 50,
  step: 5,
  integer: true,
  value: 20,
};
const MOVE: CompiledParam = { name: "move", kind: "percent", default: 2, min: 1, max: 5, integer: false, value: 2 };
const PERIOD: CompiledParam = {
  name: "period",
  kind: "number",
  default: 14,
  min: 5,
  max: 30,
  integer: true,
  value: 14,
};
const PARAMS = [THRESHOLD, LENGTH, MOVE, PERIOD];

/** The message of the OptimizeInputError `f` throws (and that it is one, with `code`). */
function failure(f: () => unknown, code: string): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OptimizeInputError);
    expect((e as OptimizeInputError).code).toBe(code);
    return (e as Error).message;
  }
  throw new Error("expected an OptimizeInputError");
}

describe("parseParamOption", () => {
  it("reads a range with and without a step, and a fixed value", () => {
    expect(parseParamOption("threshold=3650..3750:20")).toMatchObject({
      name: "threshold",
      min: "3650",
      max: "3750",
      step: "20",
    });
    expect(parseParamOption("dip=-3..0")).toMatchObject({ name: "dip", min: "-3", max: "0", step: undefined });
    expect(parseParamOption("move=1%..3%:0.5%")).toMatchObject({ min: "1%", max: "3%", step: "0.5%" });
    expect(parseParamOption("length=30")).toMatchObject({ name: "length", min: "30", max: undefined });
  });

  it("refuses what is neither form, saying how to write it", () => {
    for (const bad of ["threshold", "=3", "threshold=1..", "threshold=1..2:", "threshold=1:2", "threshold=1..2 3"])
      expect(failure(() => parseParamOption(bad), "OPT_BAD_PARAM")).toContain(
        "write NAME=MIN..MAX[:STEP] or NAME=VALUE",
      );
  });
});

describe("buildSpace", () => {
  it("takes every declared range and step; a period without a step steps by 1, another param has none", () => {
    const space = buildSpace(PARAMS, []);
    expect(space.axes).toEqual([
      { name: "threshold", kind: "number", min: 3600, max: 3800, step: 10, integer: false },
      { name: "length", kind: "number", min: 10, max: 50, step: 5, integer: true },
      { name: "move", kind: "percent", min: 1, max: 5, step: undefined, integer: false },
      { name: "period", kind: "number", min: 5, max: 30, step: 1, integer: true },
    ]);
    expect(space.axes.map(axisSize)).toEqual([21, 9, undefined, 26]);
  });

  it("narrows, re-steps and fixes params with --param", () => {
    const space = buildSpace(PARAMS, ["threshold=3650..3750:20", "length=30", "move=1%..3%:0.5%", "period=10..20"]);
    expect(space.axes[0]).toMatchObject({ min: 3650, max: 3750, step: 20 });
    expect(space.axes[1]).toMatchObject({ min: 30, max: 30 });
    expect(space.axes[2]).toMatchObject({ min: 1, max: 3, step: 0.5 });
    expect(space.axes[3]).toMatchObject({ min: 10, max: 20, step: 1 });
    expect(space.axes.map(axisSize)).toEqual([6, 1, 5, 11]);
    expect(varyingAxes(space).map((a) => a.name)).toEqual(["threshold", "move", "period"]);
  });

  it("rounds stepped values to the digits their inputs have", () => {
    const axis = { name: "x", kind: "number" as const, min: 0.1, max: 0.7, step: 0.1, integer: false };
    expect(Array.from({ length: 7 }, (_, k) => axisValue(axis, k))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it("refuses a plan without params", () => {
    expect(failure(() => buildSpace(undefined, []), "OPT_NO_PARAMS")).toContain("the plan declares no params");
    expect(failure(() => buildSpace([], []), "OPT_NO_PARAMS")).toContain(
      "param threshold = 3700 in 3600..3800 step 10",
    );
  });

  it("refuses an unknown param with the closest name", () => {
    expect(failure(() => buildSpace(PARAMS, ["treshold=3700"]), "OPT_BAD_PARAM")).toBe(
      "--param `treshold=3700`: unknown param `treshold`; did you mean `threshold`?",
    );
  });

  it("refuses values outside the declared range, off its step, fractional for a period, or not numbers", () => {
    expect(failure(() => buildSpace(PARAMS, ["threshold=3500..3700"]), "OPT_BAD_PARAM")).toBe(
      "--param `threshold=3500..3700`: param `threshold` = 3500 is outside its range 3600..3800",
    );
    expect(failure(() => buildSpace(PARAMS, ["threshold=3700..3900:10"]), "OPT_BAD_PARAM")).toContain(
      "= 3900 is outside its range 3600..3800",
    );
    expect(failure(() => buildSpace(PARAMS, ["threshold=3605"]), "OPT_BAD_PARAM")).toContain("is not on its step");
    expect(failure(() => buildSpace(PARAMS, ["period=10.5"]), "OPT_BAD_PARAM")).toContain("must be a whole number");
    expect(failure(() => buildSpace(PARAMS, ["length=abc"]), "OPT_BAD_PARAM")).toContain("`abc` is not a number");
    expect(failure(() => buildSpace(PARAMS, ["move=$2"]), "OPT_BAD_PARAM")).toContain("write e.g. 2.5 or 2.5%");
  });

  it("refuses an empty range, a step that is not a multiple of the declared one, or does not divide the range", () => {
    expect(failure(() => buildSpace(PARAMS, ["threshold=3750..3650"]), "OPT_BAD_PARAM")).toContain(
      "the range is empty",
    );
    expect(failure(() => buildSpace(PARAMS, ["threshold=3600..3800:15"]), "OPT_BAD_PARAM")).toContain(
      "the step 15 is not a multiple of `threshold`'s declared step 10",
    );
    expect(failure(() => buildSpace(PARAMS, ["threshold=3600..3750:20"]), "OPT_BAD_PARAM")).toContain(
      "the step 20 does not divide the range 3600..3750",
    );
    expect(failure(() => buildSpace(PARAMS, ["threshold=3600..3800:0"]), "OPT_BAD_PARAM")).toContain(
      "must be a positive number",
    );
  });
});
