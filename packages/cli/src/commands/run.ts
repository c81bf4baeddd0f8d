import { rename, rm } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  type BacktestResult,
  type Broker,
  CsvFormatError,
  calendarForPlan,
  combineSinks,
  createDefaultRegistry,
  type EngineEventSink,
  PaperBroker,
} from "@tradeplan/core";
import type { CompiledPlan } from "@tradeplan/dsl";
import { IbError } from "@tradeplan/ibkr";
import {
  ConfigError,
  combineObservers,
  createBroker,
  createFeed,
  createGuard,
  createLogger,
  LeaderIntents,
  LiveError,
  LiveSession,
  type Logger,
  loadTradeplanConfig,
  loggingSink,
  type MetricsServer,
  retentionCutoff,
  type SessionLogLevel,
  SessionMetrics,
  SessionResultRecorder,
  serveMetrics,
  symbolList,
  type TradeplanConfig,
} from "@tradeplan/live";
import { auditSink, isPostgresUrl, StateError } from "@tradeplan/store";
import { z } from "zod";
import { createRunConsole, type RunConsole } from "../console/run-console.js";
import { renderRunSummary } from "../console/summary.js";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { displayPath } from "../source.js";
import { compilePlanFile, withParams } from "./backtest.js";
import { LOG_FORMATS, type LogFormat } from "./choices.js";
import { haSettings, type Leadership, quietIo, shadowConfig, shadowOptions, takeLead } from "./run-ha.js";
import { openRunStorage, type RunStorage, type StorageTarget } from "./run-storage.js";
import { parseOptions, parseSets, SetOption, useColor } from "./shared.js";

const DAY_MS = 86_400_000;

const RunOptionsSchema = z.object({
  config: z.string().trim().min(1, "must name a YAML file").default("tradeplan.yaml"),
  broker: z.enum(["paper", "ib"]).optional(),
  feed: z.enum(["sim", "replay", "ib"]).optional(),
  audit: z.string().trim().min(1, "must name a database file or a postgres:// URL").optional(),
  ha: z.string().trim().min(1, "must be a postgres:// URL").optional(),
  duration: z.coerce
    .number()
    .refine((v) => Number.isFinite(v) && v > 0, "must be a positive number of seconds")
    .optional(),
  metricsPort: z.coerce.number().int("must be a whole number").min(0).max(65_535).optional(),
  speed: z
    .union([z.literal("max"), z.coerce.number().refine((v) => Number.isFinite(v) && v > 0 && v <= 1_000_000)], {
      error: "must be max or a number in (0, 1000000]",
    })
    .optional(),
  result: z.string().trim().min(1, "must name a JSON file").optional(),
  logFormat: z.enum(LOG_FORMATS).default("auto"),
  set: SetOption,
  color: z.boolean().default(true),
});

export type RunCommandOptions = z.input<typeof RunOptionsSchema>;

/** What stops a run besides `--duration` and the end of a finite feed (the CLI wires SIGINT/SIGTERM to it). */
export interface RunControl {
  readonly signal?: AbortSignal;
  /** The configuration to run instead of reading `--config` (a standby's shadow session: see run-ha.ts). */
  readonly config?: TradeplanConfig;
}

/**
 * The database: `--audit`, else `storage.database` (a file relative to the
 * config file), or a PostgreSQL server when either is a `postgres://` URL.
 */
function storageTarget(
  config: TradeplanConfig,
  configPath: string,
  configShown: string,
  audit: string | undefined,
  cwd: string,
): StorageTarget {
  const given = audit ?? config.storage.database;
  if (isPostgresUrl(given))
    return {
      kind: "postgres",
      url: given,
      account: config.storage.account,
      where: audit !== undefined ? "--audit" : `${configShown}: storage.database`,
    };
  const path = audit !== undefined ? resolve(cwd, audit) : resolve(dirname(configPath), config.storage.database);
  return { kind: "sqlite", path, shown: displayPath(path, cwd) };
}

/**
 * The run's pino logger, per the config's `execution_logging`: `stderr` and
 * `stdout` go through the run's console (readable lines under a status line
 * on a terminal, JSON lines elsewhere; the summary alone is on stdout by
 * default), a file path is appended to.
 */
function runLogger(config: TradeplanConfig, console: RunConsole | undefined): Logger {
  return createLogger(config.execution_logging, {
    base: null,
    // The console has made the lines readable already where they should be.
    ...(console ? { stream: console.stream, format: "json" as const } : {}),
  });
}

