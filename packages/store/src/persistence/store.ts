import type { BrokerOrder, PositionState } from "@tradeplan/core";
import type { EngineState, PaperBrokerState, RiskValidatorState } from "@tradeplan/core/internal";
import type { Statement } from "better-sqlite3";
import type { z } from "zod";
import { onTransactionEnd, runTransaction } from "../audit/transaction.js";
import { openSqlite, type SqliteDatabase, SqliteUnavailableError } from "../sqlite/load.js";
import { BackgroundCheckpointer } from "./checkpointer.js";
import { StateError, toStateError } from "./errors.js";
import { SavedRows } from "./saved-rows.js";
import {
  PaperAccountSchema,
  RiskStateSchema,
  SavedLotSchema,
  SavedOrderSchema,
  SavedPositionSchema,
  type SessionTradingState,
  STATE_DDL,
  STATE_SCHEMA_VERSION,
  TradingRecordSchema,
} from "./schema.js";

/** How far one stream has been processed, and how many bars its rules need cached. */
export interface StreamProgress {
  readonly symbol: string;
  readonly timeframe: string;
  /** Close time of the last bar of the stream the engine processed; null before the first. */
  readonly lastClose: number | null;
  /** Bars the stream's cache must hold before its rules are warm (the refill size after a restart). */
  readonly lookback: number;
}

/**
 * What the broker side of a session looks like. An in-process paper broker
 * is saved whole; an external broker (IBKR) owns its state, and only its
 * positions and open orders are kept, to reconcile against on the next start.
 */
export type BrokerSnapshot =
  | { readonly kind: "paper"; readonly state: PaperBrokerState }
  | {
      readonly kind: "external";
      readonly positions: readonly PositionState[];
      readonly openOrders: readonly BrokerOrder[];
    };

/**
 * Where an order not yet done came from, so that its fills and its cancel,
 * recorded after a restart, still name their rule (the audit sink's map).
 */
export interface OrderOrigin {
  readonly clientOrderId: string;
  /** Rule id (`r5`). */
  readonly rule: string;
  readonly timeframe: string;
  /** The rule's execution function, when known. */
  readonly function?: string;
}

/**
 * What a live session needs of the store its state is saved in: the SQLite
 * {@link StateStore}, or the PostgreSQL store (`PostgresStore`), whose
 * `transaction` queues the batch for an asynchronous commit.
 */
export type SessionStore = Pick<StateStore, "load" | "save" | "transaction">;

/** Everything a live session needs to continue exactly where it stopped. */
export interface SessionState {
  /** Clock time of the save (epoch ms). */
  readonly savedAt: number;
  /** Per symbol, the close time of the last base bar fully processed (its closes evaluated, its orders sent). */
  readonly watermarks: readonly { readonly symbol: string; readonly closeTime: number }[];
  readonly streams: readonly StreamProgress[];
  readonly broker: BrokerSnapshot;
  readonly risk: RiskValidatorState;
  /** Function states per plan, keyed by the plan's source hash (a changed plan does not inherit them). */
  readonly engines: readonly { readonly plan: string; readonly functions: EngineState["functions"] }[];
  readonly trading: { readonly state: SessionTradingState; readonly reason: string };
  /** The rule, timeframe and function of each order not done yet. */
  readonly orderOrigins: readonly OrderOrigin[];
}

interface Row {
  readonly [k: string]: unknown;
}

/** How often the background checkpoint runs (ms). */
const CHECKPOINT_EVERY_MS = 200;
/** Pages (4 KiB) past which the writer checkpoints itself anyway. */
const FALLBACK_CHECKPOINT_PAGES = 10_000;

/** The statements a save runs, prepared once (preparing them on every save was a tenth of a replay's time). */
interface StateStatements {
  readonly getMeta: Statement<[string], Row>;
  readonly setMeta: Statement<[string, string]>;
  readonly putWatermark: Statement<[string, number]>;
  readonly delWatermark: Statement<[string]>;
  readonly putStream: Statement<[string, string, number | null, number]>;
  readonly delStream: Statement<[string, string]>;
  readonly putPosition: Statement<[string, number, number, string]>;
  readonly delPosition: Statement<[string]>;
  readonly putOrder: Statement<[string, string, string, number, number, string]>;
  readonly delOrder: Statement<[string]>;
  readonly putMark: Statement<[string, number]>;
  readonly delMark: Statement<[string]>;
  readonly putFunction: Statement<[string, string, string, string]>;
  readonly delFunction: Statement<[string, string, string]>;
  readonly putOrigin: Statement<[string, string, string, string | null]>;
  readonly delOrigin: Statement<[string]>;
  readonly putOrderId: Statement<[string, number]>;
}

