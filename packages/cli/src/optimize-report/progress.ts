import type { Writer } from "../io.js";

/** A progress line on a terminal's stderr: bar, percent, count and estimated time left. */
export interface Progress {
  update(done: number, total: number): void;
  /** Clears the line. */
  done(): void;
}

/** Seconds as `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function showEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/**
 * A progress bar redrawn at most every `everyMs` (a redraw per variant
 * would cost more than a fast variant), with the time left estimated from
 * the rate so far. `now` is injectable for tests.
 */
export function progressLine(out: Writer, now: () => number = Date.now, everyMs = 100): Progress {
  const start = now();
  let drawn = -1;
  let shown = false;
  return {
    update(done, total) {
      const t = now();
      if (done < total && t - drawn < everyMs) return;
      drawn = t;
      shown = true;
      const width = 30;
      const frac = total === 0 ? 1 : done / total;
      const full = Math.round(frac * width);
      const elapsed = (t - start) / 1000;
      const eta = done === 0 ? "" : `, ETA ${showEta((elapsed / done) * (total - done))}`;
      out.write(
        `\r[${"#".repeat(full)}${" ".repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done}/${total} backtests${eta}\u001b[K`,
      );
    },
    done() {
      if (shown) out.write("\r\u001b[K");
    },
  };
}
