import { z } from "zod";

const PositiveInt = z.number().int().positive();

/** Reconnect backoff: `initialDelayMs * factor^attempt`, capped at `maxDelayMs`, each delay jittered down by up to `jitter`. */
export const BackoffOptionsSchema = z
  .object({
    initialDelayMs: PositiveInt.default(1_000),
    maxDelayMs: PositiveInt.default(60_000),
    factor: z.number().min(1).max(10).default(2),
    /** Fraction (0..1) of each delay that is randomized, so many clients do not retry in lockstep. */
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .strict();

export type BackoffOptions = z.infer<typeof BackoffOptionsSchema>;

/** Connection settings of the IBKR adapter (TWS or IB Gateway). */
export const IbConnectionOptionsSchema = z
  .object({
    host: z.string().min(1).default("127.0.0.1"),
    /** TWS: 7497 paper / 7496 live; IB Gateway: 4002 paper / 4001 live. */
    port: z.number().int().min(0).max(65_535).default(7497),
    /** Fixed API client id; a second connection with the same id is refused by TWS (code 326). */
    clientId: z.number().int().min(0).max(2_147_483_647).default(1),
    /** How long connect waits for the handshake and the first order id before giving up. */
    connectTimeoutMs: PositiveInt.default(10_000),
    /** Account orders go to; required when the login manages several accounts. */
    account: z.string().min(1).optional(),
    /** Outgoing message limit; IB allows 50 per second. */
    maxMessagesPerSecond: z.number().int().min(1).max(50).default(50),
    /** Messages that may go out at once before the rate limit applies. */
    burst: z.number().int().min(1).max(50).default(10),
    reconnect: BackoffOptionsSchema.default(BackoffOptionsSchema.parse({})),
    /** Reconnect attempts after the connection was lost; 0 = never give up. */
    maxReconnectAttempts: z.number().int().min(0).default(0),
    /** How long a single request (historical data) may take. */
    requestTimeoutMs: PositiveInt.default(60_000),
    /** Retries of a request refused for pacing (162, 420, 100) before it fails. */
    maxPacingRetries: z.number().int().min(0).max(20).default(5),
    /** After this long without any message from TWS, ask for its time (reqCurrentTime) so a quiet session still hears from it. */
    heartbeatMs: PositiveInt.default(10_000),
    /**
     * No message at all from TWS for this long, not even the answer to a
     * heartbeat: the connection is dead although the socket looks open (a
     * wedged stream, a peer gone without closing). It stops being ready,
     * orders are refused, and it reconnects.
     */
    inboundTimeoutMs: PositiveInt.default(30_000),
  })
  .strict()
  .refine((o) => o.inboundTimeoutMs > o.heartbeatMs, {
    message: "inboundTimeoutMs must be longer than heartbeatMs (a heartbeat needs time to be answered)",
    path: ["inboundTimeoutMs"],
  });

export type IbConnectionOptions = z.infer<typeof IbConnectionOptionsSchema>;
export type IbConnectionInput = z.input<typeof IbConnectionOptionsSchema>;

/**
 * Whether two connection settings name the same API session at TWS: the
 * same host, port and client id. TWS refuses a second connection of such a
 * session (326), so a feed and a broker with these settings must share one.
 */
export function sameApiSession(a: IbConnectionOptions, b: IbConnectionOptions): boolean {
  return a.host === b.host && a.port === b.port && a.clientId === b.clientId;
}
