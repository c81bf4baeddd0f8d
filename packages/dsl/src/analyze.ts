import type { PlanFile } from "./ast.js";
import { check } from "./checker/index.js";
import type { CompiledPlan } from "./compiled.js";
import { compile } from "./compiler.js";
import { type Diagnostic, DiagnosticCollector } from "./diagnostics.js";
import { parse } from "./parser.js";
import type { SemanticModel } from "./semantic.js";

export interface AnalyzeOptions {
  /** Symbol to trade when the plan declares none (CLI `--symbol`). */
  readonly symbol?: string;
  /** Used as the plan name when the file has no `plan` statement. */
  readonly fileName?: string;
  /** Produce the compiled plan when there are no errors (default true). */
  readonly compile?: boolean;
  /** Bars each stream may keep; lookbacks beyond it are errors (default 1000). */
  readonly barCacheSize?: number;
  /**
   * Values for the plan's params (`--set NAME=VALUE`), bound when it compiles.
   * A value the plan does not accept throws a `ParamValueError` (these come
   * from the caller, not from the plan; see `compile`).
   */
  readonly params?: Readonly<Record<string, number>>;
}

export interface AnalyzeResult {
  readonly ast: PlanFile;
  /** Every problem, sorted by position. */
  readonly diagnostics: Diagnostic[];
  readonly semantic: SemanticModel;
  /** Present only when the plan has no errors and compilation was requested. */
  readonly compiled?: CompiledPlan;
}

/**
 * The single entry point the CLI and the language server share. Total: any
 * string yields a result with diagnostics, never an exception (malformed
 * `options` throw: see `barCacheSize` and `params`).
 */
export function analyze(source: string, options: AnalyzeOptions = {}): AnalyzeResult {
  const diagnostics = new DiagnosticCollector();
  const ast = parse(source, diagnostics);
  const semantic = check(ast, diagnostics, options);
  let compiled: CompiledPlan | undefined;
  if (options.compile !== false && !diagnostics.hasErrors) {
    compiled = compile(ast, semantic, source, diagnostics, options.params ? { params: options.params } : {});
  }
  return compiled
    ? { ast, diagnostics: diagnostics.toArray(), semantic, compiled }
    : { ast, diagnostics: diagnostics.toArray(), semantic };
}
