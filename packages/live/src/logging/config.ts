import { issueLines } from "@tradeplan/core/internal";
import { z } from "zod";

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The `execution_logging` section of the runtime config. */
export const ExecutionLoggingConfigSchema = z
  .object({
    level: z.enum(LOG_LEVELS).default("info"),
    /**
     * `true`: JSON lines always. `false`: readable lines when writing to a terminal (JSON elsewhere).
     * Absent: readable lines on a terminal, JSON lines elsewhere (`tradeplan run --log-format` overrides).
     */
    structured: z.boolean().optional(),
    /** Audit records older than this many days are pruned (see `retentionCutoff`). */
    retention_days: z.number().int().min(1).max(36_500).default(90),
    /** Log every evaluation with its duration. */
    performance_metrics: z.boolean().default(false),
    /** Log every evaluation with its reasoning and metadata. */
    include_context: z.boolean().default(false),
    /**
     * `stderr` (default: a command's own output, such as `run`'s summary, stays alone on stdout),
     * `stdout`, or a file path (appended to; its directory is created).
     */
    destination: z.string().trim().min(1, "must be `stderr`, `stdout` or a file path").default("stderr"),
  })
  .strict();

export type ExecutionLoggingConfig = z.output<typeof ExecutionLoggingConfigSchema>;
export type ExecutionLoggingConfigInput = z.input<typeof ExecutionLoggingConfigSchema>;

/** Stable codes of logging failures. */
export type LoggingErrorCode = "LOG_CONFIG_INVALID" | "LOG_DESTINATION";

/** A logging configuration or destination problem, with a stable code. */
export class LoggingError extends Error {
  override readonly name = "LoggingError";
  constructor(
    readonly code: LoggingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Validates an `execution_logging` section (absent: all defaults). Throws
 * {@link LoggingError} `LOG_CONFIG_INVALID` naming each bad field.
 */
export function parseExecutionLoggingConfig(raw: unknown, where = "execution_logging"): ExecutionLoggingConfig {
  const r = ExecutionLoggingConfigSchema.safeParse(raw ?? {});
  if (!r.success)
    throw new LoggingError(
      "LOG_CONFIG_INVALID",
      `invalid ${where}: ${issueLines(r.error.issues)
        .map((l) => `${where}.${l}`)
        .join("; ")}`,
    );
  return r.data;
}

/** The time (epoch ms) before which audit records are past retention. */
export function retentionCutoff(config: Pick<ExecutionLoggingConfig, "retention_days">, now: number): number {
  return now - config.retention_days * 86_400_000;
}
