/**
 * The entry of an optimize worker thread (started by pool.ts). It loads
 * @tradeplan/core and @tradeplan/dsl only: no commander, no CLI, no SQLite,
 * IB or logging (test/optimize-pool.test.ts checks the import graph).
 */
import { parentPort } from "node:worker_threads";
import { serveOptimizeWorker } from "./serve.js";

if (parentPort === null) throw new Error("optimize/worker.js runs as a worker thread of `tradeplan optimize`");
serveOptimizeWorker(parentPort);
