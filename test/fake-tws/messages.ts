/**
 * Server messages at server version 193, in the field order @stoqey/ib
 * 1.6.10's decoder reads them (core/io/decoder.js). Message ids are TWS's
 * IN_MSG_ID values.
 */
export type Field = string | number | boolean | undefined;

export const IN = {
  ORDER_STATUS: 3,
  ERR_MSG: 4,
  OPEN_ORDER: 5,
  NEXT_VALID_ID: 9,
  EXECUTION_DATA: 11,
  MANAGED_ACCTS: 15,
  HISTORICAL_DATA: 17,
  REAL_TIME_BARS: 50,
  OPEN_ORDER_END: 53,
  EXECUTION_DATA_END: 55,
  COMMISSION_REPORT: 59,
  POSITION_DATA: 61,
  POSITION_END: 62,
  CURRENT_TIME: 49,
  HISTORICAL_DATA_UPDATE: 90,
  COMPLETED_ORDER: 101,
  COMPLETED_ORDERS_END: 102,
} as const;

/** Client message ids (OUT_MSG_ID). */
export const OUT = {
  PLACE_ORDER: 3,
  CANCEL_ORDER: 4,
  REQ_OPEN_ORDERS: 5,
  REQ_EXECUTIONS: 7,
  REQ_IDS: 8,
  REQ_ALL_OPEN_ORDERS: 16,
  REQ_HISTORICAL_DATA: 20,
  CANCEL_HISTORICAL_DATA: 25,
  REQ_REAL_TIME_BARS: 50,
  CANCEL_REAL_TIME_BARS: 51,
  REQ_CURRENT_TIME: 49,
  REQ_POSITIONS: 61,
  START_API: 71,
  REQ_COMPLETED_ORDERS: 99,
} as const;

export const nextValidId = (id: number): Field[] => [IN.NEXT_VALID_ID, 1, id];
/** CURRENT_TIME version 1: epoch seconds (the answer to reqCurrentTime, the client's heartbeat). */
export const currentTime = (epochSeconds: number): Field[] => [IN.CURRENT_TIME, 1, epochSeconds];
export const managedAccounts = (accounts: readonly string[]): Field[] => [IN.MANAGED_ACCTS, 1, accounts.join(",")];

/** ERR_MSG version 2: id, code, message, advanced-order-reject JSON (server >= ADVANCED_ORDER_REJECT). */
export const errorMessage = (id: number, code: number, message: string, advancedJson = ""): Field[] => [
  IN.ERR_MSG,
  2,
  id,
  code,
  message,
  advancedJson,
];

/** ORDER_STATUS without a version field (server >= MARKET_CAP_PRICE). */
export const orderStatus = (
  orderId: number,
  status: string,
  filled: number,
  remaining: number,
  avgFillPrice: number,
  clientId: number,
  lastFillPrice = 0,
): Field[] => [
  IN.ORDER_STATUS,
  orderId,
  status,
  filled,
  remaining,
  avgFillPrice,
  1000 + orderId,
  0,
  lastFillPrice,
  clientId,
  "",
  0,
];

export interface ExecFields {
  readonly reqId: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly execId: string;
  readonly time: string;
  readonly account: string;
  readonly side: "BOT" | "SLD";
  readonly shares: number;
  readonly price: number;
  readonly clientId: number;
  readonly cumQty: number;
  readonly avgPrice: number;
  readonly orderRef: string;
}

/** EXECUTION_DATA without a version field (server >= LAST_LIQUIDITY): every optional block is present. */
export const execDetails = (e: ExecFields): Field[] => [
  IN.EXECUTION_DATA,
  e.reqId,
  e.orderId,
  // contract: conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, currency, localSymbol, tradingClass
  265598,
  e.symbol,
  "STK",
  "",
  0,
  "",
  "",
  "ISLAND",
  "USD",
  e.symbol,
  "NMS",
  // execution: execId, time, account, exchange, side, shares, price, permId, clientId, liquidation, cumQty, avgPrice,
  // orderRef, evRule, evMultiplier, modelCode, lastLiquidity, pendingPriceRevision
  e.execId,
  e.time,
  e.account,
  "ISLAND",
  e.side,
  e.shares,
  e.price,
  1000 + e.orderId,
  e.clientId,
  0,
  e.cumQty,
  e.avgPrice,
  e.orderRef,
  "",
  "",
  "",
  1,
  0,
];

export const execDetailsEnd = (reqId: number): Field[] => [IN.EXECUTION_DATA_END, 1, reqId];

/** COMMISSION_REPORT: execId, commission, currency, realized P&L, yield, yield redemption date. */
export const commissionReport = (execId: string, commission: number): Field[] => [
  IN.COMMISSION_REPORT,
  1,
  execId,
  commission,
  "USD",
  "1.7976931348623157E308",
  "1.7976931348623157E308",
  "",
];

