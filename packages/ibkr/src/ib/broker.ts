import { type Order, OrderAction, OrderType, TimeInForce } from "@stoqey/ib";
import type {
  AccountInfo,
  Broker,
  BrokerEvent,
  BrokerListener,
  BrokerOrder,
  Clock,
  Fill,
  OrderAck,
  OrderSide,
  PositionState,
} from "@tradeplan/core";
import { Portfolio, RealClock } from "@tradeplan/core";
import { type PriceLevel, utcDayKey } from "@tradeplan/core/internal";
import { z } from "zod";
import { type AdoptedOrder, type Adoption, type IbSyncWarning, planAdoption } from "./adopt.js";
import { connectionFor, type IbConnection, type IbConnectionEvent } from "./connection.js";
import { StockContractOptionsSchema, stockContract } from "./contract.js";
import { classifyTwsCode } from "./error-codes.js";
import { IbError } from "./errors.js";
import type { IbFeedDeps } from "./feed.js";
import type { IncomingArgs } from "./messages.js";
import { IbConnectionOptionsSchema } from "./options.js";
import { loadTwsOrders, orderFate, type TwsOrderBook } from "./order-book.js";
import { loadTwsAccount } from "./sync.js";

/** Settings of {@link IbBroker}. */
export const IbBrokerOptionsSchema = z
  .object({
    connection: IbConnectionOptionsSchema.default(IbConnectionOptionsSchema.parse({})),
    contracts: StockContractOptionsSchema.default(StockContractOptionsSchema.parse({})),
    /** Starting cash for the local account view (TWS's own figures are not read). */
    initialCash: z
      .number()
      .refine((v) => Number.isFinite(v) && v > 0, "must be positive")
      .default(100_000),
    tif: z.enum(["DAY", "GTC"]).default("DAY"),
    /** Let orders fill outside regular trading hours. */
    outsideRth: z.boolean().default(false),
    /** How long `start` waits for TWS's positions and open orders (IB_SYNC_TIMEOUT after). */
    syncTimeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();

export type IbBrokerOptions = z.input<typeof IbBrokerOptionsSchema>;

export interface IbBrokerDeps extends IbFeedDeps {
  /** The configuration section of the connection options (`broker.ib`), named in connection errors. */
  readonly setting?: string;
  /** Session day of a time, for the daily realized P&L (default: the UTC date). */
  readonly dayKey?: (time: number) => string;
  /**
   * Awaited before an order (with its bracket) is written to TWS, with its
   * client order id; a rejection refuses the order with its message. The
   * hot standby (`--ha`) passes the commit of the order's intent in the
   * lease-fenced transaction, so TWS never receives an order the lease did
   * not allow.
   */
  readonly sendGate?: (clientOrderId: string) => Promise<void>;
}

type Role = "order" | "stop_loss" | "take_profit";

interface LiveOrder {
  readonly clientOrderId: string;
  readonly order: BrokerOrder;
  readonly orderId: number;
  readonly role: Role;
  readonly side: OrderSide;
  readonly quantity: number;
  acknowledged: boolean;
  done: boolean;
  /** Shares whose fill was reported (commission included), or filled before an adopted order was taken over. */
  reported: number;
  /** Shares an adopted order had filled before the start; their executions are already in the position. */
  readonly filledBeforeStart: number;
  rejectReason: string | undefined;
  /** The connection generation it was sent on (see IbBroker.generation). */
  readonly generation: number;
}

interface PendingExec {
  readonly live: LiveOrder;
  /** What TWS says was done (BOT / SLD). */
  readonly side: OrderSide;
  readonly shares: number;
  readonly price: number;
  readonly time: number;
}

const Positive = z.number().refine((v) => Number.isFinite(v) && v > 0, "must be a finite number > 0");

/**
 * Interactive Brokers orders through TWS. `placeOrder` answers at once
 * (ACCEPTED, DUPLICATE, or REJECTED) and later reports TWS's verdict, every
 * execution (with its commission) and cancellations through `onEvent`.
 *
 * The client order id travels in the IB order's `orderRef`; IB order ids are
 * allocated locally from TWS's next valid id. Orders are refused with
 * REJECTED "not connected" while the connection is down: @stoqey/ib would
 * queue them and send them after a reconnect, when the decision is stale.
 * Protective exits go as an OCA bracket (stop and/or limit children of the
 * entry); percent levels are taken from the decision's reference price,
 * since the fill price is not known when the bracket is sent. After every
 * reconnect its orders are reconciled with what TWS knows (see
 * `reconcile`): one that never reached TWS is reported lost, never re-sent.
 */
export class IbBroker implements Broker {
  readonly connection: IbConnection;
  private readonly options: z.infer<typeof IbBrokerOptionsSchema>;
  private readonly clock: Clock;
  private readonly dayKey: (time: number) => string;
  /**
   * The book, the one the paper broker keeps too: an execution is booked with its commission when TWS's
   * commission report for it arrives (see `report`).
   */
  readonly portfolio: Portfolio;
  private readonly listeners = new Set<BrokerListener>();
  private readonly byClientId = new Map<string, LiveOrder>();
  private readonly byOrderId = new Map<number, LiveOrder>();
  private readonly seenExecs = new Set<string>();
  private readonly pendingExecs = new Map<string, PendingExec>();
  private readonly earlyCommissions = new Map<string, number>();
  private readonly unsubscribers: (() => void)[] = [];
  /** Whether this object made its connection (and so closes it on stop). */
  private readonly ownsConnection: boolean;
  private connectedOnce = false;
  /**
   * Counts the times the connection became ready again (new socket, or TWS back after 1100). An order sent in
   * an earlier generation may have gone to a socket that was already dead; the reconcile after each new
   * generation finds out.
   */
  private generation = 0;
  private readonly warningListeners = new Set<(w: IbSyncWarning) => void>();
  private adoption: Adoption | undefined;
  private lost = 0;
  /** Orders accepted in this turn of the event loop, written to TWS after it (see placeOrder). */
  private readonly unsent = new Set<LiveOrder>();
  /** See tradingAccount. */
  private ordersAccount: string | undefined;
  private readonly sendGate: ((clientOrderId: string) => Promise<void>) | undefined;

  /** @param options validated with `IbBrokerOptionsSchema` (throws a ZodError naming the bad field) */
  constructor(options: IbBrokerOptions = {}, deps: IbBrokerDeps = {}) {
    this.options = IbBrokerOptionsSchema.parse(options);
    this.clock = deps.clock ?? new RealClock();
    const { connection, owned } = connectionFor(this.options.connection, deps.connection, {
      ...deps,
      clock: this.clock,
    });
    this.connection = connection;
    this.ownsConnection = owned;
    this.dayKey = deps.dayKey ?? utcDayKey();
    this.sendGate = deps.sendGate;
    this.portfolio = new Portfolio(this.options.initialCash);
    this.unsubscribers.push(
      this.connection.onEvent((e) => this.onConnectionEvent(e)),
      this.connection.on("orderStatus", (a) => this.onOrderStatus(a)),
      this.connection.on("execDetails", (a) => this.onExecDetails(a)),
      this.connection.on("commissionReport", (a) => this.onCommission(a)),
      this.connection.on("error", ([err, code, reqId]) => this.onOrderError(reqId, code, err.message)),
    );
  }

  /**
   * Connects (unless the shared connection already is), then takes over what
   * TWS holds: the account's positions and this client's working orders
   * whose `orderRef` is a client order id. Other working orders are left
   * alone and reported through {@link onWarning}. Rejects with
   * IB_SYNC_TIMEOUT when TWS does not finish answering within
   * `syncTimeoutMs`, and with IB_SYNC_INCOMPLETE when a position or order
   * message was malformed: the broker never claims an account state it
   * could not read. On failure a connection this object made is closed.
   */
  async start(): Promise<void> {
    if (this.adoption) return;
    if (this.connection.state === "idle") await this.connection.connect();
    try {
      await this.whenReady();
      // A shared connection may have become ready before this broker listened: later ready events are reconnects.
      this.connectedOnce = true;
      const snapshot = await loadTwsAccount(this.connection, this.clock, this.options.syncTimeoutMs);
      if (snapshot.badMessages > 0) {
        throw new IbError(
          "IB_SYNC_INCOMPLETE",
          `${snapshot.badMessages} position/open-order message(s) from TWS failed validation; the account state is unknown, so nothing is traded`,
          {
            fix: "the bad_message lines above name the field TWS sent; start again once TWS reports the account cleanly",
          },
        );
      }
      this.adopt(planAdoption(snapshot, this.tradingAccount()));
    } catch (e) {
      if (this.ownsConnection) await this.connection.close();
      throw e;
    }
  }

  /** Orders found lost after a reconnect (accepted, written to a dead connection, never received by TWS); never re-sent. */
  get lostOrders(): number {
    return this.lost;
  }

  /** What `start` took over from TWS and what it left alone; undefined before `start` finished. */
  get startupSync(): Adoption | undefined {
    return this.adoption;
  }

  /**
   * Listens to what the operator should know about orders and positions at TWS: what `start` found but did
   * not take over (e.g. an order without orderRef), orders found lost after a reconnect (`IB_ORDER_LOST`),
   * and a reconcile that could not be completed (`IB_RECONCILE_INCOMPLETE`).
   */
  onWarning(listener: (warning: IbSyncWarning) => void): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  /** Detaches from the connection and closes it when this object created it (a shared one stays open); idempotent. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    if (this.ownsConnection) await this.connection.close();
  }

  onEvent(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  placeOrder(order: BrokerOrder): OrderAck {
    const id = order.clientOrderId;
    if (this.byClientId.has(id)) {
      return { clientOrderId: id, status: "DUPLICATE", reason: "an order with this client id was already placed" };
    }
    const invalid = validate(order);
    if (invalid) return this.refuse(order, invalid);
    if (!this.connection.ready) return this.refuse(order, "not connected");
    const account = this.tradingAccount();
    const contract = stockContract(order.symbol, this.options.contracts);
    const parent = this.track(order, id, "order", order.side, order.quantity);
    const children: { live: LiveOrder; ib: Order }[] = [];
    const exitSide: OrderSide = order.side === "BUY" ? "SELL" : "BUY";
    const oca = `tp-${parent.orderId}`;
    const dir = order.side === "BUY" ? 1 : -1;
    const stop = levelPrice(order.stopLoss, order.refPrice, -dir);
    const target = levelPrice(order.takeProfit, order.refPrice, dir);
    if (stop !== undefined) {
      const live = this.track(order, `${id}:stop_loss`, "stop_loss", exitSide, order.quantity);
      children.push({
        live,
        ib: {
          ...this.base(live, exitSide, account, oca, parent.orderId),
          orderType: OrderType.STP,
          auxPrice: round(stop),
        },
      });
    }
    if (target !== undefined) {
      const live = this.track(order, `${id}:take_profit`, "take_profit", exitSide, order.quantity);
      children.push({
        live,
        ib: {
          ...this.base(live, exitSide, account, oca, parent.orderId),
          orderType: OrderType.LMT,
          lmtPrice: round(target),
        },
      });
    }
    const main: Order = {
      ...this.base(parent, order.side, account, undefined, undefined),
      orderType: order.type === "MKT" ? OrderType.MKT : order.type === "LMT" ? OrderType.LMT : OrderType.STP,
      ...(order.limitPrice !== undefined ? { lmtPrice: order.limitPrice } : {}),
      ...(order.stopPrice !== undefined ? { auxPrice: order.stopPrice } : {}),
      // With children, the last child transmits the whole bracket.
      transmit: children.length === 0,
    };
    const all = [{ live: parent, ib: main }, ...children];
    const last = all[all.length - 1];
    if (last) last.ib.transmit = true;
    // Written after this turn of the event loop, not now: the live session commits the batch that decided the
    // order at the end of the turn, so TWS never holds an order that the journal does not (a process killed
    // between the write and the commit left orders at TWS that no record named).
    for (const { live } of all) this.unsent.add(live);
    const write = (): void => {
      for (const { live, ib } of all) {
        if (!this.unsent.delete(live) || live.done) continue;
        const sent = this.connection.send(
          "placeOrder",
          (api) => api.placeOrder(live.orderId, contract, ib),
          (reason) => this.finish(live, "REJECTED", reason),
        );
        if (!sent) this.finish(live, "REJECTED", "not connected");
      }
    };
    const gate = this.sendGate;
    setImmediate(() => {
      if (!gate) return write();
      gate(id).then(write, (e: unknown) => {
        const reason = `not sent: ${e instanceof Error ? e.message : String(e)}`;
        for (const { live } of all) if (this.unsent.delete(live) && !live.done) this.finish(live, "REJECTED", reason);
      });
    });
    return { clientOrderId: id, status: "ACCEPTED" };
  }

  cancel(clientOrderId: string): boolean {
    const live = this.byClientId.get(clientOrderId);
    if (!live || live.done) return false;
    if (this.unsent.delete(live)) {
      // Not written yet: it never will be.
      this.finish(live, "CANCELLED", "cancelled before it was sent");
      for (const child of [...this.unsent]) {
        if (!child.clientOrderId.startsWith(`${clientOrderId}:`)) continue;
        this.unsent.delete(child);
        this.finish(child, "CANCELLED", "cancelled before it was sent");
      }
      return true;
    }
    const orderId = live.orderId;
    return this.connection.send("cancelOrder", (api) => api.cancelOrder(orderId));
  }

  position(symbol: string): PositionState {
    return this.portfolio.position(symbol);
  }

  positions(): PositionState[] {
    return this.portfolio.positions();
  }

  openOrders(symbol?: string): readonly BrokerOrder[] {
    const out: BrokerOrder[] = [];
    for (const live of this.byClientId.values()) {
      if (live.role === "order" && !live.done && (symbol === undefined || live.order.symbol === symbol)) {
        out.push(live.order);
      }
    }
    return out;
  }

  account(): AccountInfo {
    return this.portfolio.account();
  }

  private base(
    live: LiveOrder,
    side: OrderSide,
    account: string | undefined,
    oca: string | undefined,
    parentId: number | undefined,
  ): Omit<Order, "orderType"> {
    return {
      action: side === "BUY" ? OrderAction.BUY : OrderAction.SELL,
      totalQuantity: live.quantity,
      tif: this.options.tif === "DAY" ? TimeInForce.DAY : TimeInForce.GTC,
      orderRef: live.clientOrderId,
      outsideRth: this.options.outsideRth,
      transmit: false,
      ...(account ? { account } : {}),
      ...(oca ? { ocaGroup: oca, ocaType: 1 } : {}),
      ...(parentId !== undefined ? { parentId } : {}),
    };
  }

  private track(order: BrokerOrder, clientOrderId: string, role: Role, side: OrderSide, quantity: number): LiveOrder {
    const live: LiveOrder = {
      clientOrderId,
      order,
      orderId: this.connection.allocateOrderId(),
      role,
      side,
      quantity,
      acknowledged: false,
      done: false,
      reported: 0,
      filledBeforeStart: 0,
      rejectReason: undefined,
      generation: this.generation,
    };
    this.byClientId.set(clientOrderId, live);
    this.byOrderId.set(live.orderId, live);
    return live;
  }

  /**
   * The account orders go to: the configured one, else the first TWS reported when it was first asked (at
   * start), then kept. The book was taken over from that account's positions; a later managedAccounts message
   * (another login's list, or garbage that decoded as one) must not send orders anywhere else.
   */
  private tradingAccount(): string | undefined {
    this.ordersAccount ??= this.options.connection.account ?? this.connection.accounts[0];
    return this.ordersAccount;
  }

  /** Waits for a shared connection another component is still connecting; IB_SYNC_TIMEOUT when it does not get ready. */
  private whenReady(): Promise<void> {
    const c = this.connection;
    if (c.ready) return Promise.resolve();
    if (c.state === "stopped" || c.state === "failed") {
      return Promise.reject(new IbError("IB_NOT_CONNECTED", `cannot start: the connection is ${c.state}`));
    }
    const timeoutMs = this.options.syncTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(this.clock.now() + timeoutMs, () => {
        off();
        reject(new IbError("IB_SYNC_TIMEOUT", `the connection did not become ready within ${timeoutMs} ms`));
      });
      const off = c.onEvent((e) => {
        if (e.type !== "ready") return;
        off();
        this.clock.clearTimer(timer);
        resolve();
      });
    });
  }

  private adopt(adoption: Adoption): void {
    const now = this.clock.now();
    for (const p of adoption.positions) this.portfolio.adopt(p.symbol, p.quantity, p.avgPrice, now);
    for (const o of adoption.orders) this.adoptOrder(o);
    this.adoption = adoption;
    for (const w of adoption.warnings) this.warn(w);
  }

  private warn(w: IbSyncWarning): void {
    for (const l of this.warningListeners) {
      try {
        l(w);
      } catch {
        this.connection.counters.handlerErrors++;
      }
    }
  }

  private adoptOrder(o: AdoptedOrder): void {
    if (this.byClientId.has(o.clientOrderId) || this.byOrderId.has(o.orderId)) return;
    const live: LiveOrder = {
      clientOrderId: o.clientOrderId,
      order: o.order,
      orderId: o.orderId,
      role: o.role,
      side: o.side,
      quantity: o.quantity,
      acknowledged: true,
      done: false,
      reported: o.filled,
      filledBeforeStart: o.filled,
      rejectReason: undefined,
      generation: this.generation,
    };
    this.byClientId.set(o.clientOrderId, live);
    this.byOrderId.set(o.orderId, live);
  }

  private refuse(order: BrokerOrder, reason: string): OrderAck {
    this.byClientId.set(order.clientOrderId, {
      clientOrderId: order.clientOrderId,
      order,
      orderId: -1,
      role: "order",
      side: order.side,
      quantity: order.quantity,
      acknowledged: false,
      done: true,
      reported: 0,
      filledBeforeStart: 0,
      rejectReason: reason,
      generation: this.generation,
    });
    this.emit({ type: "status", clientOrderId: order.clientOrderId, status: "REJECTED", reason });
    return { clientOrderId: order.clientOrderId, status: "REJECTED", reason };
  }

  private finish(live: LiveOrder, status: "REJECTED" | "CANCELLED" | "FILLED", reason?: string, lost = false): void {
    if (live.done) return;
    live.done = true;
    if (status === "REJECTED") live.rejectReason = reason;
    this.emit({
      type: "status",
      clientOrderId: live.clientOrderId,
      status,
      ...(reason ? { reason } : {}),
      ...(lost ? { lost } : {}),
    });
  }

  private onConnectionEvent(e: IbConnectionEvent): void {
    if (e.type !== "ready") return;
    if (this.connectedOnce) {
      this.generation++;
      void this.reconcile(this.generation, 1);
    }
    this.connectedOnce = true;
  }

  /**
   * After a reconnect: asks TWS for every order of this client it knows
   * (working, completed today, executed today; the executions missed while
   * away are booked as fills on the way) and settles each order sent in an
   * earlier generation that the broker still counts as working. One TWS
   * never received is lost: it is reported REJECTED with `lost` and the
   * reason, counted, and warned about, and never sent again (the decision
   * is stale). When the answer is incomplete nothing is marked lost; the
   * reconcile is retried while the connection stays up.
   */
  private async reconcile(generation: number, attempt: number): Promise<void> {
    let book: TwsOrderBook | undefined;
    let failure = "";
    try {
      book = await loadTwsOrders(this.connection, this.clock, this.options.syncTimeoutMs);
      if (book.badMessages > 0) failure = `${book.badMessages} order message(s) from TWS failed validation`;
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    // A newer reconnect runs its own reconcile, over these orders too.
    if (generation !== this.generation) return;
    if (book === undefined || failure !== "") {
      const retry = attempt < MAX_RECONCILE_ATTEMPTS && this.connection.ready;
      this.warn({
        code: "IB_RECONCILE_INCOMPLETE",
        message: `could not check the open orders with TWS after the reconnect (${failure}); ${retry ? "retrying" : "they stay as they are until the next reconnect"}`,
      });
      if (retry) await this.reconcile(generation, attempt + 1);
      return;
    }
    for (const live of [...this.byClientId.values()]) {
      if (live.done || live.orderId < 0 || live.generation >= generation) continue;
      const fate = orderFate(live.clientOrderId, book);
      if (fate.kind === "cancelled")
        this.finish(live, "CANCELLED", `cancelled in TWS (${fate.status}) while disconnected`);
      else if (fate.kind === "inactive") this.finish(live, "REJECTED", "TWS set the order inactive while disconnected");
      else if (fate.kind === "lost") this.markLost(live);
    }
  }

  /**
   * After a restart: settles the orders the previous run saved as working
   * that TWS does not work now (so `start` did not take them over), by
   * `orderRef` in TWS's book. Filled: reported FILLED with a reason (its
   * executions are in the position TWS reported, so nothing is booked
   * again, and the audit journal records the reason); cancelled or set
   * inactive: reported so; unknown to TWS: lost, i.e. accepted by the
   * previous run but never written to TWS before that run stopped or died
   * (still waiting for its turn on the wire): REJECTED with `lost`, counted
   * and warned about like a loss found after a reconnect. Each settled id is
   * kept, so the same decision made again is answered DUPLICATE and never
   * sent. An incomplete answer settles nothing (IB_RECONCILE_INCOMPLETE).
   */
  async settleSaved(orders: readonly BrokerOrder[]): Promise<void> {
    const unheld = orders.filter((o) => !this.byClientId.has(o.clientOrderId));
    if (unheld.length === 0) return;
    let book: TwsOrderBook;
    try {
      book = await loadTwsOrders(this.connection, this.clock, this.options.syncTimeoutMs);
      if (book.badMessages > 0) throw new Error(`${book.badMessages} order message(s) from TWS failed validation`);
    } catch (e) {
      this.warn({
        code: "IB_RECONCILE_INCOMPLETE",
        message: `could not check with TWS the ${unheld.length} order(s) the previous run left working (${e instanceof Error ? e.message : String(e)}); they are not settled`,
      });
      return;
    }
    for (const order of unheld) {
      const fate = orderFate(order.clientOrderId, book);
      if (fate.kind === "working") continue;
      const live: LiveOrder = {
        clientOrderId: order.clientOrderId,
        order,
        orderId: -1,
        role: "order",
        side: order.side,
        quantity: order.quantity,
        acknowledged: true,
        done: false,
        reported: 0,
        filledBeforeStart: 0,
        rejectReason: undefined,
        generation: this.generation,
      };
      this.byClientId.set(order.clientOrderId, live);
      if (fate.kind === "executed")
        this.finish(
          live,
          "FILLED",
          "executed at TWS while tradeplan was not running: its shares are in the position TWS reported at start (not booked again)",
        );
      else if (fate.kind === "cancelled")
        this.finish(live, "CANCELLED", `cancelled in TWS (${fate.status}) while tradeplan was not running`);
      else if (fate.kind === "inactive")
        this.finish(live, "REJECTED", "TWS set the order inactive while tradeplan was not running");
      else {
        const reason = `IB_ORDER_LOST: TWS has no record of the order with orderRef ${order.clientOrderId} after the restart: the previous run accepted it but it never reached TWS before that run stopped; it is not sent again`;
        this.lost++;
        this.finish(live, "REJECTED", reason, true);
        this.warn({ code: "IB_ORDER_LOST", message: reason });
      }
    }
  }

  private markLost(live: LiveOrder): void {
    const reason = `IB_ORDER_LOST: TWS has no record of order ${live.orderId} (orderRef ${live.clientOrderId}) after the reconnect: it was written to a connection that had already died; it is not sent again`;
    this.lost++;
    this.finish(live, "REJECTED", reason, true);
    this.warn({ code: "IB_ORDER_LOST", message: reason });
  }

  private onOrderStatus([orderId, status]: IncomingArgs<"orderStatus">): void {
    const live = this.byOrderId.get(orderId);
    if (!live || live.done) return;
    switch (status) {
      case "PreSubmitted":
      case "Submitted":
      case "PendingSubmit":
        if (!live.acknowledged) {
          live.acknowledged = true;
          this.emit({ type: "status", clientOrderId: live.clientOrderId, status: "ACCEPTED" });
        }
        return;
      case "Cancelled":
      case "ApiCancelled":
        this.finish(live, "CANCELLED", "cancelled in TWS");
        return;
      case "Inactive":
        this.finish(live, "REJECTED", live.rejectReason ?? "TWS set the order inactive");
        return;
      default:
        return;
    }
  }

  private onOrderError(reqId: number | undefined, code: number, message: string): void {
    if (reqId === undefined) return;
    const live = this.byOrderId.get(reqId);
    if (!live || live.done) return;
    const action = classifyTwsCode(code, message);
    if (action === "order_rejected") this.finish(live, "REJECTED", `TWS ${code}: ${message}`);
    else if (action === "order_cancelled") this.finish(live, "CANCELLED", `TWS ${code}: ${message}`);
  }

  private onExecDetails([, contract, exec]: IncomingArgs<"execDetails">): void {
    if (this.seenExecs.has(exec.execId)) return;
    const live = this.byOrderId.get(exec.orderId) ?? (exec.orderRef ? this.byClientId.get(exec.orderRef) : undefined);
    if (!live || live.orderId < 0 || contract.symbol !== live.order.symbol) return;
    this.seenExecs.add(exec.execId);
    // An execution from before the start (reqExecutions replays the day) is already in the adopted position.
    if (exec.cumQty !== undefined && exec.cumQty <= live.filledBeforeStart) return;
    const time = this.clock.now();
    const side: OrderSide = exec.side === "BOT" ? "BUY" : "SELL";
    const pending: PendingExec = { live, side, shares: exec.shares, price: exec.price, time };
    const early = this.earlyCommissions.get(exec.execId);
    if (early !== undefined) {
      this.earlyCommissions.delete(exec.execId);
      this.report(pending, early);
    } else {
      this.pendingExecs.set(exec.execId, pending);
    }
  }

  private onCommission([report]: IncomingArgs<"commissionReport">): void {
    const commission = report.commission ?? 0;
    const pending = this.pendingExecs.get(report.execId);
    if (!pending) {
      if (!this.seenExecs.has(report.execId)) this.earlyCommissions.set(report.execId, commission);
      return;
    }
    this.pendingExecs.delete(report.execId);
    this.report(pending, commission);
  }

  /**
   * An execution and its commission, together: booked as one fill (so the position, cash and P&L change with
   * the `Fill` the engine is told about, never in between), then reported.
   */
  private report(p: PendingExec, commission: number): void {
    const live = p.live;
    const fill: Fill = {
      clientOrderId: live.clientOrderId,
      symbol: live.order.symbol,
      side: p.side,
      quantity: p.shares,
      price: p.price,
      commission,
      time: p.time,
      trigger: live.role,
    };
    this.portfolio.apply({
      ...fill,
      day: this.dayKey(p.time),
      rule: live.role === "order" ? live.order.ruleId : live.role,
      decidedAt: live.order.decidedAt,
      refPrice: live.order.refPrice,
    });
    // The adapter reads no bars: an execution's price is the newest market price it knows.
    this.portfolio.setMark(fill.symbol, p.price);
    live.reported += p.shares;
    this.emit({ type: "fill", fill });
    if (live.reported >= live.quantity) this.finish(live, "FILLED");
  }

  private emit(e: BrokerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        this.connection.counters.handlerErrors++;
      }
    }
  }
}

