/**
 * Stands in for `node:fs` in the browser bundle. The runtime's backtest
 * runner module also holds the CSV-file entry point (`runBacktestCsv`),
 * which imports `createReadStream`; the playground never reads files (it
 * generates the demo bars), so the import only has to resolve. Calling it
 * anyway fails with a clear reason instead of an undefined function.
 */
export function createReadStream(path: unknown): never {
  throw new Error(`PG_NO_FS: cannot read ${String(path)}: the browser playground has no file system`);
}
