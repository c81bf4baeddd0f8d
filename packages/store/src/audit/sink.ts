import type { BarView, Broker, BrokerEvent, BrokerListener, EngineEvent, EngineEventSink } from "@tradeplan/core";
import type { OrderOrigin } from "../persistence/store.js";
import type { AuditEntry, AuditEntryKind } from "./record.js";
import type { JournalWriter } from "./writer.js";

/** An engine event tied to a rule and a bar close (every type but `bar_rejected`). */
export type DecisionEvent = Exclude<EngineEvent, { type: "bar_rejected" }>;

/** Builds the context a decision is recorded with (digested always, stored with `includeContext`). */
export type ContextProvider = (event: DecisionEvent) => unknown;

/** Options of {@link auditSink}. */
export interface AuditSinkOptions {
  /** Store each record's context JSON, not only its SHA-256 digest (default false). */
  readonly includeContext?: boolean;
  /** Record every evaluation, NONE results included (default true; the engine then times each call). */
  readonly evaluations?: boolean;
  /** The plan's rules, to record each rule's function name. */
  readonly functions?: readonly { readonly id: string; readonly name: string }[];
  /** The context of a decision (default: {@link originContext}; see {@link engineContext}). */
  readonly context?: ContextProvider;
  /** Defers the end-of-burst flush (default `setImmediate`; tests pass their own). */
  readonly defer?: (flush: () => void) => void;
}

/** The engine sink writing to a journal, plus a broker listener for fills. */
export interface AuditSink extends EngineEventSink {
  /** Records fills and cancelled/rejected orders (subscribe with `broker.onEvent`). */
  readonly onBrokerEvent: BrokerListener;
  /** Writes the current batch now; throws the journal's error (an {@link AuditError}) when it cannot. */
  flush(): void;
  /** Drops the records held for the next flush, unwritten; returns how many (see `AuditJournal.discardPending`). */
  discard(): number;
  /**
   * Where each order not done yet came from (rule, timeframe, function): the
   * live session saves it with its state, so that fills and cancels
   * recorded after a restart still name their rule.
   */
  orderOrigins(): OrderOrigin[];
  /** Takes back the origins saved before a restart (see {@link orderOrigins}). */
  restoreOrderOrigins(origins: readonly OrderOrigin[]): void;
  /** Events that could not be recorded because the journal had failed or was closed. */
  readonly dropped: number;
}

/** The default context: where the decision was made. */
export function originContext(e: DecisionEvent): unknown {
  return { symbol: e.symbol, timeframe: e.timeframe, rule: e.rule, line: e.line, barTime: e.time };
}

/**
 * A context provider reading what the engine saw on the close: the bar that
 * closed, the position and the account (as they stand when the event is
 * emitted; evaluations are emitted before any order of their close, so they
 * see exactly the function's inputs). `source` is read lazily, so the sink
 * can be built before the engine that will emit into it.
 */
export function engineContext(
  source: () =>
    | {
        readonly engine: {
          series(
            symbol: string,
            timeframe: string,
          ): { readonly length: number; readonly history: HistoryLike } | undefined;
        };
        readonly broker: Pick<Broker, "position" | "account">;
      }
    | undefined,
): ContextProvider {
  return (e) => {
    const s = source();
    if (!s) return originContext(e);
    const series = s.engine.series(e.symbol, e.timeframe);
    const bar =
      series && series.length > 0
        ? (({ time, open, high, low, close, volume }) => ({ time, open, high, low, close, volume }))(
            series.history.get(0),
          )
        : null;
    return {
      symbol: e.symbol,
      timeframe: e.timeframe,
      rule: e.rule,
      line: e.line,
      barTime: e.time,
      bar,
      position: s.broker.position(e.symbol),
      account: s.broker.account(),
    };
  };
}

interface HistoryLike {
  get(back: number): BarView;
}

/**
 * An engine event sink that records every event in an audit journal.
 *
 * Batches: a bar close's events arrive synchronously and together; all
 * closes of one boundary share their close time. The sink flushes (one
 * transaction) when an event of a new close time arrives, and once the
 * current burst is over (`setImmediate`: after every close processed in
 * this turn of the event loop). The engine has no explicit end-of-close
 * hook; see docs/audit.md.
 *
 * Never throws (the engine swallows sink errors anyway): when the journal
 * has failed (reported through its `onFatal`) events are counted in `dropped`.
 */
