import { z } from "zod";
import type { BarData } from "../models.js";
import { Mulberry32, type PrngState } from "./prng.js";
import { timeframeSeconds } from "./timeframe.js";

/** One trading session: open and close instants (epoch ms). */
export interface SessionBounds {
  readonly open: number;
  readonly close: number;
}

export const GeneratorOptionsSchema = z
  .object({
    symbol: z.string().min(1).default("DEMO"),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    /** Bar interval; must divide the session evenly (`1m`, `5s`, ...). */
    interval: z
      .string()
      .regex(/^[1-9][0-9]*[sm]$/, "an intraday interval such as 1m or 5s")
      .default("1m"),
    startPrice: z
      .number()
      .refine((v) => Number.isFinite(v) && v > 0, "must be positive")
      .default(100),
    /** Typical shares traded per session. */
    dailyVolume: z.number().int().positive().default(2_000_000),
  })
  .strict();

export type GeneratorOptions = z.input<typeof GeneratorOptionsSchema>;

/**
 * Volatility regimes (annualised volatility, annualised drift) and the
 * chance per session of leaving the current one. A Markov chain over calm /
 * normal / turbulent markets gives volatility clustering, which plain GBM lacks.
 */
const REGIMES = [
  { name: "calm", vol: 0.14, drift: 0.08, stay: 0.9 },
  { name: "normal", vol: 0.24, drift: 0.05, stay: 0.85 },
  { name: "turbulent", vol: 0.45, drift: -0.1, stay: 0.75 },
] as const;

const TRADING_DAYS = 252;
/** Sub-steps simulated inside each bar to give it a realistic high and low. */
const TICKS_PER_BAR = 6;

/**
 * The U-shaped intraday profile: activity (volume and volatility) is
 * highest at the open, lowest around midday, and rises into the close.
 * `x` is the fraction of the session elapsed (0..1); the mean over the session is 1.
 */
