/**
 * `String(Number(v.toFixed(digits)))`: `v` rounded to at most `digits`
 * decimals, without trailing zeros, with one number-to-text conversion
 * instead of three: the zeros are cut from `toFixed`'s text directly. (When
 * v's shortest form already has at most `digits` decimals, `toFixed` yields
 * that same decimal padded with zeros: for |v| < 1e9 half an ulp of v is far
 * below half of 10^-digits.) Reasoning text is built on every firing, and
 * these conversions were a third of a firing's time.
 */
function rounded(v: number, digits: number): string {
  const t = v.toFixed(digits);
  if (digits === 0 || t.includes("e")) return t;
  let end = t.length;
  while (t.charCodeAt(end - 1) === 48) end--; // trailing "0"
  if (t.charCodeAt(end - 1) === 46) end--; // a bare "."
  const out = end === t.length ? t : t.slice(0, end);
  // `-0.00` parses to -0, which prints as "0".
  return out === "-0" ? "0" : out;
}

/** Prices in reasoning text: at least 2 decimals, up to 6 when the price needs them (`151.20`, `1.640625`). */
export function formatPrice(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = rounded(v, 6);
  const dot = s.indexOf(".");
  if (dot < 0) return `${s}.00`;
  return s.length - dot - 1 < 2 ? `${s}0` : s;
}

/** Volumes in reasoning text: `950`, `2.5K`, `1.8M`, `1.25B` (at most 2 decimals). */
export function formatVolume(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const div = a >= 1e9 ? 1e9 : a >= 1e6 ? 1e6 : a >= 1e3 ? 1e3 : 1;
  const suffix = a >= 1e9 ? "B" : a >= 1e6 ? "M" : a >= 1e3 ? "K" : "";
  return `${rounded(v / div, 2)}${suffix}`;
}

/** Generic numbers (indicator values) in reasoning text: up to 4 decimals. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return rounded(v, 4);
}
