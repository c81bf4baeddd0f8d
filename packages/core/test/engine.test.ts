import { describe, expect, it } from "vitest";
import { PaperBroker } from "../src/brokers/paper.js";
import { Engine, type RuleBinding } from "../src/engine/engine.js";
import type { EngineEvent } from "../src/engine/events.js";
import type { BudgetTimer } from "../src/engine/timer.js";
import type { ExecutionFunctionBase, FunctionState } from "../src/functions/base.js";
import { CloseAboveFunction } from "../src/functions/close-threshold.js";
import type { ExecutionSignal } from "../src/models.js";
import { RiskValidator } from "../src/risk/validator.js";
import { bar, firesOn, MIN, plan, rule, ScriptedFunction, sig, T0 } from "./engine-fixtures.js";

const FREE = { commissionPerShare: 0, commissionMinimum: 0, slippageBps: 0 };

function setup(
  rules: {
    line: number;
    action: Parameters<typeof rule>[1];
    fn: ExecutionFunctionBase<unknown, FunctionState>;
    extra?: Record<string, unknown>;
  }[],
  opts: {
    fillAt?: "close" | "next_open";
    risk?: ConstructorParameters<typeof RiskValidator>[0];
    timer?: BudgetTimer;
    symbols?: string[];
  } = {},
) {
  const compiled = rules.map((r) => rule(r.line, r.action, r.extra));
  const p = plan(compiled, opts.symbols ? { symbols: opts.symbols } : {});
  const bindings: RuleBinding[] = rules.map((r, i) => ({ compiled: compiled[i]!, fn: r.fn }));
  const broker = new PaperBroker({ ...FREE, fillAt: opts.fillAt ?? "close" });
  const events: EngineEvent[] = [];
  const engine = new Engine({
    plan: p,
    rules: bindings,
    broker,
    risk: new RiskValidator(opts.risk ?? {}),
    sink: { evaluations: true, emit: (e) => events.push(e) },
    ...(opts.timer ? { timer: opts.timer } : {}),
  });
  const close = (i: number, price: number, symbol = "X") => {
    const b = bar(i, price, symbol);
    broker.onBar(b);
    engine.processCloseSync({ symbol, timeframe: "1m", bar: b, closeTime: b.closeTime });
  };
  return { engine, broker, events, close };
}

const of = <T extends EngineEvent["type"]>(events: EngineEvent[], type: T) =>
  events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);

