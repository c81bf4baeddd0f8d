import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * The worker's code: a connection of its own to the database, a PASSIVE
 * checkpoint every `intervalMs`, and on "stop" the connection closed and the
 * main thread woken (it waits for that, so a database it then removes is no
 * longer open here).
 */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const flag = new Int32Array(workerData.stopped);
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma("busy_timeout = 100");
} catch (e) {
  parentPort.postMessage({ error: String(e && e.message || e) });
}
const timer = setInterval(() => {
  if (!db) return;
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  try { if (db) db.close(); } catch {}
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  parentPort.close();
});
`;

/** How long `stop` waits for the worker to close its connection. */
const STOP_WAIT_MS = 2_000;

/**
 * Checkpoints a WAL database from a thread of its own. A checkpoint copies
 * the pages the log holds back into the database file and syncs it; done on
 * the writer's thread when the log passes its size (SQLite's automatic
 * checkpoint, after a commit), it stalled the next batch of a thousand
 * symbols by a quarter of a second (the sync). A PASSIVE checkpoint on
 * another connection runs beside the writer's commits, which go on
 * appending to the log. The writer's own automatic checkpoint stays as a
 * net, at a size this one keeps the log well below.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private readonly stopped = new Int32Array(new SharedArrayBuffer(4));
  private done = false;
  /** The worker is gone (failed or exited): nothing to wait for. */
  private gone = false;

  /**
   * @param file the database file (open elsewhere, in WAL mode)
   * @param onError told (once) when the worker cannot open or checkpoint the file; the writer's own checkpoints go on
   */
  constructor(file: string, intervalMs: number, onError: (message: string) => void = () => undefined) {
    const module = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { file, module, intervalMs, stopped: this.stopped.buffer },
    });
    let told = false;
    const fail = (message: string) => {
      if (told) return;
      told = true;
      onError(message);
    };
    this.worker.on("message", (m: { error?: string }) => {
      if (m.error !== undefined) fail(m.error);
    });
    this.worker.on("error", (e) => {
      this.gone = true;
      fail(e.message);
    });
    this.worker.on("exit", () => {
      this.gone = true;
    });
    // Never what keeps a process alive.
    this.worker.unref();
  }

  /** Stops the worker, waiting (at most 2 s) until its connection is closed. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    if (this.gone) return;
    this.worker.postMessage("stop");
    Atomics.wait(this.stopped, 0, 0, STOP_WAIT_MS);
    void this.worker.terminate();
  }
}
