import { IbConnection } from "../../src/ib/connection.js";
import type { IncomingArgs, IncomingEvent } from "../../src/ib/messages.js";

/**
 * An `IbConnection` that is always ready and sends nothing, whose incoming messages the test delivers
 * itself ({@link deliver}): the IB adapter's own handlers run in-process, without a socket or a fake TWS,
 * fast enough for property tests. What goes out is only counted.
 */
export class OfflineConnection extends IbConnection {
  private readonly handlers = new Map<IncomingEvent, ((args: never) => void)[]>();
  sentCount = 0;
  /** The IB order id the adapter took last (an order's executions name it). */
  lastOrderId = -1;

  override get ready(): boolean {
    return true;
  }

  override on<K extends IncomingEvent>(event: K, fn: (args: IncomingArgs<K>) => void): () => void {
    const list = this.handlers.get(event) ?? [];
    const h = fn as (args: never) => void;
    list.push(h);
    this.handlers.set(event, list);
    return () => {
      const i = list.indexOf(h);
      if (i >= 0) list.splice(i, 1);
    };
  }

  override allocateOrderId(): number {
    this.lastOrderId = super.allocateOrderId();
    return this.lastOrderId;
  }

  override send(): boolean {
    this.sentCount++;
    return true;
  }

  /** Hands `args` to every handler of `event`, as a validated message from TWS would be. */
  deliver<K extends IncomingEvent>(event: K, args: IncomingArgs<K>): void {
    for (const h of this.handlers.get(event) ?? []) (h as (a: IncomingArgs<K>) => void)(args);
  }
}