export interface WireBar {
  /** Bar open, epoch ms. */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** REAL_TIME_BARS version 3: reqId, time (epoch s), open, high, low, close, volume, wap, count. */
export const realTimeBar = (reqId: number, b: WireBar): Field[] => [
  IN.REAL_TIME_BARS,
  3,
  reqId,
  Math.floor(b.time / 1000),
  b.open,
  b.high,
  b.low,
  b.close,
  b.volume,
  b.close,
  1,
];

/**
 * HISTORICAL_DATA without a version field (server >= SYNT_REALTIME_BARS): reqId,
 * start, end, count, then per bar date, open, high, low, close, volume, WAP, barCount.
 * Dates are epoch seconds (the client asks with formatDate 2).
 */
export const historicalData = (reqId: number, start: string, end: string, bars: readonly WireBar[]): Field[] => [
  IN.HISTORICAL_DATA,
  reqId,
  start,
  end,
  bars.length,
  ...bars.flatMap((b) => [Math.floor(b.time / 1000), b.open, b.high, b.low, b.close, b.volume, b.close, 1]),
];

export interface PositionFields {
  readonly account: string;
  readonly symbol: string;
  readonly secType?: string;
  /** Signed shares. */
  readonly position: number | string;
  readonly avgCost: number | string;
}

/**
 * POSITION_DATA version 3: account, contract (conId, symbol, secType, lastTradeDate, strike, right, multiplier,
 * exchange, currency, localSymbol, tradingClass), position, average cost.
 */
export const positionData = (p: PositionFields): Field[] => [
  IN.POSITION_DATA,
  3,
  p.account,
  265598,
  p.symbol,
  p.secType ?? "STK",
  "",
  0,
  "",
  "",
  "",
  "USD",
  p.symbol,
  "NMS",
  p.position,
  p.avgCost,
];

export const positionEnd = (): Field[] => [IN.POSITION_END, 1];

export interface OpenOrderFields {
  readonly orderId: number;
  readonly clientId: number;
  readonly symbol: string;
  readonly action: "BUY" | "SELL";
  readonly quantity: number;
  readonly orderType: string;
  /** Empty string: no price (the decoder reads it as undefined). */
  readonly lmtPrice: number | "";
  readonly auxPrice: number | "";
  readonly tif: string;
  readonly ocaGroup: string;
  readonly account: string;
  readonly orderRef: string;
  readonly parentId: number;
  readonly status: string;
}

/**
 * OPEN_ORDER without a version field (server >= ORDER_CONTAINER, so the decoder's version is the server version
 * 193 and every versioned block is present), for a plain stock order: no delta-neutral, combo, scale, hedge,
 * algo, condition or pegged-to-benchmark blocks, whose counts or selectors are sent empty.
 */
export const openOrder = (o: OpenOrderFields): Field[] => [
  IN.OPEN_ORDER,
  o.orderId,
  // contract: conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, currency, localSymbol,
  // tradingClass
  265598,
  o.symbol,
  "STK",
  "",
  0,
  "",
  "",
  "SMART",
  "USD",
  o.symbol,
  "NMS",
  // action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, account, openClose, origin, orderRef,
  // clientId, permId, outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation (skipped)
  o.action,
  o.quantity,
  o.orderType,
  o.lmtPrice,
  o.auxPrice,
  o.tif,
  o.ocaGroup,
  o.account,
  "",
  0,
  o.orderRef,
  o.clientId,
  1000 + o.orderId,
  0,
  0,
  0,
  "",
  "",
  // faGroup, faMethod, faPercentage (no faProfile at >= FA_PROFILE_DESUPPORT), modelCode, goodTillDate, rule80A,
  // percentOffset, settlingFirm, shortSaleSlot, designatedLocation, exemptCode, auctionStrategy
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  0,
  "",
  -1,
  0,
  // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper, displaySize, blockOrder, sweepToFill,
  // allOrNone, minQty, ocaType, eTradeOnly, firmQuoteOnly, nbboPriceCap, parentId, triggerMethod
  "",
  "",
  "",
  "",
  "",
  "",
  0,
  0,
  0,
  "",
  o.ocaGroup ? 1 : 0,
  0,
  0,
  "",
  o.parentId,
  0,
  // volatility, volatilityType, deltaNeutralOrderType (empty: no delta-neutral fields), deltaNeutralAuxPrice,
  // continuousUpdate, referencePriceType
  "",
  0,
  "",
  "",
  0,
  0,
  // trailStopPrice, trailingPercent, basisPoints, basisPointsType, comboLegsDescription, comboLegs count,
  // orderComboLegs count, smartComboRoutingParams count
  "",
  "",
  "",
  "",
  "",
  0,
  0,
  0,
  // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (empty: no further scale fields), hedgeType (empty:
  // no hedgeParam), optOutSmartRouting, clearingAccount, clearingIntent, notHeld, deltaNeutralContract flag,
  // algoStrategy (empty: no params), solicited
  "",
  "",
  "",
  "",
  0,
  "",
  "",
  0,
  0,
  "",
  0,
  // whatIf, status, 6 margin-before/change fields (>= WHAT_IF_EXT_FIELDS), 3 margin-after fields, commission,
  // minCommission, maxCommission, commissionCurrency, warningText
  0,
  o.status,
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  // randomizeSize, randomizePrice, conditions count (0: no ignoreRth/cancelOrder flags)
  0,
  0,
  0,
  // adjustedOrderType, triggerPrice, trailStopPrice, lmtPriceOffset, adjustedStopPrice, adjustedStopLimitPrice,
  // adjustedTrailingAmount, adjustableTrailingUnit
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  0,
  // softDollarTier name, value, displayName; cashQty; dontUseAutoPriceForHedge; isOmsContainer;
  // discretionaryUpToLimitPrice; usePriceMgmtAlgo; duration; postToAts; autoCancelParent
  "",
  "",
  "",
  "",
  0,
  0,
  0,
  0,
  "",
  "",
  0,
  // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf, customerAccount,
  // professionalCustomer, bondAccruedInterest, includeOvernight, extOperator, manualOrderIndicator
  "",
  "",
  "",
  "",
  "",
  "",
  0,
  "",
  0,
  "",
  "",
];

export const openOrderEnd = (): Field[] => [IN.OPEN_ORDER_END, 1];

export interface CompletedOrderFields {
  readonly orderId: number;
  readonly symbol: string;
  readonly action: "BUY" | "SELL";
  readonly quantity: number;
  readonly orderType: string;
  readonly lmtPrice: number | "";
  readonly auxPrice: number | "";
  readonly tif: string;
  readonly ocaGroup: string;
  readonly account: string;
  readonly orderRef: string;
  /** Filled, Cancelled, ApiCancelled or Inactive. */
  readonly status: string;
  readonly filled: number;
  /** `yyyyMMdd HH:mm:ss zone`, as TWS writes it. */
  readonly completedTime: string;
  readonly completedStatus: string;
}

/**
 * COMPLETED_ORDER (no order id, no client id, no version field; the decoder reads every versioned block as
 * present), for a plain stock order: the delta-neutral, combo, scale, hedge, algo and condition blocks are
 * sent empty, as in {@link openOrder}.
 */
export const completedOrder = (o: CompletedOrderFields): Field[] => [
  IN.COMPLETED_ORDER,
  // contract: conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, currency, localSymbol,
  // tradingClass
  265598,
  o.symbol,
  "STK",
  "",
  0,
  "",
  "",
  "SMART",
  "USD",
  o.symbol,
  "NMS",
  // action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, account, openClose, origin, orderRef,
  // permId, outsideRth, hidden, discretionaryAmt, goodAfterTime
  o.action,
  o.quantity,
  o.orderType,
  o.lmtPrice,
  o.auxPrice,
  o.tif,
  o.ocaGroup,
  o.account,
  "",
  0,
  o.orderRef,
  1000 + o.orderId,
  0,
  0,
  0,
  "",
  // faGroup, faMethod, faPercentage, modelCode, goodTillDate, rule80A, percentOffset, settlingFirm,
  // shortSaleSlot, designatedLocation, exemptCode
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  "",
  0,
  "",
  -1,
  // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper, displaySize, sweepToFill, allOrNone,
  // minQty, ocaType, triggerMethod
  "",
  "",
  "",
  "",
  "",
  "",
  0,
  0,
  "",
  o.ocaGroup ? 1 : 0,
  0,
  // volatility, volatilityType, deltaNeutralOrderType (empty: no delta-neutral fields), deltaNeutralAuxPrice,
  // continuousUpdate, referencePriceType
  "",
  0,
  "",
  "",
  0,
  0,
  // trailStopPrice, trailingPercent, comboLegsDescription, comboLegs count, orderComboLegs count,
  // smartComboRoutingParams count
  "",
  "",
  "",
  0,
  0,
  0,
  // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (empty: no further scale fields), hedgeType (empty),
  // clearingAccount, clearingIntent, notHeld, deltaNeutralContract flag, algoStrategy (empty), solicited
  "",
  "",
  "",
  "",
  "",
  "",
  0,
  0,
  "",
  0,
  // status, randomizeSize, randomizePrice, conditions count, trailStopPrice, lmtPriceOffset, cashQty,
  // dontUseAutoPriceForHedge, isOmsContainer, autoCancelDate, filledQuantity, refFuturesConId, autoCancelParent,
  // shareholder, imbalanceOnly, routeMarketableToBbo, parentPermId, completedTime, completedStatus
  o.status,
  0,
  0,
  0,
  "",
  "",
  "",
  0,
  0,
  "",
  o.filled,
  0,
  0,
  "",
  0,
  0,
  0,
  o.completedTime,
  o.completedStatus,
  // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf, customerAccount,
  // professionalCustomer
  "",
  "",
  "",
  "",
  "",
  "",
  0,
];

/** COMPLETED_ORDERS_END: no fields besides the id. */
export const completedOrdersEnd = (): Field[] => [IN.COMPLETED_ORDERS_END];
