import type { Clock, TimerHandle } from "@tradeplan/core";
import type { IbConnection } from "./connection.js";
import { IbError } from "./errors.js";
import type { IncomingArgs } from "./messages.js";

/** One position line TWS reported (`position` event), already validated. */
export interface TwsPosition {
  readonly account: string;
  readonly symbol: string;
  readonly secType: string;
  /** Signed shares. */
  readonly quantity: number;
  /** Average cost per share (TWS includes commissions). */
  readonly avgCost: number;
}

/** One working order TWS reported (`openOrder`, with the last `orderStatus` seen for it). */
export interface TwsOpenOrder {
  readonly orderId: number;
  readonly symbol: string;
  readonly secType: string;
  readonly action: string;
  readonly quantity: number;
  readonly orderType: string;
  readonly lmtPrice: number | undefined;
  readonly auxPrice: number | undefined;
  readonly account: string;
  /** Empty when the order was not placed through the API with an order reference. */
  readonly orderRef: string;
  readonly parentId: number;
  readonly status: string;
  /** Shares filled so far (0 when no status arrived). */
  readonly filled: number;
}

/** What TWS holds for this client at one moment. */
export interface TwsAccountSnapshot {
  readonly positions: readonly TwsPosition[];
  readonly orders: readonly TwsOpenOrder[];
  /** `position` / `openOrder` messages that failed validation while loading. */
  readonly badMessages: number;
}

/** Statuses after which an order no longer works at TWS. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["Filled", "Cancelled", "ApiCancelled", "Inactive"]);

/**
 * Reads the positions (`reqPositions` → `position`… `positionEnd`) and this
 * client's working orders (`reqOpenOrders` → `openOrder` / `orderStatus`…
 * `openOrderEnd`) from a ready connection. Rejects with IB_SYNC_TIMEOUT
 * when either end marker does not arrive within `timeoutMs`, and with
 * IB_NOT_CONNECTED when the requests cannot be sent.
 *
 * `reqOpenOrders` (not `reqAllOpenOrders`) on purpose: TWS reports fills and
 * accepts cancels only for orders of this client id, so orders of other
 * clients could never be managed here.
 */
export function loadTwsAccount(connection: IbConnection, clock: Clock, timeoutMs: number): Promise<TwsAccountSnapshot> {
  const positions: TwsPosition[] = [];
  const orders = new Map<number, IncomingArgs<"openOrder">>();
  const statuses = new Map<number, IncomingArgs<"orderStatus">>();
  let badMessages = 0;
  let positionsDone = false;
  let ordersDone = false;
  const offs: (() => void)[] = [];
  let timer: TimerHandle | undefined;
  return new Promise<TwsAccountSnapshot>((resolve, reject) => {
    const finish = (error?: Error) => {
      for (const off of offs.splice(0)) off();
      if (timer) clock.clearTimer(timer);
      timer = undefined;
      if (error) {
        reject(error);
        return;
      }
      resolve({
        positions,
        orders: [...orders.values()].map((open) => toOpenOrder(open, statuses.get(open[0]))),
        badMessages,
      });
    };
    const check = () => {
      if (positionsDone && ordersDone) finish();
    };
    offs.push(
      connection.on("position", ([account, contract, quantity, avgCost]) => {
        if (positionsDone) return;
        positions.push({
          account,
          symbol: contract.symbol,
          secType: contract.secType ?? "",
          quantity,
          avgCost: avgCost ?? 0,
        });
      }),
      connection.on("positionEnd", () => {
        positionsDone = true;
        check();
      }),
      connection.on("openOrder", (args) => {
        if (!ordersDone) orders.set(args[0], args);
      }),
      connection.on("orderStatus", (args) => {
        if (!ordersDone) statuses.set(args[0], args);
      }),
      connection.on("openOrderEnd", () => {
        ordersDone = true;
        check();
      }),
      connection.onEvent((e) => {
        if (e.type === "bad_message" && (e.event === "position" || e.event === "openOrder")) badMessages++;
      }),
    );
    timer = clock.setTimer(clock.now() + timeoutMs, () => {
      timer = undefined;
      const missing = [positionsDone ? undefined : "positionEnd", ordersDone ? undefined : "openOrderEnd"]
        .filter((m) => m !== undefined)
        .join(" and ");
      finish(
        new IbError(
          "IB_SYNC_TIMEOUT",
          `TWS did not finish sending positions and open orders within ${timeoutMs} ms (no ${missing}); the account state is unknown, so nothing is traded`,
          { fix: "make sure TWS or IB Gateway is logged in and not waiting on a dialog, then start again" },
        ),
      );
    });
    const sent =
      connection.send("reqPositions", (api) => api.reqPositions()) &&
      connection.send("reqOpenOrders", (api) => api.reqOpenOrders());
    if (!sent) {
      finish(new IbError("IB_NOT_CONNECTED", "cannot read positions and open orders: the connection is not ready"));
    }
  });
}

function toOpenOrder(
  [orderId, contract, order, state]: IncomingArgs<"openOrder">,
  status: IncomingArgs<"orderStatus"> | undefined,
): TwsOpenOrder {
  return {
    orderId,
    symbol: contract.symbol,
    secType: contract.secType ?? "",
    action: order.action,
    quantity: order.totalQuantity,
    orderType: order.orderType,
    lmtPrice: order.lmtPrice,
    auxPrice: order.auxPrice,
    account: order.account ?? "",
    orderRef: order.orderRef ?? "",
    parentId: order.parentId ?? 0,
    // orderStatus follows openOrder and is the fresher of the two.
    status: status?.[1] ?? state.status,
    filled: status?.[2] ?? 0,
  };
}