/** A position or working order row: its columns and its JSON (which holds them all, so it alone is compared). */
interface DataRow {
  readonly symbol: string;
  readonly a: number;
  readonly b: number;
  readonly side?: string;
  readonly data: string;
}

/** What the last save wrote, per table and meta key. */
interface Written {
  readonly meta: Map<string, string>;
  readonly watermarks: SavedRows<number>;
  readonly streams: SavedRows<StreamProgress>;
  readonly positions: SavedRows<DataRow>;
  readonly orders: SavedRows<DataRow>;
  readonly marks: SavedRows<number>;
  readonly functions: SavedRows<string>;
  readonly origins: SavedRows<OrderOrigin>;
}

/**
 * Saves and restores a live session's state in SQLite tables prefixed
 * `state_`: positions, working orders, client order ids already sent,
 * marks, trailing-stop and other function states, per-stream progress and
 * warm-up needs, the risk validator's daily counters and the trading state.
 *
 * Each {@link save} is one transaction; called inside an outer transaction
 * (see {@link transaction}) it becomes part of it, which is how a session
 * commits a bar-close batch's audit records and state together: after a
 * crash the database holds either all of a batch or none of it.
 *
 * A save writes only what changed since the last one (a session of a
 * thousand symbols moves a thousand watermarks per minute, not the
 * positions, orders and function states of all of them): the store keeps
 * what it wrote, row by row. The first save of a store, and the first after
 * a transaction holding a save rolled back, rewrite every table.
 */
export class StateStore {
  readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;
  /** The file, for messages. */
  private readonly label: string;
  private readonly sql: StateStatements;
  /** Client order ids known to be in `state_order_ids` (undefined: read them again before the next save). */
  private savedIds: Set<string> | undefined;
  /** How many leading ids of the last saved list were saved, and the last of them (to skip them next time). */
  private savedPrefix: { length: number; last: string } | undefined;
  /** What is on disk, row by row (undefined: unknown; the next save rewrites everything). */
  private written: Written | undefined;
  private checkpointer: BackgroundCheckpointer | undefined;

  /**
   * @param db an open database (shared with the audit journal) or a file path to open.
   * @param options `checkpointInBackground`: on a file the store opens, the WAL's checkpoints (which sync
   * the file) run on a thread of their own, off the commits' way (see {@link BackgroundCheckpointer}).
   * Throws `STATE_READONLY` or `STATE_IO` naming the file when it cannot be opened and written,
   * `STATE_SCHEMA_VERSION` for another version's tables.
   */
  constructor(db: SqliteDatabase | string, options: { checkpointInBackground?: boolean } = {}) {
    if (typeof db === "string") {
      try {
        this.db = openSqlite(db);
      } catch (e) {
        if (e instanceof SqliteUnavailableError) throw e;
        throw toStateError(e, "opening it", db);
      }
      this.ownsDb = true;
    } else {
      this.db = db;
      this.ownsDb = false;
    }
    this.label = this.db.memory ? ":memory:" : this.db.name;
    try {
      if (this.ownsDb) {
        // WAL keeps every committed transaction across a killed process and lets readers in while a batch commits.
        this.db.pragma("journal_mode = WAL");
        this.db.pragma("synchronous = NORMAL");
      }
      this.db.exec(STATE_DDL);
      this.sql = prepareStatements(this.db);
      const version = this.meta("schema_version");
      if (version === undefined) this.setMeta("schema_version", String(STATE_SCHEMA_VERSION));
      else if (version !== String(STATE_SCHEMA_VERSION)) {
        throw new StateError(
          "STATE_SCHEMA_VERSION",
          `${this.label} holds state of schema version ${version}; this tradeplan reads version ${STATE_SCHEMA_VERSION}`,
        );
      }
    } catch (e) {
      if (this.ownsDb) this.db.close();
      throw toStateError(e, "opening it", this.label);
    }
    if (options.checkpointInBackground && this.ownsDb && !this.db.memory) {
      // The writer checkpoints itself only when the log grows past 40 MiB (the worker fell behind).
      this.db.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
      this.checkpointer = new BackgroundCheckpointer(this.db.name, CHECKPOINT_EVERY_MS);
    }
  }

