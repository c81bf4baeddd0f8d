import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { BarColumns, StopSignal, VariantResult, VariantRunner, VariantSetup, VariantTask } from "@tradeplan/core";
import type { FromWorker, ToWorker } from "./protocol.js";

/** Where a worker's code is, and the Node flags it starts with. */
export interface WorkerEntry {
  readonly url: URL;
  /** Default: the process's own flags (`process.execArgv`). */
  readonly execArgv?: readonly string[];
}

export interface WorkerPoolOptions {
  /** What every task shares (the plan's text, the backtest's settings). */
  readonly setup: VariantSetup;
  /** The bars, parsed once; their buffer is shared with every worker, not copied. */
  readonly bars: BarColumns;
  /** Worker threads (`--jobs`); default: `os.availableParallelism()`. */
  readonly jobs?: number;
  /** Most tasks handed to a worker at a time (default 8); fewer as the queue runs low. */
  readonly maxBatch?: number;
  /** The worker's entry; default: worker.js beside this module (tests give one that fails on purpose). */
  readonly worker?: WorkerEntry;
}

/** The pool could not run at all: a worker failed to start or to set up the sweep. */
export class WorkerStartError extends Error {
  readonly code = "OPTIMIZE_WORKER_START";
  constructor(message: string) {
    super(message);
    this.name = "WorkerStartError";
  }
}

/** One worker thread and what it is doing. */
interface Slot {
  readonly worker: Worker;
  /** It has built its context and takes tasks. */
  ready: boolean;
  /** The batch it is running, in order, less the tasks it has reported. */
  inFlight: VariantTask[];
  /** Its uncaught error, if it threw one (its `exit` follows). */
  lastError: string | undefined;
  /** Terminated by the pool: its exit is no death. */
  gone: boolean;
}

/** The sweep being run. */
interface RunState {
  /** Tasks not yet handed out are `queue[head..]`. */
  queue: VariantTask[];
  head: number;
  /** Tasks not yet reported. */
  pending: number;
  readonly onResult: (result: VariantResult) => void;
  readonly signal: StopSignal | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Stops watching the signal. */
  unwatch: () => void;
}