/** The console of a run whose log goes to the command's stderr or stdout (none for a log file). */
function runConsole(
  config: TradeplanConfig,
  io: CliIO,
  options: { logFormat: LogFormat; color: boolean },
  zone: string,
): RunConsole | undefined {
  const dest = config.execution_logging.destination;
  if (dest !== "stderr" && dest !== "stdout") return undefined;
  return createRunConsole(io, {
    format: options.logFormat,
    structured: config.execution_logging.structured,
    destination: dest,
    zone,
    color: options.color,
  });
}

function sessionLog(
  logger: Logger,
): (level: SessionLogLevel, message: string, fields?: Record<string, unknown>) => void {
  return (level, message, fields) => logger[level](fields ?? {}, message);
}

/** Resolves when `signal` aborts (never when there is none). */
function aborted(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((done) => {
    if (!signal) return;
    if (signal.aborted) done(String(signal.reason ?? "aborted"));
    else signal.addEventListener("abort", () => done(String(signal.reason ?? "aborted")), { once: true });
  });
}

/**
 * `tradeplan run PLAN... --config tradeplan.yaml`: runs plans live on a
 * feed and a broker, saving the state and the audit journal in one SQLite
 * database (or PostgreSQL) after every bar-close batch, until `--duration` seconds pass, a
 * finite feed (replay, simulation) ends, or the signal aborts (SIGINT or
 * SIGTERM): then it shuts down gracefully and prints a summary.
 */