  /**
   * Runs `fn` in one transaction (a savepoint when one is already open); a
   * throw rolls it back. Writers sharing the connection (the audit journal)
   * are told when it rolls back, so what they keep in memory stays in step.
   */
  transaction<T>(fn: () => T): T {
    try {
      return runTransaction(this.db, fn);
    } catch (e) {
      // SQLite's own failures (a disk full at COMMIT) name no file; what `fn` threw passes through as it was.
      throw isSqliteError(e) ? toStateError(e, "committing a transaction", this.label) : e;
    }
  }

  /** Whether a state was ever saved. */
  hasState(): boolean {
    try {
      return this.meta("saved_at") !== undefined;
    } catch (e) {
      throw toStateError(e, "reading the saved state", this.label);
    }
  }

  /**
   * The saved state, or undefined when nothing was saved yet. Throws
   * `STATE_CORRUPT` naming the bad row, `STATE_IO` naming the file.
   */
  load(): SessionState | undefined {
    try {
      return this.read();
    } catch (e) {
      throw toStateError(e, "loading the saved state", this.label);
    }
  }

  private read(): SessionState | undefined {
    const savedAt = this.meta("saved_at");
    if (savedAt === undefined) return undefined;
    const all = (sql: string) => this.db.prepare(sql).all() as Row[];
    const watermarks = all("SELECT symbol, close_time FROM state_watermarks ORDER BY symbol").map((r) => ({
      symbol: str(r.symbol, "state_watermarks.symbol"),
      closeTime: int(r.close_time, `state_watermarks[${String(r.symbol)}].close_time`),
    }));
    const streams = all(
      "SELECT symbol, timeframe, last_close, lookback FROM state_streams ORDER BY symbol, timeframe",
    ).map((r): StreamProgress => {
      const where = `state_streams[${String(r.symbol)} ${String(r.timeframe)}]`;
      return {
        symbol: str(r.symbol, `${where}.symbol`),
        timeframe: str(r.timeframe, `${where}.timeframe`),
        lastClose: r.last_close === null ? null : int(r.last_close, `${where}.last_close`),
        lookback: int(r.lookback, `${where}.lookback`),
      };
    });
    const kind = this.meta("broker_kind");
    const positionRows = all("SELECT symbol, data FROM state_positions ORDER BY symbol");
    const orderRows = all("SELECT client_order_id, data FROM state_orders ORDER BY rowid");
    let broker: BrokerSnapshot;
    if (kind === "paper") {
      const account = json(PaperAccountSchema, this.meta("paper_account"), "state_meta.paper_account");
      const ids = all("SELECT client_order_id FROM state_order_ids ORDER BY rowid").map((r) =>
        str(r.client_order_id, "state_order_ids.client_order_id"),
      );
      this.savedIds = new Set(ids);
      broker = {
        kind: "paper",
        state: {
          ...account,
          lots: positionRows.map((r) => json(SavedLotSchema, r.data, `state_positions[${String(r.symbol)}].data`)),
          marks: all("SELECT symbol, price FROM state_marks ORDER BY symbol").map((r) => ({
            symbol: str(r.symbol, "state_marks.symbol"),
            price: num(r.price, `state_marks[${String(r.symbol)}].price`),
          })),
          working: orderRows.map((r) =>
            json(SavedOrderSchema, r.data, `state_orders[${String(r.client_order_id)}].data`),
          ),
          seen: ids,
        },
      };
    } else if (kind === "external") {
      broker = {
        kind: "external",
        positions: positionRows.map((r) =>
          json(SavedPositionSchema, r.data, `state_positions[${String(r.symbol)}].data`),
        ),
        openOrders: orderRows.map((r) =>
          json(SavedOrderSchema, r.data, `state_orders[${String(r.client_order_id)}].data`),
        ),
      };
    } else throw new StateError("STATE_CORRUPT", `state_meta.broker_kind is ${JSON.stringify(kind)}`);
    const byPlan = new Map<string, { symbol: string; rule: string; state: unknown }[]>();
    for (const r of all("SELECT plan, symbol, rule, data FROM state_functions ORDER BY plan, symbol, rule")) {
      const plan = str(r.plan, "state_functions.plan");
      const list = byPlan.get(plan) ?? [];
      const where = `state_functions[${plan} ${String(r.symbol)} ${String(r.rule)}]`;
      list.push({
        symbol: str(r.symbol, `${where}.symbol`),
        rule: str(r.rule, `${where}.rule`),
        state: parseJson(r.data, `${where}.data`),
      });
      byPlan.set(plan, list);
    }
    const orderOrigins = all(
      "SELECT client_order_id, rule, timeframe, function FROM state_order_origins ORDER BY rowid",
    ).map((r): OrderOrigin => {
      const where = `state_order_origins[${String(r.client_order_id)}]`;
      const origin = {
        clientOrderId: str(r.client_order_id, `${where}.client_order_id`),
        rule: str(r.rule, `${where}.rule`),
        timeframe: str(r.timeframe, `${where}.timeframe`),
      };
      return r.function === null ? origin : { ...origin, function: str(r.function, `${where}.function`) };
    });
    return {
      savedAt: int(Number(savedAt), "state_meta.saved_at"),
      watermarks,
      streams,
      broker,
      risk: json(RiskStateSchema, this.meta("risk"), "state_meta.risk"),
      engines: [...byPlan].map(([plan, functions]) => ({ plan, functions })),
      trading: json(TradingRecordSchema, this.meta("trading"), "state_meta.trading"),
      orderOrigins,
    };
  }

