/**
 * Keeps a bounded, evenly thinned sample of a long (time, value) series for
 * charts: every point is kept until the buffer holds `2 x max`, then every
 * other point is dropped and the stride doubles. Memory stays O(max) for any
 * length, the sample stays evenly spaced in bar count, and the last point
 * seen is always reported.
 */
export class Decimator {
  private t: number[] = [];
  private v: number[] = [];
  private stride = 1;
  private n = 0;
  private lastT = Number.NaN;
  private lastV = Number.NaN;

  constructor(private readonly max = 2000) {}

  push(time: number, value: number): void {
    this.lastT = time;
    this.lastV = value;
    if (this.n++ % this.stride !== 0) return;
    this.t.push(time);
    this.v.push(value);
    if (this.t.length >= 2 * this.max) {
      this.t = this.t.filter((_, i) => i % 2 === 0);
      this.v = this.v.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** The sample, the last point included. */
  points(): { t: number; v: number }[] {
    const out = this.t.map((t, i) => ({ t, v: this.v[i]! }));
    if (this.n > 0 && out.at(-1)?.t !== this.lastT) out.push({ t: this.lastT, v: this.lastV });
    return out;
  }
}
