import { BarSizeSetting, WhatToShow } from "@stoqey/ib";
import type { Clock, FeedBar, FeedEvent, FeedListener, MarketDataFeed, TimerHandle } from "@tradeplan/core";
import { RealClock } from "@tradeplan/core";
import { z } from "zod";
import { connectionFor, type IbConnection, type IbConnectionEvent } from "./connection.js";
import { StockContractOptionsSchema, stockContract } from "./contract.js";
import { IbError } from "./errors.js";
import type { IncomingArgs } from "./messages.js";
import { IbConnectionOptionsSchema } from "./options.js";
import { allocateRequestId } from "./request-ids.js";
import { twsUtcDateTime } from "./time.js";

const BAR_MS = 5_000;
/** Longest span one 5-second historical request may cover (IB's limit for this bar size). */
const MAX_CHUNK_S = 3_600;

/** Settings of {@link IbFeed}. */
export const IbFeedOptionsSchema = z
  .object({
    connection: IbConnectionOptionsSchema.default(IbConnectionOptionsSchema.parse({})),
    contracts: StockContractOptionsSchema.default(StockContractOptionsSchema.parse({})),
    whatToShow: z.enum(["TRADES", "MIDPOINT", "BID", "ASK"]).default("TRADES"),
    /** Regular trading hours only. */
    useRth: z.boolean().default(false),
  })
  .strict();

export type IbFeedOptions = z.input<typeof IbFeedOptionsSchema>;

/** What the feed and the broker take from their host (tests inject fakes). */
export interface IbFeedDeps {
  /** Share one connection (one client id) between the feed and the broker. */
  readonly connection?: IbConnection;
  readonly clock?: Clock;
  readonly random?: () => number;
}

interface Stream {
  reqId: number | undefined;
  retry: TimerHandle | undefined;
}

interface HistoryRequest {
  readonly symbol: string;
  readonly bars: FeedBar[];
  readonly resolve: (bars: FeedBar[]) => void;
  readonly reject: (e: Error) => void;
}

const BarDate = z.string().regex(/^\d{9,11}$/, "expected epoch seconds (formatDate 2)");

/**
 * Interactive Brokers market data: 5-second real-time bars per stock
 * (reqRealTimeBars) and 5-second historical bars for backfill
 * (reqHistoricalData). Subscriptions are renewed after every reconnect and
 * after TWS reports lost market data (1101); connection changes are passed
 * to listeners so a circuit breaker can halt trading and the session can
 * backfill the gap with {@link history}.
 */
export class IbFeed implements MarketDataFeed {
  readonly baseTimeframe = "5s";
  readonly connection: IbConnection;
  private readonly options: z.infer<typeof IbFeedOptionsSchema>;
  private readonly clock: Clock;
  private readonly listeners = new Set<{ symbols: ReadonlySet<string>; listener: FeedListener }>();
  private readonly streams = new Map<string, Stream>();
  private readonly bySymbolReq = new Map<number, string>();
  private readonly history$ = new Map<number, HistoryRequest>();
  private readonly unsubscribers: (() => void)[] = [];
  /** Whether this object made its connection (and so closes it on stop). */
  private readonly ownsConnection: boolean;
  private up = false;
  /** Incoming bars that failed validation (bad date, unknown request). */
  badBars = 0;

  /** @param options validated with `IbFeedOptionsSchema` (throws a ZodError naming the bad field) */
  constructor(options: IbFeedOptions = {}, deps: IbFeedDeps = {}) {
    this.options = IbFeedOptionsSchema.parse(options);
    this.clock = deps.clock ?? new RealClock();
    const { connection, owned } = connectionFor(this.options.connection, deps.connection, {
      clock: this.clock,
      ...(deps.random ? { random: deps.random } : {}),
    });
    this.connection = connection;
    this.ownsConnection = owned;
    this.unsubscribers.push(
      this.connection.onEvent((e) => this.onConnectionEvent(e)),
      this.connection.on("realtimeBar", (a) => this.onRealtimeBar(a)),
      this.connection.on("historicalData", (a) => this.onHistoricalData(a)),
      this.connection.on("error", ([err, code, reqId]) => this.onRequestError(reqId, code, err.message)),
    );
  }

  async start(): Promise<void> {
    if (this.connection.state === "idle") await this.connection.connect();
    else if (!this.connection.ready) {
      throw new IbError("IB_NOT_CONNECTED", `the shared connection is ${this.connection.state}`);
    }
    this.up = true;
  }

