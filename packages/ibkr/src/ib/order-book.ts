import type { Clock, TimerHandle } from "@tradeplan/core";
import type { IbConnection } from "./connection.js";
import { IbError } from "./errors.js";
import { allocateRequestId } from "./request-ids.js";

/** What TWS knows of this client's orders at one moment, by `orderRef` (the client order id). */
export interface TwsOrderBook {
  /** Orders TWS still works for this client id (reqOpenOrders), with their last status. */
  readonly working: ReadonlyMap<string, string>;
  /** Orders TWS completed today (reqCompletedOrders, API orders): Filled, Cancelled, ApiCancelled or Inactive. */
  readonly completed: ReadonlyMap<string, string>;
  /** Orders with executions today for this client id (reqExecutions; the broker books their fills). */
  readonly executed: ReadonlySet<string>;
  /** Order messages that failed validation while loading: the book may be missing an order. */
  readonly badMessages: number;
}

/**
 * Asks TWS for every order of this client it knows about: working
 * (`reqOpenOrders` → `openOrder`… `openOrderEnd`), completed today
 * (`reqCompletedOrders` → `completedOrder`… `completedOrdersEnd`) and
 * executed today (`reqExecutions` → `execDetails`… `execDetailsEnd`; the
 * broker books the fills they carry as it does for live ones). An order
 * in none of the three never reached TWS. Rejects with IB_SYNC_TIMEOUT
 * when an end marker does not arrive within `timeoutMs`, and with
 * IB_NOT_CONNECTED when the requests cannot be sent.
 */
export function loadTwsOrders(connection: IbConnection, clock: Clock, timeoutMs: number): Promise<TwsOrderBook> {
  const working = new Map<string, string>();
  const byOrderId = new Map<number, string>();
  const completed = new Map<string, string>();
  const executed = new Set<string>();
  const execReqId = allocateRequestId();
  let badMessages = 0;
  const pending = new Set(["openOrderEnd", "completedOrdersEnd", "execDetailsEnd"]);
  const offs: (() => void)[] = [];
  let timer: TimerHandle | undefined;
  return new Promise<TwsOrderBook>((resolve, reject) => {
    const finish = (error?: Error) => {
      for (const off of offs.splice(0)) off();
      if (timer) clock.clearTimer(timer);
      timer = undefined;
      if (error) reject(error);
      else resolve({ working, completed, executed, badMessages });
    };
    const ended = (marker: string) => {
      pending.delete(marker);
      if (pending.size === 0) finish();
    };
    offs.push(
      connection.on("openOrder", ([orderId, , order, state]) => {
        if (!order.orderRef) return;
        working.set(order.orderRef, state.status);
        byOrderId.set(orderId, order.orderRef);
      }),
      connection.on("orderStatus", ([orderId, status]) => {
        const ref = byOrderId.get(orderId);
        if (ref !== undefined && working.has(ref)) working.set(ref, status);
      }),
      connection.on("openOrderEnd", () => ended("openOrderEnd")),
      connection.on("completedOrder", ([, order, state]) => {
        if (order.orderRef) completed.set(order.orderRef, state.status);
      }),
      connection.on("completedOrdersEnd", () => ended("completedOrdersEnd")),
      connection.on("execDetails", ([, , exec]) => {
        if (exec.orderRef) executed.add(exec.orderRef);
      }),
      connection.on("execDetailsEnd", ([reqId]) => {
        if (reqId === execReqId) ended("execDetailsEnd");
      }),
      connection.onEvent((e) => {
        if (
          e.type === "bad_message" &&
          (e.event === "openOrder" || e.event === "completedOrder" || e.event === "execDetails")
        ) {
          badMessages++;
        }
      }),
    );
    timer = clock.setTimer(clock.now() + timeoutMs, () => {
      timer = undefined;
      finish(
        new IbError(
          "IB_SYNC_TIMEOUT",
          `TWS did not finish reporting this client's orders within ${timeoutMs} ms (no ${[...pending].join(", ")})`,
        ),
      );
    });
    const clientId = String(connection.options.clientId);
    const sent =
      connection.send("reqOpenOrders", (api) => api.reqOpenOrders()) &&
      connection.send("reqCompletedOrders", (api) => api.reqCompletedOrders(true)) &&
      connection.send("reqExecutions", (api) => api.reqExecutions(execReqId, { clientId }));
    if (!sent) finish(new IbError("IB_NOT_CONNECTED", "cannot ask TWS for its orders: the connection is not ready"));
  });
}

/** What became of an order the broker still counted as working, once TWS's book is read. */
export type OrderFate =
  | { readonly kind: "working" }
  | { readonly kind: "executed" }
  | { readonly kind: "cancelled"; readonly status: string }
  | { readonly kind: "inactive" }
  | { readonly kind: "lost" };

/**
 * The fate of one of our orders by its `orderRef`: still working, filled
 * (its executions are being booked), cancelled or set inactive at TWS, or
 * unknown to TWS, i.e. lost (written to a connection that had already died).
 */
export function orderFate(orderRef: string, book: TwsOrderBook): OrderFate {
  if (book.working.has(orderRef)) return { kind: "working" };
  const done = book.completed.get(orderRef);
  if (done === "Cancelled" || done === "ApiCancelled") return { kind: "cancelled", status: done };
  if (done === "Inactive") return { kind: "inactive" };
  if (done !== undefined || book.executed.has(orderRef)) return { kind: "executed" };
  return { kind: "lost" };
}
