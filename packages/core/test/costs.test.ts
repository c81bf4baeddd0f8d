import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CommissionModel,
  CommissionSchema,
  commissionModel,
  commissionOf,
  describeCommission,
  parseCommission,
  parseSlippage,
  SlippageSchema,
} from "../src/brokers/costs.js";
import { PaperBroker, PaperBrokerConfigSchema, paperCosts } from "../src/brokers/paper.js";

describe("commission models", () => {
  it("parses the flag syntax of each model", () => {
    expect(parseCommission("0.005/share,min=1,max=1%")).toEqual({
      kind: "per_share",
      rate: 0.005,
      minimum: 1,
      maximum: { kind: "percent", percent: 1 },
    });
    expect(parseCommission("2.25/contract")).toEqual({ kind: "per_share", rate: 2.25, minimum: 0, maximum: undefined });
    expect(parseCommission("1.5/order")).toEqual({ kind: "per_order", amount: 1.5 });
    expect(parseCommission("0.1%, min=1, max=20")).toEqual({
      kind: "percent",
      percent: 0.1,
      minimum: 1,
      maximum: { kind: "amount", amount: 20 },
    });
    expect(parseCommission("0")).toEqual({ kind: "per_order", amount: 0 });
  });

  it("refuses what it cannot read, saying what is wrong and what it expects", () => {
    for (const [text, why] of [
      ["0.005", "names no model"],
      ["-1/share", "is not an amount"],
      ["0x10/share", "is not an amount"],
      ["1/order,min=1", "per order takes no min"],
      ["0.005/share,min=1,min=2", "min is given twice"],
      ["0.005/share,floor=1", "is not min=... or max=..."],
      ["0.005/share,max=abc", 'max "abc" is not an amount or percent'],
      ["abc%", "is not a percent"],
    ] as const) {
      const r = parseCommission(text);
      expect(typeof r).toBe("string");
      expect(r).toContain(why);
      expect(r).toContain("expected RATE/share");
    }
  });

  it("computes per share with minimum and maximum, per order, and percent of value (multiplier included)", () => {
    const ib = commissionModel("0.005/share,min=1,max=1%");
    expect(commissionOf(ib, 100, 50, 1)).toBe(1); // 0.50 raised to the minimum
    expect(commissionOf(ib, 1000, 50, 1)).toBe(5); // 1000 x 0.005
    expect(commissionOf(ib, 1000, 0.2, 1)).toBeCloseTo(2, 12); // 5 capped at 1% of 200
    expect(commissionOf(ib, 10, 0.5, 1)).toBeCloseTo(0.05, 12); // the cap wins over the minimum (1% of 5)
    expect(commissionOf(commissionModel("1.5/order"), 1234, 99, 1)).toBe(1.5);
    const pct = commissionModel("0.1%,min=2");
    expect(commissionOf(pct, 2, 3600, 10)).toBeCloseTo(72, 9); // 0.1% of 2 x 3600 x 10
    expect(commissionOf(pct, 1, 10, 1)).toBe(2);
    expect(commissionOf(commissionModel("2.25/contract"), 3, 3600, 10)).toBeCloseTo(6.75, 12);
  });

  it("never charges below the minimum unless a cap says so, never above the cap, and describes itself back", () => {
    const model = fc.oneof(
      fc.record({
        kind: fc.constant("per_share" as const),
        rate: fc.integer({ min: 0, max: 5000 }).map((n) => n / 1000),
        minimum: fc.integer({ min: 0, max: 1000 }).map((n) => n / 100),
        maximum: fc.option(
          fc.oneof(
            fc.record({
              kind: fc.constant("amount" as const),
              amount: fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100),
            }),
            fc.record({
              kind: fc.constant("percent" as const),
              percent: fc.integer({ min: 0, max: 500 }).map((n) => n / 100),
            }),
          ),
          { nil: undefined },
        ),
      }),
      fc.record({
        kind: fc.constant("per_order" as const),
        amount: fc.integer({ min: 0, max: 2000 }).map((n) => n / 100),
      }),
    );
    fc.assert(
      fc.property(
        model,
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0.01, max: 5000, noNaN: true }),
        fc.constantFrom(1, 5, 10, 50),
        (m: CommissionModel, qty, price, mult) => {
          const c = commissionOf(m, qty, price, mult);
          expect(c).toBeGreaterThanOrEqual(0);
          if (m.kind === "per_order") expect(c).toBe(m.amount);
          else {
            const cap =
              m.maximum === undefined
                ? Number.POSITIVE_INFINITY
                : m.maximum.kind === "amount"
                  ? m.maximum.amount
                  : (qty * price * mult * m.maximum.percent) / 100;
            expect(c).toBeLessThanOrEqual(cap);
            if (cap >= m.minimum) expect(c).toBeGreaterThanOrEqual(m.minimum);
          }
          // The description is the flag syntax of the same model.
          const back = parseCommission(describeCommission(m));
          expect(typeof back).not.toBe("string");
          if (typeof back !== "string") expect(commissionOf(back, qty, price, mult)).toBeCloseTo(c, 9);
        },
      ),
    );
  });

  it("takes the map form in tradeplan.yaml, and refuses one that names no model or two", () => {
    expect(CommissionSchema.safeParse({ per_share: 0.005, minimum: 1, maximum: "1%" }).success).toBe(true);
    expect(commissionModel({ per_share: 0.005, minimum: 1, maximum: "1%" })).toEqual(
      parseCommission("0.005/share,min=1,max=1%"),
    );
    const two = CommissionSchema.safeParse({ per_share: 0.005, per_order: 1 });
    expect(two.success).toBe(false);
    expect(JSON.stringify(two.error?.issues)).toContain("exactly one of per_share, per_order, percent");
    expect(CommissionSchema.safeParse("1/share,max=x").success).toBe(false);
  });
});