  /**
   * Forgets client order ids first saved before `before` (storage retention,
   * in the session's market time); returns how many. Call before `load`.
   */
  pruneOrderIds(before: number): number {
    this.savedIds = undefined;
    try {
      return this.db.prepare("DELETE FROM state_order_ids WHERE seen_at < ?").run(before).changes;
    } catch (e) {
      throw toStateError(e, "forgetting old client order ids", this.label);
    }
  }

  /** Replaces the saved state with `state` in one transaction. */
  save(state: SessionState): void {
    try {
      runTransaction(this.db, () => this.write(state));
    } catch (e) {
      // What the failed transaction wrote was rolled back with it.
      this.forgetWritten();
      throw toStateError(e, "saving the session state", this.label);
    }
    // Saved inside the caller's transaction: the rows are on disk only if it commits. Should it roll back,
    // or end unseen, they are read again (the ids; an id missing there could be sent twice) or rewritten
    // (every table) by the next save.
    if (this.db.inTransaction) {
      const told = onTransactionEnd(this.db, (outcome) => {
        if (outcome !== "committed") this.forgetWritten();
      });
      if (!told) this.forgetWritten();
    }
  }

  private forgetWritten(): void {
    this.savedIds = undefined;
    this.savedPrefix = undefined;
    this.written = undefined;
  }

  /** Closes the database when the store opened it (and stops its checkpoint thread first). */
  close(): void {
    this.checkpointer?.stop();
    if (this.ownsDb && this.db.open) this.db.close();
  }

