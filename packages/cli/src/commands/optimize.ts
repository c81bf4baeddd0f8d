import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import {
  type BarColumns,
  DEFAULT_MAX_VARIANTS,
  DEFAULT_MIN_TRADES,
  DEFAULT_OBJECTIVE,
  DEFAULT_SEED,
  gridVariants,
  InProcessRunner,
  OBJECTIVES,
  OptimizeInputError,
  type OptimizeOutcome,
  type OptimizeRequest,
  optimize,
  type ParamValues,
  parseWalkForward,
  randomVariants,
  type StopSignal,
  VariantContext,
  type VariantRunner,
  type VariantSetup,
  walkForwardWindows,
} from "@tradeplan/core";
import { buildSpace, taskCount } from "@tradeplan/core/internal";
import { ConfigError, loadTradeplanConfig, type TradeplanConfig } from "@tradeplan/live";
import { z } from "zod";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { renderOptimizeCsv } from "../optimize-report/csv.js";
import { allRows, type OptimizeDocument, optimizeDocument, type VariantRow } from "../optimize-report/document.js";
import { renderOptimizeHtml } from "../optimize-report/html.js";
import { renderOptimizePretty } from "../optimize-report/pretty.js";
import { progressLine } from "../optimize-report/progress.js";
import { displayPath } from "../source.js";
import { compilePlanFile, describePath } from "./backtest.js";
import { brokerSettings, checkTickSlippage, dataFiles, planInstruments } from "./backtest-inputs.js";
import { readBarColumns } from "./optimize-data.js";
import { barCacheOf, queueRunnerFor } from "./optimize-queue.js";
import { parseOptions, SymbolOption, useColor } from "./shared.js";

