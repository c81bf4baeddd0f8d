// The floor of `pnpm bench peers` (bench/peers.bench.ts): the bench's
// breakout rule as one hand-written loop over the file's bytes, no framework
// and no objects per bar. Read the file, parse every field of every row,
// aggregate 1-minute bars into 5-minute bars, decide on each 5-minute close
// (trailing stop exit first, then `close crosses above highest(high, 12)[1]`), fill at the
// next 1-minute open. What any engine must at least do for this rule.
//
// Run alone: node bench/peers/byteloop_breakout.mjs FILE STAMPS TRAIL
// (STAMPS = open | close: whether a row's time is its bar's open or close).
// Prints {"bars", "entries", "entryTimes"} as JSON.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const COMMA = 44;
const NL = 10;
const DOT = 46;
const ZERO = 48;
/** Bars in the channel: `highest(high, 12)[1]`. */
const CHANNEL = 12;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000];

/** `YYYY-MM-DD HH:MM` of a day (yyyymmdd) and a minute of the day. */
export function stamp(day, minute) {
  const y = Math.floor(day / 10000);
  const m = Math.floor(day / 100) % 100;
  const d = day % 100;
  const p = (n) => String(n).padStart(2, "0");
  return `${y}-${p(m)}-${p(d)} ${p(Math.floor(minute / 60))}:${p(minute % 60)}`;
}

/**
 * Runs the rule over a `Date,Time,Open,High,Low,Close,Volume[,...]` file of
 * 1-minute bars. `stamps` says whether a row's time is its bar's open or its
 * close. Entry decisions are returned as the 5-minute close time, in the
 * file's local time.
 *
 * @param {string} file
 * @param {"open" | "close"} stamps
 * @param {number} trailPercent the trailing stop (`trailing stop P%`)
 */
export function runByteLoop(file, stamps, trailPercent) {
  const buf = readFileSync(file);
  const n = buf.length;
  const frac = trailPercent / 100;
  const shift = stamps === "close" ? 1 : 0;
  let i = buf.indexOf(NL) + 1; // the header
  let bars = 0;
  // The 5-minute bar being built: its day, bucket (open minute / 5) and fields.
  let bDay = -1;
  let bBucket = -1;
  let bOpen = 0;
  let bHigh = 0;
  let bLow = 0;
  let bClose = 0;
  let bVolume = 0;
  // The book: a long position or flat, and what the next 1-minute open fills.
  let long = false;
  let best = 0;
  let fillExit = false;
  let fillEntry = false;
  // The previous 5-minute close, and the last 14 5-minute highs (a ring): the channel is the highest high of the
  // 12 bars before this one, and `crosses above` also needs it one bar earlier.
  let prev = Number.NaN;
  const highs = new Float64Array(CHANNEL + 2);
  let count = 0;
  const entryTimes = [];
  const field = new Float64Array(5);
  while (i < n) {
    // Date YYYY-MM-DD, Time HH:MM[:SS].
    const day =
      (buf[i] - ZERO) * 10_000_000 +
      (buf[i + 1] - ZERO) * 1_000_000 +
      (buf[i + 2] - ZERO) * 100_000 +
      (buf[i + 3] - ZERO) * 10_000 +
      (buf[i + 5] - ZERO) * 1000 +
      (buf[i + 6] - ZERO) * 100 +
      (buf[i + 8] - ZERO) * 10 +
      (buf[i + 9] - ZERO);
    i += 11;
    const minute =
      ((buf[i] - ZERO) * 10 + buf[i + 1] - ZERO) * 60 + (buf[i + 3] - ZERO) * 10 + buf[i + 4] - ZERO - shift;
    while (buf[i] !== COMMA) i++;
    i++;
    // Open, High, Low, Close, Volume: digits over a power of ten (exact, so each is the double Number() gives).
    for (let f = 0; f < 5; f++) {
      let v = 0;
      let decimals = -1;
      let c = buf[i];
      while (c !== COMMA && c !== NL && c !== 13 && i < n) {
        if (c === DOT) decimals = 0;
        else {
          v = v * 10 + (c - ZERO);
          if (decimals >= 0) decimals++;
        }
        c = buf[++i];
      }
      field[f] = decimals > 0 ? v / POW10[decimals] : v;
      i++;
    }
    while (i < n && buf[i - 1] !== NL) i++;
    bars++;
    // This 1-minute open fills what the last 5-minute close decided: exits first.
    if (fillExit) long = false;
    if (fillEntry) long = true;
    fillExit = false;
    fillEntry = false;
    const bucket = Math.floor(minute / 5);
    if (day !== bDay || bucket !== bBucket) {
      // A new bucket: the previous one closed when time passed its end (its own last minute may be missing).
      if (bBucket >= 0) decide(bDay, bBucket);
      bDay = day;
      bBucket = bucket;
      bOpen = field[0];
      bHigh = field[1];
      bLow = field[2];
      bVolume = 0;
    }
    if (field[1] > bHigh) bHigh = field[1];
    if (field[2] < bLow) bLow = field[2];
    bClose = field[3];
    bVolume += field[4];
    // The minute that ends the bucket closes it at once; its fills come at the next row's open.
    if ((minute + 1) % 5 === 0) {
      decide(bDay, bBucket);
      bBucket = -1;
    }
  }
  return { bars, entries: entryTimes.length, entryTimes, lastBar: [bOpen, bHigh, bLow, bClose, bVolume] };

  function decide(day, bucket) {
    const c = bClose;
    const ring = CHANNEL + 2;
    highs[count % ring] = bHigh;
    count++;
    let exiting = false;
    if (long) {
      if (c > best) best = c;
      // The engine's 1e-12 relative slack: a close exactly at the stop level triggers.
      if (c <= best * (1 - frac) * (1 + 1e-12)) {
        fillExit = true;
        exiting = true;
      }
    }
    if ((!long || exiting) && count >= ring) {
      // The channel now (bars 1..12 back) and on the previous close (bars 2..13 back).
      let now = -Infinity;
      let before = -Infinity;
      for (let k = 1; k <= CHANNEL + 1; k++) {
        const h = highs[(count - 1 - k) % ring];
        if (k <= CHANNEL && h > now) now = h;
        if (k >= 2 && h > before) before = h;
      }
      if (c > now && prev <= before) {
        fillEntry = true;
        best = c;
        entryTimes.push(stamp(day, (bucket + 1) * 5));
      }
    }
    prev = c;
  }
}

// Run alone (not when bundled into the bench, whose own file is then import.meta.url).
if (process.argv[1] === fileURLToPath(import.meta.url) && import.meta.url.endsWith("/byteloop_breakout.mjs")) {
  const [file, stamps, trail] = process.argv.slice(2);
  if (!file || (stamps !== "open" && stamps !== "close") || !trail) {
    console.error("usage: byteloop_breakout.mjs FILE open|close TRAIL_PERCENT");
    process.exit(2);
  }
  const r = runByteLoop(file, stamps, Number(trail));
  console.log(JSON.stringify({ bars: r.bars, entries: r.entries, entryTimes: r.entryTimes }));
}