describe("Engine decisions", () => {
  it("enters on a signal and suppresses a repeated entry while the position is open", () => {
    const { broker, events, close } = setup([
      {
        line: 3,
        action: "enter_long",
        fn: firesOn([0, 1], sig("ENTER_LONG")),
        extra: { size: { kind: "shares", shares: 10 } },
      },
    ]);
    close(0, 100);
    close(1, 101);
    expect(broker.position("X").quantity).toBe(10);
    const sup = of(events, "suppressed");
    expect(sup).toHaveLength(1);
    expect(sup[0]).toMatchObject({ code: "POSITION_OPEN", rule: "r3", line: 3, time: T0 + 2 * MIN });
    expect(of(events, "signal")).toHaveLength(1);
  });

  it("an exit with no position does nothing", () => {
    const { broker, events, close } = setup([{ line: 2, action: "exit", fn: firesOn([0], sig("EXIT")) }]);
    close(0, 100);
    expect(broker.fills()).toHaveLength(0);
    expect(of(events, "order")).toHaveLength(0);
    expect(of(events, "suppressed")[0]).toMatchObject({ code: "NO_POSITION" });
  });

  it("applies exits before entries on one close, so a close can exit and re-enter", () => {
    // Source order: the entry rule comes first, the exit second; the exit still applies first.
    const { broker, events, close } = setup([
      {
        line: 2,
        action: "enter_short",
        fn: firesOn([1], sig("ENTER_SHORT")),
        extra: { size: { kind: "shares", shares: 5 } },
      },
      {
        line: 3,
        action: "enter_long",
        fn: firesOn([0], sig("ENTER_LONG")),
        extra: { size: { kind: "shares", shares: 10 } },
      },
      { line: 4, action: "exit", fn: firesOn([1], sig("EXIT")) },
    ]);
    close(0, 100);
    close(1, 102);
    const orders = of(events, "order").map((e) => [e.rule, e.order.side, e.order.quantity]);
    expect(orders).toEqual([
      ["r3", "BUY", 10],
      ["r4", "SELL", 10],
      ["r2", "SELL", 5],
    ]);
    expect(broker.position("X").quantity).toBe(-5);
    expect(broker.trades()[0]).toMatchObject({ pnl: 20, entryRule: "r3", exitRule: "r4" });
  });

  it("gives every rule the position as it stood before the close", () => {
    const entry = firesOn([0], sig("ENTER_LONG"));
    const watcher = new ScriptedFunction(() => sig("NONE"));
    const { close } = setup([
      { line: 2, action: "enter_long", fn: entry },
      { line: 3, action: "exit", fn: watcher },
    ]);
    close(0, 100);
    expect(watcher.seen[0]?.position.side).toBe("flat");
    close(1, 100);
    expect(watcher.seen[1]?.position).toMatchObject({
      side: "long",
      quantity: 100,
      openedAt: T0 + MIN,
      entryClose: 100,
    });
    expect(Object.isFrozen(watcher.seen[1])).toBe(true);
    expect(Object.isFrozen(watcher.seen[1]?.position)).toBe(true);
  });

  it("with next-open fills, counts working orders as part of the position", () => {
    const { broker, events, close } = setup(
      [{ line: 2, action: "enter_long", fn: firesOn([0, 1], sig("ENTER_LONG")) }],
      { fillAt: "next_open" },
    );
    close(0, 100);
    expect(broker.position("X").quantity).toBe(0);
    close(1, 101);
    // The bar-1 open filled the bar-0 order; the second entry saw the position.
    expect(broker.position("X")).toMatchObject({ quantity: 100, avgPrice: 101 });
    expect(of(events, "suppressed")[0]?.code).toBe("POSITION_OPEN");
  });

  it("a reversal closes the open position first", () => {
    const { broker, events, close } = setup([
      {
        line: 2,
        action: "enter_long",
        fn: firesOn([0], sig("ENTER_LONG")),
        extra: { size: { kind: "shares", shares: 10 } },
      },
      {
        line: 3,
        action: "enter_short",
        fn: firesOn([1], sig("ENTER_SHORT")),
        extra: { size: { kind: "shares", shares: 4 } },
      },
    ]);
    close(0, 100);
    close(1, 99);
    expect(of(events, "order").map((e) => e.order.clientOrderId.split(":").slice(1).join(":"))).toEqual([
      `r2:X:1m:${T0 + MIN}`,
      `r3:X:1m:${T0 + 2 * MIN}:close`,
      `r3:X:1m:${T0 + 2 * MIN}`,
    ]);
    expect(broker.position("X").quantity).toBe(-4);
  });

  it("honours exit long / exit short", () => {
    const { broker, events, close } = setup([
      { line: 2, action: "enter_long", fn: firesOn([0], sig("ENTER_LONG")) },
      { line: 3, action: "exit_short", fn: firesOn([1], sig("EXIT", "short")) },
      { line: 4, action: "exit_long", fn: firesOn([2], sig("EXIT", "long")) },
    ]);
    close(0, 100);
    close(1, 100);
    expect(broker.position("X").quantity).toBe(100);
    expect(of(events, "suppressed")[0]).toMatchObject({ code: "SIDE_MISMATCH", rule: "r3" });
    close(2, 100);
    expect(broker.position("X").quantity).toBe(0);
  });

  it("sizes by money and by percent of equity; a size of zero shares is suppressed", () => {
    const money = setup([
      {
        line: 2,
        action: "enter_long",
        fn: firesOn([0], sig("ENTER_LONG")),
        extra: { size: { kind: "money", amount: 1_050 } },
      },
    ]);
    money.close(0, 100);
    expect(money.broker.position("X").quantity).toBe(10);
    const pct = setup([
      {
        line: 2,
        action: "enter_long",
        fn: firesOn([0], sig("ENTER_LONG")),
        extra: { size: { kind: "equity_percent", percent: 10 } },
      },
    ]);
    pct.close(0, 100);
    expect(pct.broker.position("X").quantity).toBe(100);
    const tiny = setup([
      {
        line: 2,
        action: "enter_long",
        fn: firesOn([0], sig("ENTER_LONG")),
        extra: { size: { kind: "money", amount: 50 } },
      },
    ]);
    tiny.close(0, 100);
    expect(of(tiny.events, "suppressed")[0]?.code).toBe("SIZE_ZERO");
  });

  it("passes orders through the risk validator and records rejections", () => {
    const { broker, events, close } = setup(
      [
        {
          line: 2,
          action: "enter_long",
          fn: firesOn([0], sig("ENTER_LONG")),
          extra: { size: { kind: "shares", shares: 500 } },
        },
      ],
      { risk: { maxPositionShares: 100 } },
    );
    close(0, 100);
    expect(broker.fills()).toHaveLength(0);
    const risk = of(events, "risk");
    expect(risk[0]?.decision).toMatchObject({ approved: false, code: "RISK_MAX_POSITION" });
    expect(of(events, "suppressed")[0]).toMatchObject({ code: "RISK_REJECTED" });
  });

  it("halts at the daily loss limit (no order passes, exits included) until the next session day", () => {
    const { broker, events, engine } = setup(
      [
        {
          line: 2,
          action: "enter_long",
          fn: firesOn([0], sig("ENTER_LONG")),
          extra: { size: { kind: "shares", shares: 100 } },
        },
        { line: 3, action: "exit", fn: firesOn([1, 24 * 60], sig("EXIT")) },
      ],
      { risk: { maxDailyLoss: 500 } },
    );
    const close = (i: number, price: number) => {
      const b = bar(i, price);
      broker.onBar(b);
      engine.processCloseSync({ symbol: "X", timeframe: "1m", bar: b, closeTime: b.closeTime });
    };
    close(0, 100);
    close(1, 94); // marked at 94: -600 today, so trading halts before the exit is judged
    expect(of(events, "risk").at(-1)?.decision).toMatchObject({ approved: false, code: "RISK_HALTED" });
    expect(broker.position("X").quantity).toBe(100);
    close(24 * 60, 94); // the next day: the halt lifts and the exit goes through
    expect(of(events, "risk").at(-1)?.decision).toMatchObject({ approved: true });
    expect(broker.position("X").quantity).toBe(0);
  });

  it("uses idempotent client order ids from plan, rule, stream and close time", () => {
    const { events, close } = setup([{ line: 7, action: "enter_long", fn: firesOn([0], sig("ENTER_LONG")) }]);
    close(0, 100);
    expect(of(events, "order")[0]?.order.clientOrderId).toBe(`abababababab:r7:X:1m:${T0 + MIN}`);
  });

  it("ignores closes of streams and symbols the plan does not use", () => {
    const { engine, events } = setup([{ line: 2, action: "enter_long", fn: firesOn([0], sig("ENTER_LONG")) }]);
    engine.processCloseSync({ symbol: "Y", timeframe: "1m", bar: bar(0, 1, "Y"), closeTime: T0 + MIN });
    engine.processCloseSync({ symbol: "X", timeframe: "1h", bar: bar(0, 1, "X", "1h"), closeTime: T0 + MIN });
    expect(events).toHaveLength(0);
    expect(engine.counters.closes).toBe(0);
  });
});

