import { DateTime } from "luxon";
import { FunctionError } from "./errors.js";

/** A `between` window as seconds of the day, both ends included. */
export interface DayWindow {
  readonly fromSec: number;
  readonly toSec: number;
  readonly text: string;
}

/** Parses `{ from: "10:00", to: "15:30" }` (already schema-checked) into a {@link DayWindow}. */
export function parseWindow(w: { from: string; to: string }): DayWindow {
  const sec = (hhmm: string) => {
    const [h, m] = hhmm.split(":");
    return Number(h) * 3600 + Number(m) * 60;
  };
  return Object.freeze({ fromSec: sec(w.from), toSec: sec(w.to), text: `${w.from}-${w.to}` });
}

/**
 * Whether a bar closing at `closeTime` (epoch ms) closes inside the window,
 * read in `zone`. A close at exactly midnight counts as both 00:00 and 24:00,
 * so a window ending at 24:00 includes it. Throws `FN_BAD_TIMEZONE` for an
 * unknown zone.
 */
export function inWindow(win: DayWindow, closeTime: number, zone: string): boolean {
  const dt = DateTime.fromMillis(closeTime, { zone });
  if (!dt.isValid) {
    throw new FunctionError(
      "FN_BAD_TIMEZONE",
      `cannot read time of day in zone ${JSON.stringify(zone)}: ${dt.invalidReason ?? "invalid"}`,
    );
  }
  const tod = dt.hour * 3600 + dt.minute * 60 + dt.second + dt.millisecond / 1000;
  if (tod >= win.fromSec && tod <= win.toSec) return true;
  return tod === 0 && win.toSec === 86_400;
}