  private write(s: SessionState): void {
    const w = this.written ?? this.startOver();
    this.setMeta("saved_at", String(s.savedAt));
    this.setMeta("risk", JSON.stringify(s.risk));
    this.setMeta("trading", JSON.stringify(s.trading));
    this.setMeta("broker_kind", s.broker.kind);
    w.watermarks.begin();
    for (const m of s.watermarks) w.watermarks.set(m.symbol, m.closeTime);
    w.watermarks.end();
    w.streams.begin();
    for (const p of s.streams) w.streams.set(`${p.symbol}\u0000${p.timeframe}`, p);
    w.streams.end();
    w.orders.begin();
    const orders = s.broker.kind === "paper" ? s.broker.state.working : s.broker.openOrders;
    for (const o of orders)
      w.orders.set(o.clientOrderId, {
        symbol: o.symbol,
        side: o.side,
        a: o.quantity,
        b: o.decidedAt,
        data: JSON.stringify(o),
      });
    w.orders.end();
    w.positions.begin();
    w.marks.begin();
    if (s.broker.kind === "paper") {
      const b = s.broker.state;
      this.setMeta(
        "paper_account",
        JSON.stringify({
          cash: b.cash,
          realized: b.realized,
          dailyRealized: b.dailyRealized,
          commissions: b.commissions,
          day: b.day,
        }),
      );
      for (const l of b.lots)
        w.positions.set(l.symbol, { symbol: l.symbol, a: l.qty, b: l.avgPrice, data: JSON.stringify(l) });
      for (const m of b.marks) w.marks.set(m.symbol, m.price);
      this.saveIds(b.seen, s.savedAt);
    } else {
      for (const p of s.broker.positions)
        w.positions.set(p.symbol, { symbol: p.symbol, a: p.quantity, b: p.avgPrice, data: JSON.stringify(p) });
    }
    w.positions.end();
    w.marks.end();
    w.functions.begin();
    for (const e of s.engines)
      for (const f of e.functions)
        w.functions.set(`${e.plan}\u0000${f.symbol}\u0000${f.rule}`, JSON.stringify(f.state));
    w.functions.end();
    w.origins.begin();
    for (const o of s.orderOrigins) w.origins.set(o.clientOrderId, o);
    w.origins.end();
  }

  /** Empties the tables a save fills and starts keeping what it writes into them again. */
  private startOver(): Written {
    this.db.exec("DELETE FROM state_watermarks; DELETE FROM state_streams; DELETE FROM state_positions;");
    this.db.exec(
      "DELETE FROM state_orders; DELETE FROM state_marks; DELETE FROM state_functions; DELETE FROM state_order_origins;",
    );
    const q = this.sql;
    const sameData = (x: DataRow, y: DataRow) => x.data === y.data;
    const written: Written = {
      meta: new Map(),
      watermarks: new SavedRows<number>(
        (x, y) => x === y,
        (k, v) => q.putWatermark.run(k, v),
        (k) => q.delWatermark.run(k),
      ),
      streams: new SavedRows<StreamProgress>(
        (x, y) => x.lastClose === y.lastClose && x.lookback === y.lookback,
        (_, p) => q.putStream.run(p.symbol, p.timeframe, p.lastClose, p.lookback),
        (k) => q.delStream.run(...split2(k)),
      ),
      positions: new SavedRows<DataRow>(
        sameData,
        (k, r) => q.putPosition.run(k, r.a, r.b, r.data),
        (k) => q.delPosition.run(k),
      ),
      orders: new SavedRows<DataRow>(
        sameData,
        (k, r) => q.putOrder.run(k, r.symbol, r.side ?? "", r.a, r.b, r.data),
        (k) => q.delOrder.run(k),
      ),
      marks: new SavedRows<number>(
        (x, y) => x === y,
        (k, v) => q.putMark.run(k, v),
        (k) => q.delMark.run(k),
      ),
      functions: new SavedRows<string>(
        (x, y) => x === y,
        (k, v) => q.putFunction.run(...split3(k), v),
        (k) => q.delFunction.run(...split3(k)),
      ),
      origins: new SavedRows<OrderOrigin>(
        (x, y) => x.rule === y.rule && x.timeframe === y.timeframe && x.function === y.function,
        (k, o) => q.putOrigin.run(k, o.rule, o.timeframe, o.function ?? null),
        (k) => q.delOrigin.run(k),
      ),
    };
    this.written = written;
    return written;
  }

  /**
   * Inserts only the ids not saved before: the list only grows, and rewriting it every batch would too. The
   * list keeps its order from save to save (insertion order), so the ids checked last time are skipped.
   */
  private saveIds(ids: readonly string[], at: number): void {
    if (!this.savedIds) {
      const rows = this.db.prepare("SELECT client_order_id FROM state_order_ids").all() as Row[];
      this.savedIds = new Set(rows.map((r) => String(r.client_order_id)));
      this.savedPrefix = undefined;
    }
    const saved = this.savedIds;
    const prefix = this.savedPrefix;
    const from = prefix && ids.length >= prefix.length && ids[prefix.length - 1] === prefix.last ? prefix.length : 0;
    for (let i = from; i < ids.length; i++) {
      const id = ids[i]!;
      if (saved.has(id)) continue;
      this.sql.putOrderId.run(id, at);
      saved.add(id);
    }
    this.savedPrefix = ids.length > 0 ? { length: ids.length, last: ids[ids.length - 1]! } : undefined;
  }

