import { prettyStream } from "@tradeplan/live";
import type { LogFormat } from "../commands/choices.js";
import type { CliIO } from "../io.js";
import { LocalTime } from "../render/local-time.js";
import { formatStatus, type RunStatus } from "./status-line.js";
import { StatusTerminal } from "./terminal.js";

export type { LogFormat };

/** How often the status line is redrawn (it also follows every event line). */
const REDRAW_MS = 250;

/** Where `run` writes its log when the log goes to the command's stderr or stdout. */
export interface RunConsole {
  /** Readable lines (true) or JSON lines. */
  readonly pretty: boolean;
  /** The pino destination: one JSON line per write. */
  readonly stream: { write(line: string): void };
  /** Starts redrawing the status line from `snapshot` (on a terminal only). */
  watch(snapshot: () => RunStatus): void;
  /** Stops the status line (before the summary is printed). */
  close(): void;
}

export interface RunConsoleOptions {
  readonly format: LogFormat;
  /** The config's `execution_logging.structured`, when set (the flag wins over it). */
  readonly structured: boolean | undefined;
  /** Where the log goes: the command's `stderr` or `stdout`. */
  readonly destination: "stderr" | "stdout";
  /** The exchange's zone: times on readable lines and the status line are local to it. */
  readonly zone: string;
  readonly color: boolean;
}

/**
 * The operator's console of `tradeplan run`. On a terminal (stderr, the
 * default destination) the log is readable lines, in the exchange's local
 * time, scrolling above a status line (state, market time, bars, signals,
 * orders, P&L, breaker) redrawn in place; elsewhere, or with
 * `--log-format json`, JSON lines as before, for machines.
 */
export function createRunConsole(io: CliIO, options: RunConsoleOptions): RunConsole {
  const out = options.destination === "stdout" ? io.stdout : io.stderr;
  const terminal = options.destination === "stderr" ? io.stderrTTY : io.isTTY ? { columns: () => 80 } : undefined;
  const pretty =
    options.format === "pretty" ||
    (options.format === "auto" &&
      (options.structured === undefined ? terminal !== undefined : !options.structured && terminal !== undefined));
  if (!pretty) {
    return { pretty, stream: { write: (line) => out.write(line) }, watch: () => undefined, close: () => undefined };
  }
  const local = new LocalTime(options.zone);
  const times = { time: (t: number) => local.clock(t), instant: (t: number) => local.dateTime(t) };
  if (terminal === undefined) {
    const stream = prettyStream(out, { color: options.color, ...times });
    return { pretty, stream, watch: () => undefined, close: () => undefined };
  }
  const screen = new StatusTerminal(out);
  const stream = prettyStream(screen, { color: options.color, ...times });
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    pretty,
    stream,
    watch(snapshot) {
      const draw = (): void => screen.status(formatStatus(snapshot(), local, terminal.columns()));
      draw();
      timer = setInterval(draw, REDRAW_MS);
      timer.unref();
    },
    close() {
      if (timer) clearInterval(timer);
      screen.close();
    },
  };
}
