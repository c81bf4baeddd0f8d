import { z } from "zod";

/**
 * Version of the `state_` tables; a database of another version is refused, never guessed at.
 * 2: the paper account keeps the commissions paid (`state_meta.paper_account.commissions`).
 */
export const STATE_SCHEMA_VERSION = 2;

/**
 * The `state_` tables. They live in the same SQLite database as the audit
 * journal, so that one transaction can hold a bar-close batch's audit
 * records and the state they led to.
 */
export const STATE_DDL = `
CREATE TABLE IF NOT EXISTS state_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state_watermarks (symbol TEXT PRIMARY KEY, close_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS state_streams (
  symbol TEXT NOT NULL, timeframe TEXT NOT NULL, last_close INTEGER, lookback INTEGER NOT NULL,
  PRIMARY KEY (symbol, timeframe));
CREATE TABLE IF NOT EXISTS state_positions (symbol TEXT PRIMARY KEY, quantity REAL NOT NULL, avg_price REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state_orders (
  client_order_id TEXT PRIMARY KEY, symbol TEXT NOT NULL, side TEXT NOT NULL, quantity REAL NOT NULL,
  decided_at INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state_order_ids (client_order_id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS state_marks (symbol TEXT PRIMARY KEY, price REAL NOT NULL);
CREATE TABLE IF NOT EXISTS state_functions (
  plan TEXT NOT NULL, symbol TEXT NOT NULL, rule TEXT NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (plan, symbol, rule));
CREATE TABLE IF NOT EXISTS state_order_origins (
  client_order_id TEXT PRIMARY KEY, rule TEXT NOT NULL, timeframe TEXT NOT NULL, function TEXT);
`;

const Finite = z.number().refine(Number.isFinite, "must be a finite number");
const Time = z.number().int();

/** Trading states of a live session (INITIALIZING before the startup sequence is done). */
export const SessionTradingStateSchema = z.enum(["INITIALIZING", "ACTIVE", "REDUCING", "HALTED"]);
export type SessionTradingState = z.infer<typeof SessionTradingStateSchema>;

const PriceLevelSchema = z.union([
  z.object({ kind: z.literal("price"), price: Finite }).strict(),
  z.object({ kind: z.literal("percent"), percent: Finite }).strict(),
]);

/** A working order as saved (a `BrokerOrder`). */
export const SavedOrderSchema = z
  .object({
    clientOrderId: z.string().min(1),
    symbol: z.string().min(1),
    side: z.enum(["BUY", "SELL"]),
    quantity: Finite,
    type: z.enum(["MKT", "LMT", "STP"]),
    limitPrice: Finite.optional(),
    stopPrice: Finite.optional(),
    ruleId: z.string(),
    reason: z.string(),
    decidedAt: Time,
    refPrice: Finite,
    stopLoss: PriceLevelSchema.optional(),
    takeProfit: PriceLevelSchema.optional(),
  })
  .strict();

/** An open paper position as saved (a `PaperLotState`). */
export const SavedLotSchema = z
  .object({
    symbol: z.string().min(1),
    qty: Finite,
    avgPrice: Finite,
    entryTime: Time,
    entryCommission: Finite,
    entryRule: z.string(),
    openedAt: Time,
    entryClose: Finite,
    stop: Finite.nullable(),
    target: Finite.nullable(),
  })
  .strict();

/** A position reported by an external broker, as saved for reconciliation. */
export const SavedPositionSchema = z
  .object({
    symbol: z.string().min(1),
    side: z.enum(["flat", "long", "short"]),
    quantity: Finite,
    avgPrice: Finite,
    openedAt: Time.optional(),
    entryClose: Finite.optional(),
  })
  .strict();

/** The paper broker's account figures (`state_meta.paper_account`). */
export const PaperAccountSchema = z
  .object({ cash: Finite, realized: Finite, dailyRealized: Finite, commissions: Finite, day: z.string().nullable() })
  .strict();

/** The risk validator's state (`state_meta.risk`). */
export const RiskStateSchema = z
  .object({
    state: z.enum(["ACTIVE", "REDUCING", "HALTED"]),
    haltedBy: z.enum(["daily_loss", "manual"]).nullable(),
    day: z.string().nullable(),
    dayStartEquity: Finite,
    dayLoss: Finite,
    recent: z.array(Time),
  })
  .strict();

/** The session's trading state and why (`state_meta.trading`). */
export const TradingRecordSchema = z.object({ state: SessionTradingStateSchema, reason: z.string() }).strict();
