import { processIO } from "./io.js";
import { run } from "./program.js";

/**
 * Runs `tradeplan` on this process's arguments: the entry of both dist/bin.js
 * and the fast commands' bundle (dist/fast.cjs, see fast-start.ts). Sets
 * `exitCode` rather than calling `exit()`, so that output buffered for a
 * pipe is flushed first.
 */
export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2), processIO());
}
