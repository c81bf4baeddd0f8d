import { BarColumns, runVariantTask, VariantContext, type VariantResult, type VariantTask } from "@tradeplan/core";
import type { FromWorker, ToWorker } from "./protocol.js";

/** How a worker runs one task (`runVariantTask`; a test substitutes one that fails on purpose). */
export type TaskRunner = (context: VariantContext, task: VariantTask) => VariantResult;

/** The side of a `MessagePort` a worker uses (`parentPort`). */
export interface WorkerPort {
  on(event: "message", listener: (message: ToWorker) => void): unknown;
  postMessage(message: FromWorker): void;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Serves an optimize pool on `port`: builds the sweep's context once from
 * the `init` message (the bars stay in the shared buffer), then runs each
 * batch of tasks in order and posts every result as it is done. A task
 * whose runner throws is reported failed with the error, and the worker
 * goes on.
 */
export function serveOptimizeWorker(port: WorkerPort, run: TaskRunner = runVariantTask): void {
  let context: VariantContext | undefined;
  port.on("message", (m) => {
    if (m.type === "init") {
      try {
        context = VariantContext.create(m.setup, BarColumns.fromTransfer(m.bars));
        port.postMessage({ type: "ready" });
      } catch (e) {
        port.postMessage({ type: "init-failed", error: messageOf(e) });
      }
      return;
    }
    for (const task of m.tasks) {
      let result: VariantResult;
      try {
        if (context === undefined) throw new Error("the worker was given tasks before its set-up");
        result = run(context, task);
      } catch (e) {
        result = { index: task.index, ok: false, error: messageOf(e) };
      }
      port.postMessage({ type: "result", result });
    }
  });
}
