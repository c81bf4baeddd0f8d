import type { z } from "zod";
import { onTransactionEnd, runTransaction } from "../audit/transaction.js";
import type { BrokerOrder } from "../brokers/broker.js";
import type { PaperBrokerState } from "../brokers/paper.js";
import type { EngineState } from "../engine/engine.js";
import type { PositionState } from "../models.js";
import type { RiskValidatorState } from "../risk/validator.js";
import { openSqlite, type SqliteDatabase, SqliteUnavailableError } from "../sqlite/load.js";
import { StateError, toStateError } from "./errors.js";
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
 */
export class StateStore {
  readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;
  /** The file, for messages. */
  private readonly label: string;
  /** Client order ids known to be in `state_order_ids` (undefined: read them again before the next save). */
  private savedIds: Set<string> | undefined;

  /**
   * @param db an open database (shared with the audit journal) or a file path to open.
   * Throws `STATE_READONLY` or `STATE_IO` naming the file when it cannot be opened and written,
   * `STATE_SCHEMA_VERSION` for another version's tables.
   */
  constructor(db: SqliteDatabase | string) {
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
      // The ids written in the failed transaction were rolled back with it.
      this.savedIds = undefined;
      throw toStateError(e, "saving the session state", this.label);
    }
    // Saved inside the caller's transaction: the ids are on disk only if it commits. Should it roll back,
    // or end unseen, they are read again before the next save (an id missing there could be sent twice).
    if (this.db.inTransaction) {
      const told = onTransactionEnd(this.db, (outcome) => {
        if (outcome !== "committed") this.savedIds = undefined;
      });
      if (!told) this.savedIds = undefined;
    }
  }

  /** Closes the database when the store opened it. */
  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }

  private write(s: SessionState): void {
    const db = this.db;
    this.setMeta("saved_at", String(s.savedAt));
    this.setMeta("risk", JSON.stringify(s.risk));
    this.setMeta("trading", JSON.stringify(s.trading));
    this.setMeta("broker_kind", s.broker.kind);
    db.exec("DELETE FROM state_watermarks; DELETE FROM state_streams; DELETE FROM state_positions;");
    db.exec(
      "DELETE FROM state_orders; DELETE FROM state_marks; DELETE FROM state_functions; DELETE FROM state_order_origins;",
    );
    const wm = db.prepare("INSERT INTO state_watermarks (symbol, close_time) VALUES (?, ?)");
    for (const w of s.watermarks) wm.run(w.symbol, w.closeTime);
    const st = db.prepare("INSERT INTO state_streams (symbol, timeframe, last_close, lookback) VALUES (?, ?, ?, ?)");
    for (const p of s.streams) st.run(p.symbol, p.timeframe, p.lastClose, p.lookback);
    const pos = db.prepare("INSERT INTO state_positions (symbol, quantity, avg_price, data) VALUES (?, ?, ?, ?)");
    const ord = db.prepare(
      "INSERT INTO state_orders (client_order_id, symbol, side, quantity, decided_at, data) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const orders = s.broker.kind === "paper" ? s.broker.state.working : s.broker.openOrders;
    for (const o of orders) ord.run(o.clientOrderId, o.symbol, o.side, o.quantity, o.decidedAt, JSON.stringify(o));
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
      for (const l of b.lots) pos.run(l.symbol, l.qty, l.avgPrice, JSON.stringify(l));
      const mark = db.prepare("INSERT INTO state_marks (symbol, price) VALUES (?, ?)");
      for (const m of b.marks) mark.run(m.symbol, m.price);
      this.saveIds(b.seen, s.savedAt);
    } else {
      for (const p of s.broker.positions) pos.run(p.symbol, p.quantity, p.avgPrice, JSON.stringify(p));
    }
    const fn = db.prepare("INSERT INTO state_functions (plan, symbol, rule, data) VALUES (?, ?, ?, ?)");
    for (const e of s.engines) for (const f of e.functions) fn.run(e.plan, f.symbol, f.rule, JSON.stringify(f.state));
    const origin = db.prepare(
      "INSERT INTO state_order_origins (client_order_id, rule, timeframe, function) VALUES (?, ?, ?, ?)",
    );
    for (const o of s.orderOrigins) origin.run(o.clientOrderId, o.rule, o.timeframe, o.function ?? null);
  }

  /** Inserts only the ids not saved before: the list only grows, and rewriting it every batch would too. */
  private saveIds(ids: readonly string[], at: number): void {
    if (!this.savedIds) {
      const rows = this.db.prepare("SELECT client_order_id FROM state_order_ids").all() as Row[];
      this.savedIds = new Set(rows.map((r) => String(r.client_order_id)));
    }
    const saved = this.savedIds;
    const ins = this.db.prepare("INSERT OR IGNORE INTO state_order_ids (client_order_id, seen_at) VALUES (?, ?)");
    for (const id of ids) {
      if (saved.has(id)) continue;
      ins.run(id, at);
      saved.add(id);
    }
  }

  private meta(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM state_meta WHERE key = ?").get(key) as Row | undefined;
    return row === undefined ? undefined : String(row.value);
  }

  private setMeta(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO state_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }
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
