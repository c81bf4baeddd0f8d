/**
 * Many-stream set-ups shared by the burst and memory benchmarks: a plan with
 * one simple rule per (symbol, timeframe), the engine wired as it runs live
 * (paper broker, risk validator), and a market calendar of short sessions so
 * that every stream's bar ends on one frequent boundary.
 */

import {
  createDefaultRegistry,
  Engine,
  type EngineEventSink,
  type MarketCalendar,
  PaperBroker,
  RiskValidator,
  type Session,
} from "@tradeplan/core";
import { bindRules, instantiatePlan, mergeRiskConfig, type RuleBinding } from "@tradeplan/core/internal";
import type { CompiledPlan } from "@tradeplan/dsl";
import { compilePlan } from "./runtime-data.js";

/** Five timeframes per symbol, as a strategist running 1m..1h would, scaled down to seconds. */
export const TIMEFRAMES = ["5s", "10s", "15s", "30s", "1m"] as const;

/** `count` symbol names: S0000, S0001, ... */
export function symbolNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `S${String(i).padStart(4, "0")}`);
}

/** A plan trading `symbols`, with `on TF close above THRESHOLD enter long` on every timeframe of {@link TIMEFRAMES}. */
export function simpleRulePlan(symbols: readonly string[], threshold = 1): CompiledPlan {
  const rules = TIMEFRAMES.map((tf) => `on ${tf} close above ${threshold} enter long size 10 shares`);
  const source = `plan "many streams"\nsymbols ${symbols.join(", ")}\nsession always\n${rules.join("\n")}\n`;
  const plan = compilePlan(source, "many-streams.plan");
  if (plan.streams.length !== symbols.length * TIMEFRAMES.length)
    throw new Error(`expected ${symbols.length * TIMEFRAMES.length} streams, got ${plan.streams.length}`);
  return plan;
}

/**
 * The engine as it runs live: rules from the default registry, a paper
 * broker, the risk validator with no limits, the live 100 ms budget.
 * `lookback` overrides every stream's lookback in the compiled plan, which
 * sizes its cache (the engine keeps max(64, lookback + 1) bars, at most 1000).
 */
export function liveEngine(
  compiled: CompiledPlan,
  options: { sink?: EngineEventSink; lookback?: number } = {},
): { engine: Engine; broker: PaperBroker } {
  const { sink, lookback } = options;
  const plan =
    lookback === undefined ? compiled : { ...compiled, streams: compiled.streams.map((s) => ({ ...s, lookback })) };
  const rules: RuleBinding[] = bindRules(instantiatePlan(plan, createDefaultRegistry()));
  const broker = new PaperBroker({});
  const engine = new Engine({
    plan,
    rules,
    broker,
    risk: new RiskValidator(mergeRiskConfig({}, plan.risk)),
    ...(sink ? { sink } : {}),
  });
  return { engine, broker };
}

/**
 * Back-to-back sessions of `sessionMs` each, aligned to the epoch: every
 * stream's last bar of a session ends at its close, whatever its timeframe
 * (as every intraday bar ends at 16:00 on NYSE), so each session close is a
 * boundary shared by all streams, every `sessionMs` instead of once a day.
 */
export class ShortSessionCalendar implements MarketCalendar {
  readonly name: string;
  readonly zone = "UTC";

  constructor(readonly sessionMs: number) {
    if (!Number.isInteger(sessionMs) || sessionMs <= 0) throw new RangeError(`bad session length ${sessionMs}`);
    this.name = `sessions of ${sessionMs} ms`;
  }

  private last: Session | undefined;

  private at(t: number): Session {
    const open = Math.floor(t / this.sessionMs) * this.sessionMs;
    // Every stream's bucketer asks once per session: one object per session, not one per stream.
    if (this.last?.open === open) return this.last;
    this.last = {
      date: new Date(open).toISOString().slice(0, 10),
      open,
      close: open + this.sessionMs,
      earlyClose: false,
    };
    return this.last;
  }

  sessionOn(date: string): Session | null {
    const t = Date.parse(`${date}T00:00:00Z`);
    return Number.isFinite(t) ? this.at(t) : null;
  }

  sessionBounds(t: number): Session | null {
    return this.at(t);
  }

  sessionAtOrAfter(t: number): Session {
    return this.at(t);
  }

  isOpen(): boolean {
    return true;
  }

  nextOpen(t: number): number {
    return this.at(t).close;
  }

  nextClose(t: number): number {
    return this.at(t).close;
  }
}
