import { z } from "zod";
import type { BarData } from "../models.js";
import { Mulberry32 } from "./prng.js";
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
 * return. Prices are rounded to cents, volumes to whole shares.
 */
export function* generateBars(options: GeneratorOptions, sessions: readonly SessionBounds[]): Generator<BarData> {
  const o = GeneratorOptionsSchema.parse(options);
  const stepMs = (timeframeSeconds(o.interval) ?? 60) * 1000;
  const rng = new Mulberry32(o.seed);
  let regime = 1;
  let price = o.startPrice;
  let first = true;
  for (const s of sessions) {
    const bars = Math.floor((s.close - s.open) / stepMs);
    if (bars <= 0) continue;
    if (rng.next() > REGIMES[regime]!.stay) regime = (regime + 1 + Math.floor(rng.next() * 2)) % REGIMES.length;
    const r = REGIMES[regime]!;
    const daySigma = r.vol / Math.sqrt(TRADING_DAYS);
    if (!first) {
      let gap = (daySigma / 3) * rng.normal();
      if (rng.next() < 0.03) gap += daySigma * (2 + 3 * rng.next()) * (rng.next() < 0.5 ? -1 : 1);
      price *= Math.exp(gap);
    }
    first = false;
    // Per-bar variance so that a full session's variance equals daySigma^2 (the profile averages 1).
    const barVar = (daySigma * daySigma) / bars;
    const barDrift = r.drift / TRADING_DAYS / bars;
    for (let i = 0; i < bars; i++) {
      const x = (i + 0.5) / bars;
      const shape = intradayProfile(x);
      const tickSigma = Math.sqrt((barVar * shape) / TICKS_PER_BAR);
      const open = round2(price);
      let hi = open;
      let lo = open;
      let p = price;
      for (let k = 0; k < TICKS_PER_BAR; k++) {
        p *= Math.exp(barDrift / TICKS_PER_BAR - (tickSigma * tickSigma) / 2 + tickSigma * rng.normal());
        if (p > hi) hi = p;
        if (p < lo) lo = p;
      }
      price = p;
      const close = round2(p);
      const high = Math.max(round2(hi), open, close);
      const low = Math.min(round2(lo), open, close);
      const ret = Math.abs(Math.log(p / (open || p)));
      const noise = Math.exp(0.35 * rng.normal() - 0.06);
      const volume = Math.max(1, Math.round((o.dailyVolume / bars) * shape * noise * (1 + ret / Math.sqrt(barVar))));
      const time = s.open + i * stepMs;
      yield { symbol: o.symbol, timeframe: o.interval, time, closeTime: time + stepMs, open, high, low, close, volume };
    }
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
