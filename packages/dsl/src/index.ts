/**
 * @packageDocumentation
 * The `.plan` language: `analyze(source)` runs lexer → parser → checker →
 * compiler and returns everything the CLI and the language server need.
 *
 * @module @tradeplan/dsl
 */

export { type AnalyzeOptions, type AnalyzeResult, analyze } from "./analyze.js";
export * from "./ast.js";
export { CALENDARS, type CalendarInfo, calendarNames, findCalendar } from "./calendars.js";
export {
  canonicalTimeZone,
  check,
  DEFAULT_BAR_CACHE_SIZE,
  DEFAULT_TIMEZONE,
  didYouMean,
  editDistance,
  irLookback,
  type LookbackTerm,
  lookbackStep,
  SESSION_HOURS,
  type StreamLookback,
  timeframeProblem,
} from "./checker/index.js";
export { INDICATOR_NAMES, INDICATORS, type IndicatorInfo, type IndicatorName } from "./checker/indicators.js";
export {
  bindParams,
  type ParamLiteral,
  type ParamSpec,
  ParamValueError,
  parseParamValue,
  showParamValue,
  unknownParam,
} from "./checker/params.js";
export { childExprs, statementExprs } from "./checker/walk.js";
export { codeAnchor, codeDocUrl, DIAGNOSTICS_DOC_URL } from "./code-docs.js";
export * from "./codes.js";
export * from "./compiled.js";
export { CONFIDENCE_FLOORS, type CompileOptions, compile, paramSpecs } from "./compiler.js";
export * from "./diagnostics.js";
export { type ExpectedToken, expectedTokens } from "./expected.js";
export { type FormatResult, format, printComment, printExpr, printStatement, sameStructure } from "./format.js";
export { createIncrementalAnalyzer, type IncrementalAnalyzer, type IncrementalStats } from "./incremental.js";
export {
  KEYWORDS,
  type LexResult,
  MAX_LINE_CHARS,
  MAX_SOURCE_CHARS,
  MAX_TOKEN_CHARS,
  type TokenKind,
  tokenize,
  tokenKind,
} from "./lexer.js";
export { LineIndex, lineBoundsAt, type TokenOffsets } from "./line-index.js";
export { MAX_NESTING, MAX_STATEMENT_TOKENS, parse } from "./parser.js";
export * from "./semantic.js";
