/**
 * @packageDocumentation
 * The `.plan` language: `analyze(source)` runs lexer → parser → checker →
 * compiler and returns everything the CLI and the language server need.
 */
export * from "./ast.js";
export * from "./diagnostics.js";
export * from "./codes.js";
export * from "./compiled.js";
export * from "./semantic.js";
export { analyze, type AnalyzeOptions, type AnalyzeResult } from "./analyze.js";
