import type { BrokerOrder, OrderSide } from "@tradeplan/core";
import { TERMINAL_STATUSES, type TwsAccountSnapshot, type TwsOpenOrder } from "./sync.js";

/**
 * Why something TWS holds was not taken over at start (`IB_FOREIGN_ORDER`,
 * `IB_OTHER_ACCOUNT`, `IB_UNSUPPORTED_POSITION`), or what the reconcile after
 * a reconnect found: an order TWS never received (`IB_ORDER_LOST`), or no
 * complete answer (`IB_RECONCILE_INCOMPLETE`).
 */
export type IbSyncWarningCode =
  | "IB_FOREIGN_ORDER"
  | "IB_OTHER_ACCOUNT"
  | "IB_UNSUPPORTED_POSITION"
  | "IB_ORDER_LOST"
  | "IB_RECONCILE_INCOMPLETE";

/** Something about the account at TWS the operator should know; a WARN line in the log. */
export interface IbSyncWarning {
  readonly code: IbSyncWarningCode;
  readonly message: string;
}

/** A position to take over: signed shares and average cost per share. */
export interface AdoptedPosition {
  readonly symbol: string;
  readonly quantity: number;
  readonly avgPrice: number;
}

/** A working tradeplan order to take over. */
export interface AdoptedOrder {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly role: "order" | "stop_loss" | "take_profit";
  readonly side: OrderSide;
  readonly quantity: number;
  /** Shares already filled before the start (their executions are in the position). */
  readonly filled: number;
  readonly order: BrokerOrder;
}

/** What the broker takes over from a snapshot, and what it leaves alone. */
export interface Adoption {
  readonly positions: readonly AdoptedPosition[];
  readonly orders: readonly AdoptedOrder[];
  readonly warnings: readonly IbSyncWarning[];
}

const ROLE_SUFFIX = /:(stop_loss|take_profit)$/;
/** `<plan hash>:<rule>:<symbol>:<timeframe>:<close time>` as the engine builds client order ids. */
const ENGINE_ID = /^[^:]+:([^:]+):[^:]+:[^:]+:(\d+)$/;

/**
 * Decides what to take over from TWS. Only stock positions and orders of
 * `account` (every account when undefined) count. An order is tradeplan's
 * when it carries an `orderRef` (the client order id) and is a plain
 * MKT/LMT/STP stock order; anything else working at TWS is left alone and
 * reported, so a manual order never shows up as one of the engine's.
 */
export function planAdoption(snapshot: TwsAccountSnapshot, account: string | undefined): Adoption {
  const warnings: IbSyncWarning[] = [];
  const sums = new Map<string, { quantity: number; cost: number }>();
  for (const p of snapshot.positions) {
    if (p.quantity === 0) continue;
    if (account !== undefined && p.account !== account) {
      warnings.push({
        code: "IB_OTHER_ACCOUNT",
        message: `position ${p.quantity} ${p.symbol} in account ${p.account} ignored (trading account ${account})`,
      });
      continue;
    }
    if (p.secType !== "STK") {
      warnings.push({
        code: "IB_UNSUPPORTED_POSITION",
        message: `position ${p.quantity} ${p.symbol} (${p.secType || "no security type"}) ignored: only stocks are traded`,
      });
      continue;
    }
    const s = sums.get(p.symbol) ?? { quantity: 0, cost: 0 };
    s.quantity += p.quantity;
    s.cost += Math.abs(p.quantity) * p.avgCost;
    sums.set(p.symbol, s);
  }
  const positions: AdoptedPosition[] = [];
  for (const [symbol, s] of sums) {
    if (s.quantity !== 0) positions.push({ symbol, quantity: s.quantity, avgPrice: s.cost / Math.abs(s.quantity) });
  }
  const orders: AdoptedOrder[] = [];
  for (const o of snapshot.orders) {
    if (TERMINAL_STATUSES.has(o.status)) continue;
    if (account !== undefined && o.account !== "" && o.account !== account) {
      warnings.push({ code: "IB_OTHER_ACCOUNT", message: `${describe(o)} in account ${o.account} ignored` });
      continue;
    }
    const adopted = adoptOrder(o);
    if (typeof adopted === "string") warnings.push({ code: "IB_FOREIGN_ORDER", message: `${describe(o)} ${adopted}` });
    else orders.push(adopted);
  }
  return { positions: positions.sort((a, b) => a.symbol.localeCompare(b.symbol)), orders, warnings };
}

/** The adopted order, or why it is not tradeplan's. */
function adoptOrder(o: TwsOpenOrder): AdoptedOrder | string {
  if (o.orderRef === "") return "has no orderRef: not placed by tradeplan, left alone";
  if (o.secType !== "STK") return "is not a stock order: left alone";
  if (o.action !== "BUY" && o.action !== "SELL") return `has action ${o.action}: left alone`;
  const type = o.orderType === "MKT" || o.orderType === "LMT" || o.orderType === "STP" ? o.orderType : undefined;
  if (type === undefined) return `has order type ${o.orderType}, which tradeplan never sends: left alone`;
  if (!Number.isInteger(o.quantity) || o.quantity <= 0) return `has quantity ${o.quantity}: left alone`;
  const suffix = ROLE_SUFFIX.exec(o.orderRef)?.[1];
  const role = suffix === "stop_loss" || suffix === "take_profit" ? suffix : "order";
  const engineId = ENGINE_ID.exec(o.orderRef.replace(ROLE_SUFFIX, ""));
  const side: OrderSide = o.action;
  const order: BrokerOrder = {
    clientOrderId: o.orderRef,
    symbol: o.symbol,
    side,
    quantity: o.quantity,
    type,
    ...(type === "LMT" && o.lmtPrice !== undefined ? { limitPrice: o.lmtPrice } : {}),
    ...(type === "STP" && o.auxPrice !== undefined ? { stopPrice: o.auxPrice } : {}),
    ruleId: engineId?.[1] ?? "",
    reason: `working at TWS when the broker started (order ${o.orderId})`,
    decidedAt: engineId ? Number(engineId[2]) : 0,
    refPrice: (type === "LMT" ? o.lmtPrice : type === "STP" ? o.auxPrice : undefined) ?? 0,
  };
  return { orderId: o.orderId, clientOrderId: o.orderRef, role, side, quantity: o.quantity, filled: o.filled, order };
}

function describe(o: TwsOpenOrder): string {
  return `working order ${o.orderId} (${o.action} ${o.quantity} ${o.symbol} ${o.orderType}${o.orderRef ? `, orderRef ${o.orderRef}` : ""})`;
}
