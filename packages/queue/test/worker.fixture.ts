/**
 * A worker process from source, as `tradeplan worker --queue URL` runs one
 * (test/queue.test.ts spawns it with `node --conditions=@tradeplan/source
 * --import tsx`): prints `ready` once connected, stops on SIGTERM, prints
 * its summary as JSON and exits 0.
 */
import { parseQueueUrl, runWorker } from "../src/index.js";

const url = process.argv[2];
if (url === undefined) throw new Error("usage: worker.fixture.ts URL");
const stop = new AbortController();
process.on("SIGTERM", () => stop.abort());
const summary = await runWorker({
  target: parseQueueUrl(url),
  signal: stop.signal,
  idleMs: 50,
  flushMs: 0,
  onReady: () => process.stdout.write("ready\n"),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(summary)}\n`);
