/** Stable codes of calendar errors. */
export type CalendarErrorCode =
  | "CALENDAR_OUT_OF_RANGE"
  | "CALENDAR_BAD_DATE"
  | "CALENDAR_BAD_ZONE"
  | "CALENDAR_BAD_CONFIG"
  | "CALENDAR_NO_SESSION";

/** A calendar was asked something it cannot answer truthfully. */
export class CalendarError extends Error {
  override readonly name = "CalendarError";
  constructor(
    readonly code: CalendarErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
