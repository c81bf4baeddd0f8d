/**
 * The fixed values of the command line's options, in a module that imports
 * nothing, so that the command table (register.ts) can offer them without
 * loading any command's implementation.
 */

/** `tradeplan check --format`. */
export const CHECK_FORMATS = ["pretty", "json", "github", "sarif"] as const;
/** `tradeplan test --format`. */
export const TEST_FORMATS = ["pretty", "json", "junit"] as const;
/** `tradeplan run --log-format`: readable lines, JSON lines, or readable on a terminal and JSON elsewhere. */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** The journal `tradeplan audit` reads when no DB argument is given (overridden by `TRADEPLAN_AUDIT_DB`). */
export const DEFAULT_AUDIT_DB = "tradeplan-audit.db";
/** Where `tradeplan demo` writes its report. */
export const DEMO_REPORT = "tradeplan-demo-report.html";
