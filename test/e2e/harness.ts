/**
 * What every end-to-end test uses: the installed `tradeplan` (see setup.ts),
 * run as a subprocess in a throw-away folder with real files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, inject } from "vitest";

/** The repository root (for examples/ only: tests never run the sources). */
export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** The shared real data (`../shared/data`), absent on a user's clone. */
export const SHARED_DATA = resolve(ROOT, "..", "shared", "data");

/** The installed executable. */
export function tradeplanBin(): string {
  return inject("tradeplanBin");
}

/** The folder of the installed executable (`<npm prefix>/bin`). */
export function tradeplanBinDir(): string {
  return inject("tradeplanBinDir");
}

/** An environment in which `tradeplan` on the PATH is the installed one, with no color and no TTY. */
export function e2eEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  // The workspace's own variables would leak pnpm/vitest state into the child.
  for (const k of Object.keys(env)) if (k.startsWith("npm_") || k.startsWith("VITEST")) delete env[k];
  env.PATH = [inject("tradeplanBinDir"), dirname(process.execPath), env.PATH ?? ""].join(delimiter);
  return env;
}

/** A fresh folder, removed after the test file's tests. */
export function workdir(prefix = "tradeplan-e2e-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes files (relative path → text) into `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** What a finished subprocess left. */
export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  /** Kill (SIGKILL) after this long; the result then has signal SIGKILL. Default 120 s. */
  readonly timeoutMs?: number;
  /** Run as this command instead of `tradeplan` (e.g. `runuser`), with the args given. */
  readonly command?: string;
  /** Use `env` exactly as given (no inherited variables, no tradeplan on the PATH). */
  readonly exactEnv?: boolean;
}

/** A running `tradeplan` with its output so far. */
export interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when `pattern` appears in stderr or stdout (rejects if the process exits first or after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  readonly done: Promise<Finished>;
}

/** Starts `tradeplan ARGS` (the installed binary, by its PATH name) in `cwd`. */
export function start(args: readonly string[], options: RunOptions): Running {
  const started = Date.now();
  const command = options.command ?? "tradeplan";
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.exactEnv ? { ...options.env } : e2eEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const watchers: (() => void)[] = [];
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    for (const w of watchers.slice()) w();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString("utf8");
    for (const w of watchers.slice()) w();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  else child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  const done = new Promise<Finished>((resolveDone, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      for (const w of watchers.slice()) w();
      resolveDone({ code, signal, stdout: out, stderr: err, ms: Date.now() - started });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor(pattern, ms = 60_000) {
      return new Promise<void>((ok, fail) => {
        const deadline = setTimeout(() => {
          remove();
          fail(new Error(`timed out after ${ms} ms waiting for ${pattern}\nstderr:\n${err}\nstdout:\n${out}`));
        }, ms);
        const check = (): void => {
          if (pattern.test(err) || pattern.test(out)) {
            remove();
            ok();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            remove();
            fail(
              new Error(
                `exited (${child.exitCode ?? child.signalCode}) before ${pattern}\nstderr:\n${err}\nstdout:\n${out}`,
              ),
            );
          }
        };
        const remove = (): void => {
          clearTimeout(deadline);
          const i = watchers.indexOf(check);
          if (i >= 0) watchers.splice(i, 1);
        };
        watchers.push(check);
        check();
      });
    },
  };
}

/** Runs `tradeplan ARGS` to its end. */
export function tradeplan(args: readonly string[], options: RunOptions): Promise<Finished> {
  return start(args, options).done;
}

/** better-sqlite3 (the workspace's), typed as far as `journalledFills` uses it. */
const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new (
  file: string,
  options: { readonly: true },
) => { prepare(sql: string): { all(): { payload: string }[] }; close(): void };

/**
 * Shares in the fill records of the audit journal `db` per client order id, read as the file is now (a running
 * `tradeplan run` may be writing it): a test waits on these, not on a sleep, for fills to be committed.
 */
export function journalledFills(db: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(db)) return out;
  const d = new Sqlite(db, { readonly: true });
  try {
    for (const r of d.prepare("SELECT payload FROM audit_records WHERE kind = 'fill'").all()) {
      const fill = JSON.parse(r.payload) as { clientOrderId: string; quantity: number };
      out.set(fill.clientOrderId, (out.get(fill.clientOrderId) ?? 0) + fill.quantity);
    }
  } finally {
    d.close();
  }
  return out;
}

/** The shared data file's path, or undefined (with a message) when ../shared is absent. */
export function sharedFile(name: string): string | undefined {
  const file = join(SHARED_DATA, name);
  if (existsSync(file)) return file;
  process.stderr.write(`skipping: ${file} is absent (../shared/data is not on this machine)\n`);
  return undefined;
}