describe("Engine.processBarSync (a close that is its bar's own)", () => {
  it("decides exactly as processCloseSync does, on deeply frozen contexts", () => {
    const make = () => {
      const fn = firesOn([1, 3], sig("ENTER_LONG"));
      const exit = firesOn([2], sig("EXIT"));
      return {
        fns: [fn, exit],
        ...setup([
          { line: 2, action: "enter_long", fn, extra: { size: { kind: "shares", shares: 5 } } },
          { line: 3, action: "exit", fn: exit },
        ]),
      };
    };
    const a = make();
    const b = make();
    for (let i = 0; i < 5; i++) {
      const x = bar(i, 100 + i);
      a.broker.onBar(x);
      a.engine.processCloseSync({ symbol: "X", timeframe: "1m", bar: x, closeTime: x.closeTime });
      const y = bar(i, 100 + i);
      b.broker.onBar(y);
      b.engine.processBarSync(y);
    }
    // Everything but the measured evaluation times.
    const timeless = (events: EngineEvent[]) => events.map((e) => ("elapsedMs" in e ? { ...e, elapsedMs: 0 } : e));
    expect(timeless(b.events)).toEqual(timeless(a.events));
    expect(of(b.events, "order")).toHaveLength(3);
    for (const ctx of (b.fns[0] as ScriptedFunction).seen) {
      expect(Object.isFrozen(ctx)).toBe(true);
      expect(Object.isFrozen(ctx.bar)).toBe(true);
      expect(Object.isFrozen(ctx.position)).toBe(true);
      expect(Object.isFrozen(ctx.account)).toBe(true);
    }
  });

  it("routes closes that alternate between symbols and timeframes to their own streams", () => {
    const { engine, events } = setup(
      [
        {
          line: 2,
          action: "enter_long",
          fn: new ScriptedFunction((ctx) => (ctx.history.length === 3 ? sig("ENTER_LONG") : undefined) ?? sig("NONE")),
        },
      ],
      { symbols: ["X", "Y"] },
    );
    // X and Y interleaved, and closes of a stream the plan does not use between them: each stream's history must
    // hold only its own bars, whatever stream the engine looked up last.
    for (let i = 0; i < 3; i++) {
      engine.processBarSync(bar(i, 10 + i, "X"));
      engine.processBarSync(bar(i, 1, "X", "1h"));
      engine.processBarSync(bar(i, 20 + i, "Y"));
    }
    expect(engine.series("X", "1m")?.history.close(0)).toBe(12);
    expect(engine.series("Y", "1m")?.history.close(0)).toBe(22);
    expect(of(events, "signal").map((e) => e.symbol)).toEqual(["X", "Y"]);
    expect(engine.counters.closes).toBe(6);
  });
});