export function intradayProfile(x: number): number {
  const u = 2 * x - 1;
  // 0.55 + 1.35 u^2 integrates to 0.55 + 0.45 = 1 over [-1, 1] / 2.
  return 0.55 + 1.35 * u * u;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/**
 * Generates deterministic synthetic bars over the given sessions: the same
 * options and sessions always yield the same bars.
 *
 * Model: log-price follows GBM within a session, with the per-bar variance
 * scaled by the U-shaped profile and by the session's regime (a Markov chain,
 * see `REGIMES`); between sessions an overnight gap with a third of a day's
 * volatility, plus a 3% chance of a news jump of 2-5 sigma. Volume follows
 * the same profile with log-normal noise and rises with the bar's absolute
 * return. Prices are rounded to cents, volumes to whole shares. The walk
 * itself is {@link MarketWalk}.
 */
export function* generateBars(options: GeneratorOptions, sessions: readonly SessionBounds[]): Generator<BarData> {
  const walk = new MarketWalk(options);
  for (const s of sessions) {
    const bars = walk.beginSession(s);
    for (let i = 0; i < bars; i++) yield walk.nextBar();
  }
}

/** Where a {@link MarketWalk} stands between two sessions: enough to continue it exactly. */
export interface WalkState {
  readonly rng: PrngState;
  readonly regime: number;
  readonly price: number;
  readonly first: boolean;
}

/**
 * The market model of {@link generateBars} as a walk that can be stepped
 * one bar at a time, saved between sessions ({@link state}) and continued
 * from a saved state: a simulation then streams many symbols bar by bar and
 * answers history for any day from the state saved at its start, without
 * keeping the bars.
 */
export class MarketWalk {
  readonly symbol: string;
  readonly interval: string;
  private readonly stepMs: number;
  private readonly dailyVolume: number;
  private rng: Mulberry32;
  private regime: number;
  private price: number;
  private first: boolean;
  // The session being walked (set by beginSession).
  private open = 0;
  private bars = 0;
  private index = 0;
  private barVar = 0;
  private barDrift = 0;
  // The last bar stepped (set by step).
  private barOpen = 0;
  private hi = 0;
  private lo = 0;
  private shape = 0;
  /** The bar {@link advance} made last (overwritten by the next call). */
  readonly last = { time: 0, closeTime: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };

  constructor(options: GeneratorOptions, state?: WalkState) {
    const o = GeneratorOptionsSchema.parse(options);
    this.symbol = o.symbol;
    this.interval = o.interval;
    this.stepMs = (timeframeSeconds(o.interval) ?? 60) * 1000;
    this.dailyVolume = o.dailyVolume;
    this.rng = state ? Mulberry32.from(state.rng) : new Mulberry32(o.seed);
    this.regime = state?.regime ?? 1;
    this.price = state?.price ?? o.startPrice;
    this.first = state?.first ?? true;
  }

  /** The walk's state; valid between sessions (after a session's last bar, before the next `beginSession`). */
  state(): WalkState {
    return { rng: this.rng.save(), regime: this.regime, price: this.price, first: this.first };
  }

  /** Bars a session has at this interval. */
  barsIn(s: SessionBounds): number {
    return Math.floor((s.close - s.open) / this.stepMs);
  }

  /** Starts a session (regime change, overnight gap); returns how many bars it has. */
  beginSession(s: SessionBounds): number {
    const bars = this.barsIn(s);
    this.open = s.open;
    this.bars = Math.max(0, bars);
    this.index = 0;
    if (bars <= 0) return 0;
    const rng = this.rng;
    if (rng.next() > REGIMES[this.regime]!.stay)
      this.regime = (this.regime + 1 + Math.floor(rng.next() * 2)) % REGIMES.length;
    const r = REGIMES[this.regime]!;
    const daySigma = r.vol / Math.sqrt(TRADING_DAYS);
    if (!this.first) {
      let gap = (daySigma / 3) * rng.normal();
      if (rng.next() < 0.03) gap += daySigma * (2 + 3 * rng.next()) * (rng.next() < 0.5 ? -1 : 1);
      this.price *= Math.exp(gap);
    }
    this.first = false;
    // Per-bar variance so that a full session's variance equals daySigma^2 (the profile averages 1).
    this.barVar = (daySigma * daySigma) / bars;
    this.barDrift = r.drift / TRADING_DAYS / bars;
    return bars;
  }

  /** The session's next bar (call it at most as many times as `beginSession` said). */
  nextBar(): BarData {
    this.advance();
    return this.lastBar();
  }

  /** The bar {@link advance} made last, as a new object. */
  lastBar(): BarData {
    const b = this.last;
    return {
      symbol: this.symbol,
      timeframe: this.interval,
      time: b.time,
      closeTime: b.closeTime,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: b.volume,
    };
  }

  /**
   * Makes the session's next bar into {@link last} instead of a new object
   * (a long history folded into longer bars need not allocate its base bars).
   */
  advance(): void {
    const i = this.index;
    this.step();
    const p = this.price;
    const open = this.barOpen;
    const close = round2(p);
    const b = this.last;
    b.time = this.open + i * this.stepMs;
    b.closeTime = b.time + this.stepMs;
    b.open = open;
    b.close = close;
    b.high = Math.max(round2(this.hi), open, close);
    b.low = Math.min(round2(this.lo), open, close);
    const ret = Math.abs(Math.log(p / (open || p)));
    const noise = Math.exp(0.35 * this.rng.normal() - 0.06);
    b.volume = Math.max(
      1,
      Math.round((this.dailyVolume / this.bars) * this.shape * noise * (1 + ret / Math.sqrt(this.barVar))),
    );
  }

  /** Walks `count` bars of the session (at most the rest of it) without making them: the same draws as `nextBar`. */
  skipBars(count: number): void {
    const end = Math.min(this.bars, this.index + count);
    while (this.index < end) {
      this.step();
      // The volume's noise.
      this.rng.normal();
    }
  }

  /** Walks the rest of the session without making bars. */
  skipSession(): void {
    this.skipBars(this.bars - this.index);
  }

  /** Moves the price through one bar's ticks (the volume's draw is left to the caller). */
  private step(): void {
    const bars = this.bars;
    const x = (this.index + 0.5) / bars;
    const shape = intradayProfile(x);
    const tickSigma = Math.sqrt((this.barVar * shape) / TICKS_PER_BAR);
    const open = round2(this.price);
    let hi = open;
    let lo = open;
    let p = this.price;
    const rng = this.rng;
    const drift = this.barDrift / TICKS_PER_BAR - (tickSigma * tickSigma) / 2;
    for (let k = 0; k < TICKS_PER_BAR; k++) {
      p *= Math.exp(drift + tickSigma * rng.normal());
      if (p > hi) hi = p;
      if (p < lo) lo = p;
    }
    this.price = p;
    this.barOpen = open;
    this.hi = hi;
    this.lo = lo;
    this.shape = shape;
    this.index++;
  }
}

/**
 * The sessions of `count` consecutive trading days from a local date
 * (`YYYY-MM-DD`), as a market calendar reports them: weekends and holidays
 * are skipped, early closes kept.
 */
export function tradingSessions(
  calendar: { sessionOn(date: string): SessionBounds | null },
  from: string,
  count: number,
): SessionBounds[] {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(from);
  if (!m) throw new RangeError(`not a date YYYY-MM-DD: ${from}`);
  const out: SessionBounds[] = [];
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Ten years of calendar days bounds the search for a calendar with no sessions.
  for (let guard = 0; out.length < count && guard < 3660; guard++) {
    const s = calendar.sessionOn(d.toISOString().slice(0, 10));
    if (s) out.push({ open: s.open, close: s.close });
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}
