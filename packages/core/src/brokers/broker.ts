import type { AccountInfo, OrderRequest, PositionState } from "../models.js";
import type { Execution } from "../portfolio/portfolio.js";

/**
 * An order as the engine hands it to a broker: the model's `OrderRequest`
 * plus what a simulated fill needs.
 */
export interface BrokerOrder extends OrderRequest {
  /** Close price of the bar the decision was made on (fill price in close mode, trailing-stop anchor). */
  readonly refPrice: number;
  /** Protective exit attached to an entry: an absolute price, or percent from the fill price. */
  readonly stopLoss?: PriceLevel;
  readonly takeProfit?: PriceLevel;
}

export type PriceLevel =
  | { readonly kind: "price"; readonly price: number }
  | { readonly kind: "percent"; readonly percent: number };

export type OrderStatus = "ACCEPTED" | "FILLED" | "CANCELLED" | "REJECTED";

/** The broker's immediate answer to `placeOrder`. A repeated client order id is answered DUPLICATE and ignored. */
export interface OrderAck {
  readonly clientOrderId: string;
  readonly status: "ACCEPTED" | "DUPLICATE" | "REJECTED";
  readonly reason?: string;
}

/** An execution as a broker reports it to the engine (and the audit journal). */
export interface Fill extends Execution {
  readonly clientOrderId: string;
  /** Why the fill happened when not from an engine order: a protective stop or target. */
  readonly trigger: "order" | "stop_loss" | "take_profit";
}

/** A closed (or partly closed) round trip, as the book (`portfolio/portfolio.ts`) records it. */
export type { Trade } from "../portfolio/portfolio.js";

export type BrokerEvent =
  | { readonly type: "fill"; readonly fill: Fill }
  | {
      readonly type: "status";
      readonly clientOrderId: string;
      readonly status: OrderStatus;
      readonly reason?: string;
      /**
       * Set on a REJECTED found after a reconnect or a restart: the broker had accepted the order, but it never
       * reached the exchange side (written to a connection that had already died, or still waiting for the wire
       * when the process stopped). It is not sent again.
       */
      readonly lost?: boolean;
    };

export type BrokerListener = (event: BrokerEvent) => void;

/**
 * What the engine needs from a broker. Calls are synchronous so that a
 * backtest runs without a promise per order; a live broker acknowledges at
 * once and reports fills and status changes through `onEvent`.
 */
export interface Broker {
  placeOrder(order: BrokerOrder): OrderAck;
  /** Cancels a working order; false when it is unknown or already done. */
  cancel(clientOrderId: string): boolean;
  position(symbol: string): PositionState;
  positions(): PositionState[];
  /** Orders accepted but not yet filled or cancelled. */
  openOrders(symbol?: string): readonly BrokerOrder[];
  account(): AccountInfo;
  onEvent(listener: BrokerListener): () => void;
  /**
   * After a restart: settles the orders the previous run saved as working that this broker does not hold now,
   * reporting what became of each through `onEvent` (filled, cancelled, rejected, or `lost`: accepted but never
   * received). A broker whose whole state is restored (the paper broker) has nothing to settle.
   */
  settleSaved?(orders: readonly BrokerOrder[]): Promise<void>;
}
