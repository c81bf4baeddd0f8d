import type { CompiledPlan } from "@tradeplan/dsl";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  CloseAboveFunction,
  CrossAboveFunction,
  ExecutionFunctionBase,
  type FunctionState,
} from "../src/functions/index.js";
import {
  createDefaultRegistry,
  ExecutionFunctionRegistry,
  instantiateCompiledPlan,
  instantiatePlan,
  parseRegistryConfigYaml,
  RegistryError,
  type RegistryLogger,
} from "../src/registry/index.js";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof RegistryError ? e.code : `not a RegistryError: ${String(e)}`;
  }
  return undefined;
}

function spyLogger() {
  const calls: [Record<string, unknown>, string][] = [];
  const logger: RegistryLogger = { warn: (obj, msg) => calls.push([obj, msg]) };
  return { logger, calls };
}

const TH = { action: "enter_long", threshold: 150 } as const;

describe("registration, token and seal", () => {
  it("registers with the token and refuses a wrong token or a sealed registry, logging each refusal", () => {
    const token = Symbol("host");
    const { logger, calls } = spyLogger();
    const reg = new ExecutionFunctionRegistry({ token, logger });
    reg.register("close_above", CloseAboveFunction, token);
    expect(reg.has("close_above")).toBe(true);
    expect(codeOf(() => reg.register("evil", CloseAboveFunction, Symbol("host")))).toBe("REG_BAD_TOKEN");
    expect(codeOf(() => reg.register("evil", CloseAboveFunction, "host"))).toBe("REG_BAD_TOKEN");
    reg.seal();
    expect(reg.sealed).toBe(true);
    expect(codeOf(() => reg.register("late", CloseAboveFunction, token))).toBe("REG_SEALED");
    expect(codeOf(() => reg.configure({ execution_functions: {} }, token))).toBe("REG_SEALED");
    expect(calls.map(([o]) => o.code)).toEqual(["REG_BAD_TOKEN", "REG_BAD_TOKEN", "REG_SEALED", "REG_SEALED"]);
    expect(calls[0]![0]).toMatchObject({ op: "register", function: "evil" });
    expect(calls[2]![1]).toMatch(/sealed/);
    expect(reg.has("evil")).toBe(false);
  });

  it("the seal, the token and the entries cannot be reached from outside: flipping or reading them changes nothing", () => {
    const token = Symbol("host");
    const reg = createDefaultRegistry({ token });
    reg.configure({ execution_functions: { close_above: { enabled: false } } }, token);
    reg.seal();
    // What TypeScript `private` fields allowed at run time: plain properties any code could set or read.
    const loose = reg as unknown as Record<string, unknown>;
    expect(Object.getOwnPropertyNames(reg)).toEqual([]);
    expect(Object.getOwnPropertySymbols(reg)).toEqual([]);
    expect(loose.token).toBeUndefined();
    expect(loose.entries).toBeUndefined();
    loose.isSealed = false;
    loose.config = {};
    expect(reg.sealed).toBe(true);
    expect(codeOf(() => reg.register("late", CloseAboveFunction, token))).toBe("REG_SEALED");
    expect(codeOf(() => reg.getFunction("close_above", TH))).toBe("REG_DISABLED");
    // Replacing the guard on the instance does not open the registry either.
    loose.guard = () => undefined;
    expect(codeOf(() => reg.register("late", CloseAboveFunction, token))).toBe("REG_SEALED");
  });

  it("refuses bad names, duplicates, non-classes and a missing token", () => {
    const token = Symbol("t");
    const reg = new ExecutionFunctionRegistry({ token });
    expect(codeOf(() => reg.register("Close-Above", CloseAboveFunction, token))).toBe("REG_INVALID_NAME");
    reg.register("close_above", CloseAboveFunction, token);
    expect(codeOf(() => reg.register("close_above", CloseAboveFunction, token))).toBe("REG_DUPLICATE");
    expect(codeOf(() => reg.register("x", {} as typeof CloseAboveFunction, token))).toBe("REG_INVALID_CLASS");
    expect(codeOf(() => new ExecutionFunctionRegistry({ token: "" }))).toBe("REG_BAD_TOKEN");
  });

  it("accepts a custom function class", () => {
    const schema = z.object({ level: z.number() }).strict();
    class Always extends ExecutionFunctionBase<z.infer<typeof schema>> {
      static readonly paramsSchema = schema;
      static readonly description = "always NONE";
      readonly name = "always";
      constructor(p: unknown) {
        super(schema, p);
      }
      get requiredLookback() {
        return 1;
      }
      createState(env: { symbol: string; timeframe: string }): FunctionState {
        return { owner: this, symbol: env.symbol, timeframe: env.timeframe };
      }
      evaluateSync() {
        return { action: "NONE" as const, confidence: 0, reasoning: "always", metadata: {} };
      }
    }
    const token = Symbol("t");
    const reg = createDefaultRegistry({ token });
    reg.register("always", Always, token);
    expect(reg.getFunction("always", { level: 1 }).name).toBe("always");
    expect(codeOf(() => reg.getFunction("always", { level: "x" }))).toBe("REG_INVALID_PARAMS");
  });
});

