import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExecutionSignalSchema, SignalValidator } from "../src/engine/signal.js";

/**
 * The engine checks frozen signals with a hand-written fast path and falls
 * back to zod otherwise. The fast path must never accept what zod rejects,
 * nor reject what zod accepts.
 */
describe("SignalValidator agrees with ExecutionSignalSchema", () => {
  const value = fc.oneof(
    fc.constant(undefined),
    fc.string(),
    fc.double(),
    fc.constantFrom("NONE", "ENTER_LONG", "ENTER_SHORT", "EXIT", "long", "short", "x"),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
  );
  const metadata = fc.oneof(
    fc.dictionary(fc.string(), value).map((d) => Object.freeze(d)),
    fc.dictionary(fc.string(), value),
    value,
    fc.constant(Object.freeze(Object.create(null))),
    fc.constant({ constructor: 5 }),
  );
  const signal = fc.record(
    {
      action: value,
      confidence: fc.oneof(fc.double(), fc.double({ min: 0, max: 1, noNaN: true })),
      reasoning: value,
      exitSide: value,
      metadata,
      extra: value,
    },
    { requiredKeys: [] },
  );

  it("on random frozen and unfrozen inputs", () => {
    const v = new SignalValidator();
    fc.assert(
      fc.property(signal, fc.boolean(), (raw, freeze) => {
        const o = freeze ? Object.freeze(raw) : raw;
        expect(v.validate(o).ok).toBe(ExecutionSignalSchema.safeParse(o).success);
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts the valid frozen shapes the built-in functions return", () => {
    const v = new SignalValidator();
    const shapes = [
      { action: "NONE", confidence: 0, reasoning: "", metadata: Object.freeze({}) },
      { action: "EXIT", exitSide: "long", confidence: 1, reasoning: "r", metadata: { a: 1 } },
      { action: "ENTER_SHORT", confidence: 0.5, reasoning: "r", metadata: {} },
    ];
    for (const s of shapes) {
      const f = Object.freeze(s);
      expect(v.validate(f).ok).toBe(true);
      expect(ExecutionSignalSchema.safeParse(f).success).toBe(true);
    }
  });
});