  subscribe(symbols: readonly string[], listener: FeedListener): () => void {
    const entry = { symbols: new Set(symbols), listener };
    this.listeners.add(entry);
    // A subscriber learns the state it starts in: a circuit breaker counts fresh bars toward closing only
    // once it has heard that the feed is connected (the replay and simulated feeds say so the same way).
    if (this.up) this.safe(listener, { type: "connection", state: "up", reason: "connected to TWS" });
    for (const s of symbols) {
      if (!this.streams.has(s)) {
        this.streams.set(s, { reqId: undefined, retry: undefined });
        this.request(s);
      }
    }
    return () => {
      this.listeners.delete(entry);
      for (const s of entry.symbols) if (![...this.listeners].some((l) => l.symbols.has(s))) this.dropStream(s);
    };
  }

  async history(symbol: string, from: number, to: number): Promise<FeedBar[]> {
    if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) {
      throw new IbError("IB_REQUEST_FAILED", `history(${symbol}): bad range [${from}, ${to})`);
    }
    const out: FeedBar[] = [];
    for (let chunkFrom = from; chunkFrom < to; chunkFrom += MAX_CHUNK_S * 1000) {
      const chunkTo = Math.min(to, chunkFrom + MAX_CHUNK_S * 1000);
      const bars = await this.historyChunk(symbol, chunkFrom, chunkTo);
      for (const b of bars) if (b.time >= from && b.time < to) out.push(b);
    }
    out.sort((a, b) => a.time - b.time);
    return out.filter((b, i) => i === 0 || out[i - 1]?.time !== b.time);
  }

  /** Detaches from the connection and closes it when this object created it (a shared one stays open); idempotent. */
  async stop(): Promise<void> {
    for (const u of this.unsubscribers.splice(0)) u();
    for (const s of [...this.streams.keys()]) this.dropStream(s);
    for (const [id, h] of this.history$) {
      this.history$.delete(id);
      h.reject(new IbError("IB_STOPPED", `history(${h.symbol}) interrupted: the feed stopped`));
    }
    this.listeners.clear();
    if (this.ownsConnection) await this.connection.close();
  }

  private async historyChunk(symbol: string, from: number, to: number, retries = 0): Promise<FeedBar[]> {
    try {
      return await this.requestHistory(symbol, from, to);
    } catch (e) {
      if (!(e instanceof IbError) || e.code !== "IB_PACING" || retries >= this.connection.options.maxPacingRetries) {
        throw e;
      }
      const delay = this.connection.pacingDelay();
      await new Promise<void>((resolve) => this.clock.setTimer(this.clock.now() + delay, resolve));
      const bars = await this.historyChunk(symbol, from, to, retries + 1);
      this.connection.pacingRecovered();
      return bars;
    }
  }

  private requestHistory(symbol: string, from: number, to: number): Promise<FeedBar[]> {
    return new Promise<FeedBar[]>((resolve, reject) => {
      const reqId = allocateRequestId();
      const seconds = Math.max(BAR_MS / 1000, Math.ceil((to - from) / 1000));
      const timer = this.clock.setTimer(this.clock.now() + this.connection.options.requestTimeoutMs, () => {
        if (!this.history$.delete(reqId)) return;
        this.connection.send("cancelHistoricalData", (api) => api.cancelHistoricalData(reqId));
        reject(new IbError("IB_REQUEST_TIMEOUT", `history(${symbol}) got no answer within the request timeout`));
      });
      const done =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          this.clock.clearTimer(timer);
          this.history$.delete(reqId);
          fn(v);
        };
      const req: HistoryRequest = { symbol, bars: [], resolve: done(resolve), reject: done(reject) };
      this.history$.set(reqId, req);
      const contract = stockContract(symbol, this.options.contracts);
      const sent = this.connection.send(
        "reqHistoricalData",
        (api) =>
          api.reqHistoricalData(
            reqId,
            contract,
            twsUtcDateTime(to),
            `${seconds} S`,
            BarSizeSetting.SECONDS_FIVE,
            WhatToShow[this.options.whatToShow],
            this.options.useRth,
            2,
            false,
          ),
        (reason) => req.reject(new IbError("IB_NOT_CONNECTED", `history(${symbol}) not sent: ${reason}`)),
      );
      if (!sent) req.reject(new IbError("IB_NOT_CONNECTED", `history(${symbol}): not connected to TWS`));
    });
  }

  private request(symbol: string): void {
    const stream = this.streams.get(symbol);
    if (!stream || !this.connection.ready) return;
    if (stream.reqId !== undefined) this.bySymbolReq.delete(stream.reqId);
    const reqId = allocateRequestId();
    stream.reqId = reqId;
    this.bySymbolReq.set(reqId, symbol);
    const contract = stockContract(symbol, this.options.contracts);
    this.connection.send("reqRealTimeBars", (api) =>
      api.reqRealTimeBars(reqId, contract, 5, WhatToShow[this.options.whatToShow], this.options.useRth),
    );
  }

  private dropStream(symbol: string): void {
    const stream = this.streams.get(symbol);
    if (!stream) return;
    this.streams.delete(symbol);
    if (stream.retry) this.clock.clearTimer(stream.retry);
    const reqId = stream.reqId;
    if (reqId === undefined) return;
    this.bySymbolReq.delete(reqId);
    this.connection.send("cancelRealTimeBars", (api) => api.cancelRealTimeBars(reqId));
  }

  private onConnectionEvent(e: IbConnectionEvent): void {
    if (e.type === "state") {
      if (e.state !== "ready" && this.up && e.state !== "connecting") {
        this.up = false;
        this.failHistory(e.reason);
        this.emitAll({ type: "connection", state: "down", reason: e.reason });
      }
      return;
    }
    if (e.type === "ready") {
      if (e.resubscribe) for (const s of this.streams.keys()) this.request(s);
      if (!this.up) {
        this.up = true;
        this.emitAll({ type: "connection", state: "up", reason: "connected to TWS" });
      }
      return;
    }
    if (e.type === "bad_message") {
      this.emitAll({ type: "error", code: "IB_BAD_MESSAGE", message: `${e.event}: ${e.reason}` });
    }
  }

  private failHistory(reason: string): void {
    for (const h of [...this.history$.values()]) {
      h.reject(new IbError("IB_NOT_CONNECTED", `history(${h.symbol}) interrupted: ${reason}`));
    }
  }

  private onRealtimeBar([reqId, time, open, high, low, close, volume]: IncomingArgs<"realtimeBar">): void {
    const symbol = this.bySymbolReq.get(reqId);
    if (symbol === undefined) {
      this.badBars++;
      return;
    }
    const t = time * 1000;
    this.emitBar({ symbol, time: t, closeTime: t + BAR_MS, open, high, low, close, volume: volume ?? 0 });
  }

  private onHistoricalData([reqId, date, open, high, low, close, volume]: IncomingArgs<"historicalData">): void {
    const req = this.history$.get(reqId);
    if (!req) return;
    if (date.startsWith("finished")) {
      req.resolve(req.bars);
      return;
    }
    if (!BarDate.safeParse(date).success) {
      this.badBars++;
      return;
    }
    const t = Number(date) * 1000;
    req.bars.push({ symbol: req.symbol, time: t, closeTime: t + BAR_MS, open, high, low, close, volume: volume ?? 0 });
  }

  private onRequestError(reqId: number | undefined, code: number, message: string): void {
    if (reqId === undefined || reqId < 0) return;
    const hist = this.history$.get(reqId);
    if (hist) {
      if (code === 162 && /pacing/i.test(message)) {
        hist.reject(new IbError("IB_PACING", `history(${hist.symbol}): ${message}`, code));
      } else if (code === 162 && /no data/i.test(message)) {
        hist.resolve([]);
      } else if (code === 420 || code === 100) {
        hist.reject(new IbError("IB_PACING", `history(${hist.symbol}): ${message}`, code));
      } else {
        hist.reject(new IbError("IB_REQUEST_FAILED", `history(${hist.symbol}): TWS error ${code}: ${message}`, code));
      }
      return;
    }
    const symbol = this.bySymbolReq.get(reqId);
    if (symbol === undefined) return;
    this.emitAll({ type: "error", code: `TWS_${code}`, message: `${symbol} real-time bars: ${message}` });
    if (code === 420 || code === 100 || code === 162) this.retryStream(symbol);
  }

  private retryStream(symbol: string): void {
    const stream = this.streams.get(symbol);
    if (!stream || stream.retry) return;
    const delay = this.connection.pacingDelay();
    stream.retry = this.clock.setTimer(this.clock.now() + delay, () => {
      stream.retry = undefined;
      this.request(symbol);
    });
  }

  private emitBar(bar: FeedBar): void {
    const stream = this.streams.get(bar.symbol);
    if (stream?.retry === undefined) this.connection.pacingRecovered();
    const e: FeedEvent = { type: "bar", bar };
    for (const l of this.listeners) if (l.symbols.has(bar.symbol)) this.safe(l.listener, e);
  }

  private emitAll(e: FeedEvent): void {
    for (const l of this.listeners) this.safe(l.listener, e);
  }

  private safe(listener: FeedListener, e: FeedEvent): void {
    try {
      listener(e);
    } catch {
      this.connection.counters.handlerErrors++;
    }
  }
}
