import { mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type DestinationStream, type Logger, pino } from "pino";
import {
  type ExecutionLoggingConfig,
  type ExecutionLoggingConfigInput,
  LoggingError,
  parseExecutionLoggingConfig,
} from "./config.js";
import { type LineTimes, prettyStream } from "./pretty.js";

/** Overrides for {@link createLogger} (tests, embedding). */
export interface CreateLoggerOptions {
  /** Write here instead of the configured destination (each write is one JSON line). */
  readonly stream?: DestinationStream;
  /** Whether stdout is a terminal (default `process.stdout.isTTY`); decides pretty lines when `structured` is false. */
  readonly isTTY?: boolean;
  /** Color the level in pretty lines (default: when pretty). */
  readonly color?: boolean;
  /** Called when the log file cannot be written later on (disk full); default: one line on stderr. */
  readonly onError?: (error: Error) => void;
  /** Fields on every line (default: pino's pid and hostname). */
  readonly base?: Record<string, unknown> | null;
  /**
   * Readable lines or JSON: `pretty`, `json`, or `auto` (default): the config's
   * `structured` when it is set, else readable lines on a terminal and JSON elsewhere.
   */
  readonly format?: "auto" | "json" | "pretty";
  /** How readable lines show instants (default UTC). */
  readonly times?: LineTimes;
}

/**
 * A pino logger for an `execution_logging` section (validated; raw input
 * accepted). JSON lines go to stderr, stdout or are appended to the destination
 * file, asynchronously (call `logger.flush()` before exiting; the audit
 * journal, not the log, is the durable record). With `structured: false`
 * and a terminal, lines are formatted for people instead.
 *
 * Throws {@link LoggingError}: `LOG_CONFIG_INVALID`, or `LOG_DESTINATION`
 * when the log file cannot be opened for appending.
 */
export function createLogger(
  config: ExecutionLoggingConfig | ExecutionLoggingConfigInput,
  options: CreateLoggerOptions = {},
): Logger {
  const c = parseExecutionLoggingConfig(config);
  const base = options.base === undefined ? {} : { base: options.base };
  const pinoOptions = { level: c.level, ...base };
  const fd = c.destination === "stdout" ? 1 : c.destination === "stderr" ? 2 : undefined;
  const terminal = fd === 1 ? process.stdout : process.stderr;
  const tty = options.isTTY ?? terminal.isTTY === true;
  const format = options.format ?? "auto";
  const pretty =
    fd !== undefined &&
    (format === "pretty" || (format === "auto" && (c.structured === undefined ? tty : !c.structured && tty)));
  const time = options.times ?? {};
  if (options.stream) {
    const target = pretty ? prettyStream(options.stream, { color: options.color ?? false, ...time }) : options.stream;
    return pino(pinoOptions, target);
  }
  if (pretty) return pino(pinoOptions, prettyStream(terminal, { color: options.color ?? true, ...time }));
  const dest = pino.destination({ fd: fd ?? openLogFile(c.destination), sync: false });
  let reported = false;
  dest.on("error", (e: Error) => {
    if (options.onError) options.onError(e);
    else if (!reported) process.stderr.write(`tradeplan: cannot write the log ${c.destination}: ${e.message}\n`);
    reported = true;
  });
  return pino(pinoOptions, dest);
}

/** Opens the log file for appending (creating its directory) now, so a bad path fails here with a clear message. */
function openLogFile(path: string): number {
  const file = resolve(path);
  try {
    mkdirSync(dirname(file), { recursive: true });
    return openSync(file, "a");
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why =
      code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "ENOTDIR" || code === "EEXIST"
            ? "a part of the path is not a directory"
            : e instanceof Error
              ? e.message
              : String(e);
    throw new LoggingError(
      "LOG_DESTINATION",
      `execution_logging.destination: cannot open \`${path}\` for appending: ${why}`,
      {
        cause: e,
      },
    );
  }
}
