/**
 * An optimize worker that misbehaves on purpose, for test/optimize-pool.test.ts:
 * the real worker (serveOptimizeWorker over runVariantTask) except that a
 * task with `params.fault` set throws (1), kills its thread (2), or tells
 * the test it started and then never ends (3).
 */
import { parentPort } from "node:worker_threads";
import { runVariantTask } from "@tradeplan/core";
import { serveOptimizeWorker } from "../src/optimize/serve.js";

/** Where a stuck task says it started (a BroadcastChannel reaches every thread of the process). */
export const STARTED_CHANNEL = "tradeplan-optimize-pool-test";

if (parentPort !== null)
  serveOptimizeWorker(parentPort, (context, task) => {
    const fault = task.params.fault;
    if (fault === 1) throw new Error(`variant ${task.index} throws`);
    if (fault === 2) process.exit(7);
    if (fault === 3) {
      const channel = new BroadcastChannel(STARTED_CHANNEL);
      channel.postMessage(task.index);
      channel.close();
      // Blocks this thread for good: only terminating the worker ends it.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    return runVariantTask(context, task);
  });
