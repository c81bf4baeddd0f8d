/**
 * Canonical JSON: object keys sorted, so two structurally equal values give the
 * same string whatever their key order. Used as a pool key (registry) and a
 * common-subexpression key (IR compiler). `undefined` members are dropped, as
 * JSON does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) out[k] = src[k];
    return out;
  });
}