/** Samples of a random search without `--samples`. */
export const DEFAULT_SAMPLES = 100;
/** Rows of the top table (and the JSON's `top`) without `--top`. */
export const DEFAULT_TOP = 10;
/** Exit code of a run stopped by Ctrl-C (after writing its partial results): 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** A whole number option as commander hands it over (a string), checked. */
const whole = (min: number, example: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number, e.g. ${example}`)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n) && n >= min, `must be at least ${min}`);

const OptimizeOptionsSchema = z.object({
  data: z.string().trim().min(1, "must name a CSV file or a bar cache"),
  param: z.array(z.string()).default([]),
  objective: z.enum(OBJECTIVES).default(DEFAULT_OBJECTIVE),
  minTrades: whole(0, "5").optional(),
  search: z.enum(["grid", "random"]).default("grid"),
  samples: whole(1, "200").optional(),
  seed: whole(0, "7")
    .refine((n) => n <= 0xffffffff, "must be below 2^32")
    .optional(),
  walkForward: z.string().trim().min(1, 'must be like "train=2w test=1w"').optional(),
  anchored: z.boolean().default(false),
  top: whole(1, "20").optional(),
  format: z.enum(["pretty", "json", "csv"]).default("pretty"),
  out: z.string().trim().min(1, "must name an HTML file").optional(),
  maxVariants: whole(1, "500000").optional(),
  jobs: whole(1, "2").optional(),
  queue: z.string().trim().min(1, "must be postgres://USER@HOST:PORT/DB").optional(),
  cash: z.string().trim().min(1).optional(),
  commission: z.string().trim().min(1).optional(),
  slippage: z.string().trim().min(1).optional(),
  fill: z.enum(["next-open", "close"]).optional(),
  config: z.string().trim().min(1, "must name a YAML file").optional(),
  symbol: SymbolOption,
  timestamps: z.enum(["open", "close"]).default("open"),
  tz: z.string().trim().min(1, "must name an IANA time zone").optional(),
  adjust: z.boolean().default(false),
  /** Every variant's bars through the engine as objects (the event path), to compare with the fast path. */
  eventPath: z.boolean().default(false),
  /** Say on stderr which path the variants take (columnar, or event and why). */
  verbose: z.boolean().default(false),
  color: z.boolean().default(true),
});

export type OptimizeCommandOptions = z.input<typeof OptimizeOptionsSchema>;
type Options = z.output<typeof OptimizeOptionsSchema>;

/** How `--jobs N` gets its runner: the CLI's worker pool for N > 1 (packages/cli/src/optimize/). */
export type RunnerFactory = (
  jobs: number,
  context: VariantContext,
  setup: VariantSetup,
  bars: BarColumns,
) => Promise<VariantRunner & { close?(): Promise<void> | void }>;

/** What the command needs from its host besides I/O: Ctrl-C, and (tests) a runner for `--jobs` above 1 other than the worker pool. */
export interface OptimizeHost {
  readonly signal?: StopSignal;
  readonly pool?: RunnerFactory;
}

/** The flags that only make sense together, checked before anything is read. */
function checkCombinations(o: Options): void {
  if (o.search === "grid" && (o.samples !== undefined || o.seed !== undefined))
    throw new UsageError("--samples and --seed apply to --search random; a grid tries every variant");
  if (o.anchored && o.walkForward === undefined)
    throw new UsageError('--anchored applies to --walk-forward, e.g. --walk-forward "train=2w test=1w" --anchored');
}

async function configOf(
  path: string | undefined,
  io: CliIO,
): Promise<{ value: TradeplanConfig; path: string } | undefined> {
  if (path === undefined) return undefined;
  const full = resolve(io.cwd, path);
  try {
    return { value: await loadTradeplanConfig(full, displayPath(full, io.cwd)), path: full };
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** The variants of the search, in sweep order. */
function variantsOf(o: Options, space: ReturnType<typeof buildSpace>): ParamValues[] {
  const cap = o.maxVariants ?? DEFAULT_MAX_VARIANTS;
  return o.search === "grid"
    ? gridVariants(space, cap)
    : randomVariants(space, o.samples ?? DEFAULT_SAMPLES, o.seed ?? DEFAULT_SEED, cap);
}

/**
 * `tradeplan optimize PLAN --data FILE`: sweeps the plan's params (grid or
 * random), optionally walking forward, and prints the best variants (or
 * the windows) as a table, JSON or CSV; `--out` writes an HTML report.
 * Bad input exits 2 with one line saying what to fix; a stopped run
 * (Ctrl-C) writes what it has, says so, and exits 130.
 */
export async function runOptimizeCommand(
  planPath: string,
  rawOptions: OptimizeCommandOptions,
  io: CliIO,
  host: OptimizeHost = {},
): Promise<number> {
  const o = parseOptions(OptimizeOptionsSchema, rawOptions);
  checkCombinations(o);
  const color = useColor(io, o.color);
  const compiled = await compilePlanFile(planPath, o.symbol, io, color);
  if (!compiled) return EXIT.problems;
  const { plan, file } = compiled;
  try {
    const space = buildSpace(plan.params, o.param);
    const variants = variantsOf(o, space);
    const wfSpec = o.walkForward === undefined ? undefined : parseWalkForward(o.walkForward, o.anchored);
    const config = await configOf(o.config, io);
    const [data] = await dataFiles([o.data], plan.symbols, () => onlySymbol(plan.symbols, o.symbol), io);
    if (!data) throw new UsageError("--data: name one CSV file");
    const instruments = await planInstruments(config, plan.symbols, io);
    const paper = config?.value.broker.paper;
    const fillAt = o.fill !== undefined ? (o.fill === "close" ? "close" : "next_open") : paper?.fillAt;
    const broker = brokerSettings(paper, o, fillAt);
    checkTickSlippage(broker, instruments, plan.symbols);
    const tick = instruments.spec(data.symbol).tickSize;
    // A bar cache (`tradeplan data import`) is read without parsing; --queue needs one (optimize-queue.ts).
    const cache = await barCacheOf(data.file, data.symbol, o.queue, io);
    const bars =
      cache?.columns ??
      (await readBarColumns(
        data.file,
        {
          symbol: data.symbol,
          timezone: o.tz ?? plan.timezone,
          timestamps: o.timestamps,
          adjust: o.adjust,
          ...(tick !== undefined ? { tickSize: tick } : {}),
        },
        plan,
        io,
      ));
    const windows = wfSpec ? walkForwardWindows(bars, wfSpec) : undefined;
    const setup: VariantSetup = {
      source: file.text,
      fileName: file.display,
      ...(o.symbol !== undefined ? { symbol: o.symbol } : {}),
      broker,
      ...(config ? { risk: config.value.risk, defaultShares: config.value.engine.default_shares } : {}),
      instruments: { currency: instruments.currency, specs: instruments.declared() },
      ...(o.eventPath ? { path: "event" as const } : {}),
    };
    const context = VariantContext.create(setup, bars);
    // Params only replace constants, so every variant takes the path the plan as written takes.
    if (o.verbose) io.stderr.write(`${describePath(context.backtest(context.plan).path)}\n`);
    const jobs = o.jobs ?? defaultJobs();
    const runner =
      o.queue !== undefined
        ? await queueRunnerFor(o.queue, { jobs: o.jobs, env: io.env }, context, setup, cache)
        : await runnerFor(jobs, context, setup, bars, host);
    const minTrades = o.minTrades ?? DEFAULT_MIN_TRADES;
    const request: OptimizeRequest = {
      variants,
      judging: { objective: o.objective, minTrades },
      barCount: bars.length,
      ...(wfSpec && windows ? { walkForward: { spec: wfSpec, windows } } : {}),
    };
    io.stderr.write(`${startLine(request, jobs)}\n`);
    const progress = io.stderrTTY ? progressLine(io.stderr) : undefined;
    let outcome: OptimizeOutcome;
    try {
      outcome = await optimize(runner, request, host.signal, progress ? (d, t) => progress.update(d, t) : undefined);
    } finally {
      progress?.done();
      await runner.close?.();
    }
    const doc = optimizeDocument(
      {
        plan,
        symbol: data.symbol,
        dataShown: data.shown,
        bars: bars.length,
        rejected: bars.counts.rejected,
        first: bars.length > 0 ? bars.time[0] : undefined,
        last: bars.length > 0 ? bars.closeTime[bars.length - 1] : undefined,
        method: o.search,
        seed: o.search === "random" ? (o.seed ?? DEFAULT_SEED) : undefined,
        space,
        variants,
        objective: o.objective,
        minTrades,
        top: o.top ?? DEFAULT_TOP,
      },
      outcome,
    );
    const rows = outcome.mode === "sweep" ? allRows(outcome.sweep, o.objective) : [];
    io.stdout.write(render(o.format, doc, rows));
    if (o.out !== undefined) {
      const where = await writeHtml(o.out, doc, rows, io);
      io.stderr.write(`report written to \`${where}\`\n`);
    }
    if (!outcome.complete) {
      io.stderr.write(`stopped: ${stoppedLine(outcome)}; the results written are partial\n`);
      return EXIT_INTERRUPTED;
    }
    return EXIT.ok;
  } catch (e) {
    if (e instanceof OptimizeInputError) throw new UsageError(e.message);
    if ((e as { code?: unknown }).code === "OPTIMIZE_WORKER_START")
      throw new UsageError(`${e instanceof Error ? e.message : String(e)}; --jobs 1 sweeps in this process`);
    throw e;
  }
}

