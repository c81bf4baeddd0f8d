import { isAbsolute, resolve } from "node:path";
import type { Broker, Clock, MarketCalendar, MarketDataFeed, RejectedRow } from "@tradeplan/core";
import { calendarForPlan, PaperBroker, RealClock, resolveInstruments } from "@tradeplan/core";
import {
  CircuitBreaker,
  calendarExpectation,
  type DataExpectation,
  defaultNoDataTimeoutMs,
  LearnedHours,
  scheduleExpectation,
} from "@tradeplan/core/internal";
import type { CompiledPlan } from "@tradeplan/dsl";
import { GapFreeFeed, IbBroker, IbConnection, IbError, IbFeed, sameApiSession } from "@tradeplan/ibkr";
import type { TradeplanConfig } from "../config/schema.js";
import { breakerGuard } from "./breaker-guard.js";
import { LiveError } from "./errors.js";
import { FastClock } from "./fast-clock.js";
import { ReplayFeed } from "./replay-feed.js";
import { ScaledClock } from "./scaled-clock.js";
import type { ScheduledFeed } from "./scheduled-feed.js";
import type { SessionGuard } from "./session.js";
import { SimFeed } from "./sim-feed.js";

export type FeedKind = TradeplanConfig["feed"]["type"];
export type BrokerKind = TradeplanConfig["broker"]["type"];

/** A feed with the clock the session must run on. */
export interface FeedSetup {
  readonly feed: MarketDataFeed;
  readonly clock: Clock;
  /** One line for the startup log. */
  readonly description: string;
  /** Resolves when a finite feed (replay, simulation) has streamed its last bar. */
  readonly finished?: Promise<void>;
  /** CSV rows the replay reader could not use. */
  readonly rejectedRows: readonly RejectedRow[];
  /** Market time the feed streams from (bars closing later are streamed, earlier ones are history). */
  readonly startAt?: number;
  /**
   * Starts market time (replays and simulations stand still at `startAt`
   * until the session is streaming, so its startup takes no market time).
   */
  readonly startClock?: () => void;
  /** True at `speed: max`: market time follows no wall clock (so no wall-clock budget applies either). */
  readonly virtualTime?: boolean;
  /** When the feed owes bars, for the circuit breaker (a replay's schedule); default: from the plans' calendar. */
  readonly expectation?: DataExpectation;
  /** The IBKR feed's connection; an IBKR broker of the same API session (host, port, client id) shares it. */
  readonly ibConnection?: IbConnection;
  /** Releases the clock's timer (and closes an IBKR connection, whatever state the start left it in). */
  dispose(): void;
}

/** What {@link createFeed} needs besides the config. */
export interface FeedSetupInput {
  readonly config: TradeplanConfig;
  readonly kind: FeedKind;
  readonly plans: readonly CompiledPlan[];
  /** Relative paths in the config are read from here (the config file's folder). */
  readonly baseDir: string;
  /**
   * Market time to continue from after a restart (the earliest per-symbol
   * watermark of the saved state): a replay or simulation resumes there
   * instead of at its beginning.
   */
  readonly resumeAt?: number;
}

function symbolsOf(plans: readonly CompiledPlan[]): string[] {
  return [...new Set(plans.flatMap((p) => p.symbols))].sort();
}

/** Symbols for a log line: all of a few, the first and last of many. */
export function symbolList(symbols: readonly string[]): string {
  return symbols.length <= 10
    ? symbols.join(", ")
    : `${symbols.slice(0, 3).join(", ")} ... ${symbols.at(-1)} (${symbols.length} symbols)`;
}

function planCalendar(plans: readonly CompiledPlan[]): MarketCalendar {
  const p = plans[0];
  if (!p) throw new LiveError("LIVE_NO_PLAN", "no plan given");
  return calendarForPlan(p);
}

type Speed = TradeplanConfig["feed"]["sim"]["speed"];

function speedText(speed: Speed): string {
  return speed === "max" ? "as fast as possible (speed max)" : `at ${speed}x`;
}

function idleText(c: { speed: Speed; skip_idle: boolean }): string {
  return c.skip_idle && c.speed !== "max" ? ", idle hours skipped" : "";
}

/** The clock of a replay or simulation: held at `start` until the session streams. */
function scheduleClock(start: number, speed: Speed): FastClock | ScaledClock {
  return speed === "max" ? new FastClock({ start }) : new ScaledClock({ start, speed, held: true });
}

