// The bench's breakout rule in grademark (npm, a root devDependency), a peer
// of `pnpm bench peers` (bench/peers.bench.ts).
//
// grademark has no CSV reader, no timeframes and no rolling indicators of
// its own: the file is parsed here with plain JavaScript (split and
// Number(), cheaper than data-forge's CSV parsing, so the peer's best case),
// and, as grademark's indicator step would, each 1-minute row is given
// whether it closes a 5-minute bucket (`fiveClose`: its last minute, or the
// last row before the next bucket when that minute is missing) and whether
// that 5-minute close crosses above the channel (`crossUp`). The rows go to
// grademark's `backtest` as a data-forge DataFrame; the strategy's rules
// enter on `crossUp` and run the trailing stop on 5-minute closes. grademark
// fills `enterPosition`/`exitPosition` at the next bar's open, as the others.
//
// grademark cannot exit and enter on one bar (its loop calls no rule on the
// bar that fills an exit). The rule never asks it to: a close above the 12
// highs before it is above the previous close, so if the trailing stop hit
// on it, it hit on the previous close already (the best close is the same)
// and the position was exited then. The strategy throws if it ever happens
// rather than count an entry grademark did not make.
//
// Run alone: node bench/peers/grademark_breakout.mjs FILE STAMPS TRAIL
// Prints {"bars", "entries", "entryTimes", "trades"} as JSON.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { backtest } = require("grademark");
// data-forge is grademark's own dependency (not the project's): resolved from grademark's folder.
const { DataFrame } = createRequire(require.resolve("grademark"))("data-forge");

/** Bars in the channel: `highest(high, 12)[1]`. */
const CHANNEL = 12;

/** `YYYY-MM-DD HH:MM` of a date string and a minute of the day. */
function stamp(date, minute) {
  const p = (n) => String(n).padStart(2, "0");
  return `${date} ${p(Math.floor(minute / 60))}:${p(minute % 60)}`;
}

/**
 * Parses the file into grademark bars (`time`, OHLCV, plus `fiveClose` and
 * `closeStamp`, the local time of the 5-minute close a row ends).
 *
 * @param {string} file
 * @param {"open" | "close"} stamps
 */
export function readBars(file, stamps) {
  const lines = readFileSync(file, "utf8").split("\n");
  const shift = stamps === "close" ? 1 : 0;
  const rows = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "" || line === "\r") continue;
    const f = line.split(",");
    const date = f[0];
    const minute = Number(f[1].slice(0, 2)) * 60 + Number(f[1].slice(3, 5)) - shift;
    rows.push({
      time: new Date(`${date}T${f[1].slice(0, 5)}:00Z`),
      date,
      minute,
      open: Number(f[2]),
      high: Number(f[3]),
      low: Number(f[4]),
      close: Number(f[5]),
      volume: Number(f[6]),
      fiveClose: false,
      crossUp: false,
      closeStamp: "",
    });
  }
  // The 5-minute bars' highs so far (for the channel), the running high of the open bucket, the previous 5m close.
  const highs = [];
  let high = -Infinity;
  let prev = Number.NaN;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const next = rows[i + 1];
    const bucket = Math.floor(r.minute / 5);
    if (r.high > high) high = r.high;
    r.fiveClose =
      (r.minute + 1) % 5 === 0 ||
      (next !== undefined && (next.date !== r.date || Math.floor(next.minute / 5) !== bucket));
    if (!r.fiveClose) continue;
    r.closeStamp = stamp(r.date, (bucket + 1) * 5);
    highs.push(high);
    high = -Infinity;
    const n = highs.length;
    if (n >= CHANNEL + 2) {
      // `close crosses above highest(high, 12)[1]`: above the 12 highs before this bar, and the previous close
      // at or below the 12 highs before that one.
      const now = Math.max(...highs.slice(n - 1 - CHANNEL, n - 1));
      const before = Math.max(...highs.slice(n - 2 - CHANNEL, n - 2));
      r.crossUp = r.close > now && prev <= before;
    }
    prev = r.close;
  }
  return rows;
}

/**
 * Runs the rule through grademark's `backtest` over parsed bars.
 *
 * @param {ReturnType<typeof readBars>} rows
 * @param {number} trailPercent
 */
export function runGrademark(rows, trailPercent) {
  const frac = trailPercent / 100;
  const entryTimes = [];
  let best = 0;
  const strategy = {
    entryRule(enterPosition, args) {
      const bar = args.bar;
      if (bar.fiveClose && bar.crossUp) {
        enterPosition();
        best = bar.close;
        entryTimes.push(bar.closeStamp);
      }
    },
    exitRule(exitPosition, args) {
      const bar = args.bar;
      if (!bar.fiveClose) return;
      const c = bar.close;
      if (c > best) best = c;
      // tradeplan's 1e-12 relative slack: a close exactly at the stop level triggers.
      if (c <= best * (1 - frac) * (1 + 1e-12)) {
        if (bar.crossUp) throw new Error(`${bar.closeStamp}: exit and entry on one bar`);
        exitPosition();
      }
    },
  };
  const trades = backtest(strategy, new DataFrame(rows));
  return { bars: rows.length, entries: entryTimes.length, entryTimes, trades: trades.length };
}

// Run alone (not when bundled into the bench, whose own file is then import.meta.url).
if (process.argv[1] === fileURLToPath(import.meta.url) && import.meta.url.endsWith("/grademark_breakout.mjs")) {
  const [file, stamps, trail] = process.argv.slice(2);
  if (!file || (stamps !== "open" && stamps !== "close") || !trail) {
    console.error("usage: grademark_breakout.mjs FILE open|close TRAIL_PERCENT");
    process.exit(2);
  }
  console.log(JSON.stringify(runGrademark(readBars(file, stamps), Number(trail))));
}
