/**
 * Deterministic input for the runtime benchmarks: years of NYSE 1-minute
 * bars from the runtime's own generator, held in memory or written once as a
 * CSV under node_modules/.cache/tradeplan-bench/ and reused while it still
 * matches what the generator produces.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  type BarData,
  barsToCsv,
  calendarFor,
  type GeneratorOptions,
  generateBars,
  type SessionBounds,
  tradingSessions,
} from "@tradeplan/core";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";

/** The bench cache folder (also where run.mjs puts the bundled benchmarks). */
export const CACHE_DIR = join(process.cwd(), "node_modules", ".cache", "tradeplan-bench");

/** One synthetic data set: a symbol's 1-minute bars over `sessions` NYSE sessions from `from`. */
export interface DataSet {
  readonly symbol: string;
  readonly from: string;
  readonly sessions: number;
  readonly generator: GeneratorOptions;
}

/**
 * `count` consecutive NYSE regular sessions from `from`. `tradingSessions`
 * searches at most ten years per call, so longer spans are asked for in parts.
 */
export function nyseSessions(from: string, count: number): SessionBounds[] {
  const cal = calendarFor("regular");
  const out: SessionBounds[] = [];
  let start = from;
  while (out.length < count) {
    const part = tradingSessions(cal, start, Math.min(2000, count - out.length));
    if (part.length === 0) throw new Error(`no NYSE sessions from ${start}`);
    out.push(...part);
    const last = part[part.length - 1] as SessionBounds;
    // The session closes on its own UTC date (16:00 New York is 20:00 or 21:00 UTC); the next search starts a day later.
    start = new Date(last.close + 86_400_000).toISOString().slice(0, 10);
  }
  return out;
}

/** The data set's bars, in time order. */
export function bars(set: DataSet): Generator<BarData> {
  return generateBars({ ...set.generator, symbol: set.symbol, interval: "1m" }, nyseSessions(set.from, set.sessions));
}

/**
 * The replay and peers benchmarks' synthetic file: 3,900 NYSE sessions
 * (2005-2020) of AAPL-like 1-minute bars, about 1.5 million bars.
 */
export const SYNTHETIC_1M: DataSet = {
  symbol: "AAPL",
  from: "2005-01-03",
  sessions: 3_900,
  generator: { seed: 20_050_103, startPrice: 150, dailyVolume: 80_000_000 },
};

function fileName(set: DataSet): string {
  const g = set.generator;
  return `${set.symbol}-1m-${set.from}-${set.sessions}s-seed${g.seed ?? 42}-p${g.startPrice ?? 100}-v${g.dailyVolume ?? 2_000_000}.csv`;
}

/** Whether `path` starts with `head` (a stale file from an older generator does not). */
function startsWith(path: string, head: string): boolean {
  const fd = openSync(path, "r");
  try {
    const want = Buffer.from(head);
    const got = Buffer.alloc(want.length);
    const n = readSync(fd, got, 0, want.length, 0);
    return n === want.length && got.equals(want);
  } finally {
    closeSync(fd);
  }
}

/**
 * The data set as a CSV file (`Date,Time,...`, open times in New York time,
 * the CLI's default layout). Written once, session batch by session batch
 * so the text is never held whole; reused when its first session still
 * matches the generator's output.
 */
export function csvFile(set: DataSet): { path: string; written: boolean } {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, fileName(set));
  const zone = "America/New_York";
  const sessions = nyseSessions(set.from, set.sessions);
  const gen = { ...set.generator, symbol: set.symbol, interval: "1m" };
  const head = barsToCsv(generateBars(gen, sessions.slice(0, 1)), zone);
  if (existsSync(path) && startsWith(path, head)) return { path, written: false };
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    const it = generateBars(gen, sessions);
    let first = true;
    for (;;) {
      const batch: BarData[] = [];
      for (let i = 0; i < 20_000; i++) {
        const n = it.next();
        if (n.done) break;
        batch.push(n.value);
      }
      if (batch.length === 0) break;
      const text = barsToCsv(batch, zone);
      writeSync(fd, first ? text : text.slice(text.indexOf("\n") + 1));
      first = false;
    }
  } finally {
    closeSync(fd);
  }
  // Renamed into place only when complete, so an interrupted run never leaves a half file to be reused.
  renameSync(tmp, path);
  return { path, written: true };
}

/** Compiles plan source; throws with the first diagnostic when it does not compile. */
export function compilePlan(source: string, fileName: string): CompiledPlan {
  const r = analyze(source, { fileName });
  const error = r.diagnostics.find((d) => d.severity === "error");
  if (error || !r.compiled) throw new Error(`${fileName} does not compile: ${error?.message ?? "no output"}`);
  return r.compiled;
}
