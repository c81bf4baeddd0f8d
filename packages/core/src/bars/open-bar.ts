/** The OHLCV fields of a bar still being built (aggregator buckets, detector streams). */
export interface OpenBarFields {
  has: boolean;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** An empty open bar: what the detector's streams and the live session's bar builders start from. */
export class OpenBar implements OpenBarFields {
  has = false;
  o = 0;
  h = 0;
  l = 0;
  c = 0;
  v = 0;
}

/**
 * Folds one update into an open bar: the first update sets open, later ones
 * extend high/low, replace close and add volume. Returns true when the update
 * was the bar's first. Shared by the aggregator and the bar-close detector so
 * the two build identical bars.
 */
export function foldIntoBar(b: OpenBarFields, o: number, h: number, l: number, c: number, v: number): boolean {
  if (b.has) {
    if (h > b.h) b.h = h;
    if (l < b.l) b.l = l;
    b.c = c;
    b.v += v;
    return false;
  }
  b.has = true;
  b.o = o;
  b.h = h;
  b.l = l;
  b.c = c;
  b.v = v;
  return true;
}
