/**
 * Server messages at server version 193, in the field order @stoqey/ib
 * 1.6.10's decoder reads them (core/io/decoder.js). Message ids are TWS's
 * IN_MSG_ID values.
 */
export type Field = string | number | boolean | undefined;

export const IN = {
  ORDER_STATUS: 3,
  ERR_MSG: 4,
  NEXT_VALID_ID: 9,
  EXECUTION_DATA: 11,
  MANAGED_ACCTS: 15,
  HISTORICAL_DATA: 17,
  REAL_TIME_BARS: 50,
  EXECUTION_DATA_END: 55,
  COMMISSION_REPORT: 59,
  HISTORICAL_DATA_UPDATE: 90,
} as const;

/** Client message ids (OUT_MSG_ID). */
export const OUT = {
  PLACE_ORDER: 3,
  CANCEL_ORDER: 4,
  REQ_EXECUTIONS: 7,
  REQ_IDS: 8,
  REQ_HISTORICAL_DATA: 20,
  CANCEL_HISTORICAL_DATA: 25,
  REQ_REAL_TIME_BARS: 50,
  CANCEL_REAL_TIME_BARS: 51,
  START_API: 71,
} as const;

export const nextValidId = (id: number): Field[] => [IN.NEXT_VALID_ID, 1, id];
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