/** The setup of a feed of bars known in advance. */
function scheduledSetup(
  feed: ScheduledFeed,
  clock: FastClock | ScaledClock,
  speed: Speed,
  description: string,
  startAt: number,
  rejectedRows: readonly RejectedRow[],
  skipIdle: boolean,
): FeedSetup {
  // At speed max nothing happens after the last bar: a stream bar it left open stays open, as in a backtest.
  if (clock instanceof FastClock) clock.endAt(feed.span()?.last ?? startAt);
  else if (skipIdle) clock.skipIdle(() => feed.nextDue());
  return {
    feed,
    clock,
    description,
    finished: feed.finished,
    startAt,
    rejectedRows,
    startClock: () => clock.run(),
    virtualTime: speed === "max",
    expectation: scheduleExpectation(() => feed.nextDue()),
    dispose: () => clock.dispose(),
  };
}

/** Builds the configured feed (`sim`, `replay`; `ib` comes from the IBKR module when present). */
export async function createFeed(input: FeedSetupInput): Promise<FeedSetup> {
  const { config, kind, plans, resumeAt } = input;
  const calendar = planCalendar(plans);
  const symbols = symbolsOf(plans);
  if (kind === "sim") {
    const c = config.feed.sim;
    const spec = {
      symbols,
      seed: c.seed,
      interval: c.interval,
      startPrice: c.start_price,
      dailyVolume: c.daily_volume,
      from: c.from,
      days: c.days,
      historyDays: c.history_days,
      calendar,
    };
    const first = SimFeed.sessions(spec)[0];
    if (!first) throw new LiveError("LIVE_BAD_FEED", `feed.sim: no trading session in ${c.days} days from ${c.from}`);
    const start = resumeAt ?? first.open;
    const clock = scheduleClock(start, c.speed);
    const feed = new SimFeed(spec, { clock, startAt: start, name: "simulation" });
    return scheduledSetup(
      feed,
      clock,
      c.speed,
      `simulated ${c.interval} bars of ${symbolList(symbols)} from ${c.from} (${c.days} days${c.history_days > 0 ? ` after ${c.history_days} days of history` : ""}, seed ${c.seed}) ${speedText(c.speed)}${idleText(c)}`,
      start,
      [],
      c.skip_idle,
    );
  }
  if (kind === "replay") {
    const c = config.feed.replay;
    if (!c) throw new LiveError("LIVE_BAD_FEED", "feed.type is replay but the config has no feed.replay section");
    const symbol = c.symbol ?? (symbols.length === 1 ? symbols[0] : undefined);
    if (symbol === undefined)
      throw new LiveError("LIVE_BAD_FEED", `the plans trade ${symbols.join(", ")}; set feed.replay.symbol`);
    if (!symbols.includes(symbol))
      throw new LiveError(
        "LIVE_BAD_FEED",
        `feed.replay.symbol ${symbol} is not traded by the plans (${symbols.join(", ")})`,
      );
    const file = isAbsolute(c.file) ? c.file : resolve(input.baseDir, c.file);
    const loaded = await ReplayFeed.load({
      file,
      symbol,
      timezone: c.timezone ?? plans[0]!.timezone,
      timestamps: c.timestamps,
      calendar,
    });
    const firstBar = loaded.bars[0];
    if (!firstBar) throw new LiveError("LIVE_BAD_FEED", `${c.file} holds no usable bars`);
    const start = resumeAt ?? (c.start !== undefined ? Date.parse(c.start) : firstBar.time);
    const clock = scheduleClock(start, c.speed);
    const feed = new ReplayFeed({ ...loaded, symbol }, { clock, startAt: start, name: `replay ${c.file}` });
    return scheduledSetup(
      feed,
      clock,
      c.speed,
      `replay of ${c.file} (${loaded.bars.length} ${loaded.timeframe} bars of ${symbol}) ${speedText(c.speed)}${idleText(c)} from ${new Date(start).toISOString()}`,
      start,
      loaded.rejected,
      c.skip_idle,
    );
  }
  const clock = new RealClock();
  const setting = config.feed.ib ? "feed.ib" : "broker.ib";
  const settings = config.feed.ib ?? config.broker.ib;
  // Made here rather than by the feed, so that an IBKR broker of the same API session can share it (see
  // createBroker) and so that dispose() closes it even when the session never started or stopped the feed.
  const ibConnection = new IbConnection(settings, { clock, setting });
  const ib = new IbFeed({}, { connection: ibConnection, clock });
  return {
    feed: new GapFreeFeed(ib, { barMs: IB_BAR_MS, clock }),
    clock,
    description: `Interactive Brokers ${ib.baseTimeframe} bars of ${symbolList(symbols)} from ${settings.host}:${settings.port} (client id ${settings.clientId})`,
    rejectedRows: [],
    ibConnection,
    dispose: () => {
      void ibConnection.close();
    },
  };
}

/** IBKR's real-time bars are 5 seconds long. */
const IB_BAR_MS = 5_000;

