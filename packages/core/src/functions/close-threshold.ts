import { type ThresholdParams, ThresholdParamsSchema } from "@tradeplan/dsl";
import type { ExecutionContext } from "../context.js";
import type { ExecutionSignal } from "../models.js";
import type { CloseGate, FunctionState, FunctionStateEnv } from "./base.js";
import { volumeMomentumConfidence } from "./confidence.js";
import { formatNumber, formatPrice, formatVolume } from "./format.js";
import { type Firing, RuleFunction } from "./rule.js";
import { actionDirection, noneBecause } from "./signals.js";

/**
 * `close_above` / `close_below`: the close is strictly above (below) the
 * threshold and, when `minVolume` is set, the bar's volume is at least
 * `minVolume`. Fires on every such bar (the engine suppresses a repeated
 * entry while the position is open).
 *
 * Confidence: {@link volumeMomentumConfidence} (volume relative to the
 * 20-bar average and the one-bar momentum in the action's direction, each
 * scored in [0, 1] and averaged, clamped to [0, 1]).
 *
 * Reasoning: `close 151.20 above 150.25, volume 1.8M >= 1M; confidence 0.78 (volume 1.6x the 20-bar average, momentum +0.42%)`.
 */
abstract class CloseThresholdFunction extends RuleFunction<ThresholdParams, FunctionState> implements CloseGate {
  private readonly word: string;
  private readonly noneCondition: ExecutionSignal;
  private readonly noneVolume: ExecutionSignal;
  /** `above 150.25` and `>= 1M`: the constant parts of every firing's reasoning, formatted once. */
  private readonly thresholdText: string;
  private readonly minVolumeText: string;

  protected constructor(
    private readonly above: boolean,
    params: unknown,
  ) {
    super(ThresholdParamsSchema, params);
    this.word = above ? "above" : "below";
    this.thresholdText = `${this.word} ${formatPrice(this.params.threshold)}`;
    this.minVolumeText = `>= ${formatVolume(this.params.minVolume ?? 0)}`;
    this.noneCondition = noneBecause("condition_false", `close not ${this.word} ${formatPrice(this.params.threshold)}`);
    this.noneVolume = noneBecause(
      "filter_false",
      `close ${this.word} ${formatPrice(this.params.threshold)} but volume below ${formatVolume(this.params.minVolume ?? 0)}`,
    );
  }

  get requiredLookback(): number {
    return 1;
  }

  createState(env: FunctionStateEnv): FunctionState {
    return Object.freeze({ owner: this, symbol: env.symbol, timeframe: env.timeframe });
  }

  /** The NONE a close and volume give, or undefined when the rule holds: the one place it decides. */
  private refusal(close: number, volume: number): ExecutionSignal | undefined {
    const th = this.params.threshold;
    if (!(this.above ? close > th : close < th)) return this.noneCondition;
    const minVolume = this.params.minVolume;
    if (minVolume !== undefined && !(volume >= minVolume)) return this.noneVolume;
    return undefined;
  }

  /** {@link CloseGate}: whether the close (and volume) meet the threshold. */
  mayFire(_state: FunctionState, close: number, volume: number): boolean {
    return this.refusal(close, volume) === undefined;
  }

  protected check(ctx: ExecutionContext): ExecutionSignal | Firing {
    const { close, volume } = ctx.bar;
    const none = this.refusal(close, volume);
    if (none !== undefined) return none;
    const th = this.params.threshold;
    const minVolume = this.params.minVolume;
    const c = volumeMomentumConfidence(ctx.history, actionDirection(this.params.action, ctx.position.side));
    const reasoning = (): string => {
      let text = `close ${formatPrice(close)} ${this.thresholdText}`;
      if (minVolume !== undefined) text += `, volume ${formatVolume(volume)} ${this.minVolumeText}`;
      return `${text}; ${describeConfidence(c.confidence, c.relativeVolume, c.momentumPercent)}`;
    };
    return this.firing(c.confidence, reasoning, {
      close,
      threshold: th,
      volume,
      relativeVolume: c.relativeVolume,
      momentumPercent: c.momentumPercent,
    });
  }
}

/** `confidence 0.78 (volume 1.6x the 20-bar average, momentum +0.42%)`. */
export function describeConfidence(conf: number, relVol: number | undefined, mom: number | undefined): string {
  const vol = relVol === undefined ? "volume average unknown" : `volume ${formatNumber(relVol)}x the 20-bar average`;
  const m = mom === undefined ? "momentum unknown" : `momentum ${mom >= 0 ? "+" : ""}${mom.toFixed(2)}%`;
  return `confidence ${conf.toFixed(2)} (${vol}, ${m})`;
}

/** `close_above`: see {@link CloseThresholdFunction}. */
export class CloseAboveFunction extends CloseThresholdFunction {
  static readonly paramsSchema = ThresholdParamsSchema;
  static readonly description =
    "Fires when the bar closes strictly above a threshold (optionally with a minimum volume).";
  readonly name = "close_above";
  constructor(params: unknown) {
    super(true, params);
  }
}

/** `close_below`: see {@link CloseThresholdFunction}. */
export class CloseBelowFunction extends CloseThresholdFunction {
  static readonly paramsSchema = ThresholdParamsSchema;
  static readonly description =
    "Fires when the bar closes strictly below a threshold (optionally with a minimum volume).";
  readonly name = "close_below";
  constructor(params: unknown) {
    super(false, params);
  }
}
