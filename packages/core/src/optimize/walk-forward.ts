import { OptimizeInputError } from "./errors.js";

const HOUR = 3_600_000;
const UNITS: Readonly<Record<string, number>> = { h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR };

/** `--walk-forward train=2w test=1w` (and `--anchored`), read. */
export interface WalkForwardSpec {
  /** In-sample length, ms. */
  readonly train: number;
  /** Out-of-sample length, ms. */
  readonly test: number;
  /** Every window's in-sample period starts at the data's start (else it rolls forward by `test`). */
  readonly anchored: boolean;
  /** As written, for messages and reports (`train=2w test=1w`). */
  readonly text: string;
}

/**
 * A length such as `2w`, `10d` or `36h` (weeks are 7 x 24 hours), in ms.
 * @throws OptimizeInputError for anything else.
 */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+)([hdw])$/.exec(text.trim());
  const n = m?.[1] === undefined ? 0 : Number(m[1]);
  const unit = m?.[2] === undefined ? undefined : UNITS[m[2]];
  if (unit === undefined || n < 1)
    throw new OptimizeInputError(
      "OPT_BAD_WINDOW",
      `--walk-forward: ${what} \`${text}\` is not a length: write a whole number of h, d or w, e.g. ${what}=2w`,
    );
  return n * unit;
}

/**
 * Reads `--walk-forward`'s value: `train=LENGTH test=LENGTH`, in either
 * order, separated by spaces or a comma.
 * @throws OptimizeInputError naming what is missing or not a length.
 */
export function parseWalkForward(text: string, anchored: boolean): WalkForwardSpec {
  const parts = new Map<string, string>();
  for (const item of text.split(/[\s,]+/).filter((s) => s !== "")) {
    const m = /^(train|test)=(.+)$/.exec(item);
    if (!m?.[1] || m[2] === undefined)
      throw new OptimizeInputError(
        "OPT_BAD_WINDOW",
        `--walk-forward \`${text}\`: write train=LENGTH test=LENGTH, e.g. --walk-forward "train=2w test=1w"`,
      );
    parts.set(m[1], m[2]);
  }
  const train = parts.get("train");
  const test = parts.get("test");
  if (train === undefined || test === undefined)
    throw new OptimizeInputError(
      "OPT_BAD_WINDOW",
      `--walk-forward \`${text}\`: give both lengths, e.g. --walk-forward "train=2w test=1w"`,
    );
  return {
    train: parseDuration(train, "train"),
    test: parseDuration(test, "test"),
    anchored,
    text: `train=${train} test=${test}`,
  };
}

/** A period of a window: bars [from, to) opening in [start, end) (UTC ms). */
export interface WindowPeriod {
  readonly from: number;
  readonly to: number;
  readonly start: number;
  readonly end: number;
}

/** One walk-forward window: optimised over `train`, then its winner run over `test`. */
export interface WalkWindow {
  readonly index: number;
  readonly train: WindowPeriod;
  readonly test: WindowPeriod;
}

/** The bars' times a window is cut from: open times in order, and where an instant falls among them. */
export interface BarTimes {
  readonly length: number;
  readonly time: ArrayLike<number>;
  readonly closeTime: ArrayLike<number>;
  /** The first bar opening at or after `time`; `length` when none does. */
  indexAt(time: number): number;
}

/**
 * The windows of a walk-forward over `bars`, from the first bar's open:
 * window k tests [start + train + k x test, + test) after training on the
 * `train` before it (rolling) or on everything from the first bar
 * (anchored). The last test period ends at the data's end; one shorter
 * than half of `test` is dropped (too few days to judge), as is a window
 * whose train or test period holds no bar.
 *
 * @throws OptimizeInputError when train + test is longer than the data.
 */
export function walkForwardWindows(bars: BarTimes, spec: WalkForwardSpec): WalkWindow[] {
  if (bars.length === 0)
    throw new OptimizeInputError("OPT_WINDOW_TOO_LONG", "--walk-forward: the data has no bars to cut into windows");
  const first = bars.time[0] as number;
  const end = bars.closeTime[bars.length - 1] as number;
  const span = end - first;
  if (spec.train + spec.test > span)
    throw new OptimizeInputError(
      "OPT_WINDOW_TOO_LONG",
      `--walk-forward ${spec.text}: one window (${showLength(spec.train + spec.test)}) is longer than the data (${showLength(span)}); shorten train or test`,
    );
  const out: WalkWindow[] = [];
  for (let k = 0; ; k++) {
    const testStart = first + spec.train + k * spec.test;
    if (testStart >= end) break;
    const testEnd = Math.min(end, testStart + spec.test);
    if (testEnd - testStart < spec.test / 2) break;
    const trainStart = spec.anchored ? first : testStart - spec.train;
    const train = period(bars, trainStart, testStart);
    const test = period(bars, testStart, testEnd);
    if (train.to > train.from && test.to > test.from) out.push({ index: out.length, train, test });
  }
  return out;
}

function period(bars: BarTimes, start: number, end: number): WindowPeriod {
  return { from: bars.indexAt(start), to: bars.indexAt(end), start, end };
}

/** A length in days and hours, for messages: `8w 0d 13h` reads `57d 13h`. */
export function showLength(ms: number): string {
  const days = Math.floor(ms / (24 * HOUR));
  const hours = Math.round((ms - days * 24 * HOUR) / HOUR);
  return hours === 0 ? `${days}d` : days === 0 ? `${hours}h` : `${days}d ${hours}h`;
}

/**
 * Walk-forward efficiency (Pardo): the out-of-sample P&L per unit of time
 * over the in-sample P&L per unit of time, summed over windows:
 * (sum OOS net / sum OOS length) / (sum IS net / sum IS length). Null when
 * the in-sample P&L is not positive (the ratio would not mean anything).
 */
export function walkForwardEfficiency(
  windows: readonly {
    readonly isNet: number;
    readonly isLength: number;
    readonly oosNet: number;
    readonly oosLength: number;
  }[],
): number | null {
  let isNet = 0;
  let isLength = 0;
  let oosNet = 0;
  let oosLength = 0;
  for (const w of windows) {
    isNet += w.isNet;
    isLength += w.isLength;
    oosNet += w.oosNet;
    oosLength += w.oosLength;
  }
  if (!(isNet > 0) || isLength <= 0 || oosLength <= 0) return null;
  return oosNet / oosLength / (isNet / isLength);
}
