/**
 * A bench's knob from the environment: a number above 0, or `fallback`
 * when unset. A bad value stops the bench before it measures anything.
 */
export function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v}: a number above 0`);
  return n;
}
