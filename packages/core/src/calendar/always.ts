import { DayCalendar, type DayHours } from "./day-calendar.js";

const WHOLE_DAY: DayHours = { open: 0, close: 1440, early: false };

/**
 * Around the clock: every day is one session from local midnight to the
 * next local midnight in `zone` (23 h or 25 h on DST change days), so bars
 * align to midnight in the plan's zone and never span a local date.
 */
export class AlwaysCalendar extends DayCalendar {
  constructor(zone: string) {
    super(`always ${zone}`, zone);
  }

  protected hoursOn(): DayHours {
    return WHOLE_DAY;
  }
}
