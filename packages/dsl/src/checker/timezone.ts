import { didYouMean } from "./suggest.js";

/** The zone plans use unless they say otherwise. */
export const DEFAULT_TIMEZONE = "America/New_York";

/**
 * The canonical spelling of an IANA zone, or undefined when the zone is
 * unknown. Pure ECMAScript (no Node API): `Intl.DateTimeFormat` throws a
 * RangeError for zones it does not know.
 */
export function canonicalTimeZone(zone: string): string | undefined {
  if (zone.trim() === "") return undefined;
  // The usual zone needs no look-up: the first `Intl` call loads the runtime's time zone data (some 20 ms).
  if (zone === DEFAULT_TIMEZONE) return zone;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The closest known zone name, for "did you mean" (undefined when the runtime cannot list zones). */
export function suggestTimeZone(zone: string): string | undefined {
  const list = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return didYouMean(zone, list);
}
