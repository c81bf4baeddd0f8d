import type { RuleCommon } from "@tradeplan/dsl";
import type { z } from "zod";
import type { ExecutionContext } from "../context.js";
import { confidenceLevel, type ExecutionSignal } from "../models.js";
import { ExecutionFunctionBase, type FunctionState } from "./base.js";
import { formatNumber } from "./format.js";
import { type MappedAction, mapAction, noneBecause } from "./signals.js";
import { type DayWindow, inWindow, parseWindow } from "./window.js";

/** A rule's condition held: the raw confidence and why. */
export interface Firing {
  readonly confidence: number;
  readonly reasoning: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * A firing built by {@link RuleFunction.firing}: its metadata is a fresh
 * object nobody else holds, so the base class completes and freezes it in
 * place instead of copying it (the copy was a twentieth of a firing). Its
 * reasoning is a function, called only when the text is read.
 */
class OwnedFiring implements Firing {
  constructor(
    readonly confidence: number,
    readonly text: () => string,
    readonly metadata: Record<string, unknown>,
  ) {}
  get reasoning(): string {
    return this.text();
  }
}

/**
 * Base of the rules that share {@link RuleCommon} parameters (`action`,
 * `window`, `minConfidence`, `size`, `stop`, `target`). Subclasses implement
 * `check`, which says whether the condition holds; this class applies, in
 * order: the warm-up guard (fewer closed bars than `requiredLookback` → NONE),
 * the condition, the `between` window (bar close time of day in the plan's
 * zone, both ends included), the `minConfidence` floor (below → NONE, saying
 * so), and the action mapping. Size, stop and target are copied into the
 * signal's metadata so the engine can size and protect the order.
 */
export abstract class RuleFunction<P extends RuleCommon, S extends FunctionState> extends ExecutionFunctionBase<P, S> {
  protected readonly mapped: MappedAction;
  private readonly window: DayWindow | undefined;
  private readonly noneOutside: ExecutionSignal | undefined;
  private noneNotWarmCache: ExecutionSignal | undefined;

  protected constructor(schema: z.ZodType<P>, params: unknown) {
    super(schema, params);
    this.mapped = mapAction(this.params.action);
    this.window = this.params.window ? parseWindow(this.params.window) : undefined;
    this.noneOutside = this.window
      ? noneBecause("outside_window", `condition holds but the bar closed outside the window ${this.window.text}`)
      : undefined;
  }

  /** NONE while the stream has fewer closed bars than the lookback. */
  protected get noneNotWarm(): ExecutionSignal {
    this.noneNotWarmCache ??= noneBecause("not_warm", `not warm: needs ${this.requiredLookback} closed bars`);
    return this.noneNotWarmCache;
  }

  /**
   * A firing whose `metadata` the caller has just created and hands over: it
   * becomes the signal's metadata (completed and frozen) without a copy. A
   * `check` that returns a plain {@link Firing} gets its metadata copied.
   *
   * `reasoning` is a function: the signal's `reasoning` is an accessor that
   * calls it, so the text (numbers formatted, sentences joined) is built
   * only for a signal whose reasoning is read, one that is applied or
   * reported, and not for the many a backtest suppresses (an entry while
   * its position is open) or drops below the confidence floor unread. It
   * must give the same text whenever it is called.
   */
  protected firing(confidence: number, reasoning: () => string, metadata: Record<string, unknown>): Firing {
    return new OwnedFiring(confidence, reasoning, metadata);
  }

  /** Returns a NONE signal when the condition does not hold, else the firing. */
  protected abstract check(ctx: ExecutionContext, state: S): ExecutionSignal | Firing;

  evaluateSync(ctx: ExecutionContext, state: S): ExecutionSignal {
    this.checkState(ctx, state);
    if (ctx.history.count < this.requiredLookback) return this.noneNotWarm;
    const r = this.check(ctx, state);
    if ("action" in r) return r;
    if (this.window && !inWindow(this.window, ctx.bar.closeTime, ctx.plan.timezone)) return this.noneOutside!;
    const floor = this.params.minConfidence;
    if (floor !== undefined && r.confidence < floor) {
      return noneBecause(
        "below_confidence_floor",
        `confidence ${formatNumber(r.confidence)} is below the floor ${formatNumber(floor)}: ${r.reasoning}`,
        r.metadata,
      );
    }
    const p = this.params;
    const metadata = r instanceof OwnedFiring ? r.metadata : copyRecord(r.metadata);
    metadata.function = this.name;
    metadata.confidenceLevel = confidenceLevel(r.confidence);
    if (p.size) metadata.size = p.size;
    if (p.stop) metadata.stop = p.stop;
    if (p.target) metadata.target = p.target;
    Object.freeze(metadata);
    const { action, exitSide } = this.mapped;
    const confidence = r.confidence;
    // One literal per shape (no conditional spread): every signal of a shape shares one hidden class.
    if (r instanceof OwnedFiring) {
      // An own, enumerable accessor: read (and serialized) like the string it returns, built when read.
      const text = r.text;
      return Object.freeze(
        exitSide
          ? {
              action,
              exitSide,
              confidence,
              get reasoning() {
                return text();
              },
              metadata,
            }
          : {
              action,
              confidence,
              get reasoning() {
                return text();
              },
              metadata,
            },
      );
    }
    const reasoning = r.reasoning;
    return Object.freeze(
      exitSide ? { action, exitSide, confidence, reasoning, metadata } : { action, confidence, reasoning, metadata },
    );
  }
}

/**
 * A shallow copy with the semantics of `{ ...src }`. Not the spread itself:
 * V8 (Node 20) gives a spread copy a hidden class outside the transition
 * tree, so every key added to it afterwards builds a new hidden class, which
 * made each firing cost microseconds and kilobytes of garbage.
 * `Object.assign` copies the same keys (own enumerable, strings and symbols)
 * into a normal object; it differs only for an own `__proto__` key (it would
 * set the prototype), which therefore takes the spread.
 */
function copyRecord(src: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.hasOwn(src, "__proto__") ? { ...src } : Object.assign({}, src);
}
