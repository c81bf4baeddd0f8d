import { z } from "zod";

/**
 * zod schemas of the @stoqey/ib event arguments the adapter uses. The
 * decoder turns whatever TWS sent into numbers with parseFloat/parseInt, so
 * a malformed message shows up here as NaN, a missing field or a wrong type;
 * such messages are counted and reported, never used.
 */
const Finite = z.number().refine(Number.isFinite, "must be a finite number");
const Int = z.number().int();
const NonNegative = Finite.refine((v) => v >= 0, "must be >= 0");

export const IncomingSchemas = {
  nextValidId: z.tuple([Int.nonnegative()]),
  managedAccounts: z.tuple([z.string()]),
  /** reqId, time (epoch s), open, high, low, close, volume, wap, count */
  realtimeBar: z
    .tuple([Int, Int.positive(), Finite, Finite, Finite, Finite, NonNegative.optional(), z.unknown(), z.unknown()])
    .rest(z.unknown()),
  /** reqId, date, open, high, low, close, volume, barCount, WAP, hasGaps */
  historicalData: z.tuple([Int, z.string(), Finite, Finite, Finite, Finite, Finite.optional()]).rest(z.unknown()),
  /** id, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice, clientId, whyHeld, mktCapPrice */
  orderStatus: z
    .tuple([Int, z.string().min(1), NonNegative.optional(), NonNegative.optional(), Finite.optional()])
    .rest(z.unknown()),
  /** reqId, contract, execution */
  execDetails: z
    .tuple([
      z.number(),
      z.looseObject({ symbol: z.string().min(1) }),
      z.looseObject({
        orderId: Int,
        execId: z.string().min(1),
        side: z.enum(["BOT", "SLD"]),
        shares: NonNegative.refine((v) => v > 0, "must be > 0"),
        price: Finite.refine((v) => v > 0, "must be > 0"),
        orderRef: z.string().optional(),
        /** Shares of the order filled up to and including this execution. */
        cumQty: NonNegative.optional(),
      }),
    ])
    .rest(z.unknown()),
  /** account, contract, position (signed shares), average cost per share */
  position: z
    .tuple([
      z.string(),
      z.looseObject({ symbol: z.string().min(1), secType: z.string().optional() }),
      Finite,
      Finite.optional(),
    ])
    .rest(z.unknown()),
  positionEnd: z.tuple([]).rest(z.unknown()),
  /** orderId, contract, order, orderState */
  openOrder: z
    .tuple([
      Int,
      z.looseObject({ symbol: z.string().min(1), secType: z.string().optional() }),
      z.looseObject({
        orderId: Int,
        action: z.string().min(1),
        totalQuantity: NonNegative,
        orderType: z.string().min(1),
        lmtPrice: Finite.optional(),
        auxPrice: Finite.optional(),
        account: z.string().optional(),
        orderRef: z.string().optional(),
        clientId: Int.optional(),
        parentId: Int.optional(),
      }),
      z.looseObject({ status: z.string().min(1) }),
    ])
    .rest(z.unknown()),
  openOrderEnd: z.tuple([]).rest(z.unknown()),
  /** contract, order, orderState: an order TWS completed today (filled, cancelled, inactive), any API client */
  completedOrder: z
    .tuple([
      z.looseObject({ symbol: z.string().min(1) }),
      z.looseObject({ orderRef: z.string().optional(), filledQuantity: NonNegative.optional() }),
      z.looseObject({ status: z.string().min(1), completedStatus: z.string().optional() }),
    ])
    .rest(z.unknown()),
  completedOrdersEnd: z.tuple([]).rest(z.unknown()),
  /** reqId */
  execDetailsEnd: z.tuple([Int]).rest(z.unknown()),
  commissionReport: z
    .tuple([z.looseObject({ execId: z.string().min(1), commission: NonNegative.optional() })])
    .rest(z.unknown()),
  /** error, code, reqId, advancedOrderReject */
  error: z.tuple([z.instanceof(Error), Int, Int.optional()]).rest(z.unknown()),
  /** message, code */
  info: z.tuple([z.string(), Int]).rest(z.unknown()),
} as const;

export type IncomingEvent = keyof typeof IncomingSchemas;
export type IncomingArgs<K extends IncomingEvent> = z.infer<(typeof IncomingSchemas)[K]>;