/** A broker with what it takes to connect and disconnect it. */
export interface BrokerSetup {
  readonly broker: Broker;
  readonly description: string;
  /** Connects (IBKR); rejects with a clear error on failure or timeout. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Builds the configured broker: the paper broker, or Interactive Brokers
 * (`broker.ib`). `warn` receives what the IBKR start-up sync leaves alone
 * (orders tradeplan did not place, other accounts, non-stock positions) and
 * orders found lost after a reconnect. An IBKR broker whose `broker.ib`
 * names the same API session (host, port, client id) as the IBKR feed's
 * connection (`feed`) uses that connection: TWS refuses a second session
 * with one client id, and one session serves both.
 */
export function createBroker(
  config: TradeplanConfig,
  kind: BrokerKind,
  plans: readonly CompiledPlan[],
  warn: (message: string) => void = () => undefined,
  feed?: Pick<FeedSetup, "ibConnection">,
  /** With `--ha`: awaited before an IBKR order is written to TWS (see `LeaderIntents.gate`). */
  sendGate?: (clientOrderId: string) => Promise<void>,
): BrokerSetup {
  const calendar = planCalendar(plans);
  const dayKey = (t: number) => calendar.sessionBounds(t)?.date ?? new Date(t).toISOString().slice(0, 10);
  if (kind === "paper") {
    const p = config.broker.paper;
    // The same instruments as `tradeplan backtest --config`: multipliers, ticks and currencies of the book.
    const instruments = resolveInstruments(config.instruments, config.fx, symbolsOf(plans));
    if (Array.isArray(instruments))
      throw new LiveError(
        "LIVE_BAD_INSTRUMENTS",
        instruments.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      );
    return {
      broker: new PaperBroker(p, dayKey, instruments),
      description: `paper (fills at ${p.fillAt}, ${p.initialCash} initial cash)`,
      start: async () => undefined,
      stop: async () => undefined,
    };
  }
  const c = config.broker.ib;
  const shared = feed?.ibConnection && sameApiSession(feed.ibConnection.options, c) ? feed.ibConnection : undefined;
  const broker = new IbBroker(
    { connection: c, initialCash: config.broker.paper.initialCash },
    { dayKey, ...(shared ? { connection: shared } : { setting: "broker.ib" }), ...(sendGate ? { sendGate } : {}) },
  );
  broker.onWarning((w) => warn(`${w.code}: ${w.message}`));
  return {
    broker,
    description: `Interactive Brokers at ${c.host}:${c.port} (client id ${c.clientId}${c.account ? `, account ${c.account}` : ""}${shared ? "; one connection with the feed" : ""})`,
    start: () =>
      broker.start().catch((e: unknown) => {
        throw e instanceof IbError && e.setting === undefined ? e.inSetting("broker.ib") : e;
      }),
    stop: () => broker.stop(),
  };
}

/**
 * The circuit breaker of `breaker` as a session guard, or undefined when it
 * is disabled. Its no-data timeout is `breaker.no_data_timeout_ms`, else
 * derived from the plans' timeframes and the feed's bar interval
 * ({@link defaultNoDataTimeoutMs}); silence counts only while bars are due:
 * a replay's or simulation's schedule, else the plans' calendar (NYSE hours
 * with holidays and early closes), narrowed for an around-the-clock
 * (`always`) session to the hours the data shows ({@link LearnedHours}). A
 * feed of bars known in advance needs no fresh bars to be trusted.
 */
export function createGuard(
  config: TradeplanConfig,
  setup: Pick<FeedSetup, "clock" | "feed" | "expectation">,
  plans: readonly CompiledPlan[],
): (SessionGuard & { readonly description: string }) | undefined {
  const b = config.breaker;
  if (!b.enabled) return undefined;
  const calendar = planCalendar(plans);
  const expectation =
    setup.expectation ?? (plans[0]?.session === "always" ? new LearnedHours(calendar) : calendarExpectation(calendar));
  const noDataTimeoutMs =
    b.no_data_timeout_ms ??
    defaultNoDataTimeoutMs(
      setup.feed.baseTimeframe,
      plans.flatMap((p) => p.streams.map((s) => s.timeframe)),
    );
  const breaker = new CircuitBreaker(
    {
      noDataTimeoutMs,
      maxRejectedBars: b.max_rejected_bars,
      rejectedBarsWindowMs: b.rejected_window_ms,
      whileOpen: b.mode,
      openBackoffMs: b.backoff.initial_ms,
      maxOpenBackoffMs: b.backoff.max_ms,
      backoffFactor: b.backoff.factor,
      ...(setup.expectation ? { freshBarsToClose: 0 } : {}),
    },
    { clock: setup.clock, expectation },
  );
  const timeout = `${noDataTimeoutMs / 1000} s${b.no_data_timeout_ms === undefined ? " (derived from the plans' timeframes)" : ""}`;
  return {
    ...breakerGuard(breaker, expectation),
    description: `on (${b.mode} when tripped; no-data timeout ${timeout}, counted ${expectation.describe()})`,
  };
}