/** An `AbortSignal`, seen through the platform-free {@link StopSignal}. */
interface EventSignal extends StopSignal {
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

const hasEvents = (s: StopSignal): s is EventSignal =>
  typeof (s as Partial<EventSignal>).addEventListener === "function" &&
  typeof (s as Partial<EventSignal>).removeEventListener === "function";

/** How often a signal without events is looked at while a sweep runs, ms. */
const POLL_MS = 25;

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** worker.js beside this module (worker.ts when this module runs from the TypeScript sources). */
function defaultWorker(): WorkerEntry {
  const here = import.meta.url;
  return { url: new URL(here.endsWith(".ts") ? "./worker.ts" : "./worker.js", here) };
}

/**
 * The ES module of tsx's `tsx/esm/api` (a devDependency of the workspace),
 * from its package's exports: resolving it as CommonJS gives its CommonJS
 * build, whose `tsImport` looks for its loader at a path that is not there.
 */
function tsxImportApi(): string {
  const manifest = createRequire(import.meta.url).resolve("tsx/package.json");
  const exports: unknown = JSON.parse(readFileSync(manifest, "utf8")).exports;
  const api = (exports as { "./esm/api"?: { import?: { default?: unknown } } } | undefined)?.["./esm/api"]?.import
    ?.default;
  if (typeof api !== "string") throw new Error(`${manifest}: no ES module export "./esm/api"`);
  return new URL(api, pathToFileURL(manifest)).href;
}

/**
 * A worker thread running `entry`. A TypeScript entry (the workspace's
 * sources, in tests) is loaded through tsx's `tsImport` with the sources'
 * export condition: Node 20 applies no `--import` hooks to a worker's own
 * entry, so a small evaluated bootstrap imports it instead.
 */
function startWorker(entry: WorkerEntry): Worker {
  const execArgv = entry.execArgv ? [...entry.execArgv] : undefined;
  if (!entry.url.pathname.endsWith(".ts")) return new Worker(entry.url, execArgv ? { execArgv } : {});
  const tsx = tsxImportApi();
  const target = JSON.stringify(entry.url.href);
  const boot = `import(${JSON.stringify(tsx)}).then((t) => t.tsImport(${target}, ${target}))`;
  return new Worker(boot, { eval: true, execArgv: [...(execArgv ?? []), "--conditions=@tradeplan/source"] });
}

/**
 * Runs a sweep's tasks on `worker_threads` (`tradeplan optimize --jobs N`).
 * Each worker gets the bars' shared buffer and the sweep's set-up once, and
 * builds its context once; tasks are then handed out in small batches in
 * variant order, and each result is reported with its index as it arrives
 * (the caller reduces them in variant order, so the outcome does not depend
 * on which worker finished first).
 *
 * A worker that dies (it threw outside a task, or exited) costs the task it
 * was running, reported failed with the reason; the rest of its batch goes
 * back to the queue and a new worker takes its place. Aborting the signal
 * terminates every worker at once; `run` then resolves with what had been
 * reported. Workers stay up between runs (a walk-forward runs twice) and
 * do not keep the process alive between them; {@link close} ends them.
 */
export class WorkerPool implements VariantRunner {
  /** Worker threads at most. */
  readonly jobs: number;
  private readonly maxBatch: number;
  private readonly entry: WorkerEntry;
  private readonly slots = new Set<Slot>();
  private current: RunState | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    const jobs = options.jobs ?? availableParallelism();
    if (!Number.isSafeInteger(jobs) || jobs < 1) throw new RangeError(`jobs must be a whole number >= 1, got ${jobs}`);
    this.jobs = jobs;
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 8));
    this.entry = options.worker ?? defaultWorker();
  }

  /** Worker threads running now. */
  get size(): number {
    return this.slots.size;
  }

  run(tasks: readonly VariantTask[], onResult: (result: VariantResult) => void, signal?: StopSignal): Promise<void> {
    if (this.current !== undefined) return Promise.reject(new Error("a WorkerPool runs one sweep at a time"));
    if (tasks.length === 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const state: RunState = {
        queue: [...tasks],
        head: 0,
        pending: tasks.length,
        onResult,
        signal,
        resolve,
        reject,
        unwatch: () => {},
      };
      this.current = state;
      if (signal !== undefined) state.unwatch = this.watch(signal);
      for (const s of this.slots) s.worker.ref();
      const want = Math.min(this.jobs, tasks.length);
      while (this.slots.size < want) this.spawn();
      for (const s of this.slots) this.dispatch(s);
    });
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    await this.terminateAll();
  }

  /** Calls {@link stop} when `signal` is aborted; returns how to stop watching. */
  private watch(signal: StopSignal): () => void {
    const onAbort = () => void this.stop();
    if (hasEvents(signal)) {
      signal.addEventListener("abort", onAbort);
      return () => signal.removeEventListener("abort", onAbort);
    }
    const timer = setInterval(() => {
      if (signal.aborted) onAbort();
    }, POLL_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private spawn(): void {
    const worker = startWorker(this.entry);
    const slot: Slot = { worker, ready: false, inFlight: [], lastError: undefined, gone: false };
    this.slots.add(slot);
    worker.on("message", (m: FromWorker) => this.onMessage(slot, m));
    worker.on("error", (e) => {
      slot.lastError = messageOf(e);
    });
    worker.on("exit", (code) => this.onExit(slot, code));
    const init: ToWorker = { type: "init", setup: this.options.setup, bars: this.options.bars.transfer() };
    worker.postMessage(init);
    if (this.current === undefined) worker.unref();
  }

  /** Hands `slot` its next batch, if it is free and tasks are left. */
  private dispatch(slot: Slot): void {
    const st = this.current;
    if (st === undefined || !slot.ready || slot.gone || slot.inFlight.length > 0) return;
    const left = st.queue.length - st.head;
    if (left === 0) return;
    // Guided: large batches while the queue is long (fewer messages), single tasks at the end (no worker idles
    // while another works through a batch).
    const size = Math.max(1, Math.min(this.maxBatch, Math.floor(left / (2 * this.slots.size))));
    const batch = st.queue.slice(st.head, st.head + size);
    st.head += size;
    slot.inFlight = batch;
    const message: ToWorker = { type: "tasks", tasks: batch };
    slot.worker.postMessage(message);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (slot.gone) return;
    switch (m.type) {
      case "ready":
        slot.ready = true;
        this.dispatch(slot);
        return;
      case "init-failed":
        this.fail(new WorkerStartError(`an optimize worker could not set up the sweep: ${m.error}`));
        return;
      case "result": {
        const at = slot.inFlight.findIndex((t) => t.index === m.result.index);
        if (at >= 0) slot.inFlight.splice(at, 1);
        this.deliver(m.result);
        if (slot.inFlight.length === 0) this.dispatch(slot);
        return;
      }
    }
  }

  /** A worker ended: by the pool's hand (nothing to do), or it died, costing the task it was running. */
  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot);
    if (slot.gone) return;
    slot.gone = true;
    const st = this.current;
    if (st === undefined) return;
    const reason = slot.lastError ?? `it exited with code ${code}`;
    // Dying before it could set up is no task's fault: a replacement would die the same way.
    if (!slot.ready) {
      this.fail(new WorkerStartError(`an optimize worker stopped while starting: ${reason}`));
      return;
    }
    const [culprit, ...rest] = slot.inFlight;
    slot.inFlight = [];
    if (rest.length > 0) {
      st.queue = [...rest, ...st.queue.slice(st.head)];
      st.head = 0;
    }
    if (culprit !== undefined) {
      this.deliver({ index: culprit.index, ok: false, error: `the worker thread running it died: ${reason}` });
      if (this.current !== st) return;
    }
    if (st.queue.length - st.head > 0 && this.slots.size < this.jobs) this.spawn();
  }

  /** Reports one result; settles the run when it was the last, or stops it when the signal says so. */
  private deliver(result: VariantResult): void {
    const st = this.current;
    if (st === undefined) return;
    try {
      st.onResult(result);
    } catch (e) {
      this.fail(e);
      return;
    }
    st.pending--;
    if (st.pending === 0) this.settle(st);
    else if (st.signal?.aborted) void this.stop();
  }

  /** Ends the current run: every task has reported. */
  private settle(st: RunState): void {
    if (this.current !== st) return;
    this.current = undefined;
    st.unwatch();
    for (const s of this.slots) s.worker.unref();
    st.resolve();
  }

  /** The signal was aborted: every worker is terminated, then the run resolves with what was reported. */
  private async stop(): Promise<void> {
    const st = this.current;
    if (st === undefined) return;
    this.current = undefined;
    st.unwatch();
    await this.terminateAll();
    st.resolve();
  }

  /** The pool cannot go on: every worker is terminated, then the run rejects. */
  private fail(error: unknown): void {
    const st = this.current;
    if (st === undefined) return;
    this.current = undefined;
    st.unwatch();
    void this.terminateAll().finally(() => st.reject(error));
  }

  private async terminateAll(): Promise<void> {
    const all = [...this.slots];
    this.slots.clear();
    for (const s of all) s.gone = true;
    await Promise.all(all.map((s) => s.worker.terminate()));
  }
}
