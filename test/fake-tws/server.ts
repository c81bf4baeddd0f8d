import { createServer, type Server, type Socket } from "node:net";
import { ClientReader, frame } from "./framing.js";
import {
  commissionReport,
  completedOrder,
  completedOrdersEnd,
  currentTime,
  type ExecFields,
  errorMessage,
  execDetails,
  execDetailsEnd,
  type Field,
  historicalData,
  managedAccounts,
  nextValidId,
  OUT,
  openOrder,
  openOrderEnd,
  orderStatus,
  type PositionFields,
  positionData,
  positionEnd,
  realTimeBar,
  type WireBar,
} from "./messages.js";

/** An order as the fake TWS decoded it from a PLACE_ORDER message. */
export interface ReceivedOrder {
  readonly conn: number;
  readonly clientId: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly primaryExchange: string;
  readonly currency: string;
  readonly exchange: string;
  readonly action: "BUY" | "SELL";
  readonly quantity: number;
  readonly orderType: string;
  readonly lmtPrice: string;
  readonly auxPrice: string;
  readonly account: string;
  readonly orderRef: string;
  readonly transmit: boolean;
  readonly parentId: number;
  readonly tif: string;
  readonly ocaGroup: string;
}

/** An order TWS already works when a client connects (placed before a restart, or by hand in TWS). */
export interface SeededOrder {
  readonly clientId: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly action: "BUY" | "SELL";
  readonly quantity: number;
  readonly orderType: "MKT" | "LMT" | "STP";
  readonly lmtPrice?: number;
  readonly auxPrice?: number;
  readonly account?: string;
  /** Empty for an order not placed through the API with an order reference. */
  readonly orderRef: string;
  readonly parentId?: number;
  /** Shares filled before the client connects. */
  readonly filled?: number;
}

/** What the fake TWS does with an order. */
export type OrderPlan =
  /** Fill it, in pieces when `partials` is given (they should sum to the quantity). */
  | {
      readonly kind: "fill";
      readonly price: number;
      readonly partials?: readonly number[];
      readonly commission?: number;
    }
  /** Reject it with error 201 and status Inactive. */
  | { readonly kind: "reject"; readonly reason: string }
  /** Acknowledge it (Submitted) and leave it working. */
  | { readonly kind: "hold" };

export interface FakeTwsOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly serverVersion?: number;
  /** `silent`: accept TCP, read the handshake, never answer. */
  readonly handshake?: "normal" | "silent";
  readonly accounts?: readonly string[];
  readonly nextOrderId?: number;
  readonly orderPlan?: (order: ReceivedOrder) => OrderPlan;
  /** Answer this many historical requests with error 162 "pacing violation" first. */
  readonly historyPacingViolations?: number;
  /** Answer this many real-time bar requests with error 420 first. */
  readonly realtimePacingViolations?: number;
  /** Positions reported to reqPositions. */
  readonly positions?: readonly PositionFields[];
  /**
   * Report to reqPositions, besides `positions`, what the executions so far hold per account and symbol (as
   * TWS does after fills): a client that restarts then finds the position its earlier orders built.
   */
  readonly trackPositions?: boolean;
}

/** One message the client sent, with the connection it came on. */
export interface Received {
  readonly conn: number;
  readonly fields: readonly string[];
}

interface Conn {
  readonly id: number;
  readonly socket: Socket;
  readonly reader: ClientReader;
  clientId: number | undefined;
  handshaken: boolean;
  readonly realtime: Map<number, string>;
  /** The peer is gone without closing: what the client sends is lost, nothing is answered. */
  deaf: boolean;
}

interface Waiter {
  readonly pred: (r: Received) => boolean;
  readonly resolve: (r: Received) => void;
}

/**
 * A TWS stand-in on 127.0.0.1 speaking the real API wire protocol at server
 * version 193, for tests that drive the real @stoqey/ib client. It keeps
 * what clients sent (`received`, `orders`) and is scripted from the test:
 * push bars, serve history, fill or reject orders, send any error code,
 * drop sockets, or send malformed bytes.
 */
export class FakeTws {
  readonly received: Received[] = [];
  readonly orders: ReceivedOrder[] = [];
  /** PLACE_ORDER messages refused with error 103: an order id the same client id had used before. */
  readonly duplicateIds: ReceivedOrder[] = [];
  /** Handshakes answered (one per connection attempt that got that far). */
  handshakes = 0;
  /** TCP connections accepted, answered or not. */
  accepted = 0;
  /** Messages clients sent to a deafened session: written by the client, never read by TWS. */
  readonly swallowed: Received[] = [];
  /** reqCurrentTime requests answered. */
  heartbeatsAnswered = 0;
  /** When false, reqCurrentTime (the client's heartbeat) goes unanswered. */
  answerHeartbeats = true;
  private readonly conns = new Map<number, Conn>();
  private readonly history = new Map<string, WireBar[]>();
  private readonly executions: ExecFields[] = [];
  private readonly commissions = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private readonly connWaiters = new Set<() => void>();
  /** Orders TWS closed without a complete fill: Cancelled or Inactive (rejected). */
  private readonly closedOrders = new Map<number, "Cancelled" | "Inactive">();
  /** Set by dropAfterOrders: PLACE_ORDER messages (of those `which` selects) still to read before every socket is cut. */
  private dropAfter: { left: number; readonly which: (order: ReceivedOrder) => boolean } | undefined;
  private readonly preFilled = new Map<number, number>();
  /** Positions reported to reqPositions (fields sent as given, so a test can make one malformed). */
  positions: PositionFields[];
  /** When false, reqPositions is answered without the POSITION_END marker. */
  sendPositionEnd = true;
  /** When false, reqCompletedOrders is answered without the COMPLETED_ORDERS_END marker. */
  sendCompletedOrdersEnd = true;
  /** Rewrites each OPEN_ORDER before it is sent (to make one malformed). */
  openOrderTransform: (fields: Field[]) => Field[] = (fields) => fields;
  private connSeq = 0;
  private execSeq = 0;
  private nextOrderId: number;
  private historyPacing: number;
  private realtimePacing: number;
  orderPlan: (order: ReceivedOrder) => OrderPlan;
  /** Replaces the handshake mode for connections made from now on. */
  handshake: "normal" | "silent";

  constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: FakeTwsOptions,
  ) {
    this.nextOrderId = options.nextOrderId ?? 1;
    this.historyPacing = options.historyPacingViolations ?? 0;
    this.realtimePacing = options.realtimePacingViolations ?? 0;
    this.orderPlan = options.orderPlan ?? (() => ({ kind: "fill", price: 100 }));
    this.handshake = options.handshake ?? "normal";
    this.positions = [...(options.positions ?? [])];
    server.on("connection", (socket) => this.accept(socket));
  }

  get serverVersion(): number {
    return this.options.serverVersion ?? 193;
  }

  /** Open API sessions (handshake finished). */
  get sessions(): number {
    return [...this.conns.values()].filter((c) => c.handshaken).length;
  }

  /** Resolves with the first message (already received or future) that matches. */
  waitFor(pred: (r: Received) => boolean): Promise<Received> {
    const hit = this.received.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.add({ pred, resolve }));
  }

  /** Resolves once `n` messages (already received or future) match. */
  async waitForCount(pred: (r: Received) => boolean, n: number): Promise<Received[]> {
    for (;;) {
      const hits = this.received.filter(pred);
      if (hits.length >= n) return hits;
      await this.waitForNext(pred);
    }
  }

  /** Resolves with the next message after the current ones that matches. */
  waitForNext(pred: (r: Received) => boolean): Promise<Received> {
    return new Promise((resolve) => this.waiters.add({ pred, resolve }));
  }

  /** Resolves once `n` API sessions are open. */
  async waitForSessions(n: number): Promise<void> {
    while (this.sessions < n) await new Promise<void>((resolve) => this.connWaiters.add(resolve));
  }

  /** Resolves once `n` TCP connections were accepted in total. */
  async waitForAccepted(n: number): Promise<void> {
    while (this.accepted < n) await new Promise<void>((resolve) => this.connWaiters.add(resolve));
  }

  /** Resolves once no socket is open. */
  async waitForNoConnections(): Promise<void> {
    while (this.conns.size > 0) await new Promise<void>((resolve) => this.connWaiters.add(resolve));
  }

  /** Sets the 5-second bars served to historical requests. */
  setHistory(symbol: string, bars: readonly WireBar[]): void {
    this.history.set(
      symbol,
      [...bars].sort((a, b) => a.time - b.time),
    );
  }

  /** Sends a real-time bar to every subscription of `symbol`; returns how many got it. */
  pushBar(symbol: string, bar: WireBar): number {
    let n = 0;
    for (const c of this.conns.values()) {
      for (const [reqId, s] of c.realtime) {
        if (s !== symbol) continue;
        this.write(c, realTimeBar(reqId, bar));
        n++;
      }
    }
    return n;
  }

  /** Active real-time subscriptions of a symbol over all sessions. */
  subscriptions(symbol: string): number {
    let n = 0;
    for (const c of this.conns.values()) for (const s of c.realtime.values()) if (s === symbol) n++;
    return n;
  }

  /** Sends an error/notice message to every session. */
  sendError(reqId: number, code: number, message: string, advancedJson = ""): void {
    this.broadcast(errorMessage(reqId, code, message, advancedJson));
  }

  /** Sends any fields as one framed message. */
  broadcast(fields: readonly Field[]): void {
    for (const c of this.conns.values()) if (c.handshaken) this.write(c, fields);
  }

  /** Sends raw bytes (no framing) to every session. */
  sendBytes(bytes: Buffer): void {
    for (const c of this.conns.values()) if (c.handshaken) c.socket.write(bytes);
  }

  /** Closes every client socket (TWS restarted, network cut). */
  dropAll(): void {
    for (const c of this.conns.values()) c.socket.destroy();
  }

  /**
   * Cuts every socket right after reading `n` more PLACE_ORDER messages, in the middle of a burst: the
   * messages behind them in the same read are never processed (they died with the connection). With `which`,
   * only the orders it selects are counted (e.g. those of one bar's close, so that the cut lands at a known
   * place in that burst however the orders of the one before are still arriving).
   */
  dropAfterOrders(n: number, which: (order: ReceivedOrder) => boolean = () => true): void {
    this.dropAfter = { left: n, which };
  }

  /**
   * Makes every open session a dead peer that has not closed its socket: the client's writes succeed but
   * nothing is read (they land in `swallowed`) and nothing is answered, heartbeats included.
   */
  deafen(): void {
    for (const c of this.conns.values()) c.deaf = true;
  }

  /**
   * Sends a frame header announcing `length` bytes (200 MB by default) and nothing after it: a reader that
   * trusts the prefix waits for the body forever and every later message is swallowed into it.
   */
  sendGiantFrame(length = 200_000_000): void {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(length);
    this.sendBytes(head);
  }

  /** Fills a working order by hand; a session of the order's client id gets the messages. */
  fill(orderId: number, quantity: number, price: number, commission = 1): void {
    const order = this.orders.find((o) => o.orderId === orderId);
    if (!order) throw new Error(`fake TWS: no order ${orderId}`);
    const conn =
      this.conns.get(order.conn) ?? [...this.conns.values()].find((c) => c.handshaken && c.clientId === order.clientId);
    this.execute(conn, order, quantity, price, this.filled(orderId) + quantity, commission);
  }

  /** Adds an order TWS works already (before any client connects, or placed by hand in TWS). */
  seedOrder(o: SeededOrder): void {
    this.orders.push({
      conn: 0,
      clientId: o.clientId,
      orderId: o.orderId,
      symbol: o.symbol,
      primaryExchange: "",
      currency: "USD",
      exchange: "SMART",
      action: o.action,
      quantity: o.quantity,
      orderType: o.orderType,
      lmtPrice: o.lmtPrice === undefined ? "" : String(o.lmtPrice),
      auxPrice: o.auxPrice === undefined ? "" : String(o.auxPrice),
      account: o.account ?? (this.options.accounts ?? ["DU1234567"])[0] ?? "",
      orderRef: o.orderRef,
      transmit: true,
      parentId: o.parentId ?? 0,
      tif: "DAY",
      ocaGroup: "",
    });
    if (o.filled) this.preFilled.set(o.orderId, o.filled);
    this.nextOrderId = Math.max(this.nextOrderId, o.orderId + 1);
  }

  /** Shares executed of an order (filled before a client connected included). */
  filledQuantity(orderId: number): number {
    return this.filled(orderId);
  }

  /** Orders still working: not rejected, cancelled or completely filled. */
  workingOrders(clientId?: number): ReceivedOrder[] {
    return this.orders.filter(
      (o) =>
        !this.closedOrders.has(o.orderId) &&
        this.filled(o.orderId) < o.quantity &&
        (clientId === undefined || o.clientId === clientId),
    );
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const conn: Conn = {
      id: ++this.connSeq,
      socket,
      reader: new ClientReader(),
      clientId: undefined,
      handshaken: false,
      realtime: new Map(),
      deaf: false,
    };
    this.conns.set(conn.id, conn);
    this.accepted++;
    this.notifyConns();
    const silent = this.handshake === "silent";
    let versionSeen = false;
    socket.on("data", (chunk) => {
      let frames: string[][];
      try {
        frames = conn.reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const f of frames) {
        // A socket cut in the middle of a read (dropAfterOrders) processes nothing after the cut.
        if (socket.destroyed) return;
        if (!versionSeen) {
          versionSeen = true;
          if (!silent) this.answerVersion(conn, f);
          continue;
        }
        this.onMessage(conn, f);
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      this.conns.delete(conn.id);
      this.notifyConns();
    });
  }

  private answerVersion(conn: Conn, f: readonly string[]): void {
    const range = /^v(\d+)(?:\.\.(\d+))?$/.exec(f[0] ?? "");
    const lo = Number(range?.[1] ?? Number.NaN);
    const hi = Number(range?.[2] ?? range?.[1] ?? Number.NaN);
    if (!(lo <= this.serverVersion && this.serverVersion <= hi)) {
      conn.socket.destroy();
      return;
    }
    this.handshakes++;
    this.write(conn, [this.serverVersion, "20240102 09:30:00 US/Eastern"]);
  }

  private onMessage(conn: Conn, f: readonly string[]): void {
    const rec: Received = { conn: conn.id, fields: f };
    if (conn.deaf) {
      this.swallowed.push(rec);
      return;
    }
    this.received.push(rec);
    for (const w of [...this.waiters]) {
      if (w.pred(rec)) {
        this.waiters.delete(w);
        w.resolve(rec);
      }
    }
    const id = Number(f[0]);
    switch (id) {
      case OUT.START_API:
        this.startApi(conn, Number(f[2]));
        return;
      case OUT.REQ_REAL_TIME_BARS:
        this.reqRealTimeBars(conn, f);
        return;
      case OUT.CANCEL_REAL_TIME_BARS:
        conn.realtime.delete(Number(f[2]));
        return;
      case OUT.REQ_HISTORICAL_DATA:
        this.reqHistoricalData(conn, f);
        return;
      case OUT.PLACE_ORDER:
        this.placeOrder(conn, f);
        return;
      case OUT.CANCEL_ORDER:
        this.cancelOrder(conn, Number(f[1]));
        return;
      case OUT.REQ_EXECUTIONS:
        this.reqExecutions(conn, Number(f[2]), Number(f[3]));
        return;
      case OUT.REQ_IDS:
        this.write(conn, nextValidId(this.nextOrderId));
        return;
      case OUT.REQ_POSITIONS:
        this.reqPositions(conn);
        return;
      case OUT.REQ_OPEN_ORDERS:
        // Orders of this client id only (TWS binds manual orders to client 0 as well; not modelled).
        this.reqOpenOrders(conn, conn.clientId);
        return;
      case OUT.REQ_ALL_OPEN_ORDERS:
        this.reqOpenOrders(conn, undefined);
        return;
      case OUT.REQ_COMPLETED_ORDERS:
        this.reqCompletedOrders(conn);
        return;
      case OUT.REQ_CURRENT_TIME:
        if (this.answerHeartbeats) {
          this.heartbeatsAnswered++;
          this.write(conn, currentTime(Math.floor(Date.now() / 1000)));
        }
        return;
      default:
        return;
    }
  }

  private startApi(conn: Conn, clientId: number): void {
    const taken = [...this.conns.values()].some((c) => c !== conn && c.handshaken && c.clientId === clientId);
    if (taken) {
      this.write(
        conn,
        errorMessage(-1, 326, "Unable to connect as the client id is already in use. Retry with a unique client id."),
      );
      conn.socket.end();
      return;
    }
    conn.clientId = clientId;
    conn.handshaken = true;
    this.write(conn, managedAccounts(this.options.accounts ?? ["DU1234567"]));
    this.write(conn, nextValidId(this.nextOrderId));
    this.notifyConns();
  }

  // [50, version, reqId, conId, symbol, secType, ltd, strike, right, multiplier, exchange, primaryExch, currency, ...]
  private reqRealTimeBars(conn: Conn, f: readonly string[]): void {
    const reqId = Number(f[2]);
    if (this.realtimePacing > 0) {
      this.realtimePacing--;
      this.write(conn, errorMessage(reqId, 420, "Invalid Real-time Query:Historical data request pacing violation"));
      return;
    }
    conn.realtime.set(reqId, f[4] ?? "");
  }

  // [20, reqId, conId, symbol, secType, ltd, strike, right, multiplier, exchange, primaryExch, currency, localSymbol,
  //  tradingClass, includeExpired, endDateTime, barSize, duration, useRTH, whatToShow, formatDate, keepUpToDate, options]
  private reqHistoricalData(conn: Conn, f: readonly string[]): void {
    const reqId = Number(f[1]);
    if (this.historyPacing > 0) {
      this.historyPacing--;
      this.write(
        conn,
        errorMessage(
          reqId,
          162,
          "Historical Market Data Service error message:Historical data request pacing violation",
        ),
      );
      return;
    }
    const symbol = f[3] ?? "";
    const end = parseUtc(f[15] ?? "");
    const duration = /^(\d+) S$/.exec(f[17] ?? "");
    if (end === undefined || !duration || f[16] !== "5 secs" || f[20] !== "2") {
      this.write(conn, errorMessage(reqId, 321, `Error validating request: unsupported end/duration/bar size/format`));
      return;
    }
    const start = end - Number(duration[1]) * 1000;
    const bars = (this.history.get(symbol) ?? []).filter((b) => b.time >= start && b.time < end);
    if (bars.length === 0) {
      this.write(
        conn,
        errorMessage(reqId, 162, "Historical Market Data Service error message:HMDS query returned no data"),
      );
      return;
    }
    this.write(conn, historicalData(reqId, f[15] ?? "", f[15] ?? "", bars));
  }

  // [3, orderId, conId, symbol, secType, ltd, strike, right, multiplier, exchange, primaryExch, currency, localSymbol,
  //  tradingClass, secIdType, secId, action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, account,
  //  openClose, origin, orderRef, transmit, parentId, ...]
  private placeOrder(conn: Conn, f: readonly string[]): void {
    const order: ReceivedOrder = {
      conn: conn.id,
      clientId: conn.clientId ?? -1,
      orderId: Number(f[1]),
      symbol: f[3] ?? "",
      exchange: f[9] ?? "",
      primaryExchange: f[10] ?? "",
      currency: f[11] ?? "",
      action: f[16] === "SELL" ? "SELL" : "BUY",
      quantity: Number(f[17]),
      orderType: f[18] ?? "",
      lmtPrice: f[19] ?? "",
      auxPrice: f[20] ?? "",
      account: f[23] ?? "",
      orderRef: f[26] ?? "",
      transmit: f[27] === "1",
      parentId: Number(f[28] || 0),
      tif: f[21] ?? "",
      ocaGroup: f[22] ?? "",
    };
    if (this.orders.some((o) => o.clientId === order.clientId && o.orderId === order.orderId)) {
      // TWS refuses an order id this client used before (error 103); the order is not taken.
      this.duplicateIds.push(order);
      this.write(conn, errorMessage(order.orderId, 103, "Duplicate order id"));
      return;
    }
    this.orders.push(order);
    this.nextOrderId = Math.max(this.nextOrderId, order.orderId + 1);
    if (this.dropAfter?.which(order) && --this.dropAfter.left <= 0) {
      // TWS took this order and then the connection died: the order works on, its status never reaches the client.
      this.dropAfter = undefined;
      this.dropAll();
      return;
    }
    const cid = order.clientId;
    const plan = this.orderPlan(order);
    if (plan.kind === "reject") {
      this.closedOrders.set(order.orderId, "Inactive");
      this.write(conn, errorMessage(order.orderId, 201, `Order rejected - reason:${plan.reason}`));
      this.write(conn, orderStatus(order.orderId, "Inactive", 0, order.quantity, 0, cid));
      return;
    }
    this.write(conn, orderStatus(order.orderId, "Submitted", 0, order.quantity, 0, cid));
    if (plan.kind === "hold") return;
    let cum = 0;
    for (const part of plan.partials ?? [order.quantity]) {
      cum += part;
      this.execute(conn, order, part, plan.price, cum, plan.commission ?? 1);
    }
  }

  private execute(
    conn: Conn | undefined,
    order: ReceivedOrder,
    shares: number,
    price: number,
    cum: number,
    commission: number,
  ): void {
    const exec: ExecFields = {
      reqId: -1,
      orderId: order.orderId,
      symbol: order.symbol,
      execId: `0000e0d5.${String(++this.execSeq).padStart(8, "0")}.01.01`,
      time: "20240102 09:35:00 US/Eastern",
      account: order.account || (this.options.accounts ?? ["DU1234567"])[0] || "",
      side: order.action === "BUY" ? "BOT" : "SLD",
      shares,
      price,
      clientId: order.clientId,
      cumQty: cum,
      avgPrice: price,
      orderRef: order.orderRef,
    };
    this.executions.push(exec);
    this.commissions.set(exec.execId, commission);
    if (!conn) return;
    const remaining = order.quantity - cum;
    this.write(conn, execDetails(exec));
    this.write(
      conn,
      orderStatus(order.orderId, remaining > 0 ? "Submitted" : "Filled", cum, remaining, price, order.clientId, price),
    );
    this.write(conn, commissionReport(exec.execId, commission));
  }

  private cancelOrder(conn: Conn, orderId: number): void {
    const order = this.orders.find((o) => o.orderId === orderId);
    if (!order) {
      this.write(conn, errorMessage(orderId, 135, "Can't find order with id ="));
      return;
    }
    this.closedOrders.set(orderId, "Cancelled");
    this.write(conn, errorMessage(orderId, 202, "Order Canceled - reason:"));
    this.write(conn, orderStatus(orderId, "Cancelled", 0, order.quantity, 0, order.clientId));
  }

  // [61, version]: every position line, then the end marker.
  private reqPositions(conn: Conn): void {
    for (const p of this.positions) this.write(conn, positionData(p));
    if (this.options.trackPositions) for (const p of this.heldPositions()) this.write(conn, positionData(p));
    if (this.sendPositionEnd) this.write(conn, positionEnd());
  }

  /** Per account and symbol, the shares the executions hold and their average cost (trackPositions). */
  heldPositions(): PositionFields[] {
    const held = new Map<string, { account: string; symbol: string; position: number; avgCost: number }>();
    for (const e of this.executions) {
      const k = `${e.account}\u0000${e.symbol}`;
      const p = held.get(k) ?? { account: e.account, symbol: e.symbol, position: 0, avgCost: 0 };
      const signed = e.side === "BOT" ? e.shares : -e.shares;
      const next = p.position + signed;
      // Adding to a position averages its cost; reducing keeps it; crossing zero starts again at the price.
      if (p.position === 0 || Math.sign(p.position) === Math.sign(signed))
        p.avgCost = (p.avgCost * Math.abs(p.position) + e.price * e.shares) / Math.abs(next);
      else if (Math.sign(next) === -Math.sign(p.position)) p.avgCost = e.price;
      p.position = next;
      held.set(k, p);
    }
    return [...held.values()].filter((p) => p.position !== 0);
  }

  // [5 or 16, version]: OPEN_ORDER then ORDER_STATUS per working order, then the end marker (as TWS does).
  private reqOpenOrders(conn: Conn, clientId: number | undefined): void {
    for (const o of this.workingOrders(clientId)) {
      const filled = this.filled(o.orderId);
      this.write(
        conn,
        this.openOrderTransform(
          openOrder({
            orderId: o.orderId,
            clientId: o.clientId,
            symbol: o.symbol,
            action: o.action,
            quantity: o.quantity,
            orderType: o.orderType,
            lmtPrice: o.lmtPrice === "" ? "" : Number(o.lmtPrice),
            auxPrice: o.auxPrice === "" ? "" : Number(o.auxPrice),
            tif: o.tif,
            ocaGroup: o.ocaGroup,
            account: o.account,
            orderRef: o.orderRef,
            parentId: o.parentId,
            status: "Submitted",
          }),
        ),
      );
      this.write(conn, orderStatus(o.orderId, "Submitted", filled, o.quantity - filled, 0, o.clientId));
    }
    this.write(conn, openOrderEnd());
  }

  /** Orders completed today, any API client (`apiOnly`): cancelled, rejected or filled. */
  completedOrders(): { order: ReceivedOrder; status: string }[] {
    const out: { order: ReceivedOrder; status: string }[] = [];
    for (const o of this.orders) {
      const closed = this.closedOrders.get(o.orderId);
      if (closed !== undefined) out.push({ order: o, status: closed });
      else if (this.filled(o.orderId) >= o.quantity) out.push({ order: o, status: "Filled" });
    }
    return out;
  }

  // [99, apiOnly]: COMPLETED_ORDER per completed order, then the end marker.
  private reqCompletedOrders(conn: Conn): void {
    for (const { order: o, status } of this.completedOrders()) {
      this.write(
        conn,
        completedOrder({
          orderId: o.orderId,
          symbol: o.symbol,
          action: o.action,
          quantity: o.quantity,
          orderType: o.orderType,
          lmtPrice: o.lmtPrice === "" ? "" : Number(o.lmtPrice),
          auxPrice: o.auxPrice === "" ? "" : Number(o.auxPrice),
          tif: o.tif,
          ocaGroup: o.ocaGroup,
          account: o.account,
          orderRef: o.orderRef,
          status,
          filled: this.filled(o.orderId),
          completedTime: "20240102 09:35:00 US/Eastern",
          completedStatus: status,
        }),
      );
    }
    if (this.sendCompletedOrdersEnd) this.write(conn, completedOrdersEnd());
  }

  private filled(orderId: number): number {
    const executed = this.executions.filter((e) => e.orderId === orderId).reduce((s, e) => s + e.shares, 0);
    return (this.preFilled.get(orderId) ?? 0) + executed;
  }

  // [7, version, reqId, clientId, acctCode, time, symbol, secType, exchange, side]
  private reqExecutions(conn: Conn, reqId: number, clientId: number): void {
    // TWS answers with each execution followed by its commission report, then the end marker.
    for (const e of this.executions) {
      if (e.clientId !== clientId) continue;
      this.write(conn, execDetails({ ...e, reqId }));
      this.write(conn, commissionReport(e.execId, this.commissions.get(e.execId) ?? 0));
    }
    this.write(conn, execDetailsEnd(reqId));
  }

  private write(conn: Conn, fields: readonly Field[]): void {
    if (!conn.socket.destroyed && !conn.deaf) conn.socket.write(frame(fields));
  }

  private notifyConns(): void {
    const ws = [...this.connWaiters];
    this.connWaiters.clear();
    for (const w of ws) w();
  }
}

/** Parses `yyyyMMdd-HH:mm:ss` (UTC) as the client sends a request's end time. */
function parseUtc(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Starts a fake TWS on 127.0.0.1 (port 0 = any free port). */
export async function startFakeTws(options: FakeTwsOptions = {}): Promise<FakeTws> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake TWS: no TCP address");
  return new FakeTws(server, address.port, options);
}
