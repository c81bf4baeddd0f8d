import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { CompiledPlanSchema } from "../src/compiled.js";
import { tokenSoup, validPlan } from "./arbitraries.js";

/**
 * Property tests over generated input. Run counts are fixed so the suite's
 * cost is stable; a failure prints the shrunk counterexample and its seed.
 */
describe("properties", () => {
  it("analyze is total on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => {
        const r = analyze(s);
        expect(Array.isArray(r.diagnostics)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("analyze is total on token soup", () => {
    fc.assert(
      fc.property(tokenSoup, (s) => {
        const r = analyze(s, { symbol: "X" });
        for (const d of r.diagnostics) {
          expect(d.code).toMatch(/^[EW]\d{4}$/);
          expect(d.span.start.offset).toBeLessThanOrEqual(d.span.end.offset);
          expect(d.span.end.offset).toBeLessThanOrEqual(s.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("generated valid plans check clean and compile to schema-valid JSON", () => {
    fc.assert(
      fc.property(validPlan, (p) => {
        const r = analyze(p.source);
        expect(r.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)).toEqual(
          [],
        );
        expect(r.compiled).toBeDefined();
        const parsed = CompiledPlanSchema.safeParse(JSON.parse(JSON.stringify(r.compiled)));
        expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
        expect(r.compiled?.functions.length).toBeGreaterThanOrEqual(p.ruleCount);
      }),
      { numRuns: 200 },
    );
  });
});
