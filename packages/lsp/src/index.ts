/**
 * @packageDocumentation
 * The `.plan` language server. `startServer(connection)` is environment
 * neutral; `@tradeplan/lsp/node` runs it over stdio and
 * `@tradeplan/lsp/browser` in a web worker.
 *
 * @module @tradeplan/lsp
 */
export { Analyzer, type DocumentAnalysis, fileNameOf, type Timers } from "./analysis.js";
export * from "./features/code-actions.js";
export * from "./features/completion.js";
export * from "./features/diagnostics.js";
export * from "./features/folding.js";
export * from "./features/formatting.js";
export * from "./features/hover.js";
export * from "./features/names.js";
export * from "./features/semantic-tokens.js";
export * from "./features/signature-help.js";
export * from "./features/symbols.js";
export { type OnDocument, type RequestContext, SERVER_INFO, type ServerOptions, startServer } from "./server.js";
export * from "./settings.js";
