import { type ChildProcess, spawn } from "node:child_process";
import { z } from "zod";
import { EXIT, UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { parseOptions } from "./shared.js";

const WorkerOptionsSchema = z.object({
  queue: z.string().trim().min(1, "must be postgres://USER@HOST:PORT/DB"),
  jobs: z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number, e.g. 4")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1024, "must be 1 to 1024")
    .default(1),
});

export type WorkerCommandOptions = z.input<typeof WorkerOptionsSchema>;

/** How the command stops: SIGTERM or SIGINT abort it. */
export interface WorkerHost {
  readonly signal: AbortSignal;
}

/**
 * `tradeplan worker --queue URL [--jobs N]`: takes sweep jobs from the
 * queue until SIGTERM (or Ctrl-C), then finishes the variant it is on,
 * writes what it has, gives the job back and exits 0. With `--jobs N` it
 * runs N worker processes (backtests are single-threaded: one per core) and
 * forwards the stop to them. A bad URL, a password in it or a server it
 * cannot reach: exit 2 with one line.
 */
export async function runWorkerCommand(rawOptions: WorkerCommandOptions, io: CliIO, host: WorkerHost): Promise<number> {
  const o = parseOptions(WorkerOptionsSchema, rawOptions);
  const { parseQueueUrl, QueueError, runWorker } = await import("@tradeplan/queue");
  try {
    const target = parseQueueUrl(o.queue);
    if (o.jobs > 1) return await runChildren(o.queue, o.jobs, io, host);
    const summary = await runWorker({
      target,
      signal: host.signal,
      onReady: () => io.stderr.write(`worker ${process.pid} waiting for jobs on ${target.label}\n`),
      log: (line) => io.stderr.write(`${line}\n`),
    });
    const overhead = summary.jobMs > 0 ? (100 * (summary.jobMs - summary.computeMs)) / summary.jobMs : 0;
    io.stderr.write(
      `worker ${process.pid} stopped: ${summary.jobs} jobs, ${summary.variants} variants, ${(summary.computeMs / 1000).toFixed(1)} s in backtests, queue overhead ${overhead.toFixed(2)} % of job time, ${summary.failed} jobs failed or given back\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * N single-job workers as child processes of this one (the same program,
 * `--jobs 1`): SIGTERM is passed on and each finishes cleanly. A child
 * that fails to start (exit 2: its line is on the shared stderr) stops the
 * others; one that dies otherwise is started again, since its job is
 * retried anyway.
 */
async function runChildren(url: string, jobs: number, io: CliIO, host: WorkerHost): Promise<number> {
  const script = process.argv[1];
  if (script === undefined)
    throw new UsageError("--jobs: cannot tell how this program was started; run --jobs 1 per core");
  const children = new Set<ChildProcess>();
  let failed = false;
  const stopAll = () => {
    for (const c of children) c.kill("SIGTERM");
  };
  host.signal.addEventListener("abort", stopAll);
  const start = (): Promise<void> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, script, "worker", "--queue", url, "--jobs", "1"], {
        stdio: ["ignore", "inherit", "inherit"],
      });
      children.add(child);
      child.on("exit", (code) => {
        children.delete(child);
        if (host.signal.aborted || failed) return resolve();
        if (code === EXIT.usage) {
          failed = true;
          stopAll();
          return resolve();
        }
        io.stderr.write(`worker ${child.pid} ended (${code ?? "killed"}); starting another\n`);
        setTimeout(() => void start().then(resolve), 1000);
      });
    });
  await Promise.all(Array.from({ length: jobs }, start));
  host.signal.removeEventListener("abort", stopAll);
  return failed ? EXIT.usage : EXIT.ok;
}