export function auditSink(journal: JournalWriter, options: AuditSinkOptions = {}): AuditSink {
  const keep = options.includeContext === true;
  const contextOf = options.context ?? originContext;
  const fnName = new Map((options.functions ?? []).map((f) => [f.id, f.name]));
  const defer = options.defer ?? ((f: () => void) => void setImmediate(f));
  // Where each accepted order came from, kept until the order is done so that its fills and cancel name their rule.
  const orders = new Map<string, Omit<OrderOrigin, "clientOrderId">>();
  let batchTime: number | undefined;
  let scheduled = false;
  let dropped = 0;

  const flush = (): void => {
    try {
      journal.flush();
    } catch {
      // The journal reported it through onFatal and keeps the batch for a retry.
    }
  };
  const endOfBurst = (): void => {
    scheduled = false;
    if (journal.fatalError === undefined && journal.pendingCount > 0) flush();
  };
  const put = (entry: AuditEntry): void => {
    try {
      journal.enqueue(entry, keep);
    } catch {
      dropped++;
      return;
    }
    if (!scheduled) {
      scheduled = true;
      defer(endOfBurst);
    }
  };

  const emit = (e: EngineEvent): void => {
    if (e.type === "bar_rejected") {
      put({
        kind: "bar_rejected",
        reasoning: e.reason,
        payload: { file: e.file, line: e.line, code: e.code },
      });
      return;
    }
    if (batchTime !== e.time) {
      if (batchTime !== undefined && journal.pendingCount > 0) flush();
      batchTime = e.time;
    }
    // One object per event, fields spelled out: this runs on the decision path
    // for every event of a burst, and spreads allocate and copy.
    const context = contextOf(e);
    const fn = fnName.get(e.rule);
    switch (e.type) {
      case "evaluation":
        put(
          entry(
            e,
            fn,
            context,
            "evaluation",
            e.signal.action,
            e.signal.reasoning,
            signalPayload(e.line, e.signal),
            e.elapsedMs,
          ),
        );
        return;
      case "signal": {
        const payload = signalPayload(e.line, e.signal);
        payload.price = e.price;
        put(entry(e, fn, context, "signal", e.signal.action, e.signal.reasoning, payload));
        return;
      }
      case "suppressed":
        put(entry(e, fn, context, "suppressed", e.action, e.reason, { line: e.line, code: e.code }));
        return;
      case "risk":
        put(
          entry(e, fn, context, "risk", e.decision.approved ? "APPROVED" : "REJECTED", e.decision.message, {
            line: e.line,
            clientOrderId: e.clientOrderId,
            code: e.decision.code,
          }),
        );
        return;
      case "order":
        if (e.ack.status === "ACCEPTED")
          orders.set(
            e.order.clientOrderId,
            fn === undefined
              ? { rule: e.rule, timeframe: e.timeframe }
              : { rule: e.rule, timeframe: e.timeframe, function: fn },
          );
        put(entry(e, fn, context, "order", e.order.side, e.order.reason, { line: e.line, order: e.order, ack: e.ack }));
        return;
      case "error":
        put(entry(e, fn, context, "error", e.code, e.message, { line: e.line }));
        return;
    }
  };

  const onBrokerEvent = (e: BrokerEvent): void => {
    if (e.type === "fill") {
      const f = e.fill;
      const o = orders.get(f.clientOrderId);
      put({
        kind: "fill",
        symbol: f.symbol,
        barTime: f.time,
        action: f.side,
        reasoning: f.trigger === "order" ? "order filled" : `${f.trigger.replace("_", " ")} triggered`,
        ...(o ? { rule: o.rule, timeframe: o.timeframe, ...(o.function ? { function: o.function } : {}) } : {}),
        payload: f,
      });
      return;
    }
    if (e.status === "FILLED" || e.status === "CANCELLED" || e.status === "REJECTED") {
      const o = orders.get(e.clientOrderId);
      orders.delete(e.clientOrderId);
      // A fill record says it already; a FILLED with a reason has none (filled while tradeplan was not running).
      if (e.status === "FILLED" && e.reason === undefined) return;
      put({
        kind: "order",
        action: e.status,
        ...(e.reason !== undefined ? { reasoning: e.reason } : {}),
        ...(o ? { rule: o.rule, timeframe: o.timeframe, ...(o.function ? { function: o.function } : {}) } : {}),
        payload: { clientOrderId: e.clientOrderId, status: e.status },
      });
    }
  };

  return {
    evaluations: options.evaluations ?? true,
    emit,
    onBrokerEvent,
    // Called by the owner of a transaction (a live session's batch): the journal's failure must reach it, or
    // the transaction SQLite already rolled back (a full disk) would fail later with a message that hides why.
    flush: () => journal.flush(),
    discard: () => journal.discardPending(),
    get dropped() {
      return dropped;
    },
    orderOrigins: () => [...orders].map(([clientOrderId, o]) => ({ clientOrderId, ...o })),
    restoreOrderOrigins: (origins) => {
      for (const { clientOrderId, ...o } of origins) if (!orders.has(clientOrderId)) orders.set(clientOrderId, o);
    },
  };
}

/** A decision event's record. */
function entry(
  e: DecisionEvent,
  fn: string | undefined,
  context: unknown,
  kind: AuditEntryKind,
  action: string,
  reasoning: string,
  payload: Record<string, unknown>,
  durationMs?: number,
): AuditEntry {
  const out: AuditEntry = {
    kind,
    rule: e.rule,
    symbol: e.symbol,
    timeframe: e.timeframe,
    barTime: e.time,
    context,
    action,
    reasoning,
    payload,
  };
  if (fn !== undefined) out.function = fn;
  if (durationMs !== undefined) out.durationMs = durationMs;
  return out;
}

function signalPayload(
  line: number,
  s: { confidence: number; metadata: Readonly<Record<string, unknown>>; exitSide?: string },
): Record<string, unknown> {
  return {
    line,
    confidence: s.confidence,
    metadata: s.metadata,
    ...(s.exitSide !== undefined ? { exitSide: s.exitSide } : {}),
  };
}
