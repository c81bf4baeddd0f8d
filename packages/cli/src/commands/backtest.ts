import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  Backtest,
  type BacktestOptions,
  type BacktestOutcome,
  type BacktestResult,
  CsvFormatError,
  type CsvSummary,
  combineSinks,
  createDefaultRegistry,
  type EngineEventSink,
  ExplainSink,
  type Instruments,
  type RejectedRow,
  renderReport,
} from "@tradeplan/core";
import { type BacktestPath, entryWhy, entryWhyKey, formatWhy, reasonCounts } from "@tradeplan/core/internal";
import { analyze, type CompiledPlan } from "@tradeplan/dsl";
import type { TradeplanConfig } from "@tradeplan/live/config";
// The files entry only: the rest of @tradeplan/live (the session, IB, logging, metrics) is no part of a backtest.
import { chartLibrarySource, type FeedFilesOptions, feedCsvFiles } from "@tradeplan/live/files";
import type { AuditError, AuditJournal } from "@tradeplan/store";
import { z } from "zod";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import { readSource } from "../files.js";
import type { CliIO } from "../io.js";
import { renderDecisions } from "../render/decisions.js";
import { LocalTime } from "../render/local-time.js";
import { tradeTimes } from "../render/trade-times.js";
import { renderExplain } from "../render/why.js";
import { displayPath, type SourceFile } from "../source.js";
import {
  brokerSettings,
  checkTickSlippage,
  type DataFile,
  dataFiles,
  planInstruments,
  renderSymbolStats,
} from "./backtest-inputs.js";
import {
  bindSets,
  hasErrors,
  paramValues,
  parseOptions,
  parseSets,
  renderPrettyAll,
  SetOption,
  SymbolOption,
  useColor,
} from "./shared.js";

/** Bad input rows printed before the rest are only counted. */
export const MAX_REJECTS_SHOWN = 50;
/** Files at least this large get a progress bar on a terminal. */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

const DataValue = z.string().trim().min(1, "must name a CSV file or folder, or be SYMBOL=FILE");

const BacktestOptionsSchema = z.object({
  /** One FILE, one folder of SYMBOL.csv files, or SYMBOL=FILE for each symbol (repeated). */
  data: z
    .union([DataValue, z.array(DataValue)])
    .optional()
    .transform((v) => (v === undefined ? [] : typeof v === "string" ? [v] : v)),
  cash: z.string().trim().min(1).optional(),
  commission: z.string().trim().min(1).optional(),
  slippage: z.string().trim().min(1).optional(),
  adjust: z.boolean().default(false),
  config: z.string().trim().min(1, "must name a YAML file").optional(),
  symbol: SymbolOption,
  timestamps: z.enum(["open", "close"]).optional(),
  tz: z.string().trim().min(1, "must name an IANA time zone").optional(),
  format: z.enum(["pretty", "json"]).default("pretty"),
  report: z.string().trim().min(1, "must name a file").optional(),
  fill: z.enum(["next-open", "close"]).optional(),
  audit: z.string().trim().min(1, "must name a journal file").optional(),
  includeContext: z.boolean().default(false),
  /** A close time in the plan's zone (`2006-03-01 10:35`): print every rule evaluated at it, with its values. */
  explain: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/, "must be a close time YYYY-MM-DD HH:MM in the plan's zone")
    .optional(),
  set: SetOption,
  /** Every bar through the engine as an object (the event path), to compare with the fast path. */
  eventPath: z.boolean().default(false),
  /** Say on stderr which path the run took (columnar, or event and why). */
  verbose: z.boolean().default(false),
  color: z.boolean().default(true),
});

export type BacktestCommandOptions = z.input<typeof BacktestOptionsSchema>;

/**
 * Compiles a plan file for a run; prints diagnostics (rustc style) and
 * returns undefined when it has errors. `sets` (`--set NAME=VALUE`) are
 * bound to the plan's params; a value it does not accept is a UsageError.
 */
