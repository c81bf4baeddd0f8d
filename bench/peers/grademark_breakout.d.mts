/** Types of grademark_breakout.mjs (plain JavaScript, so that it runs alone with `node`). */
export interface GrademarkRow {
  readonly time: Date;
  readonly close: number;
  readonly fiveClose: boolean;
  readonly crossUp: boolean;
  readonly closeStamp: string;
}

export interface GrademarkOutcome {
  readonly bars: number;
  readonly entries: number;
  /** Entry decisions: 5-minute close times, `YYYY-MM-DD HH:MM` in the file's local time. */
  readonly entryTimes: string[];
  /** Trades grademark booked (an open position at the end included). */
  readonly trades: number;
}

export function readBars(file: string, stamps: "open" | "close"): GrademarkRow[];
export function runGrademark(rows: GrademarkRow[], trailPercent: number): GrademarkOutcome;
