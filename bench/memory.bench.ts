/**
 * Memory benchmark: bytes per cached bar in full 1,000-bar ring buffers, and
 * bytes per stream for 10,000 streams (2,000 symbols x 5 timeframes): the
 * engine's part (ring buffer, history view, function state of a simple rule,
 * rule slot, per-symbol maps and evaluator) and the bar-close detector's part
 * (stream state with an open bar, due-group entry, indexes). Memory is the
 * growth of V8 heap used plus ArrayBuffer backing stores (typed arrays live
 * outside the heap) between two full collections, with the objects still
 * referenced. Each part runs in its own process. Prints a Markdown section.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BarCloseDetector, VirtualClock } from "@tradeplan/core";
import { BarRingBuffer, BarSeries } from "@tradeplan/core/internal";
import { liveEngine, ShortSessionCalendar, simpleRulePlan, symbolNames, TIMEFRAMES } from "./runtime-streams.js";

const BUFFERS = 2_000;
const BAR_CAPACITY = 1_000;
const STREAMS = 10_000;
const GOAL_BYTES_PER_BAR = 64;
/** The detector's sessions, as in the burst benchmark: every stream's open bar ends at the session close. */
const SESSION_MS = 5_000;

type Part = "ring" | "series" | "engine" | "engine1000" | "detector";
const PARTS: readonly Part[] = ["ring", "series", "engine", "engine1000", "detector"];
/** The capacity the engine gives a simple rule's series (its minimum). */
const ENGINE_MIN_CAPACITY = 64;

interface Usage {
  heap: number;
  buffers: number;
}

interface PartResult {
  part: Part;
  /** Bars (ring) or streams measured. */
  count: number;
  heap: number;
  buffers: number;
  /** Series capacity the engine chose (engine parts). */
  capacity?: number;
}