/** Reconciles tried after one reconnect before the broker waits for the next one. */
const MAX_RECONCILE_ATTEMPTS = 3;

function validate(order: BrokerOrder): string | undefined {
  if (!Number.isInteger(order.quantity) || order.quantity <= 0) {
    return `quantity must be a positive whole number of shares, got ${order.quantity}`;
  }
  if (order.type === "LMT" && !Positive.safeParse(order.limitPrice).success)
    return "a LMT order needs a limit price > 0";
  if (order.type === "STP" && !Positive.safeParse(order.stopPrice).success) return "a STP order needs a stop price > 0";
  if (
    (order.stopLoss?.kind === "percent" || order.takeProfit?.kind === "percent") &&
    !Positive.safeParse(order.refPrice).success
  ) {
    return `a percent stop or target needs a reference price > 0, got ${order.refPrice}`;
  }
  return undefined;
}

/** Resolves a stop/target to a price; `dir` +1 places a percent above the reference, -1 below. */
function levelPrice(l: PriceLevel | undefined, ref: number, dir: number): number | undefined {
  if (!l) return undefined;
  return l.kind === "price" ? l.price : ref * (1 + (dir * l.percent) / 100);
}

/** IB rejects stock prices off the tick grid; US stocks above $1 trade in cents. */
function round(price: number): number {
  return Math.round(price * 100) / 100;
}
