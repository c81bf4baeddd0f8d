/**
 * A function from epoch ms to its UTC date (`YYYY-MM-DD`) that formats a date
 * only when the day changes: the engine and the paper broker ask on every bar,
 * and a `Date` plus `toISOString` per call showed up in their profiles.
 * Each call of `utcDayKey` returns its own cache.
 */
export function utcDayKey(): (time: number) => string {
  let from = 0;
  let to = -1;
  let key = "";
  return (t) => {
    if (!(t >= from && t < to)) {
      from = Math.floor(t / 86_400_000) * 86_400_000;
      to = from + 86_400_000;
      key = new Date(t).toISOString().slice(0, 10);
    }
    return key;
  };
}