describe("Engine fault containment", () => {
  it("a function that throws yields NONE and an error; the others still run", () => {
    const boom = new ScriptedFunction(() => {
      throw new Error("boom");
    });
    const { broker, events, close } = setup([
      { line: 2, action: "enter_long", fn: boom },
      { line: 3, action: "enter_long", fn: firesOn([0], sig("ENTER_LONG")) },
    ]);
    close(0, 100);
    expect(of(events, "error")[0]).toMatchObject({ code: "FN_THROW", rule: "r2", line: 2 });
    expect(of(events, "error")[0]?.message).toContain("boom");
    expect(of(events, "evaluation").map((e) => e.signal.action)).toEqual(["NONE", "ENTER_LONG"]);
    expect(broker.position("X").quantity).toBe(100);
  });

  it.each([
    ["undefined", undefined, /not a valid signal/],
    ["a string", "BUY", /not a valid signal/],
    ["an unknown action", { action: "BUY", confidence: 1, reasoning: "", metadata: {} }, /action/],
    ["a confidence above 1", { action: "ENTER_LONG", confidence: 7, reasoning: "", metadata: {} }, /confidence/],
    ["a missing reasoning", { action: "ENTER_LONG", confidence: 1, metadata: {} }, /reasoning/],
  ])("a garbage return (%s) yields NONE and FN_BAD_SIGNAL", (_name, value, message) => {
    const junk = new ScriptedFunction(() => value);
    const { broker, events, close } = setup([
      { line: 2, action: "enter_long", fn: junk },
      { line: 3, action: "enter_long", fn: firesOn([0], sig("ENTER_LONG")) },
    ]);
    close(0, 100);
    const err = of(events, "error")[0];
    expect(err).toMatchObject({ code: "FN_BAD_SIGNAL", rule: "r2" });
    expect(err?.message).toMatch(message);
    expect(broker.position("X").quantity).toBe(100);
    expect(of(events, "order").map((e) => e.rule)).toEqual(["r3"]);
  });

  it("a subclass of a built-in is validated like any other function", () => {
    class Broken extends CloseAboveFunction {
      override evaluateSync(): ExecutionSignal {
        return { action: "BUY", confidence: 1, reasoning: "", metadata: {} } as unknown as ExecutionSignal;
      }
    }
    const { events, close } = setup([
      { line: 2, action: "enter_long", fn: new Broken({ action: "enter_long", threshold: 1 }) },
      { line: 3, action: "enter_long", fn: new CloseAboveFunction({ action: "enter_long", threshold: 1 }) },
    ]);
    close(0, 100);
    expect(of(events, "error")).toMatchObject([{ code: "FN_BAD_SIGNAL", rule: "r2" }]);
    expect(of(events, "evaluation").map((e) => e.signal.action)).toEqual(["NONE", "ENTER_LONG"]);
  });

  it("sync path: a result that came back past the budget is discarded", () => {
    let now = 0;
    const timer: BudgetTimer = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
    const slow = new ScriptedFunction(() => {
      now += 150;
      return sig("ENTER_LONG");
    });
    const { broker, events, close } = setup([{ line: 2, action: "enter_long", fn: slow }], { timer });
    close(0, 100);
    expect(of(events, "error")[0]).toMatchObject({ code: "FN_TIMEOUT" });
    expect(of(events, "error")[0]?.message).toMatch(/took 150\.0 ms; the budget is 100 ms/);
    expect(broker.position("X").quantity).toBe(0);
  });
});

