/**
 * Request ids for market data. TWS reports errors for requests and orders
 * through one id field, so request ids live far above any order id this
 * client will allocate.
 */
let next = 1_900_000_000;

export function allocateRequestId(): number {
  next = next >= 2_147_000_000 ? 1_900_000_000 : next + 1;
  return next;
}