  private meta(key: string): string | undefined {
    const row = this.sql.getMeta.get(key);
    return row === undefined ? undefined : String(row.value);
  }

  private setMeta(key: string, value: string): void {
    const written = this.written?.meta;
    if (written?.get(key) === value) return;
    this.sql.setMeta.run(key, value);
    written?.set(key, value);
  }
}

function prepareStatements(db: SqliteDatabase): StateStatements {
  const upsert = (table: string, cols: readonly string[], key: readonly string[]) =>
    db.prepare(
      `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")}) ON CONFLICT(${key.join(", ")}) DO UPDATE SET ${cols
        .filter((c) => !key.includes(c))
        .map((c) => `${c} = excluded.${c}`)
        .join(", ")}`,
    );
  const del = (table: string, key: readonly string[]) =>
    db.prepare(`DELETE FROM ${table} WHERE ${key.map((k) => `${k} = ?`).join(" AND ")}`);
  return {
    getMeta: db.prepare("SELECT value FROM state_meta WHERE key = ?"),
    setMeta: upsert("state_meta", ["key", "value"], ["key"]),
    putWatermark: upsert("state_watermarks", ["symbol", "close_time"], ["symbol"]),
    delWatermark: del("state_watermarks", ["symbol"]),
    putStream: upsert("state_streams", ["symbol", "timeframe", "last_close", "lookback"], ["symbol", "timeframe"]),
    delStream: del("state_streams", ["symbol", "timeframe"]),
    putPosition: upsert("state_positions", ["symbol", "quantity", "avg_price", "data"], ["symbol"]),
    delPosition: del("state_positions", ["symbol"]),
    putOrder: upsert(
      "state_orders",
      ["client_order_id", "symbol", "side", "quantity", "decided_at", "data"],
      ["client_order_id"],
    ),
    delOrder: del("state_orders", ["client_order_id"]),
    putMark: upsert("state_marks", ["symbol", "price"], ["symbol"]),
    delMark: del("state_marks", ["symbol"]),
    putFunction: upsert("state_functions", ["plan", "symbol", "rule", "data"], ["plan", "symbol", "rule"]),
    delFunction: del("state_functions", ["plan", "symbol", "rule"]),
    putOrigin: upsert("state_order_origins", ["client_order_id", "rule", "timeframe", "function"], ["client_order_id"]),
    delOrigin: del("state_order_origins", ["client_order_id"]),
    putOrderId: db.prepare("INSERT OR IGNORE INTO state_order_ids (client_order_id, seen_at) VALUES (?, ?)"),
  } as StateStatements;
}

/** The two parts of a `symbol\u0000timeframe` row key. */
function split2(key: string): [string, string] {
  const i = key.indexOf("\u0000");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The three parts of a `plan\u0000symbol\u0000rule` row key. */
function split3(key: string): [string, string, string] {
  const i = key.indexOf("\u0000");
  const j = key.indexOf("\u0000", i + 1);
  return [key.slice(0, i), key.slice(i + 1, j), key.slice(j + 1)];
}

function isSqliteError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_");
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function corrupt(where: string, why: string): StateError {
  return new StateError("STATE_CORRUPT", `${where}: ${why}`);
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string" || v.length === 0) throw corrupt(where, "must be a non-empty string");
  return v;
}

function num(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw corrupt(where, "must be a finite number");
  return v;
}

function int(v: unknown, where: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw corrupt(where, "must be an integer");
  return n;
}

function parseJson(v: unknown, where: string): unknown {
  if (typeof v !== "string") throw corrupt(where, "is missing");
  try {
    return JSON.parse(v);
  } catch (e) {
    throw corrupt(where, `is not JSON: ${describe(e)}`);
  }
}

function json<S extends z.ZodType>(schema: S, v: unknown, where: string): z.output<S> {
  const r = schema.safeParse(parseJson(v, where));
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw corrupt(where, `${i?.path.join(".") || "(root)"}: ${i?.message ?? "invalid"}`);
}
