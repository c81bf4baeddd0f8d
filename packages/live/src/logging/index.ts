export type { Logger } from "pino";
export {
  type ExecutionLoggingConfig,
  type ExecutionLoggingConfigInput,
  ExecutionLoggingConfigSchema,
  LOG_LEVELS,
  LoggingError,
  type LoggingErrorCode,
  parseExecutionLoggingConfig,
  retentionCutoff,
} from "./config.js";
export { type CreateLoggerOptions, createLogger } from "./logger.js";
export { type LineTimes, prettyLine, prettyStream, type TextOut } from "./pretty.js";
export { loggingSink } from "./sink.js";