describe("getFunction", () => {
  it("validates parameters with the function's schema, listing the issue paths", () => {
    const reg = createDefaultRegistry();
    let err: RegistryError | undefined;
    try {
      reg.getFunction("close_above", { action: "enter_long", threshold: "150", bogus: 1 });
    } catch (e) {
      err = e as RegistryError;
    }
    expect(err?.code).toBe("REG_INVALID_PARAMS");
    expect(err?.issues.some((i) => i.startsWith("threshold: "))).toBe(true);
    expect(err?.message).toMatch(/bogus/);
    expect(codeOf(() => reg.getFunction("close_abuve", TH))).toBe("REG_UNKNOWN_FUNCTION");
    expect(() => reg.getFunction("close_abuve", TH)).toThrow(/registered: close_above, close_below, condition/);
  });

  it("pools: the same name and parameters (any key order) share one instance", () => {
    const reg = createDefaultRegistry();
    const a = reg.getFunction("close_above", { action: "enter_long", threshold: 150 });
    const b = reg.getFunction("close_above", { threshold: 150, action: "enter_long" });
    const c = reg.getFunction("close_above", { action: "enter_long", threshold: 151 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(reg.listFunctions().find((f) => f.name === "close_above")?.instances).toBe(2);
  });

  it("with compiled, returns the pooled instance of the same parameters without parsing them again; others are parsed", () => {
    const reg = createDefaultRegistry();
    const parse = vi.spyOn(CrossAboveFunction.paramsSchema, "safeParse");
    try {
      const p = () => ({ action: "enter_long", left: { k: "field", f: "close" }, right: { k: "num", v: 150 } });
      const a = reg.getFunction("cross_above", p(), true);
      // The registry's parse and the instance's own.
      expect(parse).toHaveBeenCalledTimes(2);
      const { action, ...rest } = p();
      expect(reg.getFunction("cross_above", { ...rest, action }, true)).toBe(a);
      expect(parse).toHaveBeenCalledTimes(2);
      // Not compiled: parsed, then pooled.
      expect(reg.getFunction("cross_above", p())).toBe(a);
      expect(parse).toHaveBeenCalledTimes(3);
      expect(reg.getFunction("cross_above", { ...p(), right: { k: "num", v: 151 } }, true)).not.toBe(a);
      expect(parse).toHaveBeenCalledTimes(5);
      expect(codeOf(() => reg.getFunction("cross_above", { ...p(), right: { k: "num", v: "x" } }, true))).toBe(
        "REG_INVALID_PARAMS",
      );
    } finally {
      parse.mockRestore();
    }
  });

  it("lists the built-ins sorted, with their configuration", () => {
    const reg = createDefaultRegistry({ config: "execution_functions:\n  trailing_stop: { enabled: false }\n" });
    const list = reg.listFunctions();
    expect(list.map((f) => f.name)).toEqual([
      "close_above",
      "close_below",
      "condition",
      "cross_above",
      "cross_below",
      "trailing_stop",
    ]);
    expect(list.find((f) => f.name === "trailing_stop")).toMatchObject({ enabled: false, instances: 0 });
    expect(list.every((f) => f.description.length > 0)).toBe(true);
    expect(reg.sealed).toBe(true);
  });
});

describe("YAML configuration", () => {
  it("applies enabled and max_instances", () => {
    const reg = createDefaultRegistry({
      config:
        "execution_functions:\n  close_above:\n    enabled: true\n    max_instances: 2\n  close_below:\n    enabled: false\n",
    });
    reg.getFunction("close_above", { ...TH, threshold: 1 });
    reg.getFunction("close_above", { ...TH, threshold: 2 });
    reg.getFunction("close_above", { ...TH, threshold: 1 }); // pooled: no new instance
    expect(codeOf(() => reg.getFunction("close_above", { ...TH, threshold: 3 }))).toBe("REG_MAX_INSTANCES");
    expect(() => reg.getFunction("close_above", { ...TH, threshold: 3 })).toThrow(/max_instances 2 reached/);
    expect(codeOf(() => reg.getFunction("close_below", TH))).toBe("REG_DISABLED");
  });

  const bad: [string, string, RegExp][] = [
    ["YAML syntax", "execution_functions:\n  close_above: {enabled: true\n", /not valid YAML \(line \d+, column \d+\)/],
    ["unknown top-level key", "execution_functions: {}\nfunctions: {}\n", /Unrecognized key.*functions/],
    [
      "unknown per-function key",
      "execution_functions:\n  close_above:\n    enable: true\n",
      /execution_functions\.close_above: Unrecognized key.*enable/,
    ],
    [
      "wrong type",
      "execution_functions:\n  close_above:\n    max_instances: lots\n",
      /execution_functions\.close_above\.max_instances: /,
    ],
    ["zero max_instances", "execution_functions:\n  close_above:\n    max_instances: 0\n", /max_instances/],
    ["not a mapping", "- close_above\n", /\(root\)/],
    ["empty document", "", /\(root\)/],
  ];
  for (const [name, yaml, msg] of bad) {
    it(`refuses ${name} with REG_INVALID_CONFIG and the key path`, () => {
      expect(codeOf(() => parseRegistryConfigYaml(yaml))).toBe("REG_INVALID_CONFIG");
      expect(() => parseRegistryConfigYaml(yaml)).toThrow(msg);
    });
  }

  it("refuses configuration of an unregistered function", () => {
    expect(() => createDefaultRegistry({ config: "execution_functions:\n  close_abov: { enabled: true }\n" })).toThrow(
      /execution_functions\.close_abov: unknown function/,
    );
  });

  it("configure needs the token", () => {
    const token = Symbol("t");
    const reg = createDefaultRegistry({ token });
    expect(codeOf(() => reg.configure({ execution_functions: {} }, Symbol("t")))).toBe("REG_BAD_TOKEN");
    reg.configure({ execution_functions: { condition: { enabled: false } } }, token);
    expect(codeOf(() => reg.getFunction("condition", {}))).toBe("REG_DISABLED");
  });
});

describe("instantiatePlan", () => {
  const span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 10, line: 1, column: 11 } };
  const plan = (): CompiledPlan => ({
    format: "tradeplan/compiled-plan",
    version: 1,
    name: "demo",
    sourceHash: "a".repeat(64),
    timezone: "America/New_York",
    session: "regular",
    symbols: ["AAPL"],
    risk: {},
    streams: [{ symbol: "AAPL", timeframe: "5m", seconds: 300, lookback: 51 }],
    functions: [
      {
        id: "r1",
        line: 1,
        name: "close_above",
        timeframe: "5m",
        lookback: 1,
        span,
        source: "on 5m close above 150 enter long",
        params: { action: "enter_long", threshold: 150 },
      },
      {
        id: "r2",
        line: 2,
        name: "cross_above",
        timeframe: "5m",
        lookback: 1,
        span,
        source: "on 5m close crosses above sma(close, 50) enter long",
        params: {
          action: "enter_long",
          left: { k: "field", f: "close" },
          right: { k: "ind", fn: "sma", src: { k: "field", f: "close" }, period: 50 },
        },
      },
      {
        id: "r3",
        line: 3,
        name: "trailing_stop",
        timeframe: "1m",
        lookback: 1,
        span,
        source: "on 1m trailing stop 2%",
        params: { trailPercent: 2 },
      },
      {
        id: "r4",
        line: 4,
        name: "close_above",
        timeframe: "15m",
        lookback: 1,
        span,
        source: "on 15m close above 150 enter long",
        params: { threshold: 150, action: "enter_long" },
      },
    ],
  });

  it("returns the instances in source order, pooled, with the larger lookback", () => {
    const reg = createDefaultRegistry();
    const { functions } = instantiatePlan(plan(), reg);
    expect(functions.map((f) => [f.id, f.name, f.timeframe])).toEqual([
      ["r1", "close_above", "5m"],
      ["r2", "cross_above", "5m"],
      ["r3", "trailing_stop", "1m"],
      ["r4", "close_above", "15m"],
    ]);
    expect(functions[3]!.fn).toBe(functions[0]!.fn);
    expect(functions[1]!.lookback).toBe(51);
  });

  it("parses a plan from outside every time, and binds compile()'s own plan without parsing pooled rules again", () => {
    const reg = createDefaultRegistry();
    const parse = vi.spyOn(CrossAboveFunction.paramsSchema, "safeParse");
    try {
      instantiatePlan(plan(), reg);
      const first = parse.mock.calls.length;
      instantiatePlan(plan(), reg);
      expect(parse.mock.calls.length).toBeGreaterThan(first);
      const before = parse.mock.calls.length;
      const { functions } = instantiateCompiledPlan(plan(), reg);
      expect(parse.mock.calls.length).toBe(before);
      expect(functions[1]!.fn).toBe(instantiatePlan(plan(), reg).functions[1]!.fn);
    } finally {
      parse.mockRestore();
    }
  });

  it("refuses a bad plan listing the zod issue paths", () => {
    const p = plan() as unknown as Record<string, unknown>;
    const bad = {
      ...p,
      version: 2,
      symbols: [],
      functions: [{ ...(p.functions as object[])[0], params: { action: "enter_long" } }],
    };
    let err: RegistryError | undefined;
    try {
      instantiatePlan(bad, createDefaultRegistry());
    } catch (e) {
      err = e as RegistryError;
    }
    expect(err?.code).toBe("REG_INVALID_PLAN");
    expect(err?.issues.some((i) => i.startsWith("version: "))).toBe(true);
    expect(err?.issues.some((i) => i.startsWith("symbols: "))).toBe(true);
    expect(err?.issues.some((i) => i.startsWith("functions.0.params.threshold: "))).toBe(true);
    expect(codeOf(() => instantiatePlan("not a plan", createDefaultRegistry()))).toBe("REG_INVALID_PLAN");
  });

  it("names the rule when the registry refuses it", () => {
    const reg = createDefaultRegistry({ config: "execution_functions:\n  trailing_stop: { enabled: false }\n" });
    expect(() => instantiatePlan(plan(), reg)).toThrow(
      /functions\.2 \(rule r3, line 3\): function trailing_stop is disabled/,
    );
    const kinds = plan();
    kinds.functions = [
      {
        ...kinds.functions[0]!,
        name: "condition",
        params: { action: "enter_long", condition: { k: "field", f: "close" } },
      },
    ];
    let err: RegistryError | undefined;
    try {
      instantiatePlan(kinds, createDefaultRegistry());
    } catch (e) {
      err = e as RegistryError;
    }
    expect(err?.code).toBe("REG_INVALID_PARAMS");
    expect(err?.issues).toEqual(["functions.0.params.condition: must be a boolean expression (a condition)"]);
  });
});
