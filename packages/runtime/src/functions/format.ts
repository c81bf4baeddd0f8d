/** Prices in reasoning text: at least 2 decimals, up to 6 when the price needs them (`151.20`, `1.640625`). */
export function formatPrice(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const s = String(Number(v.toFixed(6)));
  const dot = s.indexOf(".");
  if (dot < 0) return `${s}.00`;
  return s.length - dot - 1 < 2 ? `${s}0` : s;
}

/** Volumes in reasoning text: `950`, `2.5K`, `1.8M`, `1.25B` (at most 2 decimals). */
export function formatVolume(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const [div, suffix] = a >= 1e9 ? [1e9, "B"] : a >= 1e6 ? [1e6, "M"] : a >= 1e3 ? [1e3, "K"] : [1, ""];
  return `${Number((v / div).toFixed(2))}${suffix}`;
}

/** Generic numbers (indicator values) in reasoning text: up to 4 decimals. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toFixed(4)));
}
