import type { PlanFile, SessionKind, Statement, TimeOfDay, Window } from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import type { PlanSettings } from "../semantic.js";
import { DEFAULT_TIMEZONE } from "./timezone.js";

/**
 * `between FROM and TO` windows: valid times (E0302), a start before the end
 * (E0304), and overlap with the session (E0303 wholly outside, W0602 partly).
 *
 * A rule fires on bars whose close time is within `[from, to]`; a session's
 * bars close in `(open, close]`. The session hours are America/New_York
 * exchange hours. For any other plan time zone the overlap check is skipped:
 * converting a time of day between zones needs a date (DST differs by zone
 * and by season), and a window is valid on every date of the year.
 */

/** Session hours as minutes after midnight, America/New_York (`always` has none). */
export const SESSION_HOURS: Readonly<Record<Exclude<SessionKind, "always">, { open: number; close: number }>> = {
  regular: { open: 9 * 60 + 30, close: 16 * 60 },
  extended: { open: 4 * 60, close: 20 * 60 },
};

/** Minutes after midnight, or undefined when the time does not exist (`25:00`, `10:60`, `24:30`). */
export function minutesOfDay(t: Pick<TimeOfDay, "hour" | "minute">): number | undefined {
  const { hour, minute } = t;
  if (!Number.isInteger(hour) || !Number.isInteger(minute) || minute < 0 || minute > 59 || hour < 0) return undefined;
  if (hour > 24 || (hour === 24 && minute !== 0)) return undefined;
  return hour * 60 + minute;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

export function checkWindows(ast: PlanFile, settings: PlanSettings, diagnostics: DiagnosticCollector): void {
  for (const s of ast.statements) checkStatementWindow(s, settings, diagnostics);
}

/** One statement's window, if it is a rule with one; reads only the settings' session and time zone. */
export function checkStatementWindow(
  s: Statement,
  settings: Pick<PlanSettings, "session" | "timezone" | "calendar" | "hours">,
  diagnostics: DiagnosticCollector,
): void {
  if (s.type === "ConditionRule" && s.window) checkWindow(s.window, settings, diagnostics);
}

function checkWindow(
  w: Window,
  settings: Pick<PlanSettings, "session" | "timezone" | "calendar" | "hours">,
  diagnostics: DiagnosticCollector,
): void {
  const from = checkTime(w.from, diagnostics);
  const to = checkTime(w.to, diagnostics);
  if (from === undefined || to === undefined) return;
  if (from >= to) {
    diagnostics.error("E0304", w.span, `empty window: \`${w.from.raw}\` is not before \`${w.to.raw}\``, {
      label: "the start must come before the end",
      hint: `did you mean \`between ${w.to.raw} and ${w.from.raw}\`?`,
      fix: {
        span: w.span,
        text: `${w.to.raw} and ${w.from.raw}`,
        title: "Swap the start and the end",
      },
    });
    return;
  }
  // NYSE hours only: another exchange's or fixed hours are not checked here.
  if (settings.session === "always" || settings.timezone !== DEFAULT_TIMEZONE) return;
  if (settings.calendar !== undefined || settings.hours !== undefined) return;
  const hours = SESSION_HOURS[settings.session];
  const session = `${hhmm(hours.open)}-${hhmm(hours.close)}`;
  if (to <= hours.open || from > hours.close) {
    diagnostics.error(
      "E0303",
      w.span,
      `window \`${w.from.raw}-${w.to.raw}\` lies outside the ${settings.session} session`,
      {
        label: `no bar of the session (${session} ${DEFAULT_TIMEZONE}) closes in it`,
        hint:
          settings.session === "regular" && to > SESSION_HOURS.extended.open && from <= SESSION_HOURS.extended.close
            ? "add `session extended` to trade outside exchange hours, or move the window"
            : `move the window inside ${session}`,
      },
    );
    return;
  }
  // A window starting exactly at the open is the common way to say "from the open": not a warning.
  if (from < hours.open || to > hours.close) {
    const lo = Math.max(from, hours.open);
    const hi = Math.min(to, hours.close);
    const message = `window \`${w.from.raw}-${w.to.raw}\` is partly outside the ${settings.session} session`;
    const label = `the session is ${session} ${DEFAULT_TIMEZONE}`;
    // Only the bar closing at the session close is left: narrowing would make an empty window (E0304).
    if (lo >= hi) {
      diagnostics.warning("W0602", w.span, message, {
        label,
        hint: `the rule only fires on the bar closing at ${hhmm(hi)}`,
      });
      return;
    }
    const inside = `${hhmm(lo)} and ${hhmm(hi)}`;
    diagnostics.warning("W0602", w.span, message, {
      label,
      hint: `the rule only fires between ${inside}`,
      fix: { span: w.span, text: inside, title: "Narrow the window to the session" },
    });
  }
}

function checkTime(t: TimeOfDay, diagnostics: DiagnosticCollector): number | undefined {
  const m = minutesOfDay(t);
  if (m === undefined) {
    diagnostics.error("E0302", t.span, `\`${t.raw}\` is not a time of day`, {
      label: t.minute > 59 ? "minutes run from 00 to 59" : "hours run from 00 to 23 (24:00 is the end of the day)",
      hint: "write `HH:MM` between `00:00` and `24:00`",
    });
  }
  return m;
}
