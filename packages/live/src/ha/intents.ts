import type { EngineEvent, EngineEventSink } from "@tradeplan/core";
import type { OrderIntent } from "@tradeplan/store";

/** Where intents go: the PostgreSQL store of a run with `--ha` (`PostgresStore.addIntent`). */
export interface IntentStore {
  addIntent(intent: OrderIntent): Promise<void>;
}

/** Whether this process may still send (the lease, held and not run out locally). */
export interface LeaseHolding {
  holding(): boolean;
  readonly lost: string | undefined;
}

/**
 * The order intents of a leader (`--ha`): every order the engine has the
 * broker accept becomes an intent of the batch's fenced transaction (its
 * idempotency key is the client order id: plan version, rule, symbol,
 * timeframe, bar close time, which IB carries in `orderRef`), and the
 * broker's send gate lets the order go to TWS only once that transaction
 * committed and the lease is still held at that moment.
 */
export class LeaderIntents {
  private readonly waiting = new Map<string, Promise<void>>();

  constructor(
    private readonly store: IntentStore,
    private readonly lease: LeaseHolding,
  ) {}

  /** The engine sink recording each accepted order's intent. */
  readonly sink: EngineEventSink = {
    emit: (e: EngineEvent) => {
      if (e.type !== "order" || e.ack.status !== "ACCEPTED") return;
      const o = e.order;
      const committed = this.store.addIntent({
        key: o.clientOrderId,
        symbol: o.symbol,
        side: o.side,
        quantity: o.quantity,
      });
      // The gate reports a failure; this keeps an intent nobody awaits from being an unhandled rejection.
      committed.catch(() => undefined);
      this.waiting.set(o.clientOrderId, committed);
    },
  };

  /**
   * The broker's send gate: resolves when the order may be written to the
   * broker, rejects (the order is refused, not sent) when its intent did not
   * commit or the lease was lost meanwhile.
   */
  readonly gate = async (clientOrderId: string): Promise<void> => {
    const committed = this.waiting.get(clientOrderId);
    if (!committed) throw new Error(`order ${clientOrderId} has no intent in a fenced transaction`);
    try {
      await committed;
    } finally {
      this.waiting.delete(clientOrderId);
    }
    // The last check before the socket: a leader paused after its commit must not send once its lease ran out.
    if (!this.lease.holding()) throw new Error(this.lease.lost ?? "the lease is no longer held");
  };

  /** Intents whose commit is still awaited. */
  get pending(): number {
    return this.waiting.size;
  }
}