describe("Engine without a budget", () => {
  it("budgetMs Infinity keeps a slow result and reads no clock", () => {
    let reads = 0;
    const timer: BudgetTimer = {
      now: () => {
        reads++;
        return reads * 1000;
      },
      setTimeout: () => 0,
      clearTimeout: () => undefined,
    };
    const compiled = [rule(2, "enter_long")];
    const broker = new PaperBroker({ ...FREE, fillAt: "close" });
    const engine = new Engine({
      plan: plan(compiled),
      rules: [{ compiled: compiled[0]!, fn: firesOn([0], sig("ENTER_LONG")) }],
      broker,
      risk: new RiskValidator({}),
      budgetMs: Number.POSITIVE_INFINITY,
      timer,
    });
    const b = bar(0, 100);
    engine.processCloseSync({ symbol: "X", timeframe: "1m", bar: b, closeTime: b.closeTime });
    expect(reads).toBe(0);
    expect(broker.position("X").quantity).toBe(100);
  });

  it("withBudget with an infinite budget sets no timer", async () => {
    const { withBudget } = await import("../src/engine/timer.js");
    let timers = 0;
    const timer: BudgetTimer = { now: () => 0, setTimeout: () => ++timers, clearTimeout: () => undefined };
    await expect(withBudget(Promise.resolve(7), Number.POSITIVE_INFINITY, timer)).resolves.toEqual({
      kind: "value",
      value: 7,
    });
    await expect(withBudget(Promise.reject(new Error("x")), Number.POSITIVE_INFINITY, timer)).resolves.toMatchObject({
      kind: "error",
    });
    expect(timers).toBe(0);
  });
});

/** A virtual budget timer: timeouts fire only when the test advances time. */
class VirtualTimer implements BudgetTimer {
  private t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; cb: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(cb: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, cb });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  get waiting(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, p] of [...this.pending]) {
      if (p.at <= this.t) {
        this.pending.delete(id);
        p.cb();
      }
    }
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await Promise.resolve();
}

