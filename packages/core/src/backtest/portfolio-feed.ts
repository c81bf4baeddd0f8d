import type { BarData } from "../models.js";

/**
 * Calls `feed` with the bars of `lists` (each in time order, the lists in
 * symbol order) in order of close time; at equal close times the earlier
 * list's bar comes first.
 */
export function mergeByClose(lists: readonly (readonly BarData[])[], feed: (bar: BarData) => void): void {
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    let bestClose = Number.POSITIVE_INFINITY;
    for (let i = 0; i < lists.length; i++) {
      const b = lists[i]?.[at[i] ?? 0];
      if (b !== undefined && b.closeTime < bestClose) {
        best = i;
        bestClose = b.closeTime;
      }
    }
    if (best < 0) return;
    const list = lists[best] as readonly BarData[];
    const i = at[best] as number;
    at[best] = i + 1;
    feed(list[i] as BarData);
  }
}
