/**
 * Messages between the optimize pool (pool.ts) and its workers (worker.ts).
 * Types only: importing this module loads nothing at run time, so the
 * worker's entry stays @tradeplan/core and @tradeplan/dsl alone.
 */
import type { BarColumnsTransfer, VariantResult, VariantSetup, VariantTask } from "@tradeplan/core";

/** Pool to worker. */
export type ToWorker =
  /** First and once: what every task shares; the bars' buffer is shared memory, not copied. */
  | { readonly type: "init"; readonly setup: VariantSetup; readonly bars: BarColumnsTransfer }
  /** A batch of tasks, in variant order; the worker reports each as it finishes. */
  | { readonly type: "tasks"; readonly tasks: readonly VariantTask[] };

/** Worker to pool. */
export type FromWorker =
  /** The context is built: tasks may come. */
  | { readonly type: "ready" }
  /** The context could not be built (the plan has errors, the bars do not fit): the pool cannot run. */
  | { readonly type: "init-failed"; readonly error: string }
  /** One task's result, in the order of its batch. */
  | { readonly type: "result"; readonly result: VariantResult };
