/** Seconds in a timeframe string such as `5m`; undefined when it is not one. */
export function timeframeSeconds(tf: string): number | undefined {
  const m = /^([1-9][0-9]*)([smhd])$/.exec(tf);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] === "s" ? 1 : m[2] === "m" ? 60 : m[2] === "h" ? 3600 : 86400;
  return n * unit;
}

/** The shortest timeframe string for a number of seconds (`300` -> `5m`). */
export function secondsToTimeframe(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
