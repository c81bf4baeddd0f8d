/**
 * Stable reason codes of rejected bars:
 * - `SCHEMA`: not a bar (missing field, wrong type, empty symbol);
 * - `NON_FINITE`: a price, the volume or a time is NaN or infinite;
 * - `BAD_INTERVAL`: closeTime is not after time;
 * - `HIGH_BELOW_BODY`: high < max(open, close);
 * - `LOW_ABOVE_BODY`: low > min(open, close);
 * - `LOW_ABOVE_HIGH`: low > high;
 * - `NEGATIVE_VOLUME`: volume < 0;
 * - `OUT_OF_ORDER`: time before the last accepted bar of the stream;
 * - `DUPLICATE`: same time as the last accepted bar of the stream;
 * - `STALE`: closed longer ago than the configured maximum age.
 */
export const REJECT_REASONS = [
  "SCHEMA",
  "NON_FINITE",
  "BAD_INTERVAL",
  "HIGH_BELOW_BODY",
  "LOW_ABOVE_BODY",
  "LOW_ABOVE_HIGH",
  "NEGATIVE_VOLUME",
  "OUT_OF_ORDER",
  "DUPLICATE",
  "STALE",
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** Outcome of validating one bar. */
export type ValidationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };
