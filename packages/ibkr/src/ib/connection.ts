import { EventName, IBApi } from "@stoqey/ib";
import type { Clock, TimerHandle } from "@tradeplan/core";
import { RealClock } from "@tradeplan/core";
import { Backoff } from "./backoff.js";
import { classifyTwsCode, type TwsCodeAction } from "./error-codes.js";
import { IbError } from "./errors.js";
import { guardDecoder, guardFraming } from "./guard.js";
import { type IncomingArgs, type IncomingEvent, IncomingSchemas } from "./messages.js";
import { type IbConnectionInput, type IbConnectionOptions, IbConnectionOptionsSchema } from "./options.js";
import { TokenBucket } from "./token-bucket.js";

/**
 * `idle` before connect; `connecting` during the first attempt; `ready` when
 * the API handshake finished and TWS is connected to IB; `link_lost` while the
 * socket is up but TWS lost IB (1100); `reconnecting` after the socket was
 * lost; `stopped` after close; `failed` on a fatal error (326) or when the
 * reconnect attempts ran out.
 */
export type IbConnectionState = "idle" | "connecting" | "ready" | "link_lost" | "reconnecting" | "stopped" | "failed";

export type IbConnectionEvent =
  | { readonly type: "state"; readonly state: IbConnectionState; readonly reason: string }
  /** The connection became usable; `resubscribe` when market-data subscriptions were lost (new socket, or 1101). */
  | { readonly type: "ready"; readonly resubscribe: boolean }
  | {
      readonly type: "notice";
      readonly code: number;
      readonly message: string;
      readonly reqId: number | undefined;
      readonly action: TwsCodeAction;
    }
  | { readonly type: "bad_message"; readonly event: string; readonly reason: string };

export type IbConnectionListener = (event: IbConnectionEvent) => void;

/** Counters for logs and tests. */
export interface IbConnectionStats {
  /** Incoming messages that failed validation or decoding. */
  badMessages: number;
  /** Listener exceptions caught (a bug in a consumer, never fatal). */
  handlerErrors: number;
  /** Successful reconnects. */
  reconnects: number;
  /** Messages handed to the socket. */
  sent: number;
  /** Messages dropped unsent because the connection went down. */
  dropped: number;
  /** Heartbeats (reqCurrentTime) sent because TWS had been quiet. */
  heartbeats: number;
  /** Connections given up as dead because nothing at all came from TWS within `inboundTimeoutMs`. */
  silentDrops: number;
}

/** Test seams: the clock for timeouts and backoff, the jitter source. */
export interface IbConnectionDeps {
  readonly clock?: Clock;
  readonly random?: () => number;
  /** The configuration section the options come from (`broker.ib`), named in the connection's errors. */
  readonly setting?: string;
}

/**
 * The connection a feed or broker uses: the one it was handed (shared, one
 * client id for both, closed by its owner), or a new one of its own.
 */
export function connectionFor(
  options: IbConnectionInput,
  shared: IbConnection | undefined,
  deps: IbConnectionDeps & { readonly clock: Clock },
): { readonly connection: IbConnection; readonly owned: boolean } {
  if (shared !== undefined) return { connection: shared, owned: false };
  const { clock, random, setting } = deps;
  return {
    connection: new IbConnection(options, {
      clock,
      ...(random ? { random } : {}),
      ...(setting ? { setting } : {}),
    }),
    owned: true,
  };
}

type StickyHandler = { readonly event: IncomingEvent; readonly fn: (args: never) => void };

/**
 * One API session with TWS or IB Gateway through @stoqey/ib, with a fixed
 * client id. It owns connecting (with a timeout: a TWS that accepts the TCP
 * connection but never answers the handshake is given up on), reconnecting
 * with exponential backoff and jitter, TWS system codes (1100/1101/1102,
 * 326, 502/504, pacing), the outgoing rate limit, and validation of every
 * incoming message.
 *
 * A watchdog guards the inbound stream: a socket that stays open while
 * nothing arrives (a wedged stream behind a giant length prefix, a peer
 * gone without closing) would otherwise look ready while every order sent
 * on it is lost. After `heartbeatMs` of quiet it asks TWS for its time;
 * after `inboundTimeoutMs` without any message the connection is dropped
 * and re-established.
 *
 * Each attempt uses a fresh IBApi: the library queues requests made while it
 * is disconnected and sends them once a connection is back, and nothing
 * decided during an outage may go out later.
 */
