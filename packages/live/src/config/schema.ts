import {
  BarValidatorConfigSchema,
  DetectorConfigSchema,
  FxSchema,
  InstrumentsSchema,
  PaperBrokerConfigSchema,
  RegistryConfigSchema,
  RiskConfigSchema,
} from "@tradeplan/core/internal";
import { IbConnectionOptionsSchema } from "@tradeplan/ibkr";
import { ACCOUNT_PATTERN } from "@tradeplan/store";
import { IANAZone } from "luxon";
import { z } from "zod";
import { ExecutionLoggingConfigSchema } from "../logging/config.js";

const PositiveInt = z.number().int().positive();
/**
 * Market time per wall-clock time of a replay or simulation, or `max`: no
 * wall clock at all, each bar (and each timer) follows the previous one at
 * once, as in a backtest.
 */
export const SpeedSchema = z.union([
  z.literal("max"),
  z.number().refine((v) => Number.isFinite(v) && v > 0 && v <= 1_000_000, "must be in (0, 1000000] or max"),
]);
const Speed = SpeedSchema.default(1);

/**
 * Grace of the bar-close detector in `tradeplan run`: a live feed delivers a
 * bar a moment after it ends, and a detector that closed the stream bar at
 * the boundary itself would leave that last base bar out.
 */
export const LIVE_GRACE_MS = 2_000;

/** `bar_close_detection`: the detector's settings, with {@link LIVE_GRACE_MS} when `grace_ms` is not given. */
const BarCloseDetectionSchema = z.preprocess(
  (v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) && !("grace_ms" in v)
      ? { grace_ms: LIVE_GRACE_MS, ...v }
      : v,
  DetectorConfigSchema,
);
const IsoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 time such as 2024-03-04T14:30:00Z");
const Zone = z.string().refine((zone) => IANAZone.isValidZone(zone), "unknown IANA time zone");

/** `engine`: how rules are run. */
export const EngineSectionSchema = z
  .object({
    /** Per-function time budget in ms; a function past it yields NONE and an error event. */
    budget_ms: z.number().positive().default(100),
    /** Shares an entry buys when its rule has no `size`. */
    default_shares: PositiveInt.default(100),
  })
  .strict();

/** `broker`: where orders go. Each broker's settings sit under its own key, so `--broker` can switch without edits. */
export const BrokerSectionSchema = z
  .object({
    type: z.enum(["paper", "ib"]).default("paper"),
    paper: PaperBrokerConfigSchema.default(PaperBrokerConfigSchema.parse({})),
    ib: IbConnectionOptionsSchema.default(IbConnectionOptionsSchema.parse({})),
  })
  .strict();

/** `storage.ha`: the hot standby; needs `storage.database` on PostgreSQL (or `--ha postgres://...`). */
export const HaSectionSchema = z
  .object({
    /** Run as one of several processes for the account: lead while holding its lease, stand by otherwise. */
    enabled: z.boolean().default(false),
    /** The lease's time to live; renewed every third of it. A takeover comes after at most TTL + TTL/3. */
    ttl_ms: z.number().int().min(300).max(600_000).default(3_000),
    /** This process's name in the lease row, unique per process of the account (default: host name and pid). */
    holder: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/, "must be 1-200 letters, digits or '._:@-'")
      .optional(),
  })
  .strict();

/** `storage`: the database holding the audit journal and the session state (an SQLite file, or PostgreSQL). */
export const StorageSectionSchema = z
  .object({
    /**
     * Database file (relative to the config file), or a PostgreSQL server
     * (`postgres://USER@HOST:PORT/DB`, no password in it); `--audit` overrides it.
     */
    database: z.string().min(1).default("tradeplan.db"),
    /** On PostgreSQL: whose hash chain and state these are (several accounts share one database). */
    account: z
      .string()
      .regex(ACCOUNT_PATTERN, "must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit")
      .default("default"),
    /** Environment variable holding the audit journal's HMAC key; unset means no signed checkpoints. */
    hmac_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
      .default("TRADEPLAN_AUDIT_KEY"),
    /** Days the sent client order ids are remembered (the journal's retention is `execution_logging.retention_days`). */
    retention_days: PositiveInt.default(90),
    /** The hot standby (`--ha`): several `run` processes for one account, one leading (docs/scale-out.md). */
    ha: HaSectionSchema.default(HaSectionSchema.parse({})),
  })
  .strict();

/** `feed.sim`: random-walk bars from the generator, released on a clock. */
export const SimFeedSchema = z
  .object({
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    /** Base bar interval. */
    interval: z
      .string()
      .regex(/^[1-9][0-9]*[sm]$/, "an intraday interval such as 1m or 5s")
      .default("1m"),
    start_price: z
      .number()
      .refine((v) => Number.isFinite(v) && v > 0, "must be positive")
      .default(100),
    daily_volume: PositiveInt.default(2_000_000),
    /** First session day (YYYY-MM-DD); the simulated clock starts at its open. */
    from: z
      .string()
      .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, "a date YYYY-MM-DD")
      .default("2024-01-02"),
    days: z.number().int().min(1).max(3650).default(5),
    /** Session days simulated before `from` as history for the warm-up (the walk starts at the first of them). */
    history_days: z.number().int().min(0).max(3650).default(0),
    /** Market time per wall-clock time (60: one simulated minute per second), or `max`. */
    speed: Speed,
    /** At a finite speed, pass nights, weekends and holidays (no bar for over an hour) in about a second. */
    skip_idle: z.boolean().default(false),
  })
  .strict();

