/** Types of byteloop_breakout.mjs (plain JavaScript, so that it runs alone with `node`). */
export interface ByteLoopOutcome {
  readonly bars: number;
  readonly entries: number;
  /** Entry decisions: 5-minute close times, `YYYY-MM-DD HH:MM` in the file's local time. */
  readonly entryTimes: string[];
  readonly lastBar: number[];
}

export function runByteLoop(file: string, stamps: "open" | "close", trailPercent: number): ByteLoopOutcome;
