/**
 * Keeps a bounded, evenly thinned sample of a long (time, value) series for
 * charts: every point is kept until the buffer holds `2 x max`, then every
 * other point is dropped and the stride doubles. Memory stays O(max) for any
 * length, the sample stays evenly spaced in bar count, and the last point
 * seen is always reported.
 *
 * The points live in two fixed `Float64Array`s: a backtest pushes once per
 * bar, and plain arrays changed element kind (small integers, then doubles)
 * on every new run, which deoptimised the replay loop they are inlined into.
 */
export class Decimator {
  private readonly t: Float64Array;
  private readonly v: Float64Array;
  private len = 0;
  private stride = 1;
  private n = 0;
  private lastT = Number.NaN;
  private lastV = Number.NaN;

  constructor(private readonly max = 2000) {
    this.t = new Float64Array(2 * max);
    this.v = new Float64Array(2 * max);
  }

  push(time: number, value: number): void {
    this.lastT = time;
    this.lastV = value;
    if (this.n++ % this.stride !== 0) return;
    const i = this.len++;
    this.t[i] = time;
    this.v[i] = value;
    if (this.len >= 2 * this.max) this.thin();
  }

  /** Keeps every other point (the even ones) and doubles the stride. */
  private thin(): void {
    const { t, v } = this;
    let k = 0;
    for (let i = 0; i < this.len; i += 2, k++) {
      t[k] = t[i] as number;
      v[k] = v[i] as number;
    }
    this.len = k;
    this.stride *= 2;
  }

  /** The sample, the last point included. */
  points(): { t: number; v: number }[] {
    const out: { t: number; v: number }[] = [];
    for (let i = 0; i < this.len; i++) out.push({ t: this.t[i] as number, v: this.v[i] as number });
    if (this.n > 0 && out.at(-1)?.t !== this.lastT) out.push({ t: this.lastT, v: this.lastV });
    return out;
  }
}