/** `feed.replay`: bars from a CSV file, released on a clock. */
export const ReplayFeedSchema = z
  .object({
    /** CSV file (relative to the config file), in any layout `backtest --data` reads. */
    file: z.string().min(1),
    /** Symbol of the file's bars (default: the plans' only symbol). */
    symbol: z.string().min(1).optional(),
    timestamps: z.enum(["open", "close"]).default("open"),
    /** Zone of naive times in the file (default: the plan's time zone). */
    timezone: Zone.optional(),
    /** Market time per wall-clock time (60: one minute of bars per second), or `max` (as fast as it goes). */
    speed: Speed,
    /** At a finite speed, pass nights, weekends and holidays (no bar for over an hour) in about a second. */
    skip_idle: z.boolean().default(false),
    /** Market time the replay starts at; earlier bars are history (default: the first bar). */
    start: IsoTime.optional(),
  })
  .strict();

/** `feed`: where bars come from. */
export const FeedSectionSchema = z
  .object({
    type: z.enum(["sim", "replay", "ib"]).default("sim"),
    sim: SimFeedSchema.default(SimFeedSchema.parse({})),
    replay: ReplayFeedSchema.optional(),
    /** IBKR connection of the feed (default: `broker.ib`). */
    ib: IbConnectionOptionsSchema.optional(),
  })
  .strict();

/** `breaker`: when the session stops opening positions by itself. */
export const BreakerSectionSchema = z
  .object({
    /** Off: the session never halts itself on bad data (replays that must match a backtest bar for bar). */
    enabled: z.boolean().default(true),
    /**
     * No bar for this long while bars are due trips the breaker. Default: derived from the plans'
     * timeframes and the feed's bar interval (see `defaultNoDataTimeoutMs`).
     */
    no_data_timeout_ms: PositiveInt.optional(),
    /** This many rejected bars within `rejected_window_ms` trips it. */
    max_rejected_bars: PositiveInt.default(20),
    rejected_window_ms: PositiveInt.default(60_000),
    /** The trading state a trip moves to: HALTED (nothing passes) or REDUCING (only exits pass). */
    mode: z.enum(["HALTED", "REDUCING"]).default("HALTED"),
    /** How long to wait before trying ACTIVE again, growing after each trip. */
    backoff: z
      .object({
        initial_ms: PositiveInt.default(5_000),
        max_ms: PositiveInt.default(300_000),
        factor: z.number().min(1).max(10).default(2),
      })
      .strict()
      .default({ initial_ms: 5_000, max_ms: 300_000, factor: 2 }),
  })
  .strict();

const LOOPBACK = ["127.0.0.1", "::1", "localhost"] as const;

/** `metrics`: the Prometheus endpoint. Loopback only: metrics are not for the network. */
export const MetricsSectionSchema = z
  .object({
    enabled: z.boolean().default(false),
    host: z
      .string()
      .refine((h) => (LOOPBACK as readonly string[]).includes(h), `must be a loopback address: ${LOOPBACK.join(", ")}`)
      .default("127.0.0.1"),
    /** TCP port; 0 picks a free one (printed at startup). */
    port: z.number().int().min(0).max(65_535).default(9464),
  })
  .strict();

/**
 * `tradeplan.yaml`: the one configuration file of `tradeplan run`. Every
 * section is optional and every key has a default; unknown keys are errors.
 * Sections that reuse a module's schema keep that module's key names
 * (`risk`, `broker.paper`, `broker.ib` are camelCase).
 */
export const TradeplanConfigSchema = z
  .object({
    execution_functions: RegistryConfigSchema.shape.execution_functions.default({}),
    bar_close_detection: BarCloseDetectionSchema.default(DetectorConfigSchema.parse({ grace_ms: LIVE_GRACE_MS })),
    bar_validation: BarValidatorConfigSchema.default({}),
    execution_logging: ExecutionLoggingConfigSchema.default(ExecutionLoggingConfigSchema.parse({})),
    engine: EngineSectionSchema.default(EngineSectionSchema.parse({})),
    broker: BrokerSectionSchema.default(BrokerSectionSchema.parse({})),
    risk: RiskConfigSchema.default({}),
    /** What each symbol is: stock (default) or future, multiplier, tick size, currency (docs/backtest.md, "Instruments"). */
    instruments: InstrumentsSchema.default({}),
    /** The account currency and fixed exchange rates, for instruments priced in several currencies. */
    fx: FxSchema.optional(),
    storage: StorageSectionSchema.default(StorageSectionSchema.parse({})),
    feed: FeedSectionSchema.default(FeedSectionSchema.parse({})),
    breaker: BreakerSectionSchema.default(BreakerSectionSchema.parse({})),
    metrics: MetricsSectionSchema.default(MetricsSectionSchema.parse({})),
  })
  .strict()
  .refine((c) => c.feed.type !== "replay" || c.feed.replay !== undefined, {
    message: "feed.type is replay but there is no feed.replay section (it needs at least `file`)",
    path: ["feed", "type"],
  })
  .refine((c) => c.breaker.backoff.initial_ms <= c.breaker.backoff.max_ms, {
    message: "initial_ms must not exceed max_ms",
    path: ["breaker", "backoff", "initial_ms"],
  });

export type TradeplanConfig = z.output<typeof TradeplanConfigSchema>;
export type TradeplanConfigInput = z.input<typeof TradeplanConfigSchema>;
export type SimFeedConfig = z.output<typeof SimFeedSchema>;
export type ReplayFeedConfig = z.output<typeof ReplayFeedSchema>;
export type BreakerConfig = z.output<typeof BreakerSectionSchema>;
export type MetricsConfig = z.output<typeof MetricsSectionSchema>;