export async function runLiveCommand(
  planPaths: readonly string[],
  rawOptions: RunCommandOptions,
  io: CliIO,
  control: RunControl = {},
): Promise<number> {
  const options = parseOptions(RunOptionsSchema, rawOptions);
  const color = useColor(io, options.color);
  const sets = parseSets(options.set);
  const configPath = resolve(io.cwd, options.config);
  const configShown = displayPath(configPath, io.cwd);
  let config: TradeplanConfig;
  try {
    config = control.config ?? (await loadTradeplanConfig(configPath, configShown));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const plans: CompiledPlan[] = [];
  for (const p of planPaths) {
    const compiled = await compilePlanFile(p, undefined, io, color, sets);
    if (!compiled) return EXIT.problems;
    plans.push(compiled.plan);
  }
  const screen = runConsole(config, io, { logFormat: options.logFormat, color }, plans[0]?.timezone ?? "UTC");
  let logger: Logger;
  try {
    logger = runLogger(config, screen);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const log = sessionLog(logger);
  const feedKind = options.feed ?? config.feed.type;
  const brokerKind = options.broker ?? config.broker.type;
  if (options.speed !== undefined) config = withSpeed(config, feedKind, options.speed);
  const resultPath = options.result === undefined ? undefined : resolve(io.cwd, options.result);
  if (resultPath !== undefined && (plans.length !== 1 || brokerKind !== "paper"))
    throw new UsageError(
      "--result writes a backtest result document: it needs exactly one plan and the paper broker (--broker paper)",
    );
  const ha = haSettings(config, options.ha, options.audit, configShown);
  const target: StorageTarget = ha
    ? { kind: "postgres", url: ha.url, account: ha.account, where: ha.where }
    : storageTarget(config, configPath, configShown, options.audit, io.cwd);
  let dbShown = target.kind === "sqlite" ? target.shown : target.url;
  const hmacKey = io.env[config.storage.hmac_key_env];

  let storage: RunStorage | undefined;
  let metricsServer: MetricsServer | undefined;
  let disposeFeed: (() => void) | undefined;
  let stopBroker: (() => Promise<void>) | undefined;
  let pruneTimer: ReturnType<typeof setInterval> | undefined;
  // Stopped in `finally` whether or not the start got that far: their timers must not keep a failed start alive.
  let stopGuard: (() => void) | undefined;
  let stopSession: (() => Promise<void>) | undefined;
  let started = false;
  /** The journal could not write its last records when the run ended (a disk still full): the run failed. */
  let unwritten: string | undefined;
  /** With --ha: the lease this process leads under (it stood by until it took it). */
  let lead: Leadership | undefined;
  try {
    if (ha) {
      const standby = config;
      // While standing by, the same plans run in shadow: the paper broker, journalled to ACCOUNT.shadow.HOLDER.
      const shadow = (signal: AbortSignal) =>
        runLiveCommand(planPaths, shadowOptions(rawOptions), quietIo(io), {
          signal,
          config: shadowConfig(standby, ha),
        });
      lead = await takeLead(ha, log, control.signal, shadow);
      if (!lead) {
        log("info", "stopped while standing by: nothing was decided");
        io.stdout.write(`${JSON.stringify({ stopped: "stopped while standing by", state: "STANDBY" })}\n`);
        return EXIT.ok;
      }
    }
    storage = await openRunStorage(target, hmacKey, lead?.keeper.fence());
    dbShown = storage.shown;
    const { store, journal } = storage;
    const saved = store.load();
    if (saved) {
      const pruned = store.pruneOrderIds(saved.savedAt - config.storage.retention_days * DAY_MS);
      if (pruned > 0) log("info", `forgot ${pruned} client order ids older than ${config.storage.retention_days} days`);
    }
    const resumeAt =
      saved && saved.watermarks.length > 0 ? Math.min(...saved.watermarks.map((w) => w.closeTime)) : undefined;
    const setup = await createFeed({
      config,
      kind: feedKind,
      plans,
      baseDir: dirname(configPath),
      ...(resumeAt !== undefined ? { resumeAt } : {}),
    });
    disposeFeed = () => setup.dispose();
    for (const r of setup.rejectedRows.slice(0, 20))
      logger.warn(
        { event: "bar_rejected", file: displayPath(r.file, io.cwd), line: r.line, code: r.code },
        `${displayPath(r.file, io.cwd)}:${r.line}: ${r.reason}`,
      );
    // With --ha an order reaches the broker only after its intent committed in the lease-fenced transaction.
    const intents = lead && storage.intents ? new LeaderIntents(storage.intents, lead.keeper) : undefined;
    const brokerSetup = createBroker(config, brokerKind, plans, (m) => log("warn", m), setup, intents?.gate);
    const broker = brokerSetup.broker;
    const guard = createGuard(config, setup, plans);
    stopGuard = () => guard?.stop();
    const metricsPort = options.metricsPort ?? (config.metrics.enabled ? config.metrics.port : undefined);
    const metrics = metricsPort !== undefined ? new SessionMetrics() : undefined;
    if (metrics) broker.onEvent((e) => metrics.brokerEvent(e));
    const audit = auditSink(journal, {
      functions: plans.flatMap((p) => p.functions.map((f) => ({ id: f.id, name: f.name }))),
      // The session flushes inside its batch transaction; an extra flush at the end of a burst would commit
      // audit records apart from the state they belong to.
      defer: () => undefined,
    });
    const sinks: EngineEventSink[] = [loggingSink(logger, config.execution_logging)];
    if (intents) sinks.push(intents.sink);
    if (metrics) sinks.push(metrics.sink);
    const recorder = resultPath !== undefined ? resultRecorder(plans, broker, setup.rejectedRows) : undefined;
    // Without a result document nothing reads the paper broker's fills and trades (the journal has them): kept,
    // they grew the memory of a run by the hour.
    if (!recorder && broker instanceof PaperBroker) broker.forgetHistory();
    if (recorder) sinks.push(recorder.sink);
    const j = journal;
    const session = new LiveSession({
      plans,
      feed: setup.feed,
      clock: setup.clock,
      broker,
      store,
      startAt: setup.startAt,
      // A result document carries why each signal fired, as the backtest's does (docs/backtest.md).
      ...(resultPath !== undefined ? { traceFirings: true } : {}),
      ...(guard ? { guard } : {}),
      batchSink: audit,
      sink: sinks.length === 1 ? (sinks[0] as EngineEventSink) : combineSinks(...sinks),
      ...(metrics || recorder
        ? {
            observer: combineObservers(
              metrics && {
                closeDetected: (e, ms) => metrics.closeDetected(e, ms),
                closeDecided: (e, ms) => metrics.closeDecided(e, ms),
                batchCommitted: (ms) => metrics.batchCommitted(ms),
                barRejected: (s, r) => metrics.barRejected(s, r),
                stateChanged: (s) => metrics.stateChanged(s),
                feedEvent: (e) => metrics.feedEvent(e),
              },
              recorder?.observer,
            ),
          }
        : {}),
      log,
      record: (what, payload) => j.append({ kind: "session", reasoning: what, payload }),
      risk: config.risk,
      detector: config.bar_close_detection,
      validation: config.bar_validation,
      // With no wall clock (speed max) a wall-clock budget would make decisions depend on the machine's load.
      budgetMs: setup.virtualTime ? Number.POSITIVE_INFINITY : config.engine.budget_ms,
      defaultShares: config.engine.default_shares,
      registry: createDefaultRegistry({ config: { execution_functions: config.execution_functions } }),
    });
    stopSession = () => session.stop("the start failed");
    log("info", `tradeplan run: ${plans.map((p) => `"${p.name}" (${symbolList(p.symbols)})`).join(", ")}`);
    log("info", `config ${configShown}; database ${dbShown}${saved ? " (restoring saved state)" : " (new)"}`);
    log("info", `feed: ${setup.description}`);
    log("info", `broker: ${brokerSetup.description}`);
    log("info", `circuit breaker: ${guard ? guard.description : "off"}`);
    if (metrics && metricsPort !== undefined) {
      metricsServer = await serveMetrics(metrics, config.metrics.host, metricsPort);
      log("info", `metrics: ${metricsServer.url}`);
    }
    await brokerSetup.start();
    stopBroker = () => brokerSetup.stop();
    // A signal during the start-up (a long refill) stops it: the session gives up with LIVE_STOPPED.
    let stoppedEarly: string | undefined;
    const stopStart = (): void => {
      stoppedEarly = String(control.signal?.reason ?? "aborted");
      void session.stop(`${stoppedEarly} during the start-up`);
    };
    if (control.signal?.aborted) stopStart();
    else control.signal?.addEventListener("abort", stopStart, { once: true });
    try {
      await session.start();
    } catch (e) {
      if (stoppedEarly !== undefined && e instanceof LiveError && e.code === "LIVE_STOPPED") {
        log("info", `stopped during the start-up: ${stoppedEarly}; nothing was decided`);
        io.stdout.write(
          `${JSON.stringify({ stopped: `${stoppedEarly} during the start-up`, state: session.state, stats: session.stats })}\n`,
        );
        return EXIT.ok;
      }
      throw e;
    } finally {
      control.signal?.removeEventListener("abort", stopStart);
    }
    setup.startClock?.();
    started = true;
    log("info", `session ${session.state}: ${session.reason}`);
    screen?.watch(() => {
      const counters = session.engines.map((e) => e.engine.counters);
      const account = broker.account();
      return {
        state: session.state,
        marketTime: setup.clock.now(),
        bars: session.stats.barsIn,
        rejectedBars: session.stats.barsRejected,
        signals: counters.reduce((n, c) => n + c.signals, 0),
        orders: counters.reduce((n, c) => n + c.orders, 0),
        pnl: account.realizedPnl + account.unrealizedPnl,
        breaker: guard ? (guard.status?.() ?? "on") : "off",
      };
    });
    // Retention: audit records older than execution_logging.retention_days are pruned at start and daily;
    // the prune record keeps what remains verifiable (docs/audit.md).
    const s = storage;
    const prune = (): void => {
      try {
        const pruned = s.prune(retentionCutoff(config.execution_logging, Date.now()));
        if (pruned !== undefined && pruned > 0)
          log("info", `pruned ${pruned} audit records older than ${config.execution_logging.retention_days} days`);
      } catch (e) {
        log("error", `audit retention failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    prune();
    pruneTimer = setInterval(prune, DAY_MS);
    pruneTimer.unref();
    const stops: Promise<string>[] = [aborted(control.signal)];
    if (options.duration !== undefined) {
      const ms = options.duration * 1000;
      stops.push(new Promise((done) => setTimeout(() => done(`--duration ${options.duration}s elapsed`), ms).unref()));
    }
    if (setup.finished) stops.push(setup.finished.then(() => "the feed has no more bars"));
    const leader = lead;
    if (leader)
      stops.push(
        new Promise((done) =>
          leader.keeper.onLost((reason) => {
            // At once: nothing more is sent (the send gate checks the lease too), then the run stops.
            session.setState("HALTED", `lost the lease: ${reason}`);
            done(`lost the lease: ${reason}`);
          }),
        ),
      );
    const why = await Promise.race(stops);
    await session.stop(why);
    const failure = session.error;
    if (recorder && resultPath !== undefined) {
      if (failure === undefined) {
        await writeResult(resultPath, withParams(recorder.result(), plans[0] as CompiledPlan), io);
        log("info", `result written to ${displayPath(resultPath, io.cwd)}`);
      } else log("error", `the run failed: no result written to ${displayPath(resultPath, io.cwd)}`);
    }
    screen?.close();
    const positions = broker.positions();
    const summary = {
      stopped: why,
      state: session.state,
      reason: session.reason,
      stats: session.stats,
      rejectedByReason: rejectedByReason(setup.rejectedRows, session.validator.summary()),
      engines: session.engines.map((e) => ({ plan: e.plan.name, ...e.engine.counters })),
      positions: positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity, avgPrice: p.avgPrice })),
      account: broker.account(),
    };
    io.stdout.write(io.isTTY ? renderRunSummary(summary) : `${JSON.stringify(summary)}\n`);
    // The journal writes what it still holds now (a failed batch's records, kept buffered). A disk still full
    // fails the run like the halt it follows (exit 1, its line last), not as a usage error.
    try {
      await s.closeJournal();
    } catch (e) {
      unwritten = e instanceof Error ? e.message : String(e);
    }
    if (session.unwrittenBatch !== undefined) unwritten = `${dbShown}: ${session.unwrittenBatch}`;
    // A leader that lost its lease stepped down: a failed run, for a supervisor to start again as a standby.
    if (lead?.keeper.lost !== undefined) unwritten ??= `stepped down: ${lead.keeper.lost}`;
    return failure === undefined && unwritten === undefined ? EXIT.ok : EXIT.problems;
  } catch (e) {
    if (e instanceof LiveError || e instanceof StateError || e instanceof CsvFormatError)
      throw new UsageError(e.message);
    if (e instanceof IbError) throw new UsageError(e.line(configShown));
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(AUDIT|CALENDAR|TIMEFRAME|RISK|REG|DETECTOR|VALIDATOR|IB)_/.test(code))
      throw new UsageError(e instanceof Error ? e.message : String(e));
    throw e;
  } finally {
    screen?.close();
    if (pruneTimer) clearInterval(pruneTimer);
    await stopSession?.().catch(() => undefined);
    stopGuard?.();
    disposeFeed?.();
    await stopBroker?.().catch(() => undefined);
    await metricsServer?.close();
    try {
      await storage?.dispose(started);
    } finally {
      // After the last commit: a graceful stop hands the lease over at once.
      await lead?.keeper.close();
      logger.flush();
      if (unwritten !== undefined) io.stderr.write(`error: ${unwritten}\n`);
    }
  }
}

/**
 * Input refused, per reason code (only the codes that occurred, sorted): the
 * replay file's rows (`CSV_*`) and the bars the validator rejected, history included.
 */
function rejectedByReason(
  rows: readonly { readonly code: string }[],
  streams: readonly { readonly rejected: Readonly<Record<string, number>> }[],
): Record<string, number> {
  const counts = new Map<string, number>();
  const add = (code: string, n: number) => {
    if (n > 0) counts.set(code, (counts.get(code) ?? 0) + n);
  };
  for (const r of rows) add(r.code, 1);
  for (const s of streams) for (const [code, n] of Object.entries(s.rejected)) add(code, n);
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The config with the replay's or simulation's speed set by `--speed`. */
function withSpeed(
  config: TradeplanConfig,
  feed: TradeplanConfig["feed"]["type"],
  speed: number | "max",
): TradeplanConfig {
  if (feed === "sim") return { ...config, feed: { ...config.feed, sim: { ...config.feed.sim, speed } } };
  if (feed === "replay" && config.feed.replay)
    return { ...config, feed: { ...config.feed, replay: { ...config.feed.replay, speed } } };
  if (feed === "replay") return config;
  throw new UsageError(`--speed applies to the replay and sim feeds, not to ${feed}`);
}

/** Records the run as `backtest --format json` would report it (see {@link SessionResultRecorder}). */
function resultRecorder(
  plans: readonly CompiledPlan[],
  broker: Broker,
  rejectedRows: readonly { readonly code: string }[],
): SessionResultRecorder {
  const plan = plans[0];
  if (!plan || !(broker instanceof PaperBroker)) throw new UsageError("--result needs one plan and the paper broker");
  const recorder = new SessionResultRecorder(plan, broker, calendarForPlan(plan));
  recorder.rejectedRows(rejectedRows);
  return recorder;
}

/** Writes the result document next to its target and renames it into place: a reader never sees half of it. */
async function writeResult(path: string, result: BacktestResult, io: CliIO): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await io.fs.writeFile(tmp, `${JSON.stringify(result, null, 2)}\n`);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new UsageError(`cannot write the result \`${displayPath(path, io.cwd)}\`: ${describeFsError(e)}`);
  }
}