describe("slippage models", () => {
  it("parses basis points and ticks, and refuses the rest", () => {
    expect(parseSlippage("2bp")).toEqual({ kind: "bps", bps: 2 });
    expect(parseSlippage("2.5 bps")).toEqual({ kind: "bps", bps: 2.5 });
    expect(parseSlippage("1tick")).toEqual({ kind: "ticks", ticks: 1 });
    expect(parseSlippage("3 ticks")).toEqual({ kind: "ticks", ticks: 3 });
    expect(parseSlippage("0")).toEqual({ kind: "bps", bps: 0 });
    expect(parseSlippage("1.5 ticks")).toContain("whole number of ticks");
    expect(parseSlippage("2")).toContain("expected N bp");
    expect(SlippageSchema.safeParse({ ticks: 2 }).success).toBe(true);
    expect(SlippageSchema.safeParse({ ticks: -1 }).success).toBe(false);
  });
});

describe("paper broker cost settings", () => {
  it("resolves the shorthand keys and the defaults to the same models", () => {
    const defaults = paperCosts(PaperBrokerConfigSchema.parse({}));
    expect(defaults.commission).toEqual(parseCommission("0.005/share,min=1"));
    expect(defaults.slippage).toEqual(parseSlippage("1bp"));
    const legacy = paperCosts(
      PaperBrokerConfigSchema.parse({ commissionPerShare: 0.01, commissionMinimum: 2, slippageBps: 3 }),
    );
    expect(legacy.commission).toEqual(parseCommission("0.01/share,min=2"));
    expect(legacy.slippage).toEqual(parseSlippage("3bp"));
  });

  it("refuses a model beside its shorthand (which would win is a guess)", () => {
    const r = PaperBrokerConfigSchema.safeParse({
      commission: "1/order",
      commissionPerShare: 0.01,
      slippage: "1bp",
      slippageBps: 2,
    });
    expect(r.success).toBe(false);
    const messages = r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toEqual([
      "commission: give either commission or commissionPerShare/commissionMinimum, not both",
      "slippage: give either slippage or slippageBps, not both",
    ]);
    expect(() => new PaperBroker({ commission: "1/order", commissionMinimum: 1 })).toThrow(/not both/);
  });
});