/** The symbol the data is for: `--symbol`, else the plan's only symbol. */
function onlySymbol(symbols: readonly string[], symbol: string | undefined): string {
  if (symbol !== undefined) {
    if (!symbols.includes(symbol))
      throw new UsageError(`--symbol ${symbol}: the plan trades ${symbols.join(", ")}, not ${symbol}`);
    return symbol;
  }
  const only = symbols[0];
  if (symbols.length !== 1 || only === undefined)
    throw new UsageError(`the plan trades ${symbols.join(", ")}; say which symbol the data is for with --symbol`);
  return only;
}

/** `--jobs` without a value: one worker per core the process may use. */
function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

async function runnerFor(
  jobs: number,
  context: VariantContext,
  setup: VariantSetup,
  bars: BarColumns,
  host: OptimizeHost,
): Promise<VariantRunner & { close?(): Promise<void> | void }> {
  if (jobs > 1) {
    if (host.pool) return host.pool(jobs, context, setup, bars);
    const { WorkerPool } = await import("../optimize/pool.js");
    return new WorkerPool({ setup, bars, jobs });
  }
  // Yield to the event loop now and then, so Ctrl-C and the progress line get through.
  return new InProcessRunner(context, { yieldNow: () => new Promise((r) => setImmediate(r)) });
}

/** What is about to run, on stderr before it starts (so a script or a person knows the run began and its size). */
function startLine(request: OptimizeRequest, jobs: number): string {
  const count = (n: number, one: string) => `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;
  const variants = count(request.variants.length, "variant");
  const runs = `${count(taskCount(request), "backtest")} on ${count(jobs, "job")}`;
  const wf = request.walkForward;
  return wf
    ? `walking forward: ${count(wf.windows.length, "window")} x ${variants} (${runs})`
    : `sweeping ${variants} (${runs})`;
}

function stoppedLine(outcome: OptimizeOutcome): string {
  if (outcome.mode === "sweep") return `${outcome.sweep.tried} of ${outcome.sweep.total} variants ran`;
  const wf = outcome.walkForward;
  const done = wf.windows.filter((w) => w.outOfSample !== undefined).length;
  return `${done} of ${wf.windows.length} windows finished`;
}

function render(format: Options["format"], doc: OptimizeDocument, rows: readonly VariantRow[]): string {
  if (format === "json") return `${JSON.stringify(doc, null, 2)}\n`;
  if (format === "csv") return renderOptimizeCsv(doc, rows);
  return renderOptimizePretty(doc);
}

async function writeHtml(
  target: string,
  doc: OptimizeDocument,
  rows: readonly VariantRow[],
  io: CliIO,
): Promise<string> {
  const out = resolve(io.cwd, target);
  try {
    await io.fs.writeFile(out, renderOptimizeHtml(doc, rows));
  } catch (e) {
    throw new UsageError(`cannot write the report \`${displayPath(out, io.cwd)}\`: ${describeFsError(e)}`);
  }
  return displayPath(out, io.cwd);
}