export async function compilePlanFile(
  input: string,
  symbol: string | undefined,
  io: CliIO,
  color: boolean,
  sets: ReadonlyMap<string, string> = new Map(),
): Promise<{ plan: CompiledPlan; file: SourceFile } | undefined> {
  const path = resolve(io.cwd, input);
  const kind = await io.fs.kind(path).catch((e: unknown) => {
    throw new UsageError(`cannot read \`${input}\`: ${describeFsError(e)}`);
  });
  if (kind === "missing") throw new UsageError(`\`${input}\`: no such file or directory`);
  if (kind !== "file") throw new UsageError(`\`${input}\` is not a file`);
  const { file } = await readSource(path, io);
  const result = analyze(file.text, { fileName: file.display, ...(symbol !== undefined ? { symbol } : {}) });
  const errors = hasErrors(result.diagnostics);
  // Warnings do not stop a run, but they are shown; errors are shown and stop it.
  if (result.diagnostics.length > 0) io.stderr.write(`${renderPrettyAll(result.diagnostics, file, color)}\n`);
  if (errors || !result.compiled) {
    io.stderr.write(`error: \`${file.display}\` has errors; nothing was run\n`);
    return undefined;
  }
  return { plan: bindSets({ ...result, compiled: result.compiled }, file.text, sets, file.display), file };
}

/** Where a backtest's data and settings come from: the flags, over `--config`'s file, over the defaults. */
interface BacktestSettings {
  /** `--data` values (or `feed.replay.file`, resolved): one file, a folder, or SYMBOL=FILE pairs. */
  readonly data: readonly string[];
  /** The `--config` file, for `instruments:` and `fx:` and their lines. */
  readonly config: { readonly value: TradeplanConfig; readonly path: string } | undefined;
  readonly symbol: string | undefined;
  readonly timestamps: "open" | "close";
  readonly timezone: string | undefined;
  /** Paper broker, risk limits, default size and function registry. */
  readonly run: Pick<BacktestOptions, "broker" | "risk" | "defaultShares" | "registry">;
}

/**
 * The settings of a backtest. With `--config tradeplan.yaml` they come from
 * the file `tradeplan run` reads (same schema, same keys): the paper broker
 * (`broker.paper`: cash, fills, commissions, slippage), `risk`,
 * `engine.default_shares`, `execution_functions`, and the data's layout and
 * file from `feed.replay` (`file`, `symbol`, `timestamps`, `timezone`); a
 * flag given on the command line wins. Without it, the built-in defaults.
 */