export class IbConnection {
  readonly options: IbConnectionOptions;
  readonly counters: IbConnectionStats = {
    badMessages: 0,
    handlerErrors: 0,
    reconnects: 0,
    sent: 0,
    dropped: 0,
    heartbeats: 0,
    silentDrops: 0,
  };
  private readonly clock: Clock;
  private readonly setting: string | undefined;
  private readonly backoff: Backoff;
  private readonly pacing: Backoff;
  private readonly bucket: TokenBucket;
  private readonly listeners = new Set<IbConnectionListener>();
  private readonly sticky = new Set<StickyHandler>();
  private api: IBApi | undefined;
  private attemptId = 0;
  private stateValue: IbConnectionState = "idle";
  private connectTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private watchdogTimer: TimerHandle | undefined;
  /** Clock time of the last message from TWS on the current socket. */
  private lastInbound = 0;
  /** False from a heartbeat until the next message from TWS: one heartbeat per quiet stretch. */
  private heardSinceHeartbeat = true;
  /** Whether the current attempt's TCP connection is open (the client sent its handshake). */
  private tcpConnected = false;
  private firstConnect: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private nextId = 0;
  private everReady = false;
  private accountsValue: readonly string[] = [];

  /** @param options validated with `IbConnectionOptionsSchema` (throws a ZodError naming the bad field) */
  constructor(options: IbConnectionInput = {}, deps: IbConnectionDeps = {}) {
    this.options = IbConnectionOptionsSchema.parse(options);
    this.clock = deps.clock ?? new RealClock();
    this.setting = deps.setting;
    this.backoff = new Backoff(this.options.reconnect, deps.random);
    this.pacing = new Backoff(this.options.reconnect, deps.random);
    this.bucket = new TokenBucket(this.clock, this.options.maxMessagesPerSecond, this.options.burst);
  }

  get state(): IbConnectionState {
    return this.stateValue;
  }

  /** Whether requests and orders can be sent now (socket up, handshake done, TWS connected to IB). */
  get ready(): boolean {
    return this.stateValue === "ready";
  }

  /** Accounts TWS reported for this login. */
  get accounts(): readonly string[] {
    return this.accountsValue;
  }

  /** Delay to wait before retrying a request refused for pacing; grows until {@link pacingRecovered}. */
  pacingDelay(): number {
    return this.pacing.next();
  }

  pacingRecovered(): void {
    this.pacing.reset();
  }