describe("Engine async path", () => {
  it("a function that never resolves times out on the virtual budget; the others still run", async () => {
    const timer = new VirtualTimer();
    const hang = new ScriptedFunction(() => sig("NONE"));
    hang.evaluate = () => new Promise<ExecutionSignal>(() => undefined);
    const { broker, events, engine } = setup(
      [
        { line: 2, action: "enter_long", fn: hang },
        { line: 3, action: "enter_long", fn: firesOn([0], sig("ENTER_LONG")) },
      ],
      { timer },
    );
    const b = bar(0, 100);
    broker.onBar(b);
    const done = engine.onBarClose({ symbol: "X", timeframe: "1m", bar: b, closeTime: b.closeTime });
    await until(() => timer.waiting > 0);
    expect(of(events, "error")).toHaveLength(0);
    timer.advance(99);
    await Promise.resolve();
    expect(of(events, "error")).toHaveLength(0);
    timer.advance(1);
    await done;
    expect(of(events, "error")[0]).toMatchObject({ code: "FN_TIMEOUT", rule: "r2" });
    expect(broker.position("X").quantity).toBe(100);
  });

  it("a rejected evaluate promise is FN_THROW", async () => {
    const bad = new ScriptedFunction(() => sig("NONE"));
    bad.evaluate = () => Promise.reject(new TypeError("nope"));
    const { events, engine } = setup([{ line: 2, action: "enter_long", fn: bad }]);
    const b = bar(0, 100);
    await engine.onBarClose({ symbol: "X", timeframe: "1m", bar: b, closeTime: b.closeTime });
    expect(of(events, "error")[0]?.message).toContain("TypeError: nope");
  });

  it("processes one symbol's closes strictly in order and symbols independently", async () => {
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const fn = new ScriptedFunction(() => sig("NONE"));
    fn.evaluate = (ctx) => {
      const key = `${ctx.symbol}${(ctx.bar.time - T0) / MIN}`;
      order.push(`start ${key}`);
      return new Promise((resolve) => {
        gates.set(key, () => {
          order.push(`end ${key}`);
          resolve(sig("NONE"));
        });
      });
    };
    const { engine } = setup([{ line: 2, action: "enter_long", fn }], { symbols: ["A", "B"] });
    const send = (s: string, i: number) =>
      engine.onBarClose({ symbol: s, timeframe: "1m", bar: bar(i, 10, s), closeTime: bar(i, 10, s).closeTime });
    const all = [send("A", 0), send("A", 1), send("B", 0)];
    await until(() => gates.has("A0") && gates.has("B0"));
    // B's close started while A's first close is still running; A's second waits.
    expect(order).toEqual(["start A0", "start B0"]);
    gates.get("B0")!();
    gates.get("A0")!();
    await until(() => gates.has("A1"));
    expect(order).toEqual(["start A0", "start B0", "end B0", "end A0", "start A1"]);
    gates.get("A1")!();
    await Promise.all(all);
    await engine.idle();
    expect(order.at(-1)).toBe("end A1");
  });

  it("with only synchronous functions and nothing queued, a close is decided before onBarClose returns", async () => {
    const { broker, events, engine } = setup([{ line: 3, action: "enter_long", fn: firesOn([0], sig("ENTER_LONG")) }]);
    const b = bar(0, 100);
    broker.onBar(b);
    const done = engine.onBarClose({ symbol: "X", timeframe: "1m", bar: b, closeTime: b.closeTime });
    // No await yet: the decision and the order are already there.
    expect(of(events, "signal")).toHaveLength(1);
    expect(broker.position("X").quantity).toBe(100);
    await done;
  });

  it("a synchronous stream's close waits behind the symbol's queued asynchronous close", async () => {
    const order: string[] = [];
    let release: (() => void) | undefined;
    const slow = new ScriptedFunction(() => sig("NONE"));
    slow.evaluate = () => {
      order.push("start 5m");
      return new Promise((resolve) => {
        release = () => {
          order.push("end 5m");
          resolve(sig("NONE"));
        };
      });
    };
    const quick = new ScriptedFunction(() => {
      order.push("1m");
      return sig("NONE");
    });
    const compiled = [rule(2, "enter_long", {}, "5m"), rule(3, "enter_long", {}, "1m")];
    const engine = new Engine({
      plan: plan(compiled),
      rules: [
        { compiled: compiled[0]!, fn: slow },
        { compiled: compiled[1]!, fn: quick },
      ],
      broker: new PaperBroker({ ...FREE, fillAt: "close" }),
      risk: new RiskValidator({}),
    });
    const b5 = { ...bar(0, 10), timeframe: "5m", closeTime: T0 + 5 * MIN };
    const first = engine.onBarClose({ symbol: "X", timeframe: "5m", bar: b5, closeTime: b5.closeTime });
    const b1 = bar(4, 10);
    const second = engine.onBarClose({ symbol: "X", timeframe: "1m", bar: b1, closeTime: b1.closeTime });
    await until(() => release !== undefined);
    expect(order).toEqual(["start 5m"]);
    release!();
    await Promise.all([first, second]);
    expect(order).toEqual(["start 5m", "end 5m", "1m"]);
    // Once the queue has drained, the synchronous stream takes the immediate path again.
    const b2 = bar(5, 10);
    void engine.onBarClose({ symbol: "X", timeframe: "1m", bar: b2, closeTime: b2.closeTime });
    expect(order.at(-1)).toBe("1m");
    expect(order).toHaveLength(4);
  });

  it("a throwing sink does not stop the engine", () => {
    const compiled = [rule(2, "enter_long")];
    const broker = new PaperBroker({ ...FREE, fillAt: "close" });
    const engine = new Engine({
      plan: plan(compiled),
      rules: [{ compiled: compiled[0]!, fn: firesOn([0], sig("ENTER_LONG")) }],
      broker,
      risk: new RiskValidator({}),
      sink: {
        emit() {
          throw new Error("disk full");
        },
      },
    });
    const b = bar(0, 100);
    engine.processCloseSync({ symbol: "X", timeframe: "1m", bar: b, closeTime: b.closeTime });
    expect(broker.position("X").quantity).toBe(100);
  });
});