async function backtestSettings(options: z.output<typeof BacktestOptionsSchema>, io: CliIO): Promise<BacktestSettings> {
  let config: TradeplanConfig | undefined;
  let configDir = io.cwd;
  let configPath: string | undefined;
  if (options.config !== undefined) {
    const path = resolve(io.cwd, options.config);
    configDir = dirname(path);
    configPath = path;
    // Loaded only for --config: the schema brings the IB and store settings' modules with it.
    const { ConfigError, loadTradeplanConfig } = await import("@tradeplan/live/config");
    try {
      config = await loadTradeplanConfig(path, displayPath(path, io.cwd));
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
  }
  const replay = config?.feed.replay;
  const data =
    options.data.length > 0 ? options.data : replay !== undefined ? [resolve(configDir, replay.file)] : undefined;
  if (data === undefined)
    throw new UsageError("required option '--data <file>' not specified (nor feed.replay.file in a --config file)");
  const paper = config?.broker.paper;
  const fillAt = options.fill !== undefined ? (options.fill === "close" ? "close" : "next_open") : paper?.fillAt;
  return {
    data,
    config: config !== undefined && configPath !== undefined ? { value: config, path: configPath } : undefined,
    symbol: options.symbol ?? replay?.symbol,
    timestamps: options.timestamps ?? replay?.timestamps ?? "open",
    timezone: options.tz ?? replay?.timezone,
    run: {
      broker: brokerSettings(paper, options, fillAt),
      ...(config
        ? {
            risk: config.risk,
            defaultShares: config.engine.default_shares,
            registry: createDefaultRegistry({ config: { execution_functions: config.execution_functions } }),
          }
        : {}),
    },
  };
}

/** The symbol the data belongs to: `--symbol`, else the plan's only symbol. */
function dataSymbol(plan: CompiledPlan, symbol: string | undefined): string {
  if (symbol !== undefined) {
    if (!plan.symbols.includes(symbol)) {
      throw new UsageError(`--symbol ${symbol}: the plan trades ${plan.symbols.join(", ")}, not ${symbol}`);
    }
    return symbol;
  }
  const only = plan.symbols[0];
  if (plan.symbols.length !== 1 || only === undefined) {
    throw new UsageError(`the plan trades ${plan.symbols.join(", ")}; say which symbol the data is for with --symbol`);
  }
  return only;
}

/** A one-line progress bar on stderr, redrawn at most once per percent. */
function progressBar(io: CliIO, total: number): { update(bytes: number): void; done(): void } {
  let shown = -1;
  return {
    update(bytes) {
      const pct = Math.min(100, Math.floor((bytes / total) * 100));
      if (pct === shown) return;
      shown = pct;
      const width = 30;
      const full = Math.round((pct / 100) * width);
      io.stderr.write(`\r[${"#".repeat(full)}${" ".repeat(width - full)}] ${String(pct).padStart(3)}%`);
    },
    done() {
      if (shown >= 0) io.stderr.write(`\r${" ".repeat(40)}\r`);
    },
  };
}

const money = (v: number) =>
  `${v < 0 ? "-" : ""}${Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const fixed = (v: number | null, d = 2) => (v === null ? "n/a" : v.toFixed(d));

/**
 * The result document with the values the plan's params were bound to
 * (`plan.params`, by name), so that a result says which variant it is;
 * unchanged for a plan without params.
 */
export function withParams<R extends { readonly plan: object }>(result: R, plan: CompiledPlan): R {
  if (!plan.params || plan.params.length === 0) return result;
  return { ...result, plan: { ...result.plan, params: paramValues(plan) } };
}

/** The human summary of a result (with `plan`, the values its params were bound to). */
export function renderBacktestSummary(
  result: BacktestResult,
  dataLabel: string,
  maxTrades = 20,
  plan?: CompiledPlan,
  fillAt: "next_open" | "close" = "next_open",
): string {
  const s = result.stats;
  const params = (plan?.params ?? []).map((p) => `${p.name}=${p.value}${p.value === p.default ? "" : " (set)"}`);
  const lines = [
    `${result.plan.name} on ${result.plan.symbols.join(", ")} — ${dataLabel}`,
    `  bars ${result.bars}${result.rejected > 0 ? `, ${result.rejected} rows rejected` : ""}${s.barsOutsideSession > 0 ? `, ${s.barsOutsideSession} outside the session` : ""}`,
    `  signals ${result.signals.length}, trades ${s.trades} (${s.wins} won, ${s.losses} lost, win rate ${fixed(s.winRate, 1)}%)`,
    `  net P&L ${money(s.netPnl)} (${fixed(s.returnPercent)}%), equity ${money(s.startEquity)} -> ${money(s.endEquity)}`,
    `  max drawdown ${money(s.maxDrawdown)} (${fixed(s.maxDrawdownPercent)}%), Sharpe ${fixed(s.sharpe)}, exposure ${fixed(s.exposure, 1)}%`,
    `  commissions ${money(s.commissions)}, suppressed ${s.suppressed}, risk rejections ${s.riskRejections}, rule errors ${s.ruleErrors}`,
  ];
  if (result.rejected > 0) lines.splice(2, 0, `  rows rejected by reason: ${reasonCounts(result.rejectedByReason)}`);
  if (params.length > 0) lines.splice(1, 0, `  params ${params.join(", ")}`);
  lines.push(...renderSymbolStats(result));
  lines.push(...renderDecisions(result));
  if (result.trades.length > 0) {
    const times = tradeTimes(result, fillAt);
    const why = entryWhy(result);
    const local = new LocalTime(result.plan.timezone);
    lines.push("", `  trades, times in ${times.zone}`);
    lines.push("  #  side   qty  entry                 price      exit                  price          P&L");
    result.trades.slice(0, maxTrades).forEach((t, i) => {
      lines.push(
        `${String(i + 1).padStart(3)}  ${t.side.padEnd(5)} ${String(t.quantity).padStart(4)}  ${times.format(t.entryTime).padEnd(16)}  ${t.entryPrice.toFixed(2).padStart(9)}  ${times.format(t.exitTime).padEnd(16)}  ${t.exitPrice.toFixed(2).padStart(9)}  ${money(t.pnl).padStart(11)}`,
      );
      const w = why.get(entryWhyKey(t.symbol, t.entryRule, t.entryTime));
      if (w) lines.push(`       why: ${formatWhy(w, local)}`);
    });
    if (result.trades.length > maxTrades)
      lines.push(`  ... ${result.trades.length - maxTrades} more trades (see --format json or --report)`);
  }
  for (const p of result.openPositions) {
    lines.push(
      `  open at the end: ${p.side} ${p.quantity} ${p.symbol} @ ${p.avgPrice.toFixed(2)}, last ${p.lastPrice.toFixed(2)}, unrealized ${money(p.unrealizedPnl)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Writes the HTML report; a failure to write is a UsageError naming the file. */
export async function writeReport(outcome: BacktestOutcome, target: string, io: CliIO): Promise<string> {
  const out = resolve(io.cwd, target);
  const { charts } = outcome;
  const html = renderReport({
    chartLibrary: chartLibrarySource(),
    result: outcome.result,
    prices: charts.prices,
    equity: charts.equity,
    ...(charts.candles ? { candles: charts.candles } : {}),
  });
  try {
    await io.fs.writeFile(out, html);
  } catch (e) {
    throw new UsageError(`cannot write the report \`${displayPath(out, io.cwd)}\`: ${describeFsError(e)}`);
  }
  return displayPath(out, io.cwd);
}

/**
 * `tradeplan backtest PLAN --data FILE.csv`: compiles the plan (errors:
 * diagnostics on stderr, exit 1), streams the CSV through the runtime
 * (rejected rows: `file:line: reason` on stderr, the run goes on), prints a
 * summary or the result JSON, and optionally writes the HTML report.
 */
export async function runBacktestCommand(
  planPath: string,
  rawOptions: BacktestCommandOptions,
  io: CliIO,
): Promise<number> {
  const options = parseOptions(BacktestOptionsSchema, rawOptions);
  const color = useColor(io, options.color);
  const sets = parseSets(options.set);
  const settings = await backtestSettings(options, io);
  const compiled = await compilePlanFile(planPath, settings.symbol, io, color, sets);
  if (!compiled) return EXIT.problems;
  const { plan } = compiled;
  const files = await dataFiles(settings.data, plan.symbols, () => dataSymbol(plan, settings.symbol), io);
  const instruments = await planInstruments(settings.config, plan.symbols, io);
  checkTickSlippage(settings.run.broker ?? {}, instruments, plan.symbols);
  const dataShown =
    files.length === 1 ? (files[0]?.shown ?? "") : `${files.length} files (${files.map((f) => f.symbol).join(", ")})`;
  let size = 0;
  for (const f of files) size += (await stat(f.file)).size;
  const progress = io.isTTY && size >= PROGRESS_MIN_BYTES ? progressBar(io, size) : undefined;
  let shown = 0;
  const onReject = (r: RejectedRow) => {
    if (shown++ < MAX_REJECTS_SHOWN) io.stderr.write(`${displayPath(r.file, io.cwd)}:${r.line}: ${r.reason}\n`);
  };
  if (options.includeContext && options.audit === undefined)
    throw new UsageError("--include-context needs --audit FILE.db");
  const journal = options.audit === undefined ? undefined : await openAuditJournal(options.audit, io);
  const local = new LocalTime(plan.timezone);
  const explain = options.explain === undefined ? undefined : explainSink(options.explain, local);
  let outcome: RunOutcome;
  try {
    const runOptions: BacktestOptions = {
      plan,
      ...settings.run,
      instruments,
      ...(explain ? { sink: explain } : {}),
      ...(options.eventPath ? { path: "event" as const } : {}),
    };
    const feed: FeedFilesOptions = {
      csv: { timezone: settings.timezone ?? plan.timezone, timestamps: settings.timestamps, adjust: options.adjust },
      tickSize: (s) => instruments.spec(s).tickSize,
      onReject,
      ...(progress ? { onProgress: (b: number) => progress.update(b) } : {}),
    };
    outcome = journal
      ? await runAudited(runOptions, files, feed, journal, options.includeContext, dataShown, explain)
      : await runFiles(runOptions, files, feed, explain);
  } catch (e) {
    progress?.done();
    journal?.abandon();
    if (e instanceof CsvFormatError) {
      let message = e.message;
      for (const f of files) message = message.replace(f.file, f.shown);
      throw new UsageError(message);
    }
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(CALENDAR|BT|TIMEFRAME|RISK|REG)_/.test(code))
      throw new UsageError(e instanceof Error ? e.message : String(e));
    throw e;
  }
  progress?.done();
  if (options.verbose) io.stderr.write(`${describePath(outcome.path)}\n`);
  if (shown > MAX_REJECTS_SHOWN)
    io.stderr.write(`... ${shown - MAX_REJECTS_SHOWN} more rows rejected (${shown} in all)\n`);
  warnOffTick(files, outcome.csv, instruments, io);
  if (explain && options.explain !== undefined) {
    if (explain.rules.length === 0) {
      journal?.abandon();
      throw new UsageError(
        `--explain ${options.explain}: no rule was evaluated at a close at that time (${plan.timezone}); give the close time of a bar of a rule's timeframe inside the data`,
      );
    }
    if (options.format === "json")
      io.stdout.write(
        `${JSON.stringify({ explain: options.explain, timezone: plan.timezone, rules: explain.rules }, null, 2)}\n`,
      );
    else io.stdout.write(renderExplain(explain.rules, options.explain, local));
  } else if (options.format === "json")
    io.stdout.write(`${JSON.stringify(withParams(outcome.result, plan), null, 2)}\n`);
  else io.stdout.write(renderBacktestSummary(outcome.result, dataShown, 20, plan, settings.run.broker?.fillAt));
  if (options.report !== undefined) {
    const where = await writeReport(outcome, options.report, io);
    io.stderr.write(`report written to \`${where}\`\n`);
  }
  if (journal) {
    const records = journal.finish();
    io.stderr.write(`audit journal \`${journal.shown}\`: ${records} records\n`);
  }
  return EXIT.ok;
}

/** An audit journal opened for one backtest run, with its file name as shown to the user. */
interface RunJournal {
  readonly journal: AuditJournal;
  /** The store package, loaded for `--audit` only (SQLite is no part of a plain backtest). */
  readonly store: typeof import("@tradeplan/store");
  readonly shown: string;
  /** Closes the journal after the run; returns the records in it. A write failure is a UsageError. */
  finish(): number;
  /** Closes the journal after a failed run (what was committed stays). */
  abandon(): void;
}

/** Opens (or continues) the `--audit` journal; a file that cannot be a journal is a UsageError. */
async function openAuditJournal(target: string, io: CliIO): Promise<RunJournal> {
  const store = await import("@tradeplan/store");
  const path = resolve(io.cwd, target);
  const shown = displayPath(path, io.cwd);
  const failed: AuditError[] = [];
  const describeAudit = (e: unknown) => (e instanceof Error ? e.message.replace(path, shown) : String(e));
  let journal: AuditJournal;
  try {
    // NORMAL: a replay can be rerun, so it need not survive a power cut (see AuditJournalOptions.synchronous).
    journal = new store.AuditJournal(path, { synchronous: "normal", onFatal: (e) => failed.push(e) });
  } catch (e) {
    throw new UsageError(`--audit: ${describeAudit(e)}`);
  }
  return {
    journal,
    store,
    shown,
    finish() {
      try {
        journal.close();
      } catch (e) {
        throw new UsageError(`--audit: ${describeAudit(e)}`);
      }
      if (failed[0]) throw new UsageError(`--audit: ${describeAudit(failed[0])}`);
      return journal.headSeq;
    },
    abandon() {
      try {
        journal.close();
      } catch {
        // The run's own error is the one to report.
      }
    },
  };
}

/**
 * A backtest of `files` with every engine event, fill and rejected row recorded
 * in the journal, each decision with a digest of the bar, position and
 * account it was made on (stored in full with `--include-context`). A
 * `session` record opens and closes the run.
 */
async function runAudited(
  options: BacktestOptions,
  files: readonly DataFile[],
  feed: FeedFilesOptions,
  run: RunJournal,
  includeContext: boolean,
  dataShown: string,
  explain?: ExplainSink,
): Promise<RunOutcome> {
  const { plan } = options;
  let bt: Backtest | undefined;
  const sink = run.store.auditSink(run.journal, {
    includeContext,
    functions: plan.functions,
    context: run.store.engineContext(() => bt),
  });
  run.journal.append({
    kind: "session",
    action: "BACKTEST_START",
    reasoning: `backtest of ${plan.name} on ${dataShown}`,
    payload: { plan: plan.name, sourceHash: plan.sourceHash, symbols: plan.symbols, data: dataShown },
  });
  const sinks: EngineEventSink = options.sink ? combineSinks(sink, options.sink) : sink;
  bt = new Backtest({ ...options, sink: sinks });
  explain?.attach(bt.engine);
  bt.broker.onEvent(sink.onBrokerEvent);
  const current = bt;
  const csv = await feedCsvFiles(current, files, feed);
  const outcome = current.finish();
  const s = outcome.result.stats;
  run.journal.append({
    kind: "session",
    action: "BACKTEST_END",
    reasoning: `${outcome.result.bars} bars, ${s.trades} trades, net P&L ${s.netPnl.toFixed(2)}`,
    payload: { bars: outcome.result.bars, trades: s.trades, netPnl: s.netPnl, endEquity: s.endEquity },
  });
  return { ...outcome, csv, path: current.path };
}

/** A backtest of `files` (one per symbol) in one account, without a journal. */
async function runFiles(
  options: BacktestOptions,
  files: readonly DataFile[],
  feed: FeedFilesOptions,
  explain?: ExplainSink,
): Promise<RunOutcome> {
  const bt = new Backtest(options);
  explain?.attach(bt.engine);
  const csv = await feedCsvFiles(bt, files, feed);
  return { ...bt.finish(), csv, path: bt.path };
}

/** A run's outcome, what the CSV reader found in each file, and which path the backtest took. */
type RunOutcome = BacktestOutcome & { readonly csv: Record<string, CsvSummary>; readonly path: BacktestPath };

/**
 * The line `--verbose` prints: `path: columnar` (closes reach the engine
 * only where a rule may fire or a position is open) or `path: event (why)`.
 */
export function describePath(path: BacktestPath): string {
  return path.kind === "columnar"
    ? "path: columnar (the engine sees a close only where a rule may fire or a position is open)"
    : `path: event (${path.reason})`;
}

/**
 * The sink of `--explain TEXT`: it keeps the evaluations at the closes whose
 * local time in the plan's zone reads TEXT (matched on the formatted local
 * time, so summer time needs no arithmetic). A local time is within 15 hours
 * of the same digits read as UTC, so only closes that near are formatted.
 */
function explainSink(text: string, local: LocalTime): ExplainSink {
  const withSeconds = text.length === 16 ? `${text}:00` : text;
  const asUtc = Date.parse(`${withSeconds.replace(" ", "T")}Z`);
  if (Number.isNaN(asUtc) || new Date(asUtc).toISOString().slice(0, 19) !== withSeconds.replace(" ", "T"))
    throw new UsageError(`--explain ${text}: not a valid date and time`);
  const wanted = text.endsWith(":00") && text.length === 19 ? text.slice(0, 16) : text;
  const near = 15 * 3_600_000;
  return new ExplainSink((t) => Math.abs(t - asUtc) <= near && local.dateTime(t) === wanted);
}

/** Warns (once per file) of the first row whose prices are not on the instrument's tick. */
function warnOffTick(
  files: readonly DataFile[],
  csv: Readonly<Record<string, CsvSummary>>,
  instruments: Instruments,
  io: CliIO,
): void {
  for (const f of files) {
    const off = csv[f.symbol]?.offTick;
    const tick = instruments.spec(f.symbol).tickSize;
    if (off === undefined || tick === undefined) continue;
    io.stderr.write(
      `warning: ${f.shown}:${off.line}: price ${off.price} is not a multiple of the tick size ${tick} of ${f.symbol} (instruments.${f.symbol}.tick_size); fills are rounded to the tick\n`,
    );
  }
}