  onEvent(listener: IbConnectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Listens to an incoming message kind on this and every later socket.
   * The handler only sees messages that passed validation.
   */
  on<K extends IncomingEvent>(event: K, fn: (args: IncomingArgs<K>) => void): () => void {
    const h: StickyHandler = { event, fn: fn as (args: never) => void };
    this.sticky.add(h);
    if (this.api) this.attach(this.api, h);
    return () => {
      this.sticky.delete(h);
    };
  }

  /**
   * Connects. Resolves when TWS answered the handshake and sent the first
   * order id; rejects with IB_CONNECT_TIMEOUT, IB_CONNECT_FAILED or
   * IB_CLIENT_ID_IN_USE. After it resolved, lost connections are
   * re-established in the background.
   */
  connect(): Promise<void> {
    if (this.stateValue !== "idle") {
      return Promise.reject(new IbError("IB_CONNECT_FAILED", `connect called in state ${this.stateValue}`));
    }
    return new Promise<void>((resolve, reject) => {
      this.firstConnect = { resolve, reject };
      this.setState("connecting", `connecting to ${this.options.host}:${this.options.port}`);
      this.attempt();
    });
  }

  /** Disconnects for good; idempotent. */
  async close(): Promise<void> {
    if (this.stateValue === "stopped") return;
    this.clearTimers();
    this.teardown();
    this.failFirst(new IbError("IB_STOPPED", "the connection was closed before it was established"));
    this.setState("stopped", "closed by the caller");
  }

  /** A fresh order id (from TWS's next valid id, counted up locally). */
  allocateOrderId(): number {
    return this.nextId++;
  }

  /**
   * Sends a request through the rate limit. Returns false (and sends
   * nothing) when the connection is not ready. A request still waiting for
   * its turn when the connection drops is discarded and `onDrop` is called.
   */
  send(label: string, fn: (api: IBApi) => void, onDrop?: (reason: string) => void): boolean {
    if (!this.ready || !this.api) return false;
    const attempt = this.attemptId;
    this.bucket.submit(
      () => {
        const api = this.api;
        if (!api || attempt !== this.attemptId || !this.ready) {
          this.counters.dropped++;
          onDrop?.("not connected");
          return;
        }
        this.counters.sent++;
        try {
          fn(api);
        } catch (e) {
          this.emit({ type: "bad_message", event: `send:${label}`, reason: errText(e) });
        }
      },
      (reason) => {
        this.counters.dropped++;
        onDrop?.(reason);
      },
    );
    return true;
  }

  private attempt(): void {
    this.teardown();
    const id = ++this.attemptId;
    // Every setting given here: @stoqey/ib falls back to its configuration module for a missing one, and loading
    // that module runs dotenv, which reads a `.env` in the current folder into process.env.
    const api = new IBApi({
      host: this.options.host,
      port: this.options.port,
      clientId: this.options.clientId,
      maxReqPerSec: 50,
    });
    this.api = api;
    if (!guardDecoder(api, (reason) => this.badMessage("decoder", reason))) {
      this.emit({
        type: "bad_message",
        event: "guard",
        reason: "could not install the decoder guard: @stoqey/ib internals changed",
      });
    }
    const current = () => id === this.attemptId;
    if (!guardFraming(api, (reason) => current() && this.corruptStream(reason))) {
      this.emit({
        type: "bad_message",
        event: "guard",
        reason: "could not install the framing guard: @stoqey/ib internals changed",
      });
    }
    for (const h of this.sticky) this.attach(api, h);
    this.attach(
      api,
      {
        event: "nextValidId",
        fn: ([orderId]: IncomingArgs<"nextValidId">) => current() && this.onNextValidId(orderId),
      },
      false,
    );
    this.attach(
      api,
      {
        event: "managedAccounts",
        fn: ([list]: IncomingArgs<"managedAccounts">) => {
          if (current()) this.accountsValue = list.split(",").filter((a) => a.length > 0);
        },
      },
      false,
    );
    this.attach(
      api,
      {
        event: "error",
        fn: ([err, code, reqId]: IncomingArgs<"error">) => current() && this.onCode(code, err.message, reqId),
      },
      false,
    );
    this.attach(
      api,
      {
        event: "info",
        fn: ([message, code]: IncomingArgs<"info">) => current() && this.onCode(code, message, undefined),
      },
      false,
    );
    api.on(EventName.disconnected, () => {
      if (current()) this.onSocketClosed("the socket to TWS closed");
    });
    this.tcpConnected = false;
    // The client's first write is its handshake, sent once the TCP connection is open.
    api.on(EventName.sent, () => {
      if (current()) this.tcpConnected = true;
    });
    api.on(EventName.received, () => {
      if (!current()) return;
      this.lastInbound = this.clock.now();
      this.heardSinceHeartbeat = true;
    });
    this.connectTimer = this.clock.setTimer(this.clock.now() + this.options.connectTimeoutMs, () => {
      this.connectTimer = undefined;
      if (!current()) return;
      this.attemptFailed(this.connectTimeoutError());
    });
    api.connect(this.options.clientId);
  }

  private attach(api: IBApi, h: StickyHandler, sticky = true): void {
    const schema = IncomingSchemas[h.event];
    // One generic listener per kind: the typed overloads of IBApi.on cannot take a kind chosen at run time.
    Reflect.apply(api.on, api, [
      h.event,
      (...args: unknown[]) => {
        // A handler removed with the function `on` returned stays attached to the current socket; skip it.
        if (sticky && !this.sticky.has(h)) return;
        const parsed = schema.safeParse(args);
        if (!parsed.success) {
          this.badMessage(h.event, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
          return;
        }
        try {
          (h.fn as (a: unknown) => void)(parsed.data);
        } catch (e) {
          this.counters.handlerErrors++;
          this.emit({ type: "bad_message", event: `handler:${h.event}`, reason: errText(e) });
        }
      },
    ]);
  }

  private connectTimeoutError(): IbError {
    const { host, port, connectTimeoutMs } = this.options;
    if (!this.tcpConnected) {
      return new IbError("IB_CONNECT_TIMEOUT", `no TCP connection to ${host}:${port} within ${connectTimeoutMs} ms`, {
        fix: `check host (the machine of TWS or IB Gateway), that it is up, and that no firewall drops port ${port}`,
      });
    }
    return new IbError(
      "IB_CONNECT_TIMEOUT",
      `${host}:${port} accepted the connection but sent no API handshake within ${connectTimeoutMs} ms`,
      {
        fix: `make port the API socket port of TWS or IB Gateway (${PORTS}), enable its API, close any dialog it shows`,
      },
    );
  }

  private onNextValidId(orderId: number): void {
    this.nextId = Math.max(this.nextId, orderId);
    if (this.stateValue === "ready" || this.stateValue === "link_lost") return;
    if (this.connectTimer) this.clock.clearTimer(this.connectTimer);
    this.connectTimer = undefined;
    this.lastInbound = this.clock.now();
    this.heardSinceHeartbeat = true;
    this.armWatchdog(this.lastInbound + this.options.heartbeatMs);
    if (this.everReady) this.counters.reconnects++;
    this.everReady = true;
    this.backoff.reset();
    this.setState("ready", `connected to ${this.options.host}:${this.options.port} as client ${this.options.clientId}`);
    const first = this.firstConnect;
    this.firstConnect = undefined;
    first?.resolve();
    this.emit({ type: "ready", resubscribe: true });
  }

  private onCode(code: number, message: string, reqId: number | undefined): void {
    // 505 is @stoqey/ib's own code for a message it could not decode (underrun, unknown id, left-over fields).
    if (code === 505) this.badMessage("decoder", message);
    const action = classifyTwsCode(code, message);
    const scoped = reqId !== undefined && reqId >= 0 ? reqId : undefined;
    this.emit({ type: "notice", code, message, reqId: scoped, action });
    switch (action) {
      case "client_id_in_use":
        this.fatal(
          new IbError(
            "IB_CLIENT_ID_IN_USE",
            `client id ${this.options.clientId} is already connected to TWS (${code}: ${message})`,
            {
              twsCode: code,
              fix: "give clientId a number no other API session of this TWS uses, or stop the other session",
            },
          ),
        );
        return;
      case "link_lost":
        if (this.stateValue === "ready") {
          this.bucket.dropAll("not connected");
          this.setState("link_lost", `TWS lost its connection to IB (${code}: ${message})`);
        }
        return;
      case "link_restored":
      case "link_restored_data_lost":
        if (this.stateValue === "link_lost") {
          this.setState("ready", `TWS connection to IB restored (${code}: ${message})`);
          this.emit({ type: "ready", resubscribe: action === "link_restored_data_lost" });
        }
        return;
      case "socket_failed":
        if (this.stateValue === "connecting" || this.stateValue === "reconnecting") {
          this.attemptFailed(this.connectFailedError(code, message));
        } else if (code !== 504) {
          this.onSocketClosed(`${code}: ${message}`);
        }
        return;
      case "pacing":
        if (scoped === undefined) this.bucket.pause(this.pacing.next());
        return;
      default:
        return;
    }
  }

  private connectFailedError(code: number, message: string): IbError {
    const { host, port } = this.options;
    const at = `${host}:${port}`;
    if (/ECONNREFUSED/.test(message)) {
      return new IbError("IB_CONNECT_FAILED", `nothing listens at ${at} (${message})`, {
        twsCode: code,
        fix: `start TWS or IB Gateway, or make port its API socket port (${PORTS})`,
      });
    }
    if (/ENOTFOUND|EAI_AGAIN/.test(message)) {
      return new IbError("IB_CONNECT_FAILED", `the host ${host} is unknown (${message})`, {
        twsCode: code,
        fix: "make host the name or address of the machine TWS or IB Gateway runs on",
      });
    }
    if (/EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EHOSTDOWN/.test(message)) {
      return new IbError("IB_CONNECT_FAILED", `cannot reach ${at} (${message})`, {
        twsCode: code,
        fix: `check host, the network to it, and that no firewall drops port ${port}`,
      });
    }
    return new IbError("IB_CONNECT_FAILED", `cannot connect to ${at}: ${message}`, {
      twsCode: code,
      fix: `check host and port (${PORTS}) and that TWS or IB Gateway is running`,
    });
  }

  /** Called when nothing came from TWS for a while: ask for its time once per quiet stretch; give up after the bound. */
  private armWatchdog(at: number): void {
    if (this.watchdogTimer) this.clock.clearTimer(this.watchdogTimer);
    const attempt = this.attemptId;
    this.watchdogTimer = this.clock.setTimer(at, () => {
      this.watchdogTimer = undefined;
      if (attempt === this.attemptId && (this.stateValue === "ready" || this.stateValue === "link_lost")) {
        this.checkInbound();
      }
    });
  }

  private checkInbound(): void {
    const { heartbeatMs, inboundTimeoutMs } = this.options;
    const now = this.clock.now();
    const quiet = now - this.lastInbound;
    if (quiet >= inboundTimeoutMs) {
      this.counters.silentDrops++;
      this.onSocketClosed(
        `nothing came from TWS for ${quiet} ms, not even the answer to a heartbeat: the connection is treated as dead`,
      );
      return;
    }
    if (quiet < heartbeatMs) {
      this.armWatchdog(this.lastInbound + heartbeatMs);
      return;
    }
    if (this.heardSinceHeartbeat) {
      this.heardSinceHeartbeat = false;
      this.counters.heartbeats++;
      // Straight to the socket, not through the rate limit: a queue of orders must not delay the liveness check.
      try {
        this.api?.reqCurrentTime();
      } catch (e) {
        this.emit({ type: "bad_message", event: "send:reqCurrentTime", reason: errText(e) });
      }
    }
    // Look again one interval later (the answer resets the quiet stretch), and at the bound at the latest.
    this.armWatchdog(Math.min(this.lastInbound + inboundTimeoutMs, now + heartbeatMs));
  }

  /** The bytes from TWS cannot be framed any more: nothing after them can be read, so the socket is given up. */
  private corruptStream(reason: string): void {
    this.badMessage("framing", reason);
    this.onSocketClosed(`the stream from TWS is corrupt (${reason}); nothing after it can be read`);
  }

  private onSocketClosed(reason: string): void {
    if (this.stateValue === "connecting" || this.stateValue === "reconnecting") {
      const { host, port } = this.options;
      this.attemptFailed(
        new IbError("IB_CONNECT_FAILED", `${host}:${port} closed the connection during the API handshake (${reason})`, {
          fix: "in TWS or IB Gateway, enable the API, add this machine to the Trusted IPs, and untick Read-Only API",
        }),
      );
      return;
    }
    if (this.stateValue !== "ready" && this.stateValue !== "link_lost") return;
    this.teardown();
    this.setState("reconnecting", `connection lost: ${reason}`);
    this.scheduleReconnect();
  }

  private attemptFailed(error: IbError): void {
    if (this.connectTimer) this.clock.clearTimer(this.connectTimer);
    this.connectTimer = undefined;
    this.teardown();
    if (this.stateValue === "connecting") {
      this.setState("failed", error.message);
      this.failFirst(error);
      return;
    }
    if (this.stateValue === "reconnecting") this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const max = this.options.maxReconnectAttempts;
    if (max > 0 && this.backoff.attempts >= max) {
      this.setState("failed", `gave up after ${max} reconnect attempts`);
      return;
    }
    if (this.reconnectTimer) return;
    const delay = this.backoff.next();
    this.reconnectTimer = this.clock.setTimer(this.clock.now() + delay, () => {
      this.reconnectTimer = undefined;
      if (this.stateValue === "reconnecting") this.attempt();
    });
  }

  private fatal(error: IbError): void {
    this.clearTimers();
    this.teardown();
    this.setState("failed", error.message);
    this.failFirst(error);
  }

  private failFirst(error: IbError): void {
    const first = this.firstConnect;
    this.firstConnect = undefined;
    first?.reject(this.setting ? error.inSetting(this.setting) : error);
  }

  private teardown(): void {
    const api = this.api;
    this.api = undefined;
    this.attemptId++;
    if (this.watchdogTimer) this.clock.clearTimer(this.watchdogTimer);
    this.watchdogTimer = undefined;
    this.bucket.dropAll("not connected");
    if (!api) return;
    api.removeAllListeners();
    api.disconnect();
  }

  private clearTimers(): void {
    if (this.connectTimer) this.clock.clearTimer(this.connectTimer);
    if (this.reconnectTimer) this.clock.clearTimer(this.reconnectTimer);
    this.connectTimer = undefined;
    this.reconnectTimer = undefined;
  }

  private badMessage(event: string, reason: string): void {
    this.counters.badMessages++;
    this.emit({ type: "bad_message", event, reason });
  }

  private setState(state: IbConnectionState, reason: string): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit({ type: "state", state, reason });
  }

  private emit(e: IbConnectionEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        this.counters.handlerErrors++;
      }
    }
  }
}

/** The API socket ports, for messages that ask to fix one. */
const PORTS = "TWS 7497 paper / 7496 live, IB Gateway 4002 paper / 4001 live";

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