function usage(): Usage {
  const gc = globalThis.gc;
  if (!gc) throw new Error("run with --expose-gc (pnpm bench does)");
  // Twice: the first collection can leave work (weak callbacks, finalizers) for the second.
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

/** Growth of heap and ArrayBuffer memory while `build` runs, its result still alive when measured. */
function growth<T>(build: () => T, check: (t: T) => void): Usage {
  const before = usage();
  const kept = build();
  const after = usage();
  // Uses the result after the measurement, so it cannot be collected before it.
  check(kept);
  return { heap: after.heap - before.heap, buffers: after.buffers - before.buffers };
}

function measure(part: Part): PartResult {
  if (part === "ring") {
    const g = growth(
      () => {
        const all: BarRingBuffer[] = [];
        for (let k = 0; k < BUFFERS; k++) {
          const b = new BarRingBuffer(BAR_CAPACITY);
          for (let i = 0; i < BAR_CAPACITY; i++) b.push(i * 60_000, 100 + i, 101 + i, 99 + i, 100.5 + i, 1000 + i);
          all.push(b);
        }
        return all;
      },
      (all) => {
        if (all.some((b) => b.length !== BAR_CAPACITY)) throw new Error("a ring buffer is not full");
      },
    );
    return { part, count: BUFFERS * BAR_CAPACITY, ...g };
  }
  if (part === "series") {
    const g = growth(
      () => Array.from({ length: STREAMS }, () => new BarSeries("S", "5s", { capacity: ENGINE_MIN_CAPACITY })),
      (all) => {
        if (all.length !== STREAMS) throw new Error("series lost");
      },
    );
    return { part, count: STREAMS, capacity: ENGINE_MIN_CAPACITY, ...g };
  }
  const symbols = symbolNames(STREAMS / TIMEFRAMES.length);
  if (part === "detector") {
    const clock = new VirtualClock(SESSION_MS * 1000);
    const g = growth(
      () => {
        const d = new BarCloseDetector({
          clock,
          calendar: new ShortSessionCalendar(SESSION_MS),
          config: { market_hours_only: true },
          onClose: () => undefined,
        });
        for (const s of symbols) for (const tf of TIMEFRAMES) d.addStream(s, tf);
        // A trade per symbol: every stream holds an open bar and waits in the boundary's due group.
        for (const s of symbols) d.updateTick(s, clock.now() + 1000, 100, 10);
        return d;
      },
      (d) => {
        if (d.stats().pendingTimers !== 1) throw new Error("expected one shared boundary timer");
      },
    );
    return { part, count: STREAMS, ...g };
  }
  const plan = simpleRulePlan(symbols);
  const lookback = part === "engine1000" ? BAR_CAPACITY - 1 : undefined;
  let capacity = 0;
  const g = growth(
    () => {
      const { engine } = liveEngine(plan, lookback === undefined ? {} : { lookback });
      // Fill every series to capacity: a full stream (typed arrays are allocated up front, so this adds nothing).
      for (const st of engine.streams()) {
        const series = engine.series(st.symbol, st.timeframe);
        if (!series) throw new Error(`no series for ${st.symbol} ${st.timeframe}`);
        capacity = series.buffer.capacity;
        for (let i = 0; i < capacity; i++) series.pushValues(i * 5000, 100, 101, 99, 100.5, 1000);
      }
      return engine;
    },
    (engine) => {
      if (engine.streams().length !== STREAMS) throw new Error(`expected ${STREAMS} streams`);
    },
  );
  return { part, count: STREAMS, capacity, ...g };
}

const f1 = (n: number): string => n.toFixed(1);
const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const mib = (n: number): string => (n / 2 ** 20).toFixed(1);

function report(results: readonly PartResult[]): string {
  const get = (p: Part): PartResult => {
    const r = results.find((x) => x.part === p);
    if (!r) throw new Error(`missing part ${p}`);
    return r;
  };
  const ring = get("ring");
  const engine = get("engine");
  const engine1000 = get("engine1000");
  const detector = get("detector");
  const series = get("series");
  const per = (r: PartResult) => (r.heap + r.buffers) / r.count;
  const out: string[] = [];
  out.push("## Memory (`bench/memory.bench.ts`)");
  out.push("");
  out.push(
    "Growth of V8 heap used + ArrayBuffer backing stores (typed arrays are stored outside the heap) between two full `gc()` runs, with everything built still referenced; each part in its own process.",
  );
  out.push("");
  out.push("| what | count | heap | ArrayBuffers | **bytes each** |");
  out.push("| --- | ---: | ---: | ---: | ---: |");
  out.push(
    `| cached bar, ${int(BUFFERS)} full \`BarRingBuffer\`s of ${int(BAR_CAPACITY)} bars | ${int(ring.count)} bars | ${mib(ring.heap)} MiB | ${mib(ring.buffers)} MiB | **${f1(per(ring))}** |`,
  );
  out.push(
    `| stream in the engine, simple rule, series of ${engine.capacity} bars (the engine's size for lookback 1) | ${int(engine.count)} streams | ${mib(engine.heap)} MiB | ${mib(engine.buffers)} MiB | **${int(per(engine))}** |`,
  );
  out.push(
    `| of which its \`BarSeries\` of ${series.capacity} bars alone | ${int(series.count)} series | ${mib(series.heap)} MiB | ${mib(series.buffers)} MiB | ${int(per(series))} |`,
  );
  out.push(
    `| stream in the engine, simple rule, series of ${engine1000.capacity} bars (the most a plan may ask) | ${int(engine1000.count)} streams | ${mib(engine1000.heap)} MiB | ${mib(engine1000.buffers)} MiB | **${int(per(engine1000))}** |`,
  );
  out.push(
    `| stream in the bar-close detector (open bar, in the boundary's due group) | ${int(detector.count)} streams | ${mib(detector.heap)} MiB | ${mib(detector.buffers)} MiB | **${int(per(detector))}** |`,
  );
  out.push("");
  const full = per(engine) + per(detector);
  const full1000 = per(engine1000) + per(detector);
  out.push(
    `A full stream (engine + detector): **${int(full)} bytes** with the engine's ${engine.capacity}-bar series, ${int(full1000)} bytes with a ${engine1000.capacity}-bar series; ${int(STREAMS)} streams take ${mib(full * STREAMS)} MiB and ${mib(full1000 * STREAMS)} MiB.`,
  );
  out.push(
    `Of the ${engine.capacity}-bar stream, the bars themselves are ${int(48 * (engine.capacity ?? 0))} bytes (6 float64 columns). The \`BarSeries\` objects around them take ${int(series.heap / series.count)} bytes of heap each (one ArrayBuffer holding the six columns, the array over all of it and the six column views, the ring buffer, its frozen column record, and the frozen history view); the remaining ${int(per(engine) - per(series))} bytes per stream are the rule slot and state, the symbol's maps, evaluator and queue (shared by its 5 streams), and the engine's validated copy of the compiled plan's stream list.`,
  );
  const bar = per(ring);
  out.push(
    `Goal: <= ${GOAL_BYTES_PER_BAR} bytes per cached bar in a full ${int(BAR_CAPACITY)}-bar buffer — measured ${f1(bar)} bytes (${bar <= GOAL_BYTES_PER_BAR ? "met" : "NOT met"}).`,
  );
  return out.join("\n");
}

if (process.env.TRADEPLAN_BENCH_PART) {
  console.log(JSON.stringify(measure(process.env.TRADEPLAN_BENCH_PART as Part)));
} else {
  const self = fileURLToPath(import.meta.url);
  const results = PARTS.map(
    (p) =>
      JSON.parse(
        execFileSync(process.execPath, ["--expose-gc", self], {
          env: { ...process.env, TRADEPLAN_BENCH_PART: p },
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
        }),
      ) as PartResult,
  );
  console.log(report(results));
}
