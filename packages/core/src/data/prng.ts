/**
 * mulberry32: a 32-bit-state PRNG by Tommy Ettinger. Chosen because it is
 * ten lines, has no dependency, passes the gjrand/PractRand tests that
 * matter for simulation at this scale, and — unlike `Math.random` — gives
 * the same sequence for the same seed on every platform and Node version,
 * which makes generated market data byte-for-byte reproducible.
 */
/** The saved position of a {@link Mulberry32} sequence (its state and the normal kept for the next call). */
export interface PrngState {
  readonly state: number;
  readonly spare: number | null;
}

export class Mulberry32 {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Where the sequence stands: a generator built {@link from} it continues exactly here. */
  save(): PrngState {
    return { state: this.state, spare: this.spare ?? null };
  }

  /** A generator continuing the sequence where {@link save} was called. */
  static from(saved: PrngState): Mulberry32 {
    const rng = new Mulberry32(saved.state);
    rng.spare = saved.spare ?? undefined;
    return rng;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.next();
    while (u <= Number.EPSILON) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
