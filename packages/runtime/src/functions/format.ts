/**
 * `String(Number(v.toFixed(digits)))`: `v` rounded to at most `digits`
 * decimals, without trailing zeros. Most values already have that few
 * decimals in their shortest form, and then that form is the answer: for
 * |v| < 1e9 half an ulp of v is far below half of 10^-digits, so `toFixed`
 * yields that same decimal and parsing it gives `v` back. Skipping `toFixed`
 * and the re-parse matters because reasoning text is built on every firing.
 */
function rounded(v: number, digits: number): string {
  const s = String(v);
  if (v < 1e9 && v > -1e9 && !s.includes("e")) {
    const dot = s.indexOf(".");
    if (dot < 0 || s.length - dot - 1 <= digits) return s;
  }
  return String(Number(v.toFixed(digits)));
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
