/**
 * The time source of function budgets. Injectable so that tests can run a
 * function that never resolves against virtual time instead of waiting.
 */
export interface BudgetTimer {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock budget timer (performance.now and the global timers). */
export const realBudgetTimer: BudgetTimer = {
  now: () => performance.now(),
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Settles with the promise's outcome, or with `timeout` when `ms` pass first (never with an infinite `ms`). */
export function withBudget<T>(
  promise: Promise<T>,
  ms: number,
  timer: BudgetTimer,
): Promise<{ kind: "value"; value: T } | { kind: "error"; error: unknown } | { kind: "timeout" }> {
  if (!Number.isFinite(ms)) {
    // No budget: Node would turn an infinite delay into 1 ms, so no timer at all.
    return promise.then(
      (value) => ({ kind: "value" as const, value }),
      (error: unknown) => ({ kind: "error" as const, error }),
    );
  }
  return new Promise((resolve) => {
    let done = false;
    const handle = timer.setTimeout(() => {
      if (done) return;
      done = true;
      resolve({ kind: "timeout" });
    }, ms);
    promise.then(
      (value) => {
        if (done) return;
        done = true;
        timer.clearTimeout(handle);
        resolve({ kind: "value", value });
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        timer.clearTimeout(handle);
        resolve({ kind: "error", error });
      },
    );
  });
}
