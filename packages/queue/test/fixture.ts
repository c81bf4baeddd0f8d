import type { VariantSetup } from "@tradeplan/core";
import { PLAN } from "../../core/test/optimize/fixture.js";

// The sweep tests' one fixture: a plan with two params (7 x 4 = 28 variants) and a seeded walk that crosses them.
export { fixtureColumns, PLAN } from "../../core/test/optimize/fixture.js";

export const SETUP: VariantSetup = { source: PLAN, fileName: "fixture.plan" };
