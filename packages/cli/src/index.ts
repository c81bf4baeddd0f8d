/**
 * @packageDocumentation
 * The `tradeplan` command line. `run(argv, io)` runs it in-process (tests,
 * other tools); `bin.ts` wires it to the real process.
 */

export { diagnosticsMarkdown } from "./docs.js";
export { EXIT, type ExitCode, UsageError } from "./errors.js";
export { renderExplanation } from "./explain.js";
export {
  type CliIO,
  type DirEntry,
  type FileSystem,
  nodeFileSystem,
  type PathKind,
  processIO,
  type Writer,
} from "./io.js";
export { buildProgram, COMMANDS, type CommandRegistrar, type ProgramContext, run } from "./program.js";
export { renderGithub } from "./render/github.js";
export { type JsonReport, jsonReport, renderJson } from "./render/json.js";
export { renderPretty, renderSummary } from "./render/pretty.js";
export { renderSarif, sarifReport } from "./render/sarif.js";
