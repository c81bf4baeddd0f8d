import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ATR, DonchianChannels, EMA, ROC, RSI, SMA, TR, VWAP, WSMA } from "trading-signals";
import { describe, expect, it } from "vitest";
import { Atr, Change, Ema, Highest, Lowest, Rsi, Sma, Vwap } from "../src/indicators/index.js";

// Real bars from ../shared/data (never copied into the repo); skipped when absent.
const DATA = resolve(import.meta.dirname, "../../../../shared/data");
const present = existsSync(DATA);

interface Bar {
  day: string;
  high: number;
  low: number;
  close: number;
  volume: number;
}

function load(file: string): Bar[] {
  const [header, ...rows] = readFileSync(resolve(DATA, file), "utf8").trim().split(/\r?\n/);
  const cols = header!.split(",");
  const at = (name: string) => cols.indexOf(name);
  const [d, h, l, c, v] = [at("Date"), at("High"), at("Low"), at("Close"), at("Volume")];
  return rows.map((r) => {
    const f = r.split(",");
    return { day: f[d]!, high: Number(f[h]), low: Number(f[l]), close: Number(f[c]), volume: Number(f[v]) };
  });
}

/** Relative closeness for prices of any magnitude. */
function close(a: number, b: number, rel = 1e-9): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(a), Math.abs(b)));
}

const FILES = ["nvda-1999-2014-1d.csv", "orcl-1995-2014-1d.csv", "index-future-2006-1m.csv"];

describe.skipIf(!present)("indicators vs trading-signals v8 on real data (../shared/data)", () => {
  for (const file of FILES) {
    describe(file, () => {
      const bars = present ? load(file) : [];
      const closes = bars.map((b) => b.close);

      it("has data", () => {
        expect(bars.length).toBeGreaterThan(1000);
        expect(closes.every(Number.isFinite)).toBe(true);
      });

      it("sma(20) equals SMA(20) on every bar, same warm-up", () => {
        const mine = new Sma(20);
        const ref = new SMA(20);
        for (const x of closes) {
          mine.update(x);
          const r = ref.add(x);
          expect(mine.isReady).toBe(r !== null);
          if (r !== null) close(mine.value, r);
        }
      });

      it("ema(20) converges to EMA(20) (which seeds with the first price instead of the SMA)", () => {
        const mine = new Ema(20);
        const ref = new EMA(20);
        closes.forEach((x, i) => {
          mine.update(x);
          ref.add(x);
          // (19/21)^400 < 1e-17: the seed difference has decayed far below the tolerance.
          if (i >= 400) close(mine.value, ref.getResultOrThrow());
        });
      });

      it("rsi(14) equals RSI(14) (Wilder/WSMA) on every bar, same warm-up", () => {
        const mine = new Rsi(14);
        const ref = new RSI(14);
        for (const x of closes) {
          mine.update(x);
          const r = ref.add(x);
          expect(mine.isReady).toBe(r !== null);
          if (r !== null) close(mine.value, r);
        }
      });

      it("atr(14) equals WSMA(14) over TR from the second bar on, and converges to ATR(14)", () => {
        const mine = new Atr(14);
        const tr = new TR();
        const wsma = new WSMA(14);
        const ref = new ATR(14);
        bars.forEach((b, i) => {
          mine.update(b);
          const t = tr.add(b);
          ref.add(b);
          // trading-signals' first TR is high - low (no previous close); the textbook ATR starts at bar 2.
          if (i === 0) return;
          const w = wsma.add(t!);
          expect(mine.isReady).toBe(w !== null);
          if (w !== null) close(mine.value, w);
          if (i >= 600) close(mine.value, ref.getResultOrThrow(), 1e-8);
        });
      });

      it("highest/lowest(20) equal Donchian channel upper/lower", () => {
        const hi = new Highest(20);
        const lo = new Lowest(20);
        const ref = new DonchianChannels(20);
        for (const b of bars) {
          hi.update(b.high);
          lo.update(b.low);
          const r = ref.add(b);
          expect(hi.isReady).toBe(r !== null);
          if (r !== null) {
            expect(hi.value).toBe(r.upper);
            expect(lo.value).toBe(r.lower);
          }
        }
      });

      it("change(10) equals 100 x ROC(10)", () => {
        const mine = new Change(10);
        const ref = new ROC(10);
        for (const x of closes) {
          mine.update(x);
          const r = ref.add(x);
          expect(mine.isReady).toBe(r !== null);
          if (r !== null) close(mine.value, 100 * r);
        }
      });

      it("vwap reset per day equals a fresh VWAP per day", () => {
        const mine = new Vwap();
        let ref = new VWAP();
        let day = "";
        for (const b of bars) {
          if (b.day !== day) {
            day = b.day;
            mine.reset();
            ref = new VWAP();
          }
          mine.update(b);
          const r = ref.add(b);
          if (r === null) expect(mine.value).toBeNaN();
          else close(mine.value, r);
        }
      });

      it("vwap without reset equals a cumulative VWAP", () => {
        const mine = new Vwap();
        const ref = new VWAP();
        for (const b of bars) {
          mine.update(b);
          const r = ref.add(b);
          if (r !== null) close(mine.value, r);
        }
      });
    });
  }
});
